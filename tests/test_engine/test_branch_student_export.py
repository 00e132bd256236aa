"""The SFTN branch student exported without what never got a gradient, and the
distilled student initialised from it by parameter name, with the stages before
the first attach point reported as never trained in the teacher run."""
import logging
import os.path as osp

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from sfkd_testing import ROOT

from sfkd.engine.checkpoint_io import load_mapped_weights, outermost_modules, read_checkpoint
from sfkd.registry import HOOKS, MODELS
from sfkd.utils.errors import CheckpointError

pytestmark = pytest.mark.integration

SFTN_CFG = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
KD_SFTN_CFG = f'{ROOT}/configs/kd/kd-sftn_small-resnet_tiny-resnet_fashion-mnist.py'
# the tiny ResNet's stages before the first attach point (backbone.layer1): the
# branches replace layer1's output, so neither it nor the stem gets a gradient
UNTRAINED = ('backbone.stem', 'backbone.layer1')


class FakeRunner:
    def __init__(self, model, work_dir):
        self.model, self.work_dir = model, str(work_dir)
        self.epoch, self.iter = 1, 2
        self.logger = logging.getLogger('test-export')


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def batch(n=4):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(0)
    inputs = (torch.rand(n, 1, 28, 28, generator=g) * 255).byte()
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label((3 * i + 1) % 10)
               for i in range(n)]
    return dict(inputs=list(inputs), data_samples=samples)


def train_sftn(work_dir, steps=2):
    """An SFTN teacher run of ``steps`` steps with the config's export hooks."""
    cfg = Config.fromfile(SFTN_CFG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model.to_dict()).train()
    hooks = [HOOKS.build(h) for h in cfg.custom_hooks]
    runner = FakeRunner(model, work_dir)
    for hook in hooks:
        hook.before_train(runner)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    for _ in range(steps):
        model.train_step(batch(), wrapper)
    for hook in hooks:
        hook.after_train(runner)
    return model, hooks


def test_export_leaves_out_the_stages_that_never_got_a_gradient(tmp_path):
    model, _ = train_sftn(tmp_path)
    state, meta = read_checkpoint(str(tmp_path / 'branch_student_final.pth'))
    full = model.students['b0'].state_dict()
    never = sorted(k for k in full if k.startswith(tuple(f'{m}.' for m in UNTRAINED)))
    assert never and meta['never_trained'] == never   # weights and BN statistics
    assert set(state) == set(full) - set(never)
    assert {'backbone.layer2.0.conv1.weight', 'head.fc.weight'} <= set(state)
    for key, value in state.items():
        torch.testing.assert_close(value, full[key], rtol=0, atol=0)
    # the teacher export is unchanged: the whole teacher
    teacher, _ = read_checkpoint(str(tmp_path / 'teacher_final.pth'))
    assert set(teacher) == set(model.teacher.state_dict())


def test_distilled_student_starts_from_the_branch_student(tmp_path, caplog):
    model, _ = train_sftn(tmp_path)
    branch = model.students['b0'].state_dict()
    cfg = Config.fromfile(KD_SFTN_CFG).model.to_dict()
    cfg['teacher_ckpt'] = str(tmp_path / 'teacher_final.pth')
    torch.manual_seed(1)
    distiller = MODELS.build(cfg)
    report = distiller.student_init_report
    assert report['missing'] == [] and report['unexpected'] == []
    assert report['never_trained_modules'] == sorted(UNTRAINED)
    student = distiller.student.state_dict()
    for key in report['loaded']:
        torch.testing.assert_close(student[key], branch[key], rtol=0, atol=0)
    # the never-trained stem stays as the distiller built it, not the branch's copy
    assert not torch.equal(student['backbone.stem.0.weight'], branch['backbone.stem.0.weight'])
    assert set(report['loaded']) | set(report['never_trained']) == set(student)


def test_load_reports_never_trained_apart_from_missing(tmp_path):
    from mmengine.logging import MMLogger
    train_sftn(tmp_path)
    student = MODELS.build(_tiny_student())
    logger = MMLogger.get_instance(f'test-export-{id(tmp_path)}', log_level='INFO')
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    report = load_mapped_weights(student, str(tmp_path / 'branch_student_final.pth'))
    logger.removeHandler(handler)
    assert report['never_trained_modules'] == sorted(UNTRAINED)
    text = '\n'.join(lines)
    assert 'never trained in the teacher run' in text
    assert "['backbone.layer1', 'backbone.stem']" in text


def _tiny_student():
    from sfkd.models.model_config import model_config
    return model_config(dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py'))


def test_strict_load_still_refuses_keys_missing_for_another_reason(tmp_path):
    train_sftn(tmp_path)
    path = tmp_path / 'branch_student_final.pth'
    ckpt = torch.load(path, weights_only=True)
    del ckpt['state_dict']['head.fc.bias']
    torch.save(ckpt, tmp_path / 'damaged.pth')
    student = MODELS.build(_tiny_student())
    with pytest.raises(CheckpointError, match=r"1 missing keys \(e.g. \['head.fc.bias'\]\)"):
        load_mapped_weights(student, str(tmp_path / 'damaged.pth'))
    report = load_mapped_weights(student, str(tmp_path / 'damaged.pth'), strict=False)
    assert report['missing'] == ['head.fc.bias']
    assert report['never_trained_modules'] == sorted(UNTRAINED)


def test_trained_marks_survive_a_resume(tmp_path):
    _, hooks = train_sftn(tmp_path)
    branch_hook = hooks[1]
    checkpoint = {}
    branch_hook.before_save_checkpoint(None, checkpoint)
    fresh = HOOKS.build(Config.fromfile(SFTN_CFG).custom_hooks[1])
    fresh.after_load_checkpoint(None, checkpoint)
    assert fresh.trained == branch_hook.trained
    assert 'head.fc.weight' in fresh.trained
    assert not any(n.startswith('backbone.stem.') for n in fresh.trained)


def test_outermost_modules_collapse_to_whole_stages():
    keys = ['a.x.w', 'a.x.b', 'a.y.w', 'b.w', 'c.z.w']
    assert outermost_modules(['a.x.w', 'a.x.b', 'a.y.w'], keys) == ['a']
    assert outermost_modules(['a.x.w', 'a.x.b'], keys) == ['a.x']
    assert outermost_modules(['a.x.w'], keys) == ['a.x.w']
    assert outermost_modules(['c.z.w', 'b.w'], keys) == ['b', 'c']
