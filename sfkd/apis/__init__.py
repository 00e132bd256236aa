"""High-level APIs: the two-stage pipeline, its report, and teacher-student agreement."""
from .agreement import agreement_metrics, load_classifier, predict_logits
from .pipeline import (SCALES, TEACHERS, Run, Scale, TeacherSpec, plan, run_pipeline,
                       run_with_progress, summarise)

__all__ = ['SCALES', 'TEACHERS', 'Run', 'Scale', 'TeacherSpec', 'plan', 'run_pipeline',
           'run_with_progress', 'summarise', 'agreement_metrics', 'load_classifier', 'predict_logits']
