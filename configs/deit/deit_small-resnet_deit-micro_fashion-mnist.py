# DeiT distillation through the distillation token, hard-label (the DeiT paper's
# objective): 1/2 CE(class token's head, label) + 1/2 CE(distillation token's head,
# argmax of the teacher's logits), from the small ResNet teacher (a CNN) to a micro DeiT
# (configs/_base_/models/deit_micro_fmnist.py). At inference the DeiT averages its two
# heads' logits. AdamW (lr 1e-3, weight decay 0.05) instead of the pair's SGD.
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student=dict(cfg_path='sfkd::_base_/models/deit_micro_fmnist.py'),
    student_loss_weight=0.5,
    student_taps=dict(dist_logits='head.layers.head_dist'),
    teacher_taps=dict(logits='head.fc'),
    distill_losses=dict(loss_deit=dict(type='HardLabelKDLoss', loss_weight=0.5)),
    loss_inputs=dict(loss_deit=dict(student='student.dist_logits', teacher='teacher.logits')),
)
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05))
