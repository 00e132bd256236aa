"""How the benchmarks time and count steps and record what they measured.

A step is a zero-argument callable (one training step on a fixed batch). The steps
compared are timed interleaved (:func:`interleaved_ms`), their FLOPs counted by
``torch.utils.flop_counter`` (:func:`step_flops`); a report is the figures as JSON
with a Markdown file next to it that ends with the command as typed
(:func:`write_report`, :func:`command_line`).
"""
import json
import os
import os.path as osp
import statistics
import time
from typing import Sequence

# the folder that holds the benchmarks package: its data/ and configs/ are the clone's
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
FMNIST_ROOT = osp.join(ROOT, 'data', 'fashion_mnist')
CANVAS_ROOT = osp.join(ROOT, 'data', 'fashion_canvases')


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


def command_line(command: str, argv: Sequence[str]) -> str:
    """``python -m benchmarks <command> <argv>``, with absolute paths in ``argv`` made
    relative to the working directory (a stored command names no machine's folders)."""
    return ' '.join([f'python -m benchmarks {command}'] +
                    [osp.relpath(a) if osp.isabs(a) else a for a in argv])


def write_report(out: str, result: dict, lines: list, title: str) -> None:
    """``result`` to ``out`` (JSON) and ``lines`` with the command to ``<out>.md``."""
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    with open(osp.splitext(out)[0] + '.md', 'w') as f:
        f.write(f'# {title}\n\n```\n' + '\n'.join(lines) +
                f"\n```\n\nCommand: `{result['command']}`\n")
