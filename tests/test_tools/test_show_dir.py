"""tools/test.py --show-dir: drawn predictions saved with each task's visualiser, every
--show-interval-th test sample."""
import os
import os.path as osp

import mmcv
import pytest
import torch
from canvas_data import canvas_options, coco_options
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT, tiny_options

from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.integration

TINY = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'


def test_show_dir_writes_one_image_per_interval(tmp_path, fmnist_root):
    work = str(tmp_path / 'work')
    train_tool.run([TINY, '--work-dir', work, '--cfg-options',
                    *tiny_options(train=64, test=64, batch=32)])
    shown = tmp_path / 'shown'
    test_tool.run([TINY, osp.join(work, 'epoch_1.pth'), '--work-dir', work,
                   '--show-dir', str(shown), '--show-interval', '16',
                   '--cfg-options', *tiny_options(train=64, test=64)])
    images = sorted(p.name for p in shown.glob('*.png'))
    # 64 test images, one drawn every 16: samples 0, 16, 32 and 48
    assert images == ['0_0.png', '16_0.png', '32_0.png', '48_0.png']
    # the same samples in batches of 24 (the last one of 16): counted in samples
    again = tmp_path / 'again'
    test_tool.run([TINY, osp.join(work, 'epoch_1.pth'), '--work-dir', work,
                   '--show-dir', str(again), '--show-interval', '16',
                   '--cfg-options', *tiny_options(train=64, test=64),
                   'test_dataloader.batch_size=24'])
    assert sorted(p.name for p in again.glob('*.png')) == images
    img = mmcv.imread(str(shown / '16_0.png'))
    assert img.shape[2] == 3 and min(img.shape[:2]) == 224  # enlarged from 28x28
    # drawn in grey (below the label text), not through a colour map
    below_text = img[100:].astype(int)
    assert (below_text[..., 0] == below_text[..., 1]).all()
    assert (below_text[..., 1] == below_text[..., 2]).all()
    assert below_text.std() > 10  # and not blank


def test_show_dir_without_a_known_visualiser_is_refused(tmp_path):
    from mmengine.config import Config

    from sfkd.tools.show_dir import add_show_dir
    cfg = Config(dict(model=dict(type='MyModel'), test_evaluator=dict(type='MyMetric')))
    with pytest.raises(SystemExit, match='^sfkd: error: --show-dir: no visualiser is known'):
        add_show_dir(cfg, str(tmp_path))


def untrained_checkpoint(config: str, path) -> str:
    """The freshly built weights of ``config``'s model, saved as a checkpoint."""
    from sfkd.models.model_config import build_model
    from sfkd.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('sfkd'):
        model = build_model(Config.fromfile(config).model.to_dict())
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, str(path))
    return str(path)


def drawn(folder) -> list:
    return sorted(osp.relpath(osp.join(d, f), folder) for d, _, names in os.walk(folder)
                  for f in names if f.endswith('.png'))


@pytest.mark.parametrize('task, config, expected', [
    ('det', 'retinanet-r18w16_fashion-det.py', ['test_00000.png', 'test_00002.png']),
    # mmseg's visualiser writes into vis_data/vis_image of its save_dir, <name>_<step>
    ('seg', 'fcn-r18w16_fashion-seg.py', ['vis_data/vis_image/test_test_00000.png_0.png',
                                          'vis_data/vis_image/test_test_00002.png_0.png']),
])
def test_show_interval_counts_samples_for_detection_and_segmentation(tmp_path, canvas_root,
                                                                     task, config, expected):
    """4 test canvases in batches of 3, every 2nd drawn: samples 0 and 2 (mmdet's own hook
    would draw all 4; mmseg's would count batches and draw samples 3 only)."""
    config = f'{ROOT}/configs/baseline/{config}'
    ckpt = untrained_checkpoint(config, tmp_path / 'model.pth')
    shown = tmp_path / 'shown'
    test_tool.run([config, ckpt, '--work-dir', str(tmp_path / 'work'), '--show-dir', str(shown),
                   '--show-interval', '2', '--cfg-options', *canvas_options(canvas_root),
                   *(coco_options(canvas_root) if task == 'det' else []),
                   'test_dataloader.batch_size=3'])
    assert drawn(shown) == expected


@pytest.mark.unit
def test_sample_interval_hook_counts_positions_in_the_test_set():
    from sfkd.engine.hooks import SampleIntervalHook

    calls = []

    class Recorder:
        def after_test_iter(self, runner, batch_idx, data_batch, outputs):
            calls.append((batch_idx, data_batch['inputs'].tolist(), outputs))

    hook = SampleIntervalHook.__new__(SampleIntervalHook)
    hook.interval, hook.hook, hook._seen = 3, Recorder(), 0
    # process 1 of 2 on a test set of 7 (padded to 8): it gets samples 1, 3, 5 and 7 (padding)
    hook._rank, hook._world, hook._size = 1, 2, 7
    hook.after_test_iter(None, 0, dict(inputs=torch.tensor([1, 3])), ['s1', 's3'])
    hook.after_test_iter(None, 1, dict(inputs=torch.tensor([5, 7])), ['s5', 's7'])
    assert calls == [(3, [3], ['s3'])]


def test_help_says_what_show_interval_counts(capsys):
    with pytest.raises(SystemExit):
        test_tool.parse_args(['--help'])
    help_text = ' '.join(capsys.readouterr().out.split())
    assert ('--show-interval N draw test samples 0, N, 2N, ...: every N-th sample of the test '
            'set, counted in samples (not batches) for classification, detection and '
            'segmentation alike (default: 1, all)') in help_text
