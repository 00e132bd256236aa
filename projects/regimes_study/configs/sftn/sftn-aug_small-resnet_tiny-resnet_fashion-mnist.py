# SFTN teacher for the tiny ResNet student on augmented Fashion-MNIST (random
# crop, padding 4; horizontal flip): the branches and weights of
# sftn_small-resnet_tiny-resnet_fashion-mnist.py (student branches after teacher
# stages 1 and 2; l_T=1, l_CE=1, l_KL=3, tau=1). The long-aug regime of
# projects/regimes_study/regimes_study.py, which sets its epochs and subset and sweeps
# l_KL (model.branch_imitation_weight) and tau (model.imitation_loss.tau); alone:
#   sfkd-train projects/regimes_study/configs/sftn/sftn-aug_small-resnet_tiny-resnet_fashion-mnist.py
_base_ = [
    'sfkd::sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py',
    'sfkd::_base_/datasets/fashion_mnist_aug_pipeline.py',
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.fmnist_aug_pipeline}}))
