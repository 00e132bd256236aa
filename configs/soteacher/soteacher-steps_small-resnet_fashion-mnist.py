# SoTeacher on the small ResNet teacher with the Lipschitz weight scaled to the
# run's length: weight * 187,680 / max_iters, the official 1e-5 over the official
# runs' optimiser steps (CIFAR-100, batch 64, 240 epochs) per step of this run
# (max_iters read from the runner, so it follows --cfg-options
# train_cfg.max_epochs=... and training subsets). The rule keeps the term's total
# pull on the weights; over a few hundred steps the scaled weight is large enough
# to outweigh the task loss, so check the teacher's accuracy (see
# LipschitzRegularizer's docstring).
_base_ = ['./soteacher_small-resnet_fashion-mnist.py']
model = dict(
    regularizers=dict(
        lipschitz=dict(steps='auto', reference_steps=187680)),
)
