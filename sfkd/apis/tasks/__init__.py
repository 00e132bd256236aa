"""The tasks the two-stage pipeline runs: one :class:`Task` per file."""
from .task import Metric, Scale, Task, TeacherSpec

_MODULES = {'cls': 'classification', 'det': 'detection', 'seg': 'segmentation', 'mri': 'mri'}


def get_task(name: str) -> Task:
    """The task called ``name`` (``cls``, ``det``, ``seg``, ``mri``), imported on demand."""
    import importlib
    if name not in _MODULES:
        raise KeyError(f'unknown pipeline task {name!r}; choose one of {sorted(_MODULES)}')
    return importlib.import_module(f'{__name__}.{_MODULES[name]}').TASK


def task_names():
    return sorted(_MODULES)


__all__ = ['Metric', 'Scale', 'Task', 'TeacherSpec', 'get_task', 'task_names']
