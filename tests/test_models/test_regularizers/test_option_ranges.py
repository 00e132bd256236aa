"""Regularisers refuse out-of-range numbers, naming the option."""
import pytest

from sfkd.models.regularizers import ConsistencyRegularizer, LipschitzRegularizer
from sfkd.utils.errors import BadConfigError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize('build, message', [
    (lambda: LipschitzRegularizer(weight=-1e-5),
     r'^weight must be >= 0 \(a negative weight rewards what the term penalises\), got -1e-05$'),
    (lambda: LipschitzRegularizer(power_iters=0),
     r'^power_iters must be >= 1 \(power iterations per step\), got 0$'),
    (lambda: LipschitzRegularizer(weight='big'), r"^weight must be a number, got 'big' \(str\)$"),
    (lambda: ConsistencyRegularizer(num_samples=0, num_classes=10),
     r'^num_samples must be >= 1 \(the size of the training set\), got 0$'),
    (lambda: ConsistencyRegularizer(num_samples=100, num_classes=-2),
     r'^num_classes must be >= 1 \(the width of the teacher output\), got -2$'),
    (lambda: ConsistencyRegularizer(num_samples=10.5, num_classes=10),
     r'^num_samples must be an integer, got 10.5 \(float\)$'),
    (lambda: ConsistencyRegularizer(num_samples=10, num_classes=10, schedule='step',
                                    step_epoch=-1),
     r'^step_epoch must be >= 0 \(an epoch, counted from 0\), got -1$'),
    (lambda: ConsistencyRegularizer(num_samples=10, num_classes=10, weight=-1),
     r'^weight must be >= 0'),
])
def test_out_of_range_numbers_are_refused(build, message):
    with pytest.raises(BadConfigError, match=message):
        build()


def test_boundary_values_are_accepted():
    assert LipschitzRegularizer(weight=0, power_iters=1).weight == 0
    reg = ConsistencyRegularizer(num_samples=1, num_classes=1, schedule='step', step_epoch=0)
    assert tuple(reg.ybar.shape) == (1, 1)
