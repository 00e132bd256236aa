# SoTeacher resnet32x4 on CIFAR-100 (240 epochs): Lipschitz (L1, 1e-5) and
# consistency (linear schedule, alpha=1) regularisers; the last teacher
# (teacher_final.pth) is the one to distil, e.g. with
#   sfkd-train sfkd::kd/kd-soteacher_resnet32x4_<student>_cifar100.py
_base_ = ['../_base_/friendly/cifar100_teacher.py']
model = dict(
    type='SoTeacher',
    teacher=dict(cfg_path='sfkd::_base_/models/cifar100/resnet32x4.py'),
    regularizers=dict(
        lipschitz=dict(type='LipschitzRegularizer', mode='l1', weight=1e-5),
        consistency=dict(type='ConsistencyRegularizer', num_samples=50000, num_classes=100,
                         schedule='linear', weight=1.0)),
)
