# ReviewKD, resnet32x4 -> resnet8x4: the student's three stages and pooled
# feature fused by ABF (mid channels min(512, 256) = 256), HCL weight 5 with a
# linear warm-up over the first 20 epochs, cross-entropy weight 1, no KD term
# (the released CIFAR-100 setting for this pair; see README.md).
_base_ = ['../_base_/distill/cifar100_resnet32x4_resnet8x4.py']
model = dict(
    student_taps=dict(_delete_=True, s1='backbone.layer1', s2='backbone.layer2',
                      s3='backbone.layer3', pooled='neck[0]'),
    teacher_taps=dict(_delete_=True, s1='backbone.layer1', s2='backbone.layer2',
                      s3='backbone.layer3', pooled='neck[0]'),
    connectors=dict(review=dict(type='ABFConnector')),
    distill_losses=dict(loss_hcl=dict(type='HCLLoss', warmup_epochs=20, loss_weight=5.0)),
    loss_inputs=dict(loss_hcl=dict(
        student=(['student.s1', 'student.s2', 'student.s3', 'student.pooled'], 'review'),
        teacher=['teacher.s1', 'teacher.s2', 'teacher.s3', 'teacher.pooled'])),
)
