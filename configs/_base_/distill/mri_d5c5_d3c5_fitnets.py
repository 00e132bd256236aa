# Imitation L1 plus FitNets hints (Romero et al., ICLR 2015): the student's second
# hidden activation of every cascade, through a 1x1 conv+BN regressor, matches the
# teacher's third (the layers SFT-KD-Recon pairs), one hint loss per cascade. A hint
# of unit-variance features starts near 1 per cascade against an L1 near 0.1, hence
# the weight 0.01 (AT's 1000 gives terms of the L1's size).
_base_ = ['./mri_d5c5_d3c5.py']
model = dict(
    student_taps={f'feat{i}': f'cascades.{i}.cnn.relu2' for i in range(5)},
    teacher_taps={f'feat{i}': f'cascades.{i}.cnn.relu3' for i in range(5)},
    connectors={f'hint{i}': dict(type='ConvBNConnector') for i in range(5)},
    distill_losses={f'loss_hint{i}': dict(type='FitNetsLoss', loss_weight=0.01)
                    for i in range(5)},
    loss_inputs={f'loss_hint{i}': dict(student=(f'student.feat{i}', f'hint{i}'),
                                       teacher=f'teacher.feat{i}')
                 for i in range(5)},
)
