# Stage 1 on Fashion-MNIST: the small ResNet teacher wrapped by a stage-1
# teacher algorithm, with the baseline's data, schedule and runtime. Method
# configs set the type: SFTN (branches) or SoTeacher (regularisers).
_base_ = [
    '../datasets/fashion_mnist.py',
    '../schedules/fmnist_sgd_cosine.py',
    '../default_runtime.py',
]
model = dict(
    teacher=dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'),
    output_taps=dict(teacher='head.fc', student='head.fc'),
    input_shape=(1, 28, 28),
)
# teacher_final.pth: the last teacher alone, loadable by
# configs/baseline/small-resnet_3e_fashion-mnist.py and usable as teacher_ckpt
custom_hooks = [dict(type='ExportSubmodelHook', part='teacher')]
# the branch students' stages before their attach points get no gradient
# (their output is replaced), which DDP must be told about
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
