"""Schedules follow the loop's max_epochs (sfkd.engine.schedule_fit)."""
import json
import math

import pytest
from sfkd_testing import ROOT, tiny_options

from sfkd.engine.schedule_fit import fit_schedules, settle_fractions
from sfkd.tools import train as train_tool

pytestmark = pytest.mark.integration

TINY = f'{ROOT}/configs/baseline/tiny-resnet_3e_fashion-mnist.py'


def fmnist_schedule():
    """configs/_base_/schedules/fmnist_sgd_cosine.py, written out (3 epochs)."""
    return [dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
                 convert_to_iter_based=True),
            dict(type='CosineAnnealingLR', T_max=2, by_epoch=True, begin=1, end=3,
                 convert_to_iter_based=True)]


def fitted(max_epochs, schedulers, reference=None):
    cfg = dict(train_cfg=dict(by_epoch=True, max_epochs=max_epochs), param_scheduler=schedulers)
    changed = fit_schedules(cfg, reference)
    return changed, cfg['param_scheduler']


def test_same_length_is_left_alone():
    assert fitted(3, fmnist_schedule()) == (False, fmnist_schedule())


@pytest.mark.parametrize('epochs', [2, 5, 30])
def test_warm_up_kept_and_last_scheduler_ends_with_the_run(epochs):
    changed, (warm, cosine) = fitted(epochs, fmnist_schedule())
    assert changed
    assert warm == fmnist_schedule()[0]
    assert (cosine['begin'], cosine['end']) == (1, epochs)
    # T_max was the scheduler's length: MMEngine then takes end - begin
    assert 'T_max' not in cosine


def test_warm_up_as_long_as_the_run_is_scaled_with_it():
    changed, (warm, cosine) = fitted(1, fmnist_schedule())
    assert changed
    assert warm['end'] == pytest.approx(1 / 3) and warm['convert_to_iter_based']
    assert cosine['begin'] == pytest.approx(1 / 3) and cosine['end'] == 1


def test_explicit_t_max_scales_with_the_scheduler():
    sched = [dict(type='CosineAnnealingLR', T_max=8, by_epoch=True, begin=0, end=4)]
    _, (cosine, ) = fitted(2, sched)
    assert (cosine['T_max'], cosine['end']) == (4, 2)


def test_open_ended_step_schedule_scales_milestones_with_the_config_epochs():
    sched = dict(type='MultiStepLR', by_epoch=True, milestones=[150, 180, 210], gamma=0.1)
    changed, out = fitted(24, sched, reference=240)
    assert changed and out['milestones'] == [15, 18, 21]
    assert fitted(240, dict(sched), reference=240)[0] is False


def test_iteration_based_schedulers_are_untouched():
    sched = [dict(type='LinearLR', by_epoch=False, begin=0, end=500),
             dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=3)]
    _, (warm, cosine) = fitted(6, sched)
    assert warm == dict(type='LinearLR', by_epoch=False, begin=0, end=500)
    assert cosine['end'] == 6


def test_one_epoch_run_of_a_three_epoch_config_anneals_to_eta_min(tmp_path, fmnist_root):
    """The config: 1 warm-up epoch (LinearLR from 0.1x), then cosine to eta_min=0 over 2.
    Run for 1 epoch of 8 iterations, warm-up and cosine keep their shares: 3 + 5 iterations
    (1/3 of 8, rounded)."""
    base_lr = 0.1
    work = tmp_path / 'w'
    runner = train_tool.run([TINY, '--work-dir', str(work), '--cfg-options',
                             *tiny_options(train=512, test=64, batch=64, epochs=1)])
    assert runner.iter == 8
    (log, ) = work.glob('*/vis_data/scalars.json')
    logged = [json.loads(line) for line in open(log)]
    lrs = [row['lr'] for row in logged if 'loss' in row]
    warm = [base_lr * f for f in (0.1, 0.55, 1.0)]  # MMEngine's LinearLR: 1.0x at its last step
    cosine = [base_lr * (1 + math.cos(math.pi * k / 5)) / 2 for k in range(5)]
    assert lrs == pytest.approx(warm + cosine, rel=1e-6)
    # the last step of the cosine: next to eta_min, far below the peak the run used to end at
    assert lrs[-1] < 0.1 * base_lr


def test_fractions_become_whole_iterations_and_empty_warm_ups_are_dropped():
    _, fitted_1 = fitted(1, fmnist_schedule())
    two = [dict(s) for s in fitted_1]
    settle_fractions(two, epoch_length=2)  # 1/3 epoch of 2 iterations: 1 iteration
    assert [(s['begin'], s['end'], s['by_epoch']) for s in two] == [(0, 1, False), (1, 2, False)]
    one = [dict(s) for s in fitted_1]
    settle_fractions(one, epoch_length=1)  # no iteration is left for the warm-up
    assert [(s['type'], s['begin'], s['end']) for s in one] == [('CosineAnnealingLR', 0, 1)]
    whole = fmnist_schedule()
    settle_fractions(whole, epoch_length=2)
    assert whole == fmnist_schedule()  # whole epochs are MMEngine's to convert
