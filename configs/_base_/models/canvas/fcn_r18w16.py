# The canvas segmentor student: the teacher's FCN with a ResNet-18 (V1c stem)
# at quarter width and 32 channels in the head.
_base_ = ['./fcn_r34w32.py']
model = dict(
    backbone=dict(depth=18, stem_channels=16, base_channels=16),
    decode_head=dict(in_channels=128, channels=32))
