# SoTeacher on the plain small ResNet teacher: Lipschitz (L1 bounds) and
# consistency (temporal ensembling, linear schedule, alpha=1, off in epoch 0)
# regularisers. The last checkpoint is the one to distil (teacher_final.pth is
# written after the last epoch).
# The Lipschitz weight is the official 1e-5 scaled to this run's length:
# weight * 187,680 / max_iters (the official runs' steps over this run's, read
# from the runner; about 1e-3 for 4 epochs of 60k images in batches of 128).
# steps=None gives the unscaled 1e-5 of the official code.
_base_ = ['../_base_/friendly/fmnist_teacher.py']
model = dict(
    regularizers=dict(
        lipschitz=dict(type='LipschitzRegularizer', mode='l1', weight=1e-5, steps='auto',
                       reference_steps=187680),
        consistency=dict(type='ConsistencyRegularizer', num_samples=60000, num_classes=10,
                         schedule='linear', weight=1.0)),
)
