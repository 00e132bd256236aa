# Hinton KD (tau=4) from the SFTN teacher to the tiny ResNet student, the student
# initialised from the SFTN run's trained branch student (loaded by parameter
# name; its stem and layer1, never trained in the teacher run, stay as built and
# are reported as such). model.student_init=None starts from scratch instead;
# the same init goes onto configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py
# with --cfg-options model.student_init.checkpoint={teacher_dir}/branch_student_final.pth
# Teacher: sfkd-train sfkd::sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py
_base_ = ['./kd_small-resnet_tiny-resnet_fashion-mnist.py']
model = dict(
    teacher_ckpt='work_dirs/sftn_small-resnet_tiny-resnet_fashion-mnist/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py',
    student_init=dict(
        checkpoint='{teacher_dir}/branch_student_final.pth',
        made_by='sfkd-train sfkd::sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'),
)
