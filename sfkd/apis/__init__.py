"""High-level APIs: training and testing from a config (:func:`train`, :func:`test`),
the two-stage pipeline and its report (tasks in ``sfkd.apis.tasks``),
teacher-student agreement, inference."""
from .agreement import agreement_metrics, load_classifier, predict_logits
from .calibration import calibration_metrics, expected_calibration_error, negative_log_likelihood
from .inference import inference_classifier, init_classifier
from .pipeline import Run, plan, run_pipeline, run_with_progress, teacher_checkpoint
from .report import summarise, timing_text, verdict
from .run_result import RunResult
from .tasks import Metric, Scale, Task, TeacherSpec, get_task, task_names
from .testing import build_tester, test, testing_config
from .training import build_trainer, train, training_config

__all__ = ['train', 'test', 'RunResult', 'training_config', 'build_trainer', 'testing_config',
           'build_tester', 'Run', 'plan', 'run_pipeline', 'run_with_progress', 'teacher_checkpoint',
           'summarise', 'timing_text', 'verdict', 'Metric', 'Scale', 'Task', 'TeacherSpec', 'get_task',
           'task_names', 'agreement_metrics', 'calibration_metrics', 'expected_calibration_error',
           'negative_log_likelihood', 'load_classifier', 'predict_logits',
           'inference_classifier', 'init_classifier']
