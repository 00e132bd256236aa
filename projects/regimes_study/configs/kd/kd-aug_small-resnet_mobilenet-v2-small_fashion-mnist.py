# Hinton KD (tau=4) across model families: the small ResNet teacher to the
# MobileNetV2-style student (configs/_base_/models/mobilenet_v2_small_fmnist.py),
# on augmented Fashion-MNIST; the cross-family regime of
# projects/regimes_study/regimes_study.py. On its own:
#   sfkd-train projects/regimes_study/configs/kd/kd-aug_small-resnet_mobilenet-v2-small_fashion-mnist.py
# Teacher: sfkd-train projects/regimes_study/configs/baseline/small-resnet_aug_fashion-mnist.py
_base_ = ['./kd-aug_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(student=dict(cfg_path='sfkd::_base_/models/mobilenet_v2_small_fmnist.py'))
