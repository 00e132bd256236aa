# Standard teacher baseline: a small ResNet trained on Fashion-MNIST with
# cross-entropy only. It is the teacher of the Fashion-MNIST distillation
# configs (configs/_base_/distill/fmnist_pair.py):
#   sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, which they load.
_base_ = [
    '../_base_/models/small_resnet_fmnist.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fmnist_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
# teacher_final.pth: the final weights, under the name every teacher config exports
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]
