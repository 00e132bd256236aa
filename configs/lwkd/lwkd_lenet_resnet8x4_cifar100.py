# LW-KD for CIFAR-100: resnet8x4 learns from a LeNet trained on synthetic
# two-digit strings (100 classes); the teacher sees a random 32x32 synthetic
# string of each sample's class. CE 0.1 + KD (tau=4) 0.9 + adversarial 0.1.
# The teacher: sfkd-train sfkd::lwkd/lenet_synthetic-digits-100.py
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    type='AdversarialDistiller',  # trains the discriminator in alternation with the student
    teacher=dict(cfg_path='sfkd::_base_/models/lwkd/lenet_digits-100.py'),
    teacher_ckpt='work_dirs/lenet_synthetic-digits-100/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::lwkd/lenet_synthetic-digits-100.py',
    teacher_inputs=dict(type='ClassConditionalInputs', num_classes=100, samples_per_class=32,
                        seed=12345, image_size=32),
    student_loss_weight=0.1,
    student_taps=dict(_delete_=True, logits='head.fc'),
    teacher_taps=dict(_delete_=True, logits='head.fc'),
    distill_losses=dict(
        loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=0.9),
        loss_adv=dict(type='AdversarialKDLoss', tau=1.0, loss_weight=0.1,
                      discriminator=dict(type='OutputDiscriminator', num_classes=100,
                                         hidden_channels=(128, 128)))),
    loss_inputs=dict(
        loss_kd=dict(student='student.logits', teacher='teacher.logits'),
        loss_adv=dict(student='student.logits', teacher='teacher.logits')),
)
optim_wrapper = dict(
    _delete_=True,
    constructor='DistillerOptimWrapperConstructor',
    student=dict(type='OptimWrapper',
                 optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4)),
    discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3,
                                                           betas=(0.5, 0.999))))
val_cfg = dict(type='DistillValLoop', evaluate_teacher=False)
