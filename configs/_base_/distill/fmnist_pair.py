# The embedded default pair: small ResNet teacher (w16) -> tiny ResNet student
# (w8) on Fashion-MNIST, with the baseline's data, schedule and runtime.
# Method configs inherit this file and add taps, connectors and losses.
# The teacher is the standard baseline's; make it first with
#   sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py
# (it writes work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth). Any other
# teacher of this architecture goes in with --cfg-options model.teacher_ckpt=PATH,
# e.g. the main job's work_dirs/pipeline_default/teacher_standard/teacher_final.pth
# or an SFTN/SoTeacher run's teacher_final.pth.
_base_ = [
    '../datasets/fashion_mnist.py',
    '../schedules/fmnist_sgd_cosine.py',
    '../default_runtime.py',
]
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'),
    teacher_ckpt='work_dirs/small-resnet_3e_fashion-mnist/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train sfkd::baseline/small-resnet_3e_fashion-mnist.py',
    input_shape=(1, 28, 28),
)
# validate the student, and once the (frozen) teacher, as teacher.accuracy/top1
val_cfg = dict(type='DistillValLoop')
# a student-only checkpoint, loadable by configs/baseline/tiny-resnet_3e_fashion-mnist.py
custom_hooks = [dict(type='ExportSubmodelHook', part='student')]
