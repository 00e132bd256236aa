# Pixel-wise KD: KL between the softened class distributions of student and
# teacher at every position of the segmentation logits (tau 1, weight 1,
# averaged over pixels; the pixel-wise distillation of structured KD).
# Teacher: sfkd-train sfkd::baseline/fcn-r34w32_fashion-seg.py
# (writes work_dirs/fcn-r34w32_fashion-seg/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/canvas_seg_pair.py for other teachers).
_base_ = ['../_base_/distill/canvas_seg_pair.py']
model = dict(
    student_taps=dict(logits='decode_head.conv_seg'),
    teacher_taps=dict(logits='decode_head.conv_seg'),
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=1.0, loss_weight=1.0)),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)
