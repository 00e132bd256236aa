"""Connectors: small modules that adapt a student record to a teacher's shape."""
from .abf_connector import ABFConnector
from .conv_bn_connector import ConvBNConnector
from .exit_branch_connector import ExitBranchConnector
from .identity_connector import IdentityConnector
from .learning_simplifier import LearningSimplifier
from .linear_connector import LinearConnector
from .mlp_connector import MLPConnector
from .resize_connector import ResizeConnector
from .teacher_path_connector import MultiLevelTeacherPathConnector, TeacherPathConnector

__all__ = ['ConvBNConnector', 'ExitBranchConnector', 'IdentityConnector', 'LearningSimplifier',
           'LinearConnector', 'MLPConnector', 'ResizeConnector', 'ABFConnector',
           'MultiLevelTeacherPathConnector', 'TeacherPathConnector']
