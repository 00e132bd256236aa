# SFTN teacher for the canvas FCN R18 student: student branches after teacher
# stages 2 and 3 (both at output stride 8); each runs the student's remaining
# backbone stages, decode head and cross-entropy on the transformed teacher
# feature. Imitation: pixel-wise KL (tau 1) between the branch and teacher
# logits, with gradient into the teacher (detach_teacher=False), as SFTN does
# for classifier logits. l_T=1, l_CE=1, l_KL=3.
_base_ = ['../_base_/friendly/canvas_seg_teacher.py']
model = dict(
    type='SFTN',
    branches=[
        dict(student=dict(cfg_path='sfkd::_base_/models/canvas/fcn_r18w16.py'),
             attach=[('backbone.layer2', 'backbone.layer2'),
                     ('backbone.layer3', 'backbone.layer3')],
             share_student=True),
    ],
    imitation_loss=dict(type='KDLoss', tau=1.0, detach_teacher=False),
    teacher_weight=1.0,
    branch_task_weight=1.0,
    branch_imitation_weight=3.0,
)
