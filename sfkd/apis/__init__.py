"""High-level APIs: the two-stage pipeline and its report."""
from .pipeline import SCALES, Run, Scale, plan, run_pipeline, summarise

__all__ = ['SCALES', 'Run', 'Scale', 'plan', 'run_pipeline', 'summarise']
