"""tools/test.py --show-dir: drawn predictions saved with mmpretrain's visualiser."""
import os.path as osp

import mmcv
import pytest
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
