"""The COCO model-zoo recipes read COCO through sfkd's CheckedCocoDataset: a file whose ids
mmdet would follow without a word (orphan image ids, undeclared or 0-based categories,
repeated annotation ids) is refused in one line, images without boxes are counted."""
import json
from functools import lru_cache

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from sfkd_testing import ROOT, logged_messages

from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

RECIPES = ['cwd/cwd_gfl-r101_gfl-r50_coco.py', 'pkd/pkd_retinanet-x101_retinanet-r50_coco.py',
           'mgd/mgd_retinanet-x101_retinanet-r50_coco.py']


def tiny_coco() -> dict:
    """Three 64x48 images, two boxes on the first, one on the second, none on the third;
    categories numbered as in COCO (person 1, bicycle 2, car 3)."""
    return dict(
        images=[dict(id=i, file_name=f'{i}.jpg', width=64, height=48) for i in (1, 2, 3)],
        annotations=[dict(id=10, image_id=1, category_id=1, bbox=[1, 2, 30, 40], area=1200,
                          iscrowd=0),
                     dict(id=11, image_id=1, category_id=3, bbox=[5, 5, 20, 10], area=200,
                          iscrowd=0),
                     dict(id=12, image_id=2, category_id=2, bbox=[0, 0, 40, 40], area=1600,
                          iscrowd=0)],
        categories=[dict(id=1, name='person'), dict(id=2, name='bicycle'),
                    dict(id=3, name='car')])


@lru_cache()
def recipe_config(recipe: str) -> Config:
    return Config.fromfile(f'{ROOT}/configs/{recipe}')


def build(tmp_path, data, loader='train_dataloader', recipe=RECIPES[1]):
    """The recipe's own dataset config, pointed at ``data`` written as a COCO file."""
    (tmp_path / 'ann.json').write_text(json.dumps(data))
    dataset = recipe_config(recipe)[loader].dataset.to_dict()
    dataset.update(data_root=str(tmp_path), ann_file='ann.json', data_prefix=dict(img=''))
    with DefaultScope.overwrite_default_scope('sfkd'):
        return DATASETS.build(dataset)


@pytest.mark.parametrize('recipe', RECIPES)
def test_recipes_read_coco_with_the_checked_dataset(recipe, tmp_path):
    from sfkd.datasets.checked_coco import CheckedCocoDataset
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = build(tmp_path, tiny_coco(), loader, recipe)
        assert type(ds) is CheckedCocoDataset
    assert len(ds) == 3  # test mode keeps the image without boxes
    boxes = ds.get_data_info(0)['instances']
    assert [b['bbox_label'] for b in boxes] == [0, 2]  # person, car (COCO ids 1, 3)


def test_annotations_of_images_the_file_lacks_are_refused(tmp_path):
    data = tiny_coco()
    data['annotations'][2]['image_id'] = 7
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, data)
    assert str(err.value) == (
        f'{tmp_path}/ann.json: 1 of 3 annotations name an image_id that no image of the file '
        "has (first: 7; the images' ids: 1..3); each annotation's image_id must be the id of "
        'its entry in "images"')


def test_zero_based_categories_are_refused(tmp_path):
    data = tiny_coco()
    for a in data['annotations']:
        a['category_id'] -= 1
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, data)
    assert str(err.value).startswith(
        f'{tmp_path}/ann.json: annotations use category_id [0], which is not among the '
        "declared categories of the dataset's classes (ids [1, 2, 3]), and mmdet would drop "
        'those boxes;')


def test_repeated_annotation_ids_are_refused(tmp_path):
    data = tiny_coco()
    data['annotations'][2]['id'] = 10
    with pytest.raises(BadConfigError) as err:
        build(tmp_path, data)
    assert str(err.value) == (
        f'{tmp_path}/ann.json: 1 of 3 annotation ids are used more than once (first: 10); '
        'give each annotation its own "id"')


def test_images_without_boxes_are_counted_and_the_file_is_parsed_once(tmp_path, monkeypatch):
    import sfkd.datasets.checked_coco as checked
    check = checked.check_annotation_ids

    def parsed_by_mmdet(ann_file, classes, data=None):
        assert data is not None  # the check works on mmdet's parse of the file
        return check(ann_file, classes, data)
    monkeypatch.setattr(checked, 'check_annotation_ids', parsed_by_mmdet)
    with logged_messages() as said:
        ds = build(tmp_path, tiny_coco())
    assert f'{tmp_path}/ann.json: 1 of 3 images have no annotations (filter_empty_gt drops ' \
           'them from training)' in said
    assert len(ds) == 2
