"""High-level APIs: the two-stage pipeline, its report, teacher-student agreement, inference."""
from .agreement import agreement_metrics, load_classifier, predict_logits
from .inference import inference_classifier, init_classifier
from .pipeline import (SCALES, TEACHERS, Run, Scale, TeacherSpec, plan, run_pipeline,
                       run_with_progress, summarise)

__all__ = ['SCALES', 'TEACHERS', 'Run', 'Scale', 'TeacherSpec', 'plan', 'run_pipeline',
           'run_with_progress', 'summarise', 'agreement_metrics', 'load_classifier',
           'predict_logits', 'inference_classifier', 'init_classifier']
