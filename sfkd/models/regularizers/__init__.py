"""Teacher regularisers: SoTeacher's Lipschitz and consistency terms."""
from .base import TeacherRegularizer
from .consistency import ConsistencyRegularizer
from .lipschitz import REFERENCE_STEPS, LipschitzRegularizer, weight_for_steps

__all__ = ['ConsistencyRegularizer', 'LipschitzRegularizer', 'REFERENCE_STEPS',
           'TeacherRegularizer', 'weight_for_steps']
