# Hinton KD (tau=4) across a large capacity gap: the small ResNet teacher (77.8k
# parameters) to the quarter-width ResNet student (5.1k, 1/15), on augmented
# Fashion-MNIST; the gap regime of projects/regimes_study/regimes_study.py. On its own:
#   sfkd-train projects/regimes_study/configs/kd/kd-aug_small-resnet_micro-resnet_fashion-mnist.py
# Teacher: sfkd-train projects/regimes_study/configs/baseline/small-resnet_aug_fashion-mnist.py
_base_ = ['./kd-aug_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(student=dict(cfg_path='sfkd::_base_/models/micro_resnet_fmnist.py'))
