# Channel-wise distillation (CWD, tau 1, weight 10 per level, as MMRazor's FPN
# recipes) on each of the three FPN levels, the student's levels widened to the
# teacher's 64 channels by a 1x1 conv + BN connector per level.
# Teacher: sfkd-train sfkd::baseline/retinanet-r34w32_fashion-det.py
# (writes work_dirs/retinanet-r34w32_fashion-det/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/canvas_det_pair.py for other teachers).
_base_ = ['../_base_/distill/canvas_det_pair.py']
levels = (0, 1, 2)  # FPN outputs at strides 8, 16, 32
model = dict(
    distill_losses={f'loss_cwd_p{i}': dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=10.0)
                    for i in levels},
    loss_inputs={f'loss_cwd_p{i}': dict(student=(f'student.p{i}', f'adapt_p{i}'),
                                      teacher=f'teacher.p{i}') for i in levels},
)
