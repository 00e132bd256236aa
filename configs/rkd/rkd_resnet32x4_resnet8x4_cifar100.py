# Relational KD (distance 25 + angle 50) on the pooled embeddings, resnet32x4 -> resnet8x4.
# Task loss weight 1 (RepDistiller runs feature methods with -r 1 -a 0).
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    student_taps=dict(embed=dict(type='ModuleOutputTap', source='neck', index=0)),
    teacher_taps=dict(embed=dict(type='ModuleOutputTap', source='neck', index=0)),
    distill_losses=dict(loss_rkd=dict(type='RKDLoss', w_d=25.0, w_a=50.0, loss_weight=1.0)),
    loss_inputs=dict(loss_rkd=dict(student='student.embed', teacher='teacher.embed')),
)
