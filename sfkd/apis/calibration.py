"""Calibration of a classifier (ECE and NLL), for studies and reports.

The measures are defined with the metrics, in :mod:`sfkd.evaluation.calibration`
(:class:`~sfkd.evaluation.CalibrationMetric` computes them during a run); this
module gives them to the APIs under their familiar name.
"""
from sfkd.evaluation.calibration import (NUM_BINS, calibration_metrics,  # noqa: F401
                                         expected_calibration_error, negative_log_likelihood)
