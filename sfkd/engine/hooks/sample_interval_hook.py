"""Pass every N-th test sample, counted in samples, on to a task's visualisation hook.

The visualisation hooks of the OpenMMLab libraries read their ``interval``
differently at test time: mmpretrain's counts samples, mmseg's counts batches
(and then draws the whole batch), mmdet's ignores it and draws everything.
:class:`SampleIntervalHook` gives ``tools/test.py --show-interval N`` one
meaning for every task: samples 0, N, 2N, ... of the test set are drawn, in the
order of the test set (that of the default, unshuffled sampler, on one process
or several), whatever the batch size.

The wrapped hook is called once per drawn sample, with a batch of that one
sample and ``batch_idx`` set to the sample's position in the test set (which
mmpretrain's hook uses to name the file of an image without a path).
"""
from typing import Any, Optional, Sequence

from mmengine.dist import get_dist_info
from mmengine.hooks import Hook

from sfkd.registry import HOOKS


def _one_sample(data_batch: Any, i: int, size: int) -> Any:
    """The part of a collated batch that belongs to its ``i``-th sample."""
    if not isinstance(data_batch, dict):
        return data_batch
    out = {}
    for key, value in data_batch.items():
        sized = isinstance(value, (list, tuple)) or hasattr(value, 'shape')
        out[key] = value[i:i + 1] if sized and len(value) == size else value
    return out


@HOOKS.register_module()
class SampleIntervalHook(Hook):
    """Calls ``hook``'s ``after_test_iter`` for test samples 0, N, 2N, ... only.

    Args:
        hook: Config of the hook that draws (``mmdet.DetVisualizationHook``,
            ``mmseg.SegVisualizationHook``, ``mmpretrain.VisualizationHook``),
            set to draw whatever it is given.
        interval: N, in samples; 1 passes every sample on.
    """

    priority = 'NORMAL'

    def __init__(self, hook: dict, interval: int = 1) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval must be a positive integer, got {interval!r}')
        self.interval = interval
        self.hook = HOOKS.build(hook)
        self._seen = 0
        self._rank, self._world = 0, 1
        self._size: Optional[int] = None

    def before_test_epoch(self, runner) -> None:
        self._seen = 0
        self._rank, self._world = get_dist_info()
        dataset = getattr(getattr(runner, 'test_dataloader', None), 'dataset', None)
        self._size = len(dataset) if dataset is not None else None

    def position(self, k: int) -> int:
        """The place in the test set of this process's ``k``-th sample: the default sampler
        gives process r of W the samples r, r + W, r + 2W, ..."""
        return self._rank + k * self._world

    def after_test_iter(self, runner, batch_idx: int, data_batch: Any = None,
                        outputs: Optional[Sequence] = None) -> None:
        outputs = list(outputs or [])
        for i, output in enumerate(outputs):
            place = self.position(self._seen + i)
            if place % self.interval or (self._size is not None and place >= self._size):
                continue  # not an N-th sample, or the sampler's padding at the end
            self.hook.after_test_iter(runner, place, _one_sample(data_batch, i, len(outputs)),
                                      [output])
        self._seen += len(outputs)
