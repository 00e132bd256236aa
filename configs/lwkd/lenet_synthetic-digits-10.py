# LW-KD stage 1: the lightweight LeNet teacher trained on 20k synthetic digits of
# 10 classes (the class count of Fashion-MNIST, its target data set):
#   sfkd-train sfkd::lwkd/lenet_synthetic-digits-10.py
# writes work_dirs/lenet_synthetic-digits-10/teacher_final.pth, which
# configs/lwkd/lwkd_lenet_tiny-resnet_fashion-mnist.py loads.
_base_ = [
    '../_base_/models/lwkd/lenet_digits-10.py',
    '../_base_/datasets/synthetic_digits.py',
    '../_base_/schedules/fmnist_sgd_cosine.py',
    '../_base_/default_runtime.py',
]

custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]
