# Stage 1 on the mricron-data T1 slices: the D5C5 teacher wrapped by FriendlyTeacher,
# with the standard teacher's data, schedule and runtime. Method configs add the
# student branches.
_base_ = [
    '../datasets/mri_t1.py',
    '../schedules/mri_adam.py',
    '../default_runtime.py',
]
model = dict(
    type='FriendlyTeacher',
    teacher=dict(cfg_path='sfkd::_base_/models/mri/dc-cnn_d5c5.py'),
    # the reconstruction is the output of the last cascade
    output_taps=dict(teacher='cascades.4', student='cascades.4'),
    input_shape=(3, 64, 64),
)
default_hooks = dict(logger=dict(interval=10))
# teacher_final.pth: the D5C5 teacher alone (loadable by
# configs/mri/dc-cnn-d5c5_4x_mri-t1.py, usable as teacher_ckpt);
# sft_student_final.pth: the shared branch student (D3C5), the distilled student's start
custom_hooks = [
    dict(type='ExportSubmodelHook', part='teacher', filename='teacher_final.pth'),
    dict(type='ExportSubmodelHook', part='students.b0', filename='sft_student_final.pth'),
]
# the branch student's cascades before an attach point get no gradient from that
# branch (their output is replaced), which DDP must be told about
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
