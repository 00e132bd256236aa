# A quarter-width ResNet student for Fashion-MNIST: the tiny ResNet's layout at
# half its width (stem and stages 4, 8, 16 channels; 5.1k parameters, 1/15 of
# the small ResNet teacher's 77.8k), the student of the capacity-gap regime.
_base_ = ['./tiny_resnet_fmnist.py']
model = dict(
    backbone=dict(stem_channels=4, stage_channels=(4, 8, 16)),
    head=dict(in_channels=16),
)
