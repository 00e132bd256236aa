"""How the benchmarks time and count steps: interleaved step times, a step's FLOPs.

A step is a zero-argument callable (one training step on a fixed batch).
"""
import statistics
import time


def interleaved_ms(steps: dict, iters: int, warmup: int) -> dict:
    """Median milliseconds of each step over ``iters`` rounds (after ``warmup``), all
    the steps run in each round, in reverse order every other round, so that the
    steps compared share the machine's state."""
    order = list(steps)
    times = {k: [] for k in order}
    for i in range(warmup + iters):
        for name in (order if i % 2 == 0 else order[::-1]):
            start = time.perf_counter()
            steps[name]()
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def step_flops(step) -> int:
    """FLOPs of one call of ``step`` (``torch.utils.flop_counter``)."""
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops()
