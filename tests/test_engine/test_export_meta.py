"""Exported parts carry the train dataset's metainfo (class names, palette) in
``meta['dataset_meta']``, as MMEngine's checkpoints do, so that the libraries' own
``init_detector``/``init_model`` name our classes."""
import warnings

import pytest
import torch
from canvas_data import canvas_options, coco_options
from sfkd_testing import ROOT

from sfkd.datasets.fashion_canvases import CLASSES
from sfkd.engine.submodel_export import export_submodel

pytestmark = pytest.mark.integration

DET_TEACHER = f'{ROOT}/configs/baseline/retinanet-r34w32_fashion-det.py'


def test_exported_detector_names_our_classes_in_init_detector(tmp_path, canvas_root):
    from mmdet.apis import init_detector

    from sfkd.tools import train as train_tool
    work = tmp_path / 'work'
    # the baseline teacher config exports its final weights with ExportSubmodelHook(part=None)
    train_tool.run([DET_TEACHER, '--work-dir', str(work), '--cfg-options',
                    *canvas_options(canvas_root), *coco_options(canvas_root),
                    'train_cfg.val_interval=2'])
    exported = str(work / 'teacher_final.pth')
    meta = torch.load(exported, map_location='cpu', weights_only=True)['meta']
    assert tuple(meta['dataset_meta']['classes']) == CLASSES
    assert len(meta['dataset_meta']['palette']) == len(CLASSES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        model = init_detector(DET_TEACHER, exported, device='cpu')
    assert tuple(model.dataset_meta['classes']) == CLASSES  # not ('person', 'bicycle', ...)
    assert not [w for w in caught if 'COCO classes' in str(w.message)]


@pytest.mark.unit
def test_export_student_keeps_the_meta_it_finds(tmp_path):
    dataset_meta = dict(classes=('cat', 'dog'), palette=[(1, 2, 3), (4, 5, 6)])
    src = tmp_path / 'epoch_3.pth'
    torch.save({'state_dict': {'student.w': torch.ones(2), 'teacher.w': torch.zeros(2)},
                'meta': dict(epoch=3, iter=30, seed=0, dataset_meta=dataset_meta,
                             cfg="model = dict(type='Distiller')")}, src)
    assert export_submodel(str(src), str(tmp_path / 'student.pth')) == 1
    out = torch.load(tmp_path / 'student.pth', map_location='cpu', weights_only=True)
    assert list(out['state_dict']) == ['w']
    assert out['meta'] == dict(epoch=3, iter=30, seed=0, dataset_meta=dataset_meta,
                               exported_from=str(src), part='student')  # no wrapper cfg
