"""sfkd's registries are MMEngine children with scope 'sfkd' and lazy locations."""
import pytest
from mmengine import DefaultScope
from mmengine.registry import MODELS as MMENGINE_MODELS

from sfkd import registry
from sfkd.utils import register_all_modules
from sfkd.utils.dependencies import version_problems

pytestmark = pytest.mark.unit

ALL = ['RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS', 'FUNCTIONS',
       'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
       'WEIGHT_INITIALIZERS', 'TASK_UTILS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
       'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
       'VISUALIZERS', 'VISBACKENDS']


@pytest.mark.parametrize('name', ALL)
def test_child_registries(name):
    reg = getattr(registry, name)
    assert reg.scope == 'sfkd'
    assert reg.parent is not None and reg.parent.scope == 'mmengine'
    assert reg.parent.children['sfkd'] is reg
    assert reg._locations, f'{name} has no locations for lazy import'


def test_build_imports_module_lazily():
    # SmallResNet lives in sfkd.models; `locations` imports it on first build
    model = registry.MODELS.build(dict(type='SmallResNet', stage_channels=(8, 8), num_blocks=(1, 1),
                                       out_indices=(1, )))
    assert type(model).__module__ == 'sfkd.models.backbones.small_resnet'


def test_scope_prefix_reaches_mmpretrain():
    with DefaultScope.overwrite_default_scope('sfkd'):
        backbone = registry.MODELS.build(dict(type='mmpretrain.ResNet', depth=18))
    assert type(backbone).__module__.startswith('mmpretrain.')
    with pytest.raises(KeyError):
        registry.MODELS.build(dict(type='ResNetThatDoesNotExist'))


def test_register_all_modules_sets_scope():
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'sfkd'
    assert 'SmallResNet' in registry.MODELS.module_dict
    assert MMENGINE_MODELS.children['sfkd'] is registry.MODELS


def test_version_check_reports_instead_of_asserting(monkeypatch):
    from importlib import metadata
    real = metadata.version
    monkeypatch.setattr(metadata, 'version',
                        lambda dist: '3.0.0' if dist == 'mmcv' else real(dist))
    problems = version_problems()
    assert any('mmcv 3.0.0 is outside the supported range' in p for p in problems)
    assert all('mmengine' not in p for p in problems)
