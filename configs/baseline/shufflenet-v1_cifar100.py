# shufflenet_v1 trained alone on CIFAR-100 with RepDistiller's 240-epoch recipe
# (a standard teacher, or the student-alone reference).
_base_ = [
    '../_base_/models/cifar100/shufflenet_v1.py',
    '../_base_/datasets/cifar100.py',
    '../_base_/schedules/cifar100_sgd_240e.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(optimizer=dict(lr=0.01))
