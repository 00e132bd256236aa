# SFTN teacher for the quarter-width ResNet student (the capacity-gap regime of
# projects/regimes_study/regimes_study.py, 1/15 of the teacher's parameters), on
# augmented Fashion-MNIST: student branches after teacher stages 1 and 2 (the
# student's stages 2-3 and head on the teacher's 16- and 32-channel features,
# mapped to its 4 and 8 channels by the default 1x1 conv transforms). Alone:
#   sfkd-train projects/regimes_study/configs/sftn/sftn-aug_small-resnet_micro-resnet_fashion-mnist.py
_base_ = ['./sftn-aug_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(branches=[
    dict(student=dict(cfg_path='sfkd::_base_/models/micro_resnet_fmnist.py'),
         attach=[('backbone.layer1', 'backbone.layer1'),
                 ('backbone.layer2', 'backbone.layer2')],
         share_student=True),
])
