# SFTN teacher for the MobileNetV2-style student (the cross-family regime of
# projects/regimes_study/regimes_study.py), on augmented Fashion-MNIST. Branches attach
# where the resolutions meet, as the CIFAR ResNet -> ShuffleNet configs do:
# teacher layer1 (16x28x28) -> student layer1 (8x28x28) and teacher layer2
# (32x14x14) -> student layer2 (16x14x14), each through the default 1x1 conv
# transform; the student's later inverted-residual stages, conv2 and head run on
# them. Alone:
#   sfkd-train projects/regimes_study/configs/sftn/sftn-aug_small-resnet_mobilenet-v2-small_fashion-mnist.py
_base_ = ['./sftn-aug_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(branches=[
    dict(student=dict(cfg_path='sfkd::_base_/models/mobilenet_v2_small_fmnist.py'),
         attach=[('backbone.layer1', 'backbone.layer1'),
                 ('backbone.layer2', 'backbone.layer2')],
         share_student=True),
])
