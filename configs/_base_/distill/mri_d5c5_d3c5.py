# The MRI pair, model only (data and schedule come from the method config): D5C5
# teacher -> D3C5 student. The student's own loss is L1 to the ground truth;
# imitation is L1 between the two reconstructions (the outputs of the last
# cascades). The method bases beside this file add feature KD; method configs set
# the teacher checkpoint. The student starts from the SFT run's branch student when
# the teacher's folder holds one (sft_student_final.pth, written by an SFT-KD-Recon
# run), else from scratch (a standard teacher).
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/mri/dc-cnn_d3c5.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/mri/dc-cnn_d5c5.py'),
    input_shape=(3, 64, 64),
    student_init=dict(checkpoint='{teacher_dir}/sft_student_final.pth', required=False),
    student_taps=dict(recon='cascades.4'),
    teacher_taps=dict(recon='cascades.4'),
    distill_losses=dict(loss_imitation=dict(type='L1DistillLoss', loss_weight=1.0)),
    loss_inputs=dict(loss_imitation=dict(student='student.recon', teacher='teacher.recon')),
)
# a student-only checkpoint, loadable by the dc-cnn-d3c5 configs
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]
