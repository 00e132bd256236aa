"""Every loss with a temperature refuses a zero or negative one, naming the option; every
loss refuses a loss_weight that is not a number."""
import pytest

from sfkd.models.losses import (ChannelWiseDivergence, CRDLoss, DISTLoss, DKDLoss, KDLoss,
                                NKDLoss, WSLDLoss)
from sfkd.models.losses import OFALoss
from sfkd.models.temperatures import LearnableTemperature
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit

TEMPERATURES = [
    (KDLoss, 'tau', {}), (ChannelWiseDivergence, 'tau', {}), (DISTLoss, 'tau', {}),
    (DKDLoss, 'tau', {}), (WSLDLoss, 'tau', {}), (NKDLoss, 'tau', {}),
    (CRDLoss, 'nce_t', dict(student_channels=4, teacher_channels=4, num_data=8, nce_k=4)),
    (OFALoss, 'tau', {}),
    (LearnableTemperature, 'tau_min', {}),
]


@pytest.mark.parametrize('cls, option, required', TEMPERATURES,
                         ids=[c[0].__name__ for c in TEMPERATURES])
@pytest.mark.parametrize('value', [0, -1.5])
def test_non_positive_temperature_is_refused(cls, option, required, value):
    with pytest.raises(BadConfigError, match=rf'^{option} must be > 0 \(.*temperature\), got '
                       rf'{value:g}$'):
        cls(**required, **{option: value})
    cls(**required, **{option: 0.5})  # a positive one is fine


@pytest.mark.parametrize('value', ['abc', None, [1.0]])
def test_loss_weight_must_be_a_number(value):
    with pytest.raises(BadConfigError, match=rf'^loss_weight must be a number, got '
                       rf'{value!r}'.replace('[', r'\[').replace(']', r'\]')):
        KDLoss(loss_weight=value)
