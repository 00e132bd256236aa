# The MRI pair: D5C5 teacher -> D3C5 student on the mricron-data T1 slices at 4x,
# with the standard teacher's data, schedule and runtime. The student's own loss is
# L1 to the ground truth; imitation is L1 between the two reconstructions (the
# outputs of the last cascades). Method configs add feature KD.
# The teacher is the standard one; make it first with
#   python tools/train.py configs/mri/dc-cnn-d5c5_4x_mri-t1.py
# (it writes work_dirs/dc-cnn-d5c5_4x_mri-t1/teacher_final.pth). An SFT teacher goes
# in with the configs/mri/*-sft_* variants, any other D5C5 teacher with
# --cfg-options model.teacher_ckpt=PATH.
_base_ = [
    '../datasets/mri_t1.py',
    '../schedules/mri_adam.py',
    '../default_runtime.py',
]
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/mri/dc-cnn_d3c5.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/mri/dc-cnn_d5c5.py'),
    teacher_ckpt='work_dirs/dc-cnn-d5c5_4x_mri-t1/teacher_final.pth',
    teacher_ckpt_hint='python tools/train.py configs/mri/dc-cnn-d5c5_4x_mri-t1.py',
    input_shape=(3, 64, 64),
    student_taps=dict(recon='cascades.4'),
    teacher_taps=dict(recon='cascades.4'),
    distill_losses=dict(loss_imitation=dict(type='L1DistillLoss', loss_weight=1.0)),
    loss_inputs=dict(loss_imitation=dict(student='student.recon', teacher='teacher.recon')),
)
default_hooks = dict(logger=dict(interval=10))
# validate the student, and once the (frozen) teacher, as teacher.mri/PSNR ...
val_cfg = dict(type='DistillValLoop')
# a student-only checkpoint, loadable by configs/mri/dc-cnn-d3c5_4x_mri-t1.py
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]
