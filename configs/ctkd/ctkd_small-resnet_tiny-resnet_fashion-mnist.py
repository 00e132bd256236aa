# KD with CTKD's learnable temperature (curriculum temperature), small ResNet teacher ->
# tiny ResNet student. The temperature tau = 1 + 20 * sigmoid(T_pred) is trained by the
# run's optimiser through a gradient reversal layer whose strength rises from 0 to 1 as a
# half cosine; over 2 of the 3 epochs here (the paper: 10 of 240 on CIFAR-100).
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student_loss_weight=0.1,
    student_taps=dict(logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    distill_losses=dict(loss_kd=dict(
        type='KDLoss', loss_weight=0.9,
        tau=dict(type='LearnableTemperature', tau_min=1.0, tau_range=20.0,
                 lambda_min=0.0, lambda_max=1.0, curriculum_epochs=2))),
    loss_inputs=dict(loss_kd=dict(student='student.logits', teacher='teacher.logits')),
)
