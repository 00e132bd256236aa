"""Distill losses: one concept per file, one forward signature for all.

Every loss subclasses :class:`DistillLoss` and is called as
``loss(student, teacher, **extra)``.
"""
from .base import DistillLoss
from .adversarial_base import AdversarialLoss

# logit and dense losses
from .adversarial_kd_loss import AdversarialKDLoss
from .bckd_cls_loss import BCKDClsLoss
from .bckd_loc_loss import BCKDLocLoss
from .cwd_loss import ChannelWiseDivergence
from .dist_loss import DISTLoss
from .dkd_loss import DKDLoss
from .hard_label_kd_loss import HardLabelKDLoss
from .kd_loss import KDLoss
from .l1_distill_loss import L1DistillLoss
from .mgd_loss import MGDLoss
from .per_level_loss import MultiLevelLoss, PerLevelLoss
from .nkd_loss import NKDLoss
from .ofa_loss import OFALoss
from .pkd_loss import PKDLoss
from .tf_kd_loss import TeacherFreeKDLoss
from .uskd_loss import USKDLoss
from .wsld_loss import WSLDLoss

# feature losses
from .ab_loss import ABLoss
from .at_loss import ATLoss
from .cc_loss import CCLoss
from .crd_loss import CRDLoss
from .fitnets_loss import FitNetsLoss
from .ft_loss import FTLoss
from .hcl_loss import HCLLoss
from .nst_loss import NSTLoss
from .ofd_loss import OFDLoss
from .pkt_loss import PKTLoss
from .rkd_loss import RKDLoss
from .sp_loss import SPLoss
from .vid_loss import VIDLoss

__all__ = [
    'DistillLoss', 'AdversarialLoss', 'HardLabelKDLoss', 'BCKDClsLoss', 'BCKDLocLoss',
    'NKDLoss', 'USKDLoss',
    'ChannelWiseDivergence', 'DISTLoss', 'DKDLoss', 'KDLoss', 'L1DistillLoss', 'MGDLoss',
    'MultiLevelLoss', 'PerLevelLoss', 'OFALoss', 'PKDLoss', 'WSLDLoss', 'AdversarialKDLoss', 'TeacherFreeKDLoss',
    'ABLoss', 'ATLoss', 'CCLoss', 'CRDLoss', 'FitNetsLoss', 'FTLoss', 'NSTLoss', 'OFDLoss',
    'PKTLoss', 'RKDLoss', 'SPLoss', 'VIDLoss', 'HCLLoss',
]
