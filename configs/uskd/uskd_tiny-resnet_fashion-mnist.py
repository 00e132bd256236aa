# USKD (Yang et al., ICCV 2023): NKD without a teacher. The tiny ResNet student makes its
# own soft labels: its squared target probability, centred on the label, and Zipf's-law
# non-target labels from the ranks of its final prediction and of a weak classifier (a
# linear layer of the loss, 16 -> 10) on its layer2 output, the stage before the last.
# alpha=0.1, beta=0.1, mu=0.1: the authors' CIFAR-100 setting (cls_KD's
# configs/distillers/cifar100/res18_sd_cifar.py); the task loss at weight 1.
# No teacher network: model.teacher=None, and the loss's teacher input is the label.
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    teacher=None,
    teacher_ckpt=None,
    teacher_ckpt_hint=None,
    student_loss_weight=1.0,
    student_taps=dict(logits='head.fc', mid='backbone.layer2'),
    distill_losses=dict(loss_uskd=dict(type='USKDLoss', in_channels=16, num_classes=10,
                                       alpha=0.1, beta=0.1, mu=0.1)),
    loss_inputs=dict(loss_uskd=dict(student='student.logits', teacher='data.gt_label',
                                    feature='student.mid')),
)
