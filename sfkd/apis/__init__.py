"""High-level APIs: training and testing from a config (:func:`train`, :func:`test`),
the two-stage pipeline and its report (tasks in ``sfkd.apis.tasks``),
teacher-student agreement, inference.

The names below are imported on first use (PEP 562), so that a command-line tool
which imports one light module of this package (``sfkd.apis.config_input``) does
not import the models and the runner before it has read its command line.
"""
import importlib
from typing import Any, List

_SOURCES = {
    'agreement': ('agreement_metrics', 'load_classifier', 'predict_logits'),
    'calibration': ('calibration_metrics', 'expected_calibration_error',
                    'negative_log_likelihood'),
    'inference': ('inference_classifier', 'init_classifier'),
    'pipeline': ('Run', 'plan', 'run_pipeline', 'run_with_progress', 'teacher_checkpoint'),
    'report': ('summarise', 'timing_text', 'verdict'),
    'run_result': ('RunResult', ),
    'tasks': ('Metric', 'Scale', 'Task', 'TeacherSpec', 'get_task', 'task_names'),
    'testing': ('build_tester', 'test', 'testing_config'),
    'training': ('build_trainer', 'train', 'training_config'),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = list(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    value = getattr(importlib.import_module(f'{__name__}.{module}'), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
