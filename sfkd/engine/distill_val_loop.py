"""A validation loop that also reports the teacher's metrics."""
from typing import Dict, Optional

import torch
from mmengine.model import is_model_wrapper
from mmengine.runner import ValLoop

from sfkd.registry import LOOPS


@LOOPS.register_module()
class DistillValLoop(ValLoop):
    """Validates the student as usual, then the teacher, prefixed ``teacher.``.

    A frozen teacher's metrics cannot change, so they are computed once and
    reused; a trainable teacher is evaluated at every validation. A
    distiller without a teacher reports the student's metrics only.

    Args:
        runner: The Runner.
        dataloader: Validation dataloader (config or instance).
        evaluator: Evaluator (config, list, or instance).
        fp16: Validate with autocast.
        evaluate_teacher: Also evaluate the teacher.
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 evaluate_teacher: bool = True) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.evaluate_teacher = evaluate_teacher
        self._frozen_teacher_metrics: Optional[Dict[str, float]] = None

    def run(self) -> dict:
        if not self.evaluate_teacher:
            return super().run()
        evaluate = self.evaluator.evaluate

        def student_then_teacher(size: int) -> dict:
            metrics = evaluate(size)
            metrics.update({f'teacher.{k}': v for k, v in self._teacher_metrics(evaluate, size).items()})
            return metrics

        self.evaluator.evaluate = student_then_teacher
        try:
            return super().run()
        finally:
            del self.evaluator.evaluate  # back to the class method

    @torch.no_grad()
    def _teacher_metrics(self, evaluate, size: int) -> Dict[str, float]:
        model = self.runner.model.module if is_model_wrapper(self.runner.model) \
            else self.runner.model
        if not hasattr(model, 'teacher_val_step'):
            raise TypeError(f'DistillValLoop needs a model with teacher_val_step, '
                            f'got {type(model).__name__}; use ValLoop for plain models')
        if model.get_teacher() is None:
            return {}  # a run without a teacher (teacher-free KD): the student alone
        frozen = not getattr(model, 'teacher_trainable', False)
        if frozen and self._frozen_teacher_metrics is not None:
            return self._frozen_teacher_metrics
        for data_batch in self.dataloader:
            outputs = model.teacher_val_step(data_batch)
            self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        metrics = evaluate(size)
        if frozen:
            self._frozen_teacher_metrics = metrics
        return metrics
