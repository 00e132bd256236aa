# Contrastive representation distillation (weight 0.8, 16384 negatives) plus KD, resnet32x4 -> resnet8x4.
# Task loss weight 1 (RepDistiller runs feature methods with -r 1 -a 0).
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    student_loss_weight=1.0,
    student_taps=dict(embed=dict(type='ModuleOutputTap', source='neck', index=0)),
    teacher_taps=dict(embed=dict(type='ModuleOutputTap', source='neck', index=0)),
    distill_losses=dict(
        loss_crd=dict(type='CRDLoss', student_channels=256, teacher_channels=256,
                      num_data=50000, feat_dim=128, nce_k=16384, loss_weight=0.8),
        loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=1.0)),
    loss_inputs=dict(
        loss_crd=dict(student='student.embed', teacher='teacher.embed', index='data.sample_idx'),
        loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)
