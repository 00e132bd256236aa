"""What :func:`sfkd.apis.train` and :func:`sfkd.apis.test` return."""
from dataclasses import dataclass, field
from typing import Dict

from mmengine.runner import Runner

# scalars MMEngine's IterTimerHook logs under val/ beside the metrics
TIMER_KEYS = ('time', 'data_time')


@dataclass
class RunResult:
    """A finished run: its runner (model, work dir, message hub) and its metrics.

    Args:
        runner: The runner that trained or tested.
        metrics: After training, the last validation's metrics (empty without a
            validation); after testing, the test metrics. Keys as the evaluator
            names them (``accuracy/top1``; a distiller's validation adds its
            teacher's as ``teacher.accuracy/top1``), values as plain numbers.
    """

    runner: Runner
    metrics: Dict[str, float] = field(default_factory=dict)


def plain_metrics(metrics: dict) -> Dict[str, float]:
    """``metrics`` with numpy and torch scalars (mmseg's IoUMetric) as plain numbers."""
    return {k: v.item() if hasattr(v, 'item') else v for k, v in (metrics or {}).items()}


def last_val_metrics(runner: Runner) -> Dict[str, float]:
    """The metrics of the run's last validation, as the runner's message hub holds them."""
    prefix = 'val/'
    return {key[len(prefix):]: float(scalar.current())
            for key, scalar in runner.message_hub.log_scalars.items()
            if key.startswith(prefix) and key[len(prefix):] not in TIMER_KEYS}
