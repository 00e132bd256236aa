# A student of the friendly-teacher regimes trained alone (no teacher), the
# reference of its distilled students: the quarter-width ResNet (the capacity-gap regime's student, 5.1k parameters)
# on augmented Fashion-MNIST (random crop, padding 4; horizontal flip).
# tools/analysis/regimes_study.py sets its epochs and training subset; on its own:
#   python tools/train.py configs/baseline/micro-resnet_aug_fashion-mnist.py
# Also the plain config that loads this student's exported checkpoints.
_base_ = [
    '../_base_/models/micro_resnet_fmnist.py',
    '../_base_/datasets/fashion_mnist_aug.py',
    '../_base_/schedules/fmnist_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
