"""A tap on a module run several times in one pass records the call it names
(``call``): a detection head's layer shared by the FPN levels gives one level."""
import pytest
import torch
from torch import nn

from sfkd.models.taps import TapsComplete, TapSet
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


class Shared(nn.Module):
    """``layer`` (y = 2x + 1) runs once on each of three inputs, like a head per level."""

    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(1, 1)
        with torch.no_grad():
            self.layer.weight.fill_(2.0)
            self.layer.bias.fill_(1.0)

    def forward(self, levels):
        return [self.layer(x) for x in levels]


LEVELS = [torch.tensor([[1.0]]), torch.tensor([[2.0]]), torch.tensor([[3.0]])]


def run(cfgs, stop=False):
    model = Shared()
    taps = TapSet(cfgs, 'student')
    with taps.recording(model, stop):
        model(LEVELS)
    return taps


def test_each_call_is_recorded_by_the_tap_that_names_it():
    taps = run({f'p{i}': dict(type='ModuleOutputTap', source='layer', call=i) for i in range(3)}
               | {'last': 'layer'})
    values = {k: v.tolist() for k, v in taps.values().items()}
    assert values == {'student.p0': [[3.0]], 'student.p1': [[5.0]], 'student.p2': [[7.0]],
                      'student.last': [[7.0]]}
    assert taps.taps['p1'].describe() == 'layer (call 1)'
    assert all(len(taps.taps[f'p{i}'].records) == 1 for i in range(3))
    assert taps.kept_first_records() is False  # 'last' recorded three times


def test_a_pass_run_for_its_taps_stops_after_the_named_call():
    model, calls = Shared(), []
    model.layer.register_forward_hook(lambda m, a, out: calls.append(out))
    taps = TapSet(dict(p1=dict(type='ModuleOutputTap', source='layer', call=1)), 'teacher')
    with pytest.raises(TapsComplete):
        with taps.recording(model, stop_when_complete=True):
            model(LEVELS)
    assert len(calls) == 2 and taps.taps['p1'].value.tolist() == [[5.0]]


def test_a_call_the_module_never_makes_is_explained():
    taps = run(dict(p3=dict(type='ModuleOutputTap', source='layer', call=3)))
    with pytest.raises(BadConfigError, match=r"^student_taps.p3 'layer \(call 3\)': layer ran 3 "
                       r'time\(s\) in the forward pass, so it has no call 3; use a call from 0 '
                       r'to 2$'):
        taps.values()


@pytest.mark.parametrize('call', [-1, 1.0, True])
def test_call_must_be_a_non_negative_int(call):
    with pytest.raises(BadConfigError, match=r"^tap 'layer': call must be an int >= 0 \(which "
                       r'call of a module run several times in one pass to record, e\.g\. the '
                       rf'FPN level of a shared head layer\), got {call!r}$'):
        TapSet(dict(p=dict(type='ModuleOutputTap', source='layer', call=call)), 'student')
