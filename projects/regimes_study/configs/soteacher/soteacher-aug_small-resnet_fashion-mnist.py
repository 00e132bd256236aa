# SoTeacher on the small ResNet teacher with augmented Fashion-MNIST (random
# crop, padding 4; horizontal flip): the regularisers of
# soteacher_small-resnet_fashion-mnist.py (Lipschitz L1 1e-5, consistency with a
# linear schedule). The teacher of the friendly-teacher regimes
# (projects/regimes_study/regimes_study.py), which set its epochs and subset; on its own:
#   sfkd-train projects/regimes_study/configs/soteacher/soteacher-aug_small-resnet_fashion-mnist.py
# writes teacher_final.pth after the last epoch.
_base_ = [
    'sfkd::soteacher/soteacher_small-resnet_fashion-mnist.py',
    'sfkd::_base_/datasets/fashion_mnist_aug_pipeline.py',
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.fmnist_aug_pipeline}}))
