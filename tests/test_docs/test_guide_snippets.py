"""The Python snippets of the guide on adding components work as written: saved into a
project outside the repository, the regulariser and the config that uses it train a
teacher step, and the term is the one the snippet defines."""
import os.path as osp
import re
import sys

import pytest
import torch
from sfkd_testing import ROOT

pytestmark = pytest.mark.docs

GUIDE = osp.join(ROOT, 'docs', 'en', 'advanced_guides', 'adding_components.md')


def snippets() -> dict:
    """``{file name: code}`` of the guide's Python blocks that start with ``# my_project/<f>.py``."""
    text = open(GUIDE).read()
    found = {}
    for block in re.findall(r'^```python\n(.*?)^```', text, flags=re.S | re.M):
        m = re.match(r'# my_project/(\w+\.py)', block)
        if m:
            found[m.group(1)] = block
    return found


@pytest.fixture
def project(tmp_path, monkeypatch):
    pkg = tmp_path / 'my_project'
    pkg.mkdir()
    (pkg / '__init__.py').write_text('')
    for name, code in snippets().items():
        (pkg / name).write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    from sfkd.registry import MODELS
    before = set(MODELS.module_dict)
    yield pkg
    for mod in [m for m in sys.modules if m.startswith('my_project')]:
        del sys.modules[mod]
    for name in set(MODELS.module_dict) - before:  # the snippets' classes leave the registry
        MODELS.module_dict.pop(name)


def test_the_guide_has_the_loss_the_regulariser_and_the_teacher_config():
    assert {'my_loss.py', 'my_regularizer.py', 'my_teacher.py'} <= set(snippets())


def test_the_regulariser_snippet_trains_a_teacher_step(project):
    from mmengine.config import Config
    from mmengine.utils import import_modules_from_strings
    from mmpretrain.structures import DataSample

    from sfkd.registry import MODELS
    from sfkd.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(str(project / 'my_teacher.py'))
    import_modules_from_strings(**cfg.custom_imports)
    assert set(cfg.model.regularizers) == {'logit_norm'}
    model = MODELS.build(cfg.model)
    torch.manual_seed(0)
    inputs = torch.rand(4, 1, 28, 28)
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    model.set_progress(1, 3, 10)
    losses = model.loss(inputs, samples)
    assert 'teacher.loss_logit_norm' in losses
    with torch.no_grad():  # in training mode, as the step ran (BatchNorm on batch statistics)
        logits = model.teacher(inputs, mode='tensor')
    expected = 1e-3 * (logits.double() ** 2).mean()   # the snippet's docstring: weight * mean squared logit
    assert float(losses['teacher.loss_logit_norm'].detach()) == pytest.approx(float(expected), rel=1e-4)


def test_the_loss_snippet_is_a_distill_loss(project):
    from sfkd.models.losses import DistillLoss
    from sfkd.registry import MODELS

    import my_project.my_loss  # noqa: F401
    loss = MODELS.build(dict(type='L1FeatureLoss', loss_weight=2.0))
    assert isinstance(loss, DistillLoss)
    s, t = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5, 1.0]])
    assert float(loss(s, t)) == pytest.approx(2.0 * (0.5 + 3.0) / 2)
