# MGD (masked generative distillation: alpha 2e-5, lambda 0.65, the paper's
# detection setting) on each of the three FPN levels, through a 1x1 conv + BN
# connector per level that aligns the student's 32 channels to the teacher's 64.
# Teacher: sfkd-train sfkd::baseline/retinanet-r34w32_fashion-det.py
# (writes work_dirs/retinanet-r34w32_fashion-det/teacher_final.pth, the default
# model.teacher_ckpt; see configs/_base_/distill/canvas_det_pair.py for other teachers).
_base_ = ['../_base_/distill/canvas_det_pair.py']
levels = (0, 1, 2)  # FPN outputs at strides 8, 16, 32
model = dict(
    distill_losses={f'loss_mgd_p{i}': dict(type='MGDLoss', channels=64, lambda_mgd=0.65,
                                           loss_weight=2e-5) for i in levels},
    loss_inputs={f'loss_mgd_p{i}': dict(student=(f'student.p{i}', f'adapt_p{i}'),
                                      teacher=f'teacher.p{i}') for i in levels},
)
