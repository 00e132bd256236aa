# FitNets hints (MSE, weight 1 per level) on each of the three FPN levels,
# through a 1x1 conv + BN regressor per level (32 -> 64 channels).
# Teacher: sfkd-train sfkd::baseline/retinanet-r34w32_fashion-det.py
# (writes work_dirs/retinanet-r34w32_fashion-det/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/canvas_det_pair.py for other teachers).
_base_ = ['../_base_/distill/canvas_det_pair.py']
levels = (0, 1, 2)  # FPN outputs at strides 8, 16, 32
model = dict(
    distill_losses={f'loss_fitnets_p{i}': dict(type='FitNetsLoss', loss_weight=1.0)
                    for i in levels},
    loss_inputs={f'loss_fitnets_p{i}': dict(student=(f'student.p{i}', f'adapt_p{i}'),
                                      teacher=f'teacher.p{i}') for i in levels},
)
