# Channel-wise distillation (CWD, tau 1, weight 3, as MMRazor's segmentation
# recipes) on the segmentation logits (decode_head.conv_seg, 11 channels).
# Teacher: sfkd-train sfkd::baseline/fcn-r34w32_fashion-seg.py
# (writes work_dirs/fcn-r34w32_fashion-seg/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/canvas_seg_pair.py for other teachers).
_base_ = ['../_base_/distill/canvas_seg_pair.py']
model = dict(
    student_taps=dict(logits='decode_head.conv_seg'),
    teacher_taps=dict(logits='decode_head.conv_seg'),
    distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=3.0)),
    loss_inputs=dict(loss_cwd=dict(student='student.logits', teacher='teacher.logits')),
)
