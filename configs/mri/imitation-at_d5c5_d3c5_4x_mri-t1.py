# Imitation L1 plus attention transfer (Zagoruyko & Komodakis, ICLR 2017) between
# the teacher's third and the student's second hidden activation of every cascade
# (as SFT-KD-Recon pairs them), from the standard teacher; the student starts from
# scratch.
# Teacher: python tools/train.py configs/mri/dc-cnn-d5c5_4x_mri-t1.py
# (writes work_dirs/dc-cnn-d5c5_4x_mri-t1/teacher_final.pth, the default
# model.teacher_ckpt; the SFT teacher's variant is imitation-at-sft_*.py).
_base_ = ['../_base_/distill/mri_t1_pair.py']
model = dict(
    student_taps={f'feat{i}': f'cascades.{i}.cnn.relu2' for i in range(5)},
    teacher_taps={f'feat{i}': f'cascades.{i}.cnn.relu3' for i in range(5)},
    distill_losses={f'loss_at{i}': dict(type='ATLoss', p=2.0, loss_weight=1000.0)
                    for i in range(5)},
    loss_inputs={f'loss_at{i}': dict(student=f'student.feat{i}', teacher=f'teacher.feat{i}')
                 for i in range(5)},
)
