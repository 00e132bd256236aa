"""Every distill loss sfkd ships has its paper in the README's citation section."""
import inspect
import re

import pytest

import sfkd.models.losses as losses
from sfkd_testing import ROOT

pytestmark = pytest.mark.docs


def citation_section() -> str:
    readme = open(f'{ROOT}/README.md').read()
    return readme.split('\n## Citation\n', 1)[1].split('\n## ', 1)[0]


# losses that apply another loss (per level, ...) and have no paper of their own
WRAPPERS = ('PerLevelLoss', 'MultiLevelLoss')
# base classes of a family of losses (not losses themselves)
BASES = (losses.DistillLoss, losses.AdversarialLoss)


def test_every_distill_loss_is_cited():
    names = sorted(n for n, obj in vars(losses).items() if inspect.isclass(obj)
                   and issubclass(obj, losses.DistillLoss) and obj not in BASES
                   and n not in WRAPPERS)
    assert len(names) >= 19
    cited = set(re.findall(r'% (\w+)', citation_section()))
    assert set(names) <= cited, sorted(set(names) - cited)


def test_every_citation_is_a_complete_entry():
    entries = re.findall(r'@(\w+)\{(\w+),[^\n]*\n(.*?)\n\}', citation_section(), re.S)
    assert len(entries) >= 21
    for kind, key, body in entries:
        assert kind in ('inproceedings', 'article'), key
        for field in ('title', 'author', 'year'):
            assert re.search(rf'^\s*{field}\s*=\s*\{{.+\}}', body, re.M), (key, field)
        assert re.search(r'^\s*(booktitle|journal)\s*=', body, re.M), key
