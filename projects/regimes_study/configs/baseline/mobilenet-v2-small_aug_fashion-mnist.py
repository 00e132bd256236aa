# A student of the friendly-teacher regimes trained alone (no teacher), the
# reference of its distilled students: the MobileNetV2-style student (the cross-family regime's, 27.2k parameters)
# on augmented Fashion-MNIST (random crop, padding 4; horizontal flip).
# projects/regimes_study/regimes_study.py sets its epochs and training subset; on its own:
#   sfkd-train projects/regimes_study/configs/baseline/mobilenet-v2-small_aug_fashion-mnist.py
# Also the plain config that loads this student's exported checkpoints.
_base_ = [
    'sfkd::_base_/models/mobilenet_v2_small_fmnist.py',
    'sfkd::_base_/datasets/fashion_mnist_aug.py',
    'sfkd::_base_/schedules/fmnist_sgd_cosine.py',
    'sfkd::_base_/default_runtime.py',
]
