"""Teacher regularisers: SoTeacher's Lipschitz and consistency terms."""
from .base import TeacherRegularizer
from .consistency import ConsistencyRegularizer
from .lipschitz import LipschitzRegularizer

__all__ = ['ConsistencyRegularizer', 'LipschitzRegularizer', 'TeacherRegularizer']
