# Hinton KD (tau=4) from the small ResNet teacher to the tiny ResNet student on
# augmented Fashion-MNIST (random crop, padding 4; horizontal flip): the
# long-aug regime of projects/regimes_study/regimes_study.py, which passes each of its
# teachers (standard, SFTN, SoTeacher) as model.teacher_ckpt. On its own:
#   sfkd-train projects/regimes_study/configs/kd/kd-aug_small-resnet_tiny-resnet_fashion-mnist.py
# Teacher: sfkd-train projects/regimes_study/configs/baseline/small-resnet_aug_fashion-mnist.py
_base_ = [
    'sfkd::kd/kd_small-resnet_tiny-resnet_fashion-mnist.py',
    'sfkd::_base_/datasets/fashion_mnist_aug_pipeline.py',
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.fmnist_aug_pipeline}}))
model = dict(
    teacher_ckpt='work_dirs/small-resnet_aug_fashion-mnist/teacher_final.pth',
    teacher_ckpt_hint='sfkd-train projects/regimes_study/configs/baseline/small-resnet_aug_fashion-mnist.py',
)
