"""SFTN and SoTeacher as teacher algorithms on one base: the checkpoint layout of the
former FriendlyTeacher, the deprecated type name, and what each refuses."""
import json
import os.path as osp

import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from sfkd_testing import ROOT

from sfkd.apis.complexity import model_complexity
from sfkd.models.algorithms import SFTN, SoTeacher, TeacherAlgorithm
from sfkd.models.algorithms import friendly_teacher as deprecated
from sfkd.models.model_config import build_model
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.integration

SFTN_CFG = 'configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
SOT_CFG = 'configs/soteacher/soteacher_small-resnet_fashion-mnist.py'
# sorted(model.state_dict()) of the former FriendlyTeacher class on these two configs
KEYS = json.load(open(osp.join(ROOT, 'tests', 'fixtures', 'friendly_teacher_state_keys.json')))


@pytest.fixture(autouse=True)
def sfkd_scope():
    with DefaultScope.overwrite_default_scope('sfkd'):
        yield


def model_cfg(path, **overrides):
    cfg = Config.fromfile(osp.join(ROOT, path)).model.to_dict()
    cfg.update(overrides)
    return cfg


@pytest.fixture
def warnings_logged(monkeypatch):
    logged = []
    monkeypatch.setattr(deprecated, 'print_log',
                        lambda msg, logger=None, level=None: logged.append((msg, level)))
    return logged


@pytest.mark.parametrize('path, cls', [(SFTN_CFG, SFTN), (SOT_CFG, SoTeacher)])
def test_state_dict_keys_are_those_of_the_former_friendly_teacher(path, cls):
    model = build_model(model_cfg(path))
    assert type(model) is cls and isinstance(model, TeacherAlgorithm)
    assert sorted(model.state_dict()) == KEYS[path]
    # a checkpoint the former class wrote loads into the new one, key for key
    model.load_state_dict(build_model(model_cfg(path)).state_dict(), strict=True)


@pytest.mark.parametrize('path, cls', [(SFTN_CFG, 'SFTN'), (SOT_CFG, 'SoTeacher')])
def test_the_former_type_builds_the_new_one_with_a_warning(path, cls, warnings_logged):
    model = build_model(model_cfg(path, type='FriendlyTeacher'))
    assert type(model).__name__ == cls
    assert sorted(model.state_dict()) == KEYS[path]
    assert warnings_logged == [(f"model.type 'FriendlyTeacher' is deprecated: this config "
                                f"builds {cls}; set model.type='{cls}'", 30)]


def test_the_former_type_without_branches_drops_the_options_it_ignored(warnings_logged):
    cfg = model_cfg(SOT_CFG, type='FriendlyTeacher', branches=[], branch_reduction='mean',
                    imitation_loss=dict(type='KDLoss', tau=4.0))
    assert type(build_model(cfg)) is SoTeacher


@pytest.mark.parametrize('cfg, message', [
    (model_cfg(SFTN_CFG, branches=[]),
     "model: SFTN has no branches, so it would train a plain teacher: add model.branches "
     "(e.g. [dict(student=..., attach=[('backbone.layer2', 'backbone.layer2')])]), use "
     "type='SoTeacher' for a teacher with regularizers only, or train the plain teacher "
     'config instead (e.g. sfkd::baseline/small-resnet_3e_fashion-mnist.py)'),
    (model_cfg(SOT_CFG, regularizers={}),
     "model: SoTeacher has no regularizers, so it would train a plain teacher: add "
     "model.regularizers (e.g. dict(lipschitz=dict(type='LipschitzRegularizer', mode='l1', "
     "weight=1e-5))), use type='SFTN' for a teacher with student branches, or train the "
     'plain teacher config instead (e.g. sfkd::baseline/small-resnet_3e_fashion-mnist.py)'),
    (model_cfg(SOT_CFG, branches=model_cfg(SFTN_CFG)['branches']),
     "model: SoTeacher has no option 'branches' (its options: ['teacher', 'regularizers', "
     "'output_taps', 'teacher_weight', 'teacher_ckpt', 'teacher_ckpt_hint', 'input_shape', "
     "'data_preprocessor', 'init_cfg'])"),
    (model_cfg(SOT_CFG, type='FriendlyTeacher', regularizers={}),
     'model: FriendlyTeacher has no branches and no regularizers, so it would train a plain '
     'teacher: train the plain teacher config instead (e.g. '
     'sfkd::baseline/small-resnet_3e_fashion-mnist.py), or add model.branches (SFTN) or '
     'model.regularizers (SoTeacher)'),
    (model_cfg(SOT_CFG, type='FriendlyTeacher', branch_warmup_epochs=1),
     'model: model.branch_warmup_epochs=1 warms up branches, but model.branches is empty: '
     'add branches or set model.branch_warmup_epochs=0'),
    (model_cfg(SOT_CFG, output_taps=dict(teacher='head.fc', logits='head.fc')),
     "model: output_taps must name the 'teacher' output module, got ['logits', 'teacher']"),
    (model_cfg(SOT_CFG, regularizers='{}'),  # what --cfg-options model.regularizers={} gives
     "model: model.regularizers must be a dict {name: regulariser config}, e.g. "
     "dict(lipschitz=dict(type='LipschitzRegularizer', mode='l1', weight=1e-5)), got '{}'"),
], ids=['sftn-without-branches', 'soteacher-without-regularizers', 'soteacher-with-branches',
        'former-type-with-neither', 'former-type-warm-up-without-branches',
        'soteacher-unknown-output-tap', 'regularizers-not-a-dict'])
def test_what_each_algorithm_refuses(cfg, message, warnings_logged):
    with pytest.raises(BadConfigError) as err:
        build_model(cfg)
    assert str(err.value) == message


def test_an_sftn_with_regularizers_adds_their_terms():
    regs = model_cfg(SOT_CFG)['regularizers']
    model = build_model(model_cfg(SFTN_CFG, regularizers=regs)).train()
    model.set_progress(1, max_epochs=3)
    from mmpretrain.structures import DataSample
    inputs = torch.randn(2, 1, 28, 28)
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(i) for i in range(2)]
    losses = model(inputs, samples, mode='loss')
    assert {'teacher.loss_lipschitz', 'teacher.loss_consistency',
            'distill.b0.layer2.loss_imitation'} <= set(losses)
    assert sorted(model.state_dict()) == sorted(KEYS[SFTN_CFG] + [
        k for k in KEYS[SOT_CFG] if k.startswith('regularizers.')])


def test_complexity_rows_of_both_algorithms():
    sftn = model_complexity(build_model(model_cfg(SFTN_CFG)), (1, 28, 28))
    sot = model_complexity(build_model(model_cfg(SOT_CFG)), (1, 28, 28))
    assert [r.part for r in sftn] == ['teacher (without branches)',
                                      'branch b0.layer1 (transform + student)',
                                      'branch b0.layer2 (transform + student)',
                                      'teacher with branches']
    assert [r.part for r in sot] == ['teacher (without branches)']
    assert sot[0] == sftn[0]


def test_each_algorithm_file_stays_small():
    for name in ('sftn.py', 'soteacher.py'):
        path = osp.join(ROOT, 'sfkd', 'models', 'algorithms', name)
        assert sum(1 for _ in open(path)) <= 250, name
