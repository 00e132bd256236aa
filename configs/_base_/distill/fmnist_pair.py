# The embedded default pair: small ResNet teacher (w16) -> tiny ResNet student (w8)
# on Fashion-MNIST. Method configs add taps, connectors and losses.
# The teacher checkpoint is the baseline's (bash tools/run_main.sh writes it);
# override with --cfg-options model.teacher_ckpt=PATH.
model = dict(
    type='Distiller',
    student=dict(cfg_path='sfkd::_base_/models/tiny_resnet_fmnist.py'),
    teacher=dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'),
    teacher_ckpt='work_dirs/main_baseline/epoch_3.pth',
    input_shape=(1, 28, 28),
)
custom_hooks = [dict(type='ExportStudentHook')]
