"""sfkd's benchmarks: step times, FLOPs, peak memory and the teacher-output cache's
savings, measured on real data and stored with the machine they ran on.

One command with a sub-command per benchmark, run from the repository root::

    python -m benchmarks steps ...    # the step-time, FLOP and memory report (steps.py)
    python -m benchmarks cache ...    # whole epochs and the pipeline with the cache (cache.py)
    python -m benchmarks sftn ...     # the SFTN teacher step alone, and its profile (sftn.py)
    python -m benchmarks distill ...  # the KD step against a hand-written loop (distill.py)
    python -m benchmarks dense ...    # the dense distillation and SFTN detector steps (dense.py)

They share one harness (:mod:`benchmarks.harness`): interleaved step timing, FLOP
counts and the stored report.
"""
