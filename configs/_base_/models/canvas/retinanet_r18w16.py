# The canvas detector student: the teacher's RetinaNet with a ResNet-18 at
# quarter width (base_channels=16) and FPN levels of 32 channels.
_base_ = ['./retinanet_r34w32.py']
model = dict(
    backbone=dict(depth=18, base_channels=16),
    neck=dict(in_channels=[32, 64, 128], out_channels=32),
    bbox_head=dict(in_channels=32, feat_channels=32))
