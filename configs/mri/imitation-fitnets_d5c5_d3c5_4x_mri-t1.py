# Imitation L1 plus FitNets hints (Romero et al., ICLR 2015): the student's second
# hidden activation of every cascade, through a 1x1 conv+BN regressor, matches the
# teacher's third (as SFT-KD-Recon pairs them), from the standard teacher; the
# student starts from scratch.
# Teacher: python tools/train.py configs/mri/dc-cnn-d5c5_4x_mri-t1.py
# (writes work_dirs/dc-cnn-d5c5_4x_mri-t1/teacher_final.pth, the default
# model.teacher_ckpt; the SFT teacher's variant is imitation-fitnets-sft_*.py).
_base_ = ['../_base_/distill/mri_t1_pair.py']
model = dict(
    student_taps={f'feat{i}': f'cascades.{i}.cnn.relu2' for i in range(5)},
    teacher_taps={f'feat{i}': f'cascades.{i}.cnn.relu3' for i in range(5)},
    connectors={f'hint{i}': dict(type='ConvBNConnector') for i in range(5)},
    distill_losses={f'loss_hint{i}': dict(type='FitNetsLoss', loss_weight=1.0)
                    for i in range(5)},
    loss_inputs={f'loss_hint{i}': dict(student=(f'student.feat{i}', f'hint{i}'),
                                       teacher=f'teacher.feat{i}')
                 for i in range(5)},
)
