# LW-KD stage 2: the tiny ResNet student on Fashion-MNIST learns from the LeNet
# teacher trained on synthetic digits. A student sample of class y gets the
# teacher's output on a random synthetic digit of class y (teacher_inputs);
# the enhanced KD loss is CE (0.1) + KD (tau=4, 0.9) + an adversarial term (0.1)
# against an MLP discriminator over output distributions, trained in alternation
# with its own optimiser (logged as distill.loss_adv and disc.loss_real/fake).
# Teacher: sfkd-train sfkd::lwkd/lenet_synthetic-digits-10.py
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    type='AdversarialDistiller',  # trains the discriminator in alternation with the student
    teacher=dict(cfg_path='sfkd::_base_/models/lwkd/lenet_digits-10.py'),
    teacher_ckpt='work_dirs/lenet_synthetic-digits-10/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::lwkd/lenet_synthetic-digits-10.py',
    teacher_inputs=dict(type='ClassConditionalInputs', num_classes=10, samples_per_class=64,
                        seed=12345, image_size=28),
    student_loss_weight=0.1,
    student_taps=dict(logits='head.fc'),
    teacher_taps=dict(logits='head.fc'),
    distill_losses=dict(
        loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=0.9),
        loss_adv=dict(type='AdversarialKDLoss', tau=1.0, loss_weight=0.1,
                      discriminator=dict(type='OutputDiscriminator', num_classes=10,
                                         hidden_channels=(64, 64)))),
    loss_inputs=dict(
        loss_kd=dict(student='student.logits', teacher='teacher.logits'),
        loss_adv=dict(student='student.logits', teacher='teacher.logits')),
)
optim_wrapper = dict(
    _delete_=True,
    constructor='DistillerOptimWrapperConstructor',
    student=dict(type='OptimWrapper',
                 optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4,
                                nesterov=True)),
    discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3,
                                                           betas=(0.5, 0.999))))
# the teacher reads digits, not clothes: its Fashion-MNIST accuracy means nothing
val_cfg = dict(type='DistillValLoop', evaluate_teacher=False)
