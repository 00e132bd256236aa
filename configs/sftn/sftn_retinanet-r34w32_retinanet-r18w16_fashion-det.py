# SFTN teacher for the canvas RetinaNet R18 student: student branches after
# teacher stages 2 and 3 (strides 8 and 16); each runs the student's remaining
# backbone stages, FPN, head and detection losses on the transformed teacher
# feature. Imitation: CWD (tau 1) on the classification score maps of every
# FPN level, summed. CWD detaches the teacher maps, so the imitation gradient
# reaches the teacher through the branch transforms. l_T=1, l_task=1, l_KL=3.
_base_ = ['../_base_/friendly/canvas_det_teacher.py']
model = dict(
    type='SFTN',
    branches=[
        dict(student=dict(cfg_path='sfkd::_base_/models/canvas/retinanet_r18w16.py'),
             attach=[('backbone.layer2', 'backbone.layer2'),
                     ('backbone.layer3', 'backbone.layer3')],
             share_student=True),
    ],
    imitation_loss=dict(type='PerLevelLoss',
                        loss=dict(type='ChannelWiseDivergence', tau=1.0)),
    teacher_weight=1.0,
    branch_task_weight=1.0,
    branch_imitation_weight=3.0,
)
