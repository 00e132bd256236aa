# SoTeacher on the canvas FCN teacher: the Lipschitz regulariser (L1 bounds,
# weight 1e-5) alone. SoTeacher's consistency term needs one class distribution
# per training sample to ensemble over epochs; dense outputs have none (their
# positions move with each epoch's flips), so ConsistencyRegularizer refuses
# them when the model is built, with an error that says so.
_base_ = ['../_base_/friendly/canvas_seg_teacher.py']
model = dict(
    type='SoTeacher',
    regularizers=dict(lipschitz=dict(type='LipschitzRegularizer', mode='l1', weight=1e-5)))
