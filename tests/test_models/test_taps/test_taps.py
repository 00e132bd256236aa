"""ModuleInputTap and MethodOutputTap record exactly what the module computed.

A toy model with hand-set weights gives values written out here; a real
classifier checks the records against its sub-modules run by hand.
"""
import pytest
import torch
from mmengine import DefaultScope
from reference import stages
from torch import nn

from sfkd.models.model_config import build_model
from sfkd.models.taps import MethodOutputTap, ModuleInputTap, ModuleOutputTap, TapSet
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


class Toy(nn.Module):
    """``y = fc2(relu(fc1(x)))`` with ``features`` a method, and a pair-taking ``join``."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 2)
        self.fc2 = nn.Linear(2, 1, bias=False)
        self.join = Join()
        with torch.no_grad():
            self.fc1.weight.copy_(torch.tensor([[1.0, -1.0], [2.0, 0.5]]))
            self.fc1.bias.copy_(torch.tensor([0.5, -4.0]))
            self.fc2.weight.copy_(torch.tensor([[3.0, -2.0]]))

    def features(self, x):
        return torch.relu(self.fc1(x))

    def forward(self, x):
        h = self.features(x)
        return self.join((h, self.fc2(h)))


class Join(nn.Module):

    def forward(self, pair):
        return pair[1] + pair[0].sum(dim=1, keepdim=True)


X = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
# fc1: [1 - 2 + 0.5, 2 + 1 - 4] = [-0.5, -1]  and  [3 + 1 + 0.5, 6 - 0.5 - 4] = [4.5, 1.5]
FC1 = [[-0.5, -1.0], [4.5, 1.5]]
H = [[0.0, 0.0], [4.5, 1.5]]                     # after ReLU
FC2 = [[0.0], [3 * 4.5 - 2 * 1.5]]               # [[0], [10.5]]


def record(tap, model, x=X):
    stop = tap.attach(model)
    try:
        out = model(x)
    finally:
        stop()
    return out, tap


def test_module_input_tap_records_the_first_positional_input():
    _, tap = record(ModuleInputTap('fc2'), Toy())
    assert tap.value.tolist() == H
    _, tap = record(ModuleInputTap('fc1'), Toy())
    assert torch.equal(tap.value, X)


def test_module_input_tap_picks_an_element_of_a_tuple_input():
    _, first = record(ModuleInputTap('join', index=0), Toy())
    _, second = record(ModuleInputTap('join', index=1), Toy())
    assert first.value.tolist() == H and second.value.tolist() == FC2
    with pytest.raises(BadConfigError, match='a tuple of 2; use an index from 0 to 1'):
        record(ModuleInputTap('join', index=2), Toy())


def test_method_output_tap_records_the_return_value_and_restores_the_method():
    model = Toy()
    out, tap = record(MethodOutputTap('features'), model)  # a method of the root module
    assert tap.value.tolist() == H
    assert out.tolist() == [[0.0], [10.5 + 6.0]]           # the forward pass is unchanged
    assert 'features' not in vars(model)                   # the class's method again
    model(X)
    assert len(tap.records) == 1                           # nothing records after the stop
    _, tap = record(MethodOutputTap('fc1.forward'), model)  # a submodule's method
    assert tap.value.tolist() == FC1


def test_every_call_is_recorded_and_value_is_the_last():
    model, tap = Toy(), ModuleInputTap('fc2')
    stop = tap.attach(model)
    try:
        model(X)
        model(X[:1] * 2)  # fc1: [2 - 4 + 0.5, 4 + 2 - 4] = [-1.5, 2] -> ReLU [0, 2]
    finally:
        stop()
    assert [r.tolist() for r in tap.records] == [H, [[0.0, 2.0]]]
    assert tap.value.tolist() == [[0.0, 2.0]]


def test_module_input_tap_on_a_module_called_with_keywords_only():
    class ByKeyword(nn.Module):

        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(input=x)

    with pytest.raises(BadConfigError, match=r"^tap 'fc': fc is called with keyword arguments "
                                             r"only \(\['input'\]\), so it has no positional"):
        record(ModuleInputTap('fc'), ByKeyword())


def test_two_method_taps_on_one_method_record_and_leave_it_as_it_was():
    """E.g. a detector head's class scores and box predictions, both from ``forward``."""
    model = Toy()
    taps = TapSet(dict(h=dict(type='MethodOutputTap', source='join.forward'),
                       again=dict(type='MethodOutputTap', source='join.forward')), 'teacher')
    for _ in range(3):  # each recording wraps the method anew, and unwraps it after
        with taps.recording(model):
            model(X)
        assert 'forward' not in vars(model.join)
    values = taps.values()
    assert values['teacher.h'].tolist() == values['teacher.again'].tolist() == [[0.0], [16.5]]
    assert all(len(tap.records) == 1 for tap in taps.taps.values())


def test_method_output_tap_on_a_missing_method_lists_the_methods():
    with pytest.raises(BadConfigError, match=r"model.fc1 has no method 'featurs'.*'forward'"):
        MethodOutputTap('fc1.featurs').check(Toy())


def test_taps_on_a_classifier_match_its_sub_modules():
    """mmpretrain's ImageClassifier: the neck's input is the backbone's tuple of stage
    outputs, the head's ``pre_logits`` and its ``fc``'s input are the pooled feature."""
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(0)
        model = build_model(dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py')).eval()
    taps = TapSet(dict(neck_in=dict(type='ModuleInputTap', source='neck', index=0),
                       fc_in=dict(type='ModuleInputTap', source='head.fc'),
                       pre_logits=dict(type='MethodOutputTap', source='head.pre_logits'),
                       feats=dict(type='MethodOutputTap', source='extract_feat', index=0),
                       logits='head.fc'), 'student')
    x = torch.randn(2, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        with taps.recording(model):
            model(x, mode='tensor')
        layer3 = stages(model, x)
        pooled = layer3.mean(dim=(2, 3))
    values = taps.values()
    torch.testing.assert_close(values['student.neck_in'], layer3)
    torch.testing.assert_close(values['student.feats'], pooled)   # extract_feat = backbone + neck
    torch.testing.assert_close(values['student.fc_in'], pooled)
    torch.testing.assert_close(values['student.pre_logits'], pooled)
    torch.testing.assert_close(values['student.logits'], pooled @ model.head.fc.weight.t()
                               + model.head.fc.bias)
    assert isinstance(taps.taps['logits'], ModuleOutputTap)
    assert 'pre_logits' not in vars(model.head) and 'extract_feat' not in vars(model)
