# BCKD (Yang et al., ICCV 2023): binary classification distillation of the
# class maps (BCE between sigmoid scores, weighted by their difference) and
# IoU-based localisation distillation of the decoded boxes (1 - GIoU, weighted
# by the largest score difference), on every prediction of the three FPN levels.
# Loss weights 1 and 4, the authors' GFL recipe; both sums are divided by the
# teacher's soft count of foreground predictions (see BCKDClsLoss).
# Teacher: sfkd-train sfkd::baseline/retinanet-r34w32_fashion-det.py
# (writes work_dirs/retinanet-r34w32_fashion-det/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/canvas_det_pair.py for other teachers).
_base_ = ['../_base_/distill/canvas_det_pair.py']
# the heads' outputs: (class maps, box deltas), one map per level
head = dict(type='MethodOutputTap', source='bbox_head.forward')
# the heads' anchors and box coder, as in configs/_base_/models/canvas/retinanet_r34w32.py
anchors = dict(type='mmdet.AnchorGenerator', octave_base_scale=2, scales_per_octave=2,
               ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32])
coder = dict(type='mmdet.DeltaXYWHBBoxCoder', target_means=[0.0] * 4, target_stds=[1.0] * 4)
model = dict(
    student_taps=dict(_delete_=True, cls=dict(head, index=0), box=dict(head, index=1)),
    teacher_taps=dict(_delete_=True, cls=dict(head, index=0), box=dict(head, index=1)),
    connectors=dict(_delete_=True),
    distill_losses=dict(
        loss_bckd_cls=dict(type='BCKDClsLoss', num_classes=10, loss_weight=1.0),
        loss_bckd_loc=dict(type='BCKDLocLoss', loss_weight=4.0,
                           decoder=dict(prior_generator=anchors, bbox_coder=coder))),
    loss_inputs=dict(
        loss_bckd_cls=dict(student='student.cls', teacher='teacher.cls'),
        loss_bckd_loc=dict(student='student.box', teacher='teacher.box',
                           student_scores='student.cls', teacher_scores='teacher.cls')),
)
