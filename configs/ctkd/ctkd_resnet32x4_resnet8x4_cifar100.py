# KD + CTKD (global learnable temperature, the authors' CIFAR-100 script: CE weight 0.1,
# KD weight 0.9, tau = 1 + 20 * sigmoid(T_pred), lambda 0 -> 1 over the first 10 of
# 240 epochs), resnet32x4 -> resnet8x4. Reference: configs/ctkd/README.md.
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    student_loss_weight=0.1,
    distill_losses=dict(loss_kd=dict(
        type='KDLoss', loss_weight=0.9,
        tau=dict(type='LearnableTemperature', tau_min=1.0, tau_range=20.0,
                 lambda_min=0.0, lambda_max=1.0, curriculum_epochs=10))),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)
