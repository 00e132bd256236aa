"""Detection and segmentation end to end on tiny canvas sets: an SFTN teacher, then a
dense distillation from it; each exported part loads into the plain mmdet/mmseg config,
and tools/test.py on that config reproduces the run's last validation metrics."""
import glob
import json
import os.path as osp

import pytest
import torch
from canvas_data import canvas_options, coco_options
from sfkd_testing import ROOT

from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.e2e

C = f'{ROOT}/configs'
TASKS = {
    'det': dict(
        sftn=f'{C}/sftn/sftn_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
        distill=f'{C}/cwd/cwd_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
        teacher=f'{C}/baseline/retinanet-r34w32_fashion-det.py',
        student=f'{C}/baseline/retinanet-r18w16_fashion-det.py',
        metric='coco/bbox_mAP_50'),
    'seg': dict(
        sftn=f'{C}/sftn/sftn_fcn-r34w32_fcn-r18w16_fashion-seg.py',
        distill=f'{C}/kd/kd_fcn-r34w32_fcn-r18w16_fashion-seg.py',
        teacher=f'{C}/baseline/fcn-r34w32_fashion-seg.py',
        student=f'{C}/baseline/fcn-r18w16_fashion-seg.py',
        metric='mIoU'),
}
# keep every box, so that a barely trained detector still has predictions to score
ALL_BOXES = 'test_cfg.score_thr=0.0'


def options(task: str, root: str, *models: str) -> list:
    opts = canvas_options(root, epochs=2) + (coco_options(root) if task == 'det' else [])
    if task == 'det':
        opts += [f'model.{m}{ALL_BOXES}' for m in models]
    return opts + ['optim_wrapper.optimizer.lr=0.05']


def val_as_test(task: str, root: str) -> list:
    """tools/test.py options that score the validation split, as training did."""
    if task == 'det':
        return ['test_dataloader.dataset.ann_file=annotations/val.json',
                'test_dataloader.dataset.data_prefix.img=val/images/',
                f'test_evaluator.ann_file={root}annotations/val.json', f'model.{ALL_BOXES}']
    return ['test_dataloader.dataset.data_prefix.img_path=val/images',
            'test_dataloader.dataset.data_prefix.seg_map_path=val/labels']


def last_val(work: str) -> dict:
    (log, ) = glob.glob(f'{work}/*/vis_data/scalars.json')
    return [r for r in map(json.loads, open(log)) if 'lr' not in r][-1]


def check_export(work: str, part: str, plain_cfg: str) -> None:
    """``<part>_final.pth`` holds the wrapped part's last weights and loads strictly into
    the plain config's model."""
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    from sfkd.models.model_config import build_model
    wrapped = torch.load(osp.join(work, 'epoch_2.pth'), weights_only=True)['state_dict']
    exported = torch.load(osp.join(work, f'{part}_final.pth'), weights_only=True)['state_dict']
    own = {k[len(part) + 1:]: v for k, v in wrapped.items() if k.startswith(f'{part}.')}
    assert exported.keys() == own.keys()
    assert all(torch.equal(exported[k], v) for k, v in own.items())
    plain = build_model(Config.fromfile(plain_cfg).model.to_dict())
    load_checkpoint(plain, osp.join(work, f'{part}_final.pth'), map_location='cpu', strict=True)


def check_reproduced(metrics: dict, val: dict, prefix: str = '') -> None:
    shared = [k for k in metrics if f'{prefix}{k}' in val]
    assert shared, (metrics, val)
    for key in shared:
        assert metrics[key] == pytest.approx(val[f'{prefix}{key}'], abs=1e-4), key


@pytest.mark.parametrize('task', sorted(TASKS))
def test_sftn_teacher_then_distilled_student_round_trip(task, canvas_root, tmp_path):
    spec = TASKS[task]
    work = str(tmp_path / 'sftn')
    train_tool.run([spec['sftn'], '--work-dir', work, '--cfg-options',
                    *options(task, canvas_root, 'teacher.')])
    teacher_val = last_val(work)
    assert spec['metric'] in teacher_val
    teacher_ckpt = osp.join(work, 'teacher_final.pth')
    check_export(work, 'teacher', spec['teacher'])
    metrics = test_tool.run([spec['teacher'], teacher_ckpt, '--work-dir', str(tmp_path / 't'),
                             '--cfg-options', *canvas_options(canvas_root),
                             *(coco_options(canvas_root) if task == 'det' else []),
                             *val_as_test(task, canvas_root)])
    check_reproduced(metrics, teacher_val)

    work = str(tmp_path / 'distill')
    train_tool.run([spec['distill'], '--work-dir', work, '--cfg-options',
                    *options(task, canvas_root, 'student.', 'teacher.'),
                    f'model.teacher_ckpt={teacher_ckpt}'])
    student_val = last_val(work)
    check_export(work, 'student', spec['student'])
    # the frozen teacher, validated once by DistillValLoop, scores as the exported file did
    check_reproduced(metrics, student_val, prefix='teacher.')
    metrics = test_tool.run([spec['student'], osp.join(work, 'student_final.pth'),
                             '--work-dir', str(tmp_path / 's'), '--cfg-options',
                             *canvas_options(canvas_root),
                             *(coco_options(canvas_root) if task == 'det' else []),
                             *val_as_test(task, canvas_root)])
    check_reproduced(metrics, student_val)


def test_documented_detection_block_runs_as_written(canvas_root, tmp_path, monkeypatch):
    """The detection guide's commands (docs/en/user_guides/detection_segmentation.md), in a
    repository-like folder whose data/fashion_canvases is a tiny set, with only tiny-run
    options appended."""
    import os

    from doc_blocks import docs_blocks, shell_commands
    # the section's training block (its other block runs the pipeline, tests/test_apis)
    (block, ) = [b for b in docs_blocks() if b.heading == 'Detection and segmentation'
                 and b.lang == 'bash' and 'tools/train.py' in b.text]
    commands = shell_commands(block)
    assert [c[1] for c in commands] == ['tools/train.py', 'tools/train.py', 'tools/test.py']
    clone = tmp_path / 'clone'
    (clone / 'data').mkdir(parents=True)
    for name in ('configs', 'tools'):
        os.symlink(osp.join(ROOT, name), clone / name)
    os.symlink(canvas_root.rstrip('/'), clone / 'data' / 'fashion_canvases')
    monkeypatch.chdir(clone)
    tiny = [o for o in canvas_options('data/fashion_canvases/', epochs=1) if 'data_root' not in o]
    for argv in commands:
        args = argv[2:]
        if '--cfg-options' in args:
            i = args.index('--cfg-options') + 1
            args = args[:i] + tiny + args[i:]
        else:
            args = args + ['--cfg-options', *tiny]
        if argv[1] == 'tools/train.py':
            train_tool.run(args)
        else:
            metrics = test_tool.run(args + [f'model.{ALL_BOXES}'])
    assert 'coco/bbox_mAP' in metrics
    assert osp.isfile('work_dirs/cwd_retinanet-r34w32_retinanet-r18w16_fashion-det/'
                      'student_final.pth')
