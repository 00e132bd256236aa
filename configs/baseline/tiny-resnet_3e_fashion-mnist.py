# The default student trained alone (no teacher): the reference every
# distilled student is compared with. Also the plain config that loads a
# student-only checkpoint exported from a distillation run.
_base_ = [
    '../_base_/models/tiny_resnet_fmnist.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fmnist_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
