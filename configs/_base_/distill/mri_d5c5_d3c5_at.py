# Imitation L1 plus attention transfer (Zagoruyko & Komodakis, ICLR 2017) between the
# teacher's third and the student's second hidden activation of every cascade (the
# layers SFT-KD-Recon pairs), one AT loss per cascade.
_base_ = ['./mri_d5c5_d3c5.py']
model = dict(
    student_taps={f'feat{i}': f'cascades.{i}.cnn.relu2' for i in range(5)},
    teacher_taps={f'feat{i}': f'cascades.{i}.cnn.relu3' for i in range(5)},
    distill_losses={f'loss_at{i}': dict(type='ATLoss', p=2.0, loss_weight=1000.0)
                    for i in range(5)},
    loss_inputs={f'loss_at{i}': dict(student=f'student.feat{i}', teacher=f'teacher.feat{i}')
                 for i in range(5)},
)
