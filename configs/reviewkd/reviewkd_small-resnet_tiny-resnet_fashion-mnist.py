# ReviewKD: the tiny ResNet student's three stages and pooled feature, fused
# from the deepest to the shallowest by attention-based fusion (ABFConnector),
# against the small ResNet teacher's by the hierarchical context loss (HCLLoss,
# weight 1), with the student's cross-entropy at weight 1 (no KD term). No
# warm-up: the 3-epoch schedule is shorter than the recipes' (see README.md).
# Teacher: sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/fmnist_pair.py for other teachers).
_base_ = ['../_base_/distill/fmnist_pair.py']
model = dict(
    student_taps=dict(s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3',
                      pooled='neck[0]'),
    teacher_taps=dict(s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3',
                      pooled='neck[0]'),
    connectors=dict(review=dict(type='ABFConnector')),
    distill_losses=dict(loss_hcl=dict(type='HCLLoss', loss_weight=1.0)),
    loss_inputs=dict(loss_hcl=dict(
        student=(['student.s1', 'student.s2', 'student.s3', 'student.pooled'], 'review'),
        teacher=['teacher.s1', 'teacher.s2', 'teacher.s3', 'teacher.pooled'])),
)
