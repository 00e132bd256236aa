# CrossKD (Wang et al., CVPR 2024): the student head's intermediate features
# (the output of its one stacked conv, per branch and FPN level) run through
# the rest of the frozen teacher's head (its retina_cls / retina_reg), after a
# 1x1 conv + BN adapter from the student's 32 to the teacher's 64 channels; the
# cross-head predictions are distilled against the teacher's own predictions,
# on every prediction (S(r) = 1): class scores by the quality focal loss with
# the teacher's scores as soft labels (BCKDClsLoss, beta 2), boxes by 1 - GIoU
# of the decoded boxes (BCKDLocLoss, weighting 'none'), both averaged over the
# predictions. The student's own head learns from the annotations only.
# Loss weights 100 (classes) and 1 (boxes): the paper's were not in the sources
# read; these put both terms near the student's own losses at the start of
# training on the canvases (class term ~0.01 per prediction, box term ~0.6).
# Teacher: sfkd-train sfkd::baseline/retinanet-r34w32_fashion-det.py
# (writes work_dirs/retinanet-r34w32_fashion-det/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/canvas_det_pair.py for other teachers).
_base_ = ['../_base_/distill/canvas_det_pair.py']
levels = (0, 1, 2)  # FPN outputs at strides 8, 16, 32
head = dict(type='MethodOutputTap', source='bbox_head.forward')
# the heads' anchors and box coder, as in configs/_base_/models/canvas/retinanet_r34w32.py
anchors = dict(type='mmdet.AnchorGenerator', octave_base_scale=2, scales_per_octave=2,
               ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32])
coder = dict(type='mmdet.DeltaXYWHBBoxCoder', target_means=[0.0] * 4, target_stds=[1.0] * 4)
model = dict(
    # the head's layers run once per level: call i is level i
    student_taps=dict(
        _delete_=True,
        **{f'cls_feat{i}': dict(type='ModuleOutputTap', source='bbox_head.cls_convs.0', call=i)
           for i in levels},
        **{f'reg_feat{i}': dict(type='ModuleOutputTap', source='bbox_head.reg_convs.0', call=i)
           for i in levels}),
    teacher_taps=dict(_delete_=True, cls=dict(head, index=0), box=dict(head, index=1)),
    connectors=dict(
        _delete_=True,
        cross_cls=dict(type='MultiLevelTeacherPathConnector', paths=['bbox_head.retina_cls'],
                       adapter=dict(type='ConvBNConnector')),
        cross_reg=dict(type='MultiLevelTeacherPathConnector', paths=['bbox_head.retina_reg'],
                       adapter=dict(type='ConvBNConnector'))),
    distill_losses=dict(
        loss_crosskd_cls=dict(type='BCKDClsLoss', beta=2.0, num_classes=10,
                              normalize='predictions', loss_weight=100.0),
        loss_crosskd_reg=dict(type='BCKDLocLoss', weighting='none', normalize='predictions',
                              loss_weight=1.0,
                              decoder=dict(prior_generator=anchors, bbox_coder=coder))),
    loss_inputs=dict(
        loss_crosskd_cls=dict(student=([f'student.cls_feat{i}' for i in levels], 'cross_cls'),
                              teacher='teacher.cls'),
        loss_crosskd_reg=dict(student=([f'student.reg_feat{i}' for i in levels], 'cross_reg'),
                              teacher='teacher.box')),
)
