"""The base of the reconstruction metrics: slices grouped into volumes."""
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from sfkd.utils.errors import BadConfigError


def _field(sample: Any, name: str) -> Any:
    if isinstance(sample, dict):
        return sample.get(name, sample.get('metainfo', {}).get(name))
    return sample.get(name) if hasattr(sample, 'get') else getattr(sample, name, None)


class VolumeMetric(BaseMetric):
    """Collects each slice's prediction and ground truth by volume, computes
    ``score(gt_volume, pred_volume)`` per volume (slices in ``slice_idx``
    order) and reports the mean over volumes as ``<name>`` (and the standard
    deviation over volumes as ``<name>_std`` when there are several); with
    ``report_volumes`` each volume's value too, as ``<name>/<volume>``.

    Args:
        pred_key: The data-sample field scored: ``'pred_img'`` (the model's
            reconstruction) or ``'zero_filled_img'`` (the zero-filled baseline
            of the same inputs).
        report_volumes: Also report every volume's value (for a few named
            volumes, e.g. one human and one macaque test volume).
        collect_device: See :class:`mmengine.evaluator.BaseMetric`.
        prefix: See :class:`mmengine.evaluator.BaseMetric`.
    """

    name = 'metric'

    def __init__(self, pred_key: str = 'pred_img', report_volumes: bool = False,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if pred_key not in ('pred_img', 'zero_filled_img'):
            raise BadConfigError(f"{type(self).__name__}.pred_key must be 'pred_img' or "
                                 f"'zero_filled_img', got {pred_key!r}")
        self.pred_key = pred_key
        self.report_volumes = report_volumes

    def score(self, gt: np.ndarray, pred: np.ndarray) -> float:
        raise NotImplementedError

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        for sample in data_samples:
            pred, gt = _field(sample, self.pred_key), _field(sample, 'gt_img')
            if pred is None or gt is None:
                raise BadConfigError(
                    f'{type(self).__name__} needs data samples with {self.pred_key} and gt_img '
                    '(an MRI model in predict mode, on batches packed by PackMRIInputs)')
            self.results.append(dict(
                volume=str(_field(sample, 'volume')), slice_idx=int(_field(sample, 'slice_idx')
                                                                   or 0),
                gt=np.asarray(gt.cpu() if hasattr(gt, 'cpu') else gt, np.float64).squeeze(0),
                pred=np.asarray(pred.cpu() if hasattr(pred, 'cpu') else pred,
                                np.float64).squeeze(0)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        by_volume = defaultdict(list)
        for r in results:
            by_volume[r['volume']].append(r)
        scores = {}
        for volume, rows in sorted(by_volume.items()):
            rows.sort(key=lambda r: r['slice_idx'])
            scores[volume] = self.score(np.stack([r['gt'] for r in rows]),
                                        np.stack([r['pred'] for r in rows]))
        values = np.array(list(scores.values()))
        out = {self.name: float(values.mean())}
        if len(values) > 1:
            out[f'{self.name}_std'] = float(values.std())
        if self.report_volumes:
            out.update({f'{self.name}/{v}': float(x) for v, x in scores.items()})
        MMLogger.get_current_instance().info(
            f'{self.name} per volume: ' + ', '.join(f'{v} {s:.4f}' for v, s in scores.items()))
        return out
