# Standard teacher of the friendly-teacher regimes: the small ResNet trained
# alone with cross-entropy on augmented Fashion-MNIST (random crop, padding 4;
# horizontal flip). projects/regimes_study/regimes_study.py sets its epochs and training
# subset (--cfg-options train_cfg.max_epochs=N train_dataloader.dataset.indices=K);
# on its own (the base schedule, all 60k images):
#   sfkd-train projects/regimes_study/configs/baseline/small-resnet_aug_fashion-mnist.py
# writes work_dirs/small-resnet_aug_fashion-mnist/teacher_final.pth, the teacher
# that projects/regimes_study/configs/kd/kd-aug_small-resnet_*_fashion-mnist.py load.
_base_ = [
    'sfkd::_base_/models/small_resnet_fmnist.py',
    'sfkd::_base_/datasets/fashion_mnist_aug.py',
    'sfkd::_base_/schedules/fmnist_sgd_cosine.py',
    'sfkd::_base_/default_runtime.py',
]
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]
