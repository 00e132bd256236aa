"""Teacher inputs: what a Distiller's teacher sees in place of the student's batch."""
from .class_conditional import ClassConditionalInputs

__all__ = ['ClassConditionalInputs']
