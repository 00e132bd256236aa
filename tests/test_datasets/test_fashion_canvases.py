"""The Fashion-MNIST canvases: made from a seed, from the right split, read by mmdet's
COCO reader and the sfkd segmentation set, scored by mmdet's and mmseg's metrics."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from canvas_data import TINY_COUNTS, make_tiny_canvases
from mmengine import DefaultScope
from sfkd_testing import FMNIST_ROOT, ROOT, logged_messages, subprocess_env

from sfkd.datasets.fashion_canvases import CLASSES, read_idx
from sfkd.registry import DATASETS
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

CONVERTER = osp.join(ROOT, 'tools', 'dataset_converters', 'make_fashion_canvases.py')


def files(root: str) -> dict:
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            with open(osp.join(dirpath, name), 'rb') as f:
                out[osp.relpath(osp.join(dirpath, name), root)] = f.read()
    return out


def coco(root: str, split: str) -> dict:
    with open(osp.join(root, 'annotations', f'{split}.json')) as f:
        return json.load(f)


def test_same_seed_same_files_other_seed_other_canvases(tmp_path, canvas_root):
    again = make_tiny_canvases(tmp_path / 'again', seed=0)
    assert files(again) == files(canvas_root)
    other = make_tiny_canvases(tmp_path / 'other', seed=1)
    assert coco(other, 'train')['annotations'] != coco(canvas_root, 'train')['annotations']


def test_items_come_from_their_split_and_are_pasted_as_boxed(canvas_root):
    sources = {}
    for split, count in TINY_COUNTS.items():
        ann = coco(canvas_root, split)
        assert len(ann['images']) == count == len(os.listdir(f'{canvas_root}{split}/images'))
        per_image = np.bincount([a['image_id'] for a in ann['annotations']])[1:]
        assert per_image.min() >= 1 and per_image.max() <= 4
        assert {a['source']['split'] for a in ann['annotations']} == \
            {'train' if split == 'train' else 't10k'}
        sources[split] = {a['source']['index'] for a in ann['annotations']}
    assert not sources['val'] & sources['test']  # disjoint halves of the test split
    # the first object of the first val canvas is that very Fashion-MNIST test item
    images, labels = read_idx(FMNIST_ROOT, 't10k')
    ann = coco(canvas_root, 'val')['annotations'][0]
    src = ann['source']
    assert ann['category_id'] == labels[src['index']] + 1
    item = cv2.resize(images[src['index']], (src['side'], src['side']),
                      interpolation=cv2.INTER_LINEAR)
    canvas = cv2.imread(f'{canvas_root}val/images/val_00000.png', cv2.IMREAD_UNCHANGED)
    patch = canvas[src['y']:src['y'] + src['side'], src['x']:src['x'] + src['side']]
    label = cv2.imread(f'{canvas_root}val/labels/val_00000.png', cv2.IMREAD_UNCHANGED)
    own = label[src['y']:src['y'] + src['side'], src['x']:src['x'] + src['side']] \
        == ann['category_id']
    assert own.sum() > 20 and np.array_equal(patch[own], item[own])
    x, y, w, h = ann['bbox']  # the box is tight around the item's pixels
    ys, xs = np.nonzero(item > 40)
    assert (x, y) == (src['x'] + xs.min(), src['y'] + ys.min())
    assert (w, h) == (xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)


def test_converter_is_idempotent_and_says_so(tmp_path, monkeypatch, capsys):
    cmd = [sys.executable, CONVERTER, '--fmnist', FMNIST_ROOT, '--out', str(tmp_path / 'c'),
           '--train', '4', '--val', '2', '--test', '2']
    first = subprocess.run(cmd, env=subprocess_env(), capture_output=True, text=True)
    assert first.returncode == 0 and 'written' in first.stdout, first.stderr
    stamp = os.stat(tmp_path / 'c' / 'train' / 'images' / 'train_00000.png').st_mtime_ns
    # the later calls run the command's main in this process
    from sfkd_testing import load_tool
    converter = load_tool(osp.relpath(CONVERTER, ROOT), 'make_fashion_canvases')
    monkeypatch.setattr(sys, 'argv', cmd[1:])
    converter.main()
    assert 'up to date' in capsys.readouterr().out
    assert os.stat(tmp_path / 'c' / 'train' / 'images' / 'train_00000.png').st_mtime_ns == stamp
    os.remove(tmp_path / 'c' / 'val' / 'images' / 'val_00001.png')  # an incomplete set is remade
    converter.main()
    assert 'written' in capsys.readouterr().out
    assert (tmp_path / 'c' / 'val' / 'images' / 'val_00001.png').is_file()
    bad = subprocess.run(cmd[:2] + ['--fmnist', str(tmp_path / 'none'), '--out',
                                    str(tmp_path / 'd')],
                         env=subprocess_env(), capture_output=True, text=True)
    assert bad.returncode != 0 and bad.stderr.startswith('sfkd: error: ')
    assert bad.stderr.count('\n') == 1 and \
        f"run sfkd-prepare-data fashion-mnist --out {tmp_path / 'none'} first" in bad.stderr


# ------------------------------------------------------------------ detection
def det_dataset(root: str, split: str = 'val', type_: str = 'mmdet.CocoDataset', **kw):
    cfg = dict(type=type_, data_root=root, ann_file=f'annotations/{split}.json',
               data_prefix=dict(img=f'{split}/images/'), metainfo=dict(classes=CLASSES),
               test_mode=True, pipeline=[])
    with DefaultScope.overwrite_default_scope('sfkd'):
        return DATASETS.build({**cfg, **kw})


def coco_score(root: str, shift_class: bool) -> float:
    from mmdet.evaluation import CocoMetric
    ds = det_dataset(root)
    metric = CocoMetric(ann_file=f'{root}annotations/val.json', metric='bbox')
    metric.dataset_meta = ds.metainfo
    samples = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        boxes = torch.tensor([inst['bbox'] for inst in info['instances']], dtype=torch.float32)
        labels = torch.tensor([inst['bbox_label'] for inst in info['instances']])
        if shift_class:
            labels[0] = (labels[0] + 1) % 10
        samples.append(dict(img_id=info['img_id'], ori_shape=(64, 64), pred_instances=dict(
            bboxes=boxes, scores=torch.ones(len(boxes)), labels=labels)))
    metric.process({}, samples)
    return metric.evaluate(len(ds))['coco/bbox_mAP']


def test_plain_coco_dataset_reads_the_boxes(canvas_root):
    ds = det_dataset(canvas_root)
    ann = coco(canvas_root, 'val')
    assert len(ds) == TINY_COUNTS['val']
    info = ds.get_data_info(0)
    first = [a for a in ann['annotations'] if a['image_id'] == info['img_id']]
    x, y, w, h = first[0]['bbox']
    assert info['instances'][0]['bbox'] == [x, y, x + w, y + h]
    assert info['instances'][0]['bbox_label'] == first[0]['category_id'] - 1


def test_coco_metric_perfect_boxes_score_1_and_a_wrong_class_lower(canvas_root):
    assert coco_score(canvas_root, shift_class=False) == pytest.approx(1.0)
    assert coco_score(canvas_root, shift_class=True) < 0.9


def test_annotation_file_that_does_not_match_the_images(canvas_root):
    with pytest.raises(BadConfigError) as err:  # val boxes, train image folder
        det_dataset(canvas_root, 'val', type_='FashionCanvasDetDataset',
                    data_prefix=dict(img='train/images/'))
    text = str(err.value)
    assert '\n' not in text and 'annotations/val.json describes 4 images, but 4 are not in' in text
    assert 'val_00000.png' in text and text.endswith('remake both with sfkd-prepare-data canvases')


# --------------------------------------------------------------- segmentation
def seg_dataset(root: str, split: str = 'val', labels: str = None):
    with DefaultScope.overwrite_default_scope('sfkd'):
        return DATASETS.build(dict(
            type='FashionCanvasSegDataset', data_root=root, test_mode=True, pipeline=[],
            data_prefix=dict(img_path=f'{split}/images', seg_map_path=labels or f'{split}/labels')))


def iou_score(root: str, wrong: bool) -> float:
    from mmseg.evaluation import IoUMetric
    ds = seg_dataset(root)
    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = ds.metainfo
    samples = []
    for i in range(len(ds)):
        gt = torch.from_numpy(cv2.imread(ds.get_data_info(i)['seg_map_path'],
                                         cv2.IMREAD_UNCHANGED)).long()[None]
        pred = gt.clone()
        if wrong:
            pred[pred > 0] = pred[pred > 0] % 10 + 1  # every item one class off
        samples.append(dict(pred_sem_seg=dict(data=pred), gt_sem_seg=dict(data=gt)))
    metric.process({}, samples)
    return metric.evaluate(len(ds))['mIoU']


def test_seg_dataset_pairs_images_and_label_maps(canvas_root):
    ds = seg_dataset(canvas_root)
    assert len(ds) == TINY_COUNTS['val'] and ds.metainfo['classes'][0] == 'background'
    assert len(ds.metainfo['classes']) == 11
    info = ds.get_data_info(0)
    assert osp.basename(info['img_path']) == osp.basename(info['seg_map_path'])


def test_image_folder_without_its_label_maps(canvas_root):
    with pytest.raises(BadConfigError) as err:
        seg_dataset(canvas_root, 'val', labels='test/labels')
    text = str(err.value)
    assert '\n' not in text and text.startswith("4 of 4 images in ")
    assert "have no label map in " in text and 'val_00000.png' in text


def test_png_size_reads_the_header(canvas_root, tmp_path):
    from sfkd.datasets.png_size import png_size
    assert png_size(f'{canvas_root}val/labels/val_00000.png') == (64, 64)
    cv2.imwrite(str(tmp_path / 'wide.png'), np.zeros((20, 30), np.uint8))
    assert png_size(str(tmp_path / 'wide.png')) == (30, 20)  # width, height
    (tmp_path / 'text.png').write_text('not a PNG file')
    assert png_size(str(tmp_path / 'text.png')) is None


def test_label_map_of_another_size_than_its_image_is_refused(canvas_root, tmp_path,
                                                             monkeypatch):
    import shutil
    root = tmp_path / 'root'
    shutil.copytree(osp.join(canvas_root, 'val'), root / 'val')
    label = str(root / 'val' / 'labels' / 'val_00002.png')
    cv2.imwrite(label, cv2.resize(cv2.imread(label, cv2.IMREAD_UNCHANGED), (48, 40),
                                  interpolation=cv2.INTER_NEAREST))
    # sizes come from the PNG headers: no image is decoded while the dataset is built
    monkeypatch.setattr(cv2, 'imread', lambda *a, **k: pytest.fail('pixels were read'))
    with pytest.raises(BadConfigError) as err:
        seg_dataset(str(root) + '/')
    assert str(err.value) == (
        f"1 of 4 label maps in '{root}/val/labels' are not of the size of their images in "
        f"'{root}/val/images' (first: {label} is 48x40, {root}/val/images/val_00002.png is "
        '64x64, width x height); pair the image folder with its own label folder or remake '
        'both with sfkd-prepare-data canvases')


def test_iou_metric_perfect_masks_score_100_and_a_wrong_class_lower(canvas_root):
    assert iou_score(canvas_root, wrong=False) == pytest.approx(100.0)
    assert iou_score(canvas_root, wrong=True) < 60.0


def broken_copy(canvas_root: str, tmp_path, change) -> str:
    """A canvas root whose val annotation file is ``change``d (the images linked)."""
    root = tmp_path / 'root'
    (root / 'annotations').mkdir(parents=True)
    os.symlink(osp.join(canvas_root, 'val'), root / 'val')
    data = json.load(open(osp.join(canvas_root, 'annotations', 'val.json')))
    change(data)
    with open(root / 'annotations' / 'val.json', 'w') as f:
        json.dump(data, f)
    return str(root) + '/'


def test_annotations_of_images_the_file_lacks_are_refused(canvas_root, tmp_path):
    def shift_image_ids(data):
        for a in data['annotations']:
            a['image_id'] += 1000
    root = broken_copy(canvas_root, tmp_path, shift_image_ids)
    with pytest.raises(BadConfigError) as err:
        det_dataset(root, type_='FashionCanvasDetDataset')
    n = len(json.load(open(f'{root}annotations/val.json'))['annotations'])
    assert str(err.value).startswith(
        f'{root}annotations/val.json: {n} of {n} annotations name an image_id that no image of '
        "the file has (first: 1001; the images' ids: 1..4)")


@pytest.mark.parametrize('change, ids', [
    ('zero_based', '[0]'), ('undeclared', '[11, 12]')])
def test_annotations_of_undeclared_categories_are_refused(canvas_root, tmp_path, change, ids):
    def renumber(data):
        declared = sorted(c['id'] for c in data['categories'])
        assert declared == list(range(1, 11))  # the canvases number categories from 1
        for i, a in enumerate(data['annotations']):
            a['category_id'] = a['category_id'] - 1 if change == 'zero_based' else 11 + i % 2
    root = broken_copy(canvas_root, tmp_path, renumber)
    with pytest.raises(BadConfigError) as err:
        det_dataset(root, type_='FashionCanvasDetDataset')
    assert f'annotations use category_id {ids}, which' in str(err.value)
    assert 'ids [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]' in str(err.value)


def test_images_without_annotations_are_counted_in_the_log(canvas_root, tmp_path):
    def drop_first_image_boxes(data):
        first = data['images'][0]['id']
        data['annotations'] = [a for a in data['annotations'] if a['image_id'] != first]
    root = broken_copy(canvas_root, tmp_path, drop_first_image_boxes)
    with logged_messages() as said:
        ds = det_dataset(root, type_='FashionCanvasDetDataset')
    assert len(ds) == 4  # test mode keeps it
    assert f'{root}annotations/val.json: 1 of 4 images have no annotations' in said
