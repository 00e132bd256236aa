"""Algorithms: the models the Runner trains (distillers, stage-1 teacher algorithms)."""
from .adversarial_distiller import AdversarialDistiller
from .distiller import Distiller
from .friendly_teacher import FriendlyTeacher
from .sftn import SFTN
from .soteacher import SoTeacher
from .teacher_algorithm import TeacherAlgorithm

__all__ = ['AdversarialDistiller', 'Distiller', 'FriendlyTeacher', 'SFTN', 'SoTeacher',
           'TeacherAlgorithm']
