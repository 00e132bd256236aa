"""``tools/test.py --show-dir``: draw the predictions with the task's own visualiser.

The task is read from the scope of the config's test evaluator (or, failing
that, of its model): ``mmpretrain.Accuracy`` means classification, drawn by
mmpretrain's ``UniversalVisualizer`` (one-channel images in grey) through its
``VisualizationHook``, as mmpretrain's own ``tools/test.py --show-dir`` does;
likewise for mmdet and mmseg.

``--show-interval N`` means the same for every task: samples 0, N, 2N, ... of
the test set are drawn, counted in samples whatever the batch size
(:class:`sfkd.engine.hooks.SampleIntervalHook`). The libraries' own hooks
would read N as samples (mmpretrain), as batches (mmseg) or not at all (mmdet).
"""
import os.path as osp
from typing import Optional

import numpy as np

from mmengine.config import Config

from sfkd.tools._config import UsageError


def register_grey_cls_visualizer() -> str:
    """mmpretrain's ``UniversalVisualizer`` that draws one-channel images in grey
    (as given, they would be drawn through a colour map); returns its type name."""
    from mmpretrain.visualization import UniversalVisualizer

    from sfkd.registry import VISUALIZERS

    if VISUALIZERS.get('GreyAwareClsVisualizer') is None:
        @VISUALIZERS.register_module()
        class GreyAwareClsVisualizer(UniversalVisualizer):
            def set_image(self, image: np.ndarray) -> None:
                if image.ndim == 2 or image.shape[-1] == 1:
                    image = np.repeat(image.reshape(*image.shape[:2], 1), 3, axis=-1)
                super().set_image(image)
    return 'sfkd.GreyAwareClsVisualizer'


# scope -> (visualiser, the visualisation hook that draws all it is given into a folder);
# sfkd.SampleIntervalHook passes it every --show-interval-th sample
VISUALISERS = {
    # Fashion-MNIST images are 28x28: enlarge them so that the labels can be read
    'mmpretrain': (register_grey_cls_visualizer, lambda out: dict(
        type='mmpretrain.VisualizationHook', enable=True, interval=1, out_dir=out, resize=224)),
    'mmdet': ('mmdet.DetLocalVisualizer', lambda out: dict(
        type='mmdet.DetVisualizationHook', draw=True, interval=1, test_out_dir=out)),
    # mmseg's hook writes through the visualiser's backends, into its save_dir
    'mmseg': ('mmseg.SegLocalVisualizer', lambda out: dict(
        type='mmseg.SegVisualizationHook', draw=True, interval=1)),
}


def _scope(cfg_part) -> Optional[str]:
    if isinstance(cfg_part, (list, tuple)):
        cfg_part = cfg_part[0] if cfg_part else None
    kind = cfg_part.get('type') if hasattr(cfg_part, 'get') else None
    if isinstance(kind, str) and '.' in kind:
        return kind.split('.', 1)[0]
    return None


def add_show_dir(cfg: Config, show_dir: str, interval: int = 1) -> None:
    """Make the test run save the drawn predictions of test samples 0, ``interval``,
    2 * ``interval``, ... to ``show_dir``."""
    scope = _scope(cfg.get('test_evaluator')) or _scope(cfg.get('model'))
    if scope not in VISUALISERS:
        raise UsageError(f'--show-dir: no visualiser is known for this config (scope {scope!r} of '
                         f'its test_evaluator/model; known: {sorted(VISUALISERS)}); set '
                         'default_hooks.visualization and visualizer in the config instead')
    if interval < 1:
        raise UsageError(f'--show-interval must be a positive integer, got {interval}')
    show_dir = osp.abspath(show_dir)
    visualiser, hook = VISUALISERS[scope]
    visualiser = visualiser() if callable(visualiser) else visualiser
    old = cfg.get('visualizer') or {}
    cfg.visualizer = dict(type=visualiser,
                          vis_backends=old.get('vis_backends') or [dict(type='LocalVisBackend')])
    if scope == 'mmseg':
        cfg.visualizer['save_dir'] = show_dir
    cfg.setdefault('default_hooks', {})['visualization'] = dict(
        type='sfkd.SampleIntervalHook', hook=hook(show_dir), interval=interval)
