# SoTeacher on augmented Fashion-MNIST (soteacher-aug_small-resnet_fashion-mnist.py)
# with the Lipschitz weight scaled to the run's length, the rule of
# soteacher-steps_small-resnet_fashion-mnist.py: weight * 187,680 / max_iters (the
# official 1e-5 was set for 187,680 optimiser steps). The teacher of the lipschitz
# regime of projects/regimes_study/regimes_study.py; at its full scale (200 epochs of 1000
# images, 1600 steps) the weight is 1e-5 * 187680 / 1600 = 1.17e-3.
_base_ = ['./soteacher-aug_small-resnet_fashion-mnist.py']
model = dict(
    regularizers=dict(
        lipschitz=dict(steps='auto', reference_steps=187680)),
)
