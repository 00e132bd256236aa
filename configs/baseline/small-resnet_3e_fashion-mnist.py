# Standard teacher baseline: a small ResNet trained on Fashion-MNIST with
# cross-entropy only. This is the main job of the quick start:
#   python tools/train.py configs/baseline/small-resnet_3e_fashion-mnist.py
_base_ = [
    '../_base_/models/small_resnet_fmnist.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fmnist_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
