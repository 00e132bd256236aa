"""Backbones registered in sfkd's MODELS registry, and their base class."""
from .cifar_mobilenet_v2 import CIFARMobileNetV2
from .cifar_resnet import CIFARResNet
from .cifar_shufflenet_v1 import CIFARShuffleNetV1
from .cifar_shufflenet_v2 import CIFARShuffleNetV2
from .cifar_vgg import CIFARVGG
from .cifar_wrn import CIFARWideResNet
from .lenet import LeNet
from .small_input_mobilenet_v2 import SmallInputMobileNetV2
from .small_resnet import SmallResNet
from .staged_backbone import StagedBackbone

__all__ = [
    'CIFARMobileNetV2', 'CIFARResNet', 'CIFARShuffleNetV1', 'CIFARShuffleNetV2', 'CIFARVGG',
    'CIFARWideResNet', 'LeNet', 'SmallInputMobileNetV2', 'SmallResNet', 'StagedBackbone'
]
