# Stage 1 on CIFAR-100 with RepDistiller's 240-epoch recipe: a teacher wrapped
# by a stage-1 teacher algorithm. Method configs set the type (SFTN with
# branches, SoTeacher with regularisers) and the teacher.
_base_ = [
    '../datasets/cifar100.py',
    '../schedules/cifar100_sgd_240e.py',
    '../default_runtime.py',
]
model = dict(
    output_taps=dict(teacher='head.fc', student='head.fc'),
    input_shape=(3, 32, 32),
)
# teacher_final.pth (the last epoch's teacher alone) goes into the KD configs
custom_hooks = [dict(type='ExportSubmodelHook', part='teacher')]
# the branch students' stages before their attach points get no gradient
# (their output is replaced), which DDP must be told about
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
