"""Calibration of a classifier on the validation or test set: ECE and NLL."""
from typing import Any, Dict, List, Sequence

import torch
from mmengine.evaluator import BaseMetric

from sfkd.evaluation.calibration import NUM_BINS, expected_calibration_error, \
    negative_log_likelihood
from sfkd.registry import METRICS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.options import number


def _get(sample: Any, name: str) -> Any:
    return sample.get(name) if hasattr(sample, 'get') else getattr(sample, name, None)


@METRICS.register_module()
class CalibrationMetric(BaseMetric):
    """ECE (15 equal-width confidence bins, in percent) and NLL (nats) of the
    predicted class probabilities, as ``calibration/ece`` and ``calibration/nll``.

    Guo et al., ICML 2017, arXiv:1706.04599. It reads the ``pred_score`` (the
    softmax of the logits) and ``gt_label`` of mmpretrain data samples, so it
    goes next to the accuracy of any classifier config::

        val_evaluator = [dict(type='mmpretrain.Accuracy', topk=(1, )),
                         dict(type='CalibrationMetric')]

    Args:
        num_bins: Number of confidence bins. Defaults to 15.
        collect_device: See :class:`mmengine.evaluator.BaseMetric`.
        prefix: Key prefix. Defaults to ``'calibration'``.
    """

    default_prefix = 'calibration'

    def __init__(self, num_bins: int = NUM_BINS, collect_device: str = 'cpu',
                 prefix: str = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_bins = number(num_bins, 'num_bins', at_least=1, integer=True,
                               why='confidence bins of the ECE')

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        for sample in data_samples:
            score, label = _get(sample, 'pred_score'), _get(sample, 'gt_label')
            if score is None or label is None:
                raise BadConfigError(
                    'CalibrationMetric needs data samples with pred_score and gt_label (a '
                    'classifier in predict mode); use it in a classification config')
            self.results.append(dict(score=torch.as_tensor(score).detach().cpu().flatten(),
                                     label=int(torch.as_tensor(label).flatten()[0])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        probs = torch.stack([r['score'] for r in results])
        labels = torch.tensor([r['label'] for r in results])
        return dict(ece=expected_calibration_error(probs, labels, self.num_bins),
                    nll=negative_log_likelihood(probs, labels))
