# A student of the friendly-teacher regimes trained alone (no teacher), the
# reference of its distilled students: the tiny ResNet (the long-aug regime's student, 19.8k parameters)
# on augmented Fashion-MNIST (random crop, padding 4; horizontal flip).
# tools/analysis/regimes_study.py sets its epochs and training subset; on its own:
#   python tools/train.py configs/baseline/tiny-resnet_aug_fashion-mnist.py
# Also the plain config that loads this student's exported checkpoints.
_base_ = [
    '../_base_/models/tiny_resnet_fmnist.py',
    '../_base_/datasets/fashion_mnist_aug.py',
    '../_base_/schedules/fmnist_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
