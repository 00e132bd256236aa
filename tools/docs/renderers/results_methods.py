"""The KD-variant studies and the cost figures, from their folders under ``results/``.

Kinds:

- ``variants-setup DIR``: what a stored study ran (the description of its ``results.md``),
  the command, its training time and machine, the commits of ``provenance.json`` and
  the folder's files;
- ``variants-table DIR``: the table of a ``projects/kd_variants`` study, as stored;
- ``variants-versus DIR``: each method's students against KD's and against the same
  student trained alone, with Welch's t-test over the seeds (:func:`versus`);
- ``variants-summary DIR``: the methods that beat KD there and those that do not;
- ``bench-steps``, ``bench-goals``, ``bench-scaling``: ``results/benchmark/benchmark.json``;
- ``bench-profile``: the calls per step of ``results/benchmark/sftn_profile.md``;
- ``bench-cache``: ``results/benchmark/teacher_cache.json``;
- ``bench-storage``: the table of ``results/cache_storage/results.md``, as stored;
- ``bench-baseline``: ``results/baseline/`` (the teacher trained alone);
- ``bench-dist-stress``: ``results/dist_stress/`` (the 2-process stress runs).

A margin between two groups of seeds is called a difference only at Welch's two-sided
p below ``VERDICT_LEVEL`` of ``sfkd/apis/report.py`` (read from that file, so the
pages and the pipeline's own verdicts use one level); the p-value is computed here in
plain Python, since importing sfkd or scipy would cost more than the docs' time budget.
"""
import ast
import csv
import functools
import io
import json
import math
import os
import os.path as osp
import re
import statistics
from typing import Dict, List, Optional, Sequence, Tuple

from . import ROOT
from .markdown import read, table

# ------------------------------------------------------------------ statistics


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (DLMF 8.17.22),
    evaluated by the modified Lentz method."""
    tiny = 1e-300

    def guard(v: float) -> float:
        return v if abs(v) > tiny else tiny

    c, d = 1.0, 1.0 / guard(1.0 - (a + b) * x / (a + 1.0))
    result = d
    for m in range(1, 500):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 / guard(1.0 + num * d)
            c = guard(1.0 + num / c)
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return result


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):  # the fraction converges fast below this point
        return 1.0 - incomplete_beta(b, a, 1.0 - x)
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) +
                 a * math.log(x) + b * math.log1p(-x))
    return math.exp(log_front) / a * _beta_fraction(a, b, x)


def welch_p(values: Sequence[float], other: Sequence[float]) -> Optional[float]:
    """The two-sided p-value of Welch's t-test that ``values`` and ``other`` have the same
    mean (what ``margin_test`` of ``sfkd/apis/report.py`` returns): None with fewer than
    two values a side; equal values on both sides give 1.0 for equal means, else 0.0."""
    if len(values) < 2 or len(other) < 2:
        return None
    a, b = (statistics.variance(v) / len(v) for v in (values, other))
    margin = statistics.mean(values) - statistics.mean(other)
    if a + b == 0:
        return 1.0 if margin == 0 else 0.0
    df = (a + b) ** 2 / (a ** 2 / (len(values) - 1) + b ** 2 / (len(other) - 1))
    t = abs(margin) / math.sqrt(a + b)
    return incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


@functools.lru_cache(maxsize=None)
def verdict_level() -> float:
    """``VERDICT_LEVEL`` as ``sfkd/apis/report.py`` assigns it (read, not imported)."""
    for node in ast.parse(read('sfkd/apis/report.py')).body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == 'VERDICT_LEVEL' for t in node.targets):
            return float(ast.literal_eval(node.value))
    raise ValueError('sfkd/apis/report.py assigns no VERDICT_LEVEL')


def direction(values: Sequence[float], other: Sequence[float]) -> str:
    """'above', 'below' or 'not told apart' (Welch's test at the verdict level), or
    'not tested' with fewer than two values a side."""
    p = welch_p(values, other)
    if p is None:
        return 'not tested'
    if p >= verdict_level():
        return 'not told apart'
    return 'above' if statistics.mean(values) > statistics.mean(other) else 'below'


def signed(value: float, digits: int) -> str:
    """``value`` with its sign; a value that rounds to zero is ``+0.0``, never ``-0.0``."""
    text = f'{value:+.{digits}f}'
    return '+' + text[1:] if float(text) == 0 else text


def versus(values: Sequence[float], other: Sequence[float], digits: int) -> str:
    """The margin of ``values``' mean over ``other``'s, its direction and p-value:
    ``+4.79, above (p = 0.0091)``."""
    margin = signed(statistics.mean(values) - statistics.mean(other), digits)
    p = welch_p(values, other)
    if p is None:
        return f'{margin}, one seed a side: not tested'
    return f'{margin}, {direction(values, other)} (p = {p:.2g})'


def mean_std(values: Sequence[float], digits: int = 2) -> str:
    """``mean ± std`` (sample std) as the studies' tables write it; one value alone."""
    values = list(values)
    if len(values) < 2:
        return f'{values[0]:.{digits}f}' if values else '-'
    return f'{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}'


def signed_range(values: Sequence[float], digits: int) -> str:
    """``+5.4 to +6.2`` (one value alone)."""
    low, high = signed(min(values), digits), signed(max(values), digits)
    return low if low == high else f'{low} to {high}'


# ------------------------------------------------------------------ stored files


def csv_rows(rel: str) -> List[Dict[str, str]]:
    return list(csv.DictReader(io.StringIO(read(rel))))


def stored_json(rel: str) -> dict:
    return json.loads(read(rel))


def blocks(md: str) -> List[str]:
    """The paragraphs of a stored Markdown report."""
    return [b.strip('\n') for b in re.split(r'\n\s*\n', md) if b.strip()]


def stored_tables(md: str) -> List[Tuple[str, str]]:
    """Every table of a stored report with the one-line label before it ('' if none)."""
    found, parts = [], blocks(md)
    for i, block in enumerate(parts):
        if block.startswith('| '):
            before = parts[i - 1] if i else ''
            label = before if before.endswith(':') and '\n' not in before else ''
            found.append((label, block))
    return found


def table_cells(block: str) -> List[List[str]]:
    """The rows of a Markdown table (header first, the rule left out) as stripped cells."""
    rows = []
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if not all(set(c) <= {'-'} and c for c in cells):
            rows.append(cells)
    return rows


def stored_line(md: str, prefix: str) -> Optional[str]:
    """The first paragraph of a stored report that starts with ``prefix``."""
    return next((b for b in blocks(md) if b.startswith(prefix)), None)


def stored_command(md: str) -> Tuple[str, str]:
    """The command of a stored report and what its line says after it."""
    line = stored_line(md, 'Command: `')
    if line is None:
        raise ValueError('the stored report names no command')
    command, rest = line[len('Command: `'):].split('`', 1)
    return command, rest.strip()


def training_time(md: str) -> Tuple[str, str]:
    """(minutes, runs) of a stored report's training-time line."""
    m = re.search(r'Training time: ([\d.]+) min for (\d+) runs', md)
    if not m:
        raise ValueError('the stored report has no training-time line')
    return m.group(1), m.group(2)


def _commits(provenance: dict) -> List[str]:
    lines = []
    code = provenance.get('code') or {}
    if code.get('commit'):
        lines.append(f"report written by the code of commit `{code['commit'][:7]}`" +
                     (' with uncommitted changes' if code.get('dirty') else ''))
    dirty: Dict[str, set] = {}
    for run in provenance.get('runs_trained_at') or []:
        dirty.setdefault(run['commit'][:7], set()).add(bool(run.get('dirty')))
    names = [f'`{commit}`' + {frozenset({True}): ' with uncommitted changes',
                              frozenset({True, False}): ' (some runs with uncommitted changes)'
                              }.get(frozenset(flags), '')
             for commit, flags in dirty.items()]
    if names:
        lines.append('runs trained at ' + ', '.join(names))
    unrecorded = provenance.get('runs_without_record') or {}
    if unrecorded.get('runs'):
        lines.append(f"{len(unrecorded['runs'])} reused runs without a code record "
                     f"(trained {unrecorded.get('trained', 'earlier')})")
    return lines


def study_setup(folder: str) -> str:
    """What a stored study ran: its description, command, training time, machine,
    commits and files, as its ``results.md`` and ``provenance.json`` record them."""
    md = read(f'{folder}/results.md')
    parts = blocks(md)
    command, after = stored_command(md)
    out = [parts[1], f'```bash\n{command}\n```']
    if after:
        out.append(f'The runs were started {after.strip("()")}.' if after.startswith('(')
                   else after)
    recorded = stored_line(md, '(Recorded as')
    if recorded:
        out.append(recorded)
    timing = stored_line(md, 'Training time:')
    if timing:
        out.append(timing)
    prov = osp.join(folder, 'provenance.json')
    if osp.isfile(osp.join(ROOT, prov)):
        commits = _commits(stored_json(prov))
        if commits:
            out.append(f'Provenance (`{prov}`): ' + '; '.join(commits) + '.')
    files = sorted(os.listdir(osp.join(ROOT, folder)))
    out.append(f'Files: `{folder}/` (' + ', '.join(f'`{f}`' for f in files) + ').')
    return '\n\n'.join(out)


# ------------------------------------------------------------------ KD-variant studies

KD_VARIANTS = 'projects/kd_variants/kd_variants.py'
VARIANT_DIGITS = 2


@functools.lru_cache(maxsize=None)
def _module_dict(rel: str, name: str) -> dict:
    """A literal dict a module assigns (read, not imported)."""
    for node in ast.parse(read(rel)).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == name
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f'{rel} assigns no {name}')


def variant_groups(folder: str) -> Dict[str, List[float]]:
    """Row key of the study (``alone``, ``alone_deit``, ``kd``, ``reviewkd``, ...) -> the
    students' top-1 over the seeds, in the order of the study's table."""
    groups: Dict[str, List[float]] = {}
    for r in csv_rows(f'{folder}/results.csv'):
        if r['kind'] == 'teacher':
            continue
        if r['kind'] == 'alone':
            key = 'alone' if r['method'] == '-' else f'alone_{r["method"]}'
        else:
            key = r['method'] if r['teacher'] in ('-', 'standard', 'lenet') else \
                f'{r["method"]}@{r["teacher"]}'
        groups.setdefault(key, []).append(float(r['accuracy']))
    return groups


def _label(key: str) -> str:
    labels = _module_dict(KD_VARIANTS, 'LABELS')
    method, _, teacher = key.partition('@')
    return labels.get(method, method) + (f' ({teacher} teacher)' if teacher else '')


def _own_alone(key: str, groups: Dict[str, List[float]]) -> str:
    """The row of the student the method trains, trained alone."""
    method = key.partition('@')[0]
    return f'alone_{method}' if f'alone_{method}' in groups else 'alone'


def variants_table(folder: str) -> str:
    tables = stored_tables(read(f'{folder}/results.md'))
    if not tables:
        raise ValueError(f'{folder}/results.md holds no table')
    return tables[0][1]


def _methods(groups: Dict[str, List[float]], folder: str) -> List[str]:
    """The methods other than KD, in the order of the study's table."""
    order = [row[0] for row in table_cells(variants_table(folder))[1:]]
    keys = [k for k in groups if not k.startswith('alone') and k != 'kd']
    return sorted(keys, key=lambda k: order.index(_label(k)) if _label(k) in order else len(order))


def variants_versus(folder: str) -> str:
    groups, d = variant_groups(folder), VARIANT_DIGITS
    kd = groups['kd']
    rows = [[_label('kd'), mean_std(kd, d), '-', versus(kd, groups['alone'], d)]]
    for key in _methods(groups, folder):
        alone = _own_alone(key, groups)
        own = '' if alone == 'alone' else f', against {_label(alone)}'
        rows.append([_label(key), mean_std(groups[key], d), versus(groups[key], kd, d),
                     versus(groups[key], groups[alone], d) + own])
    return table(['method', 'student top-1', "vs KD's students", 'vs the same student alone'],
                 rows)


def variants_summary(folder: str) -> str:
    groups, d = variant_groups(folder), VARIANT_DIGITS
    kd, level = groups['kd'], verdict_level()
    by: Dict[str, List[str]] = {'above': [], 'not told apart': [], 'below': [], 'not tested': []}
    for key in _methods(groups, folder):
        margin = statistics.mean(groups[key]) - statistics.mean(kd)
        by[direction(groups[key], kd)].append(f'{_label(key)} ({signed(margin, d)})')

    def names(items: List[str]) -> str:
        return '; '.join(items) + '.' if items else 'none.'

    lines = [f"- **Beats KD here** (a higher mean, Welch's p < {level:g}): {names(by['above'])}",
             '- **Does not beat KD here**, not told apart from it: '
             f"{names(by['not told apart'])}",
             f"- **Does not beat KD here**, below it: {names(by['below'])}"]
    if by['not tested']:
        lines.append(f"- One seed: not tested: {names(by['not tested'])}")
    lines.append(f"- KD itself against the student alone: {versus(kd, groups['alone'], d)}.")
    return '\n'.join(lines)


def _variant_substitutions(prefix: str, folder: str) -> Dict[str, str]:
    groups, d = variant_groups(folder), VARIANT_DIGITS
    md = read(f'{folder}/results.md')
    out = {f'{prefix}_{key.replace("@", "_")}': mean_std(v, d) for key, v in groups.items()}
    minutes, runs = training_time(md)
    out[f'{prefix}_minutes'], out[f'{prefix}_runs'] = minutes, runs
    steps = {r['method']: float(r['step_seconds']) for r in csv_rows(f'{folder}/steps.csv')
             if r['teacher'] in ('-', 'standard', 'lenet')}
    for method, seconds in steps.items():  # as the study's table: over KD's step
        out[f'{prefix}_{method}_step'] = f"{seconds / steps['kd']:.2f}x"
    return out


# ------------------------------------------------------------------ benchmarks

BENCH = 'results/benchmark'


def _summary() -> dict:
    return stored_json(f'{BENCH}/benchmark.json')['summary']


def ratio(key: str, digits: int = 3, summary: Optional[dict] = None) -> str:
    """A stored benchmark figure as ``median (range min-max)x``."""
    v = (summary or _summary())[key]
    return f"{v['median']:.{digits}f} (range {v['min']:.{digits}f}-{v['max']:.{digits}f})x"


def _goals() -> Dict[str, str]:
    """The goal each benchmark line of ``benchmark.md`` states, by the line's start."""
    goals = {}
    for line in read(f'{BENCH}/benchmark.md').splitlines():
        m = re.search(r'\((?:[^()]*; )?(?:goal|target) <= ([\d.]+)\)', line)
        if m:
            goals[line.split(':')[0].strip()] = m.group(1)
    return goals


GOAL_LINES = {  # benchmark.md line -> the summary key its goal bounds
    'distill step / plain loop': 'distill_ratio',
    "cached distill step / the student's step alone": 'cached_distill_ratio',
    'SFTN step / plain teacher': 'sftn_time_over_flop_ratio',
    'SFTN ResNet32x4 (ResNet8x4 branches, batch 32 of 32x32) / plain ResNet32x4':
        'sftn_resnet32x4_time_over_flop_ratio',
    'dense distill step (CWD, 3 FPN levels) / plain loop': 'dense_distill_ratio',
}
GOAL_NAMES = {'distill_ratio': 'KD step over the hand-written loop',
              'cached_distill_ratio': "cached KD step over the student's step alone",
              'sftn_time_over_flop_ratio': 'SFTN step, time ratio over FLOP ratio',
              'sftn_resnet32x4_time_over_flop_ratio':
                  'SFTN step of the ResNet32x4 pair, time ratio over FLOP ratio',
              'dense_distill_ratio': 'dense (CWD) step over the hand-written loop'}


def goal_of(key: str) -> Optional[str]:
    goals = _goals()
    return next((goals[line] for line, k in GOAL_LINES.items() if k == key and line in goals),
                None)


def _det_over_step_flops(stored: dict) -> Tuple[float, float, float]:
    """The SFTN detector step's time ratio over its training-step FLOP ratio: the median
    and the range of the runs."""
    per_run = [r['sftn_det_time_ratio'] / r['sftn_det_step_flop_ratio'] for r in stored['runs']]
    s = stored['summary']
    return (s['sftn_det_time_ratio']['median'] / s['sftn_det_step_flop_ratio']['median'],
            min(per_run), max(per_run))


def bench_steps() -> str:
    stored = stored_json(f'{BENCH}/benchmark.json')
    s = stored['summary']
    med = {k: v['median'] for k, v in s.items()}
    det, det_low, det_high = _det_over_step_flops(stored)
    batch, det_batch = stored['batch_size'], stored['det_batch_size']
    rows = [
        (f'KD step (batch {batch}) over a hand-written PyTorch loop doing the same work',
         f"time {ratio('distill_ratio', summary=s)}, peak memory "
         f"{ratio('distill_memory_ratio', 2, s)}"),
        ("uncached KD step over the same student's own step trained alone (no teacher)",
         f"time {ratio('uncached_distill_ratio', summary=s)}"),
        ("cached KD step (the teacher's logits read from an fp32 teacher cache) over the "
         "student's step alone", f"time {ratio('cached_distill_ratio', summary=s)}"),
        ('SFTN teacher step (channels-last branches, the default) over the plain teacher step',
         f"time {ratio('sftn_time_ratio', summary=s)}; FLOPs "
         f"{ratio('sftn_flop_ratio', summary=s)} ({med['gflops.sftn_teacher']:.2f} vs "
         f"{med['gflops.plain_teacher']:.2f} GFLOP per step); time over FLOP ratio "
         f"{ratio('sftn_time_over_flop_ratio', summary=s)}; peak memory "
         f"{ratio('sftn_memory_ratio', 2, s)}"),
        ('the same SFTN step written by hand (`handwritten_sftn_step` in `benchmarks/sftn.py`) '
         "over the plain teacher step; sfkd's SFTN step over the hand-written one",
         f"time {ratio('handwritten_sftn_time_ratio', summary=s)}, over the FLOP ratio "
         f"{ratio('handwritten_sftn_time_over_flop_ratio', summary=s)}; sfkd's step "
         f"{ratio('sftn_handwritten_ratio', summary=s)}"),
        ('SFTN step with `model.branch_channels_last=False` over the plain teacher step',
         f"time {ratio('sftn_contiguous_time_ratio', summary=s)}, over the FLOP ratio "
         f"{ratio('sftn_contiguous_time_over_flop_ratio', summary=s)}"),
        ("the branches' student trained alone, against the plain teacher step",
         f"{100 * med['student_time_share']:.0f}% of its time for "
         f"{100 * med['student_flop_share']:.0f}% of its FLOPs"),
        (f'SFTN step of `configs/sftn/sftn_resnet32x4_resnet8x4_cifar100.py` (batch '
         f"{stored['large_batch_size']}, random images) over a plain ResNet32x4 step",
         f"time {ratio('sftn_resnet32x4_time_ratio', summary=s)}; FLOPs "
         f"{ratio('sftn_resnet32x4_flop_ratio', summary=s)} "
         f"({med['gflops.sftn_resnet32x4_teacher']:.1f} vs "
         f"{med['gflops.plain_resnet32x4_teacher']:.1f} GFLOP per step); time over FLOP ratio "
         f"{ratio('sftn_resnet32x4_time_over_flop_ratio', summary=s)}; by hand "
         f"{ratio('handwritten_sftn_resnet32x4_time_over_flop_ratio', summary=s)} over the FLOP "
         f"ratio, sfkd's step {ratio('sftn_resnet32x4_handwritten_ratio', summary=s)} the "
         'hand-written one; contiguous branches '
         f"{ratio('sftn_resnet32x4_contiguous_time_over_flop_ratio', summary=s)} over the FLOP "
         'ratio'),
        (f'dense KD step (CWD on the FPN levels of the canvas RetinaNet pair, batch {det_batch}) '
         'over a hand-written PyTorch loop', f"time {ratio('dense_distill_ratio', summary=s)}"),
        (f'SFTN detector teacher step (batch {det_batch}) over the plain detector step',
         f"time {ratio('sftn_det_time_ratio', summary=s)}; forward FLOPs "
         f"{ratio('sftn_det_flop_ratio', summary=s)} "
         f"({med['forward_gflops.sftn_det_teacher']:.3f} vs "
         f"{med['forward_gflops.plain_det_teacher']:.3f} GFLOP per canvas, MMEngine's count); "
         f"training-step FLOPs {ratio('sftn_det_step_flop_ratio', summary=s)} "
         f"({med['gflops.sftn_det_teacher']:.2f} vs {med['gflops.plain_det_teacher']:.2f} "
         f"GFLOP per step, `torch.utils.flop_counter`); time over step-FLOP ratio "
         f'{det:.3f} (range {det_low:.3f}-{det_high:.3f})x; over its parts (the plain step and '
         f"one student detector step per branch) {ratio('sftn_det_parts_ratio', summary=s)}"),
        ('the student detector step, against the plain detector teacher step',
         f"{100 * med['det_student_time_share']:.0f}% of its time for "
         f"{100 * med['det_student_flop_share']:.0f}% of its forward FLOPs"),
    ]
    return table(['comparison', 'median (range over the runs)'], rows)


def bench_goals() -> str:
    s, rows = _summary(), []
    for line, key in GOAL_LINES.items():
        goal = goal_of(key)
        if goal is None or key not in s:
            continue
        v = s[key]
        where = ('at or below' if v['median'] <= float(goal) else 'above') + ' the goal'
        if v['min'] <= float(goal) < v['max']:
            where += ', which the range spans'
        rows.append([GOAL_NAMES[key], ratio(key, summary=s), f'<= {goal}', where])
    return table(['comparison', 'median (range)', 'goal', 'median'], rows)


def bench_scaling() -> str:
    stored = stored_json(f'{BENCH}/benchmark.json')
    s = stored['summary']
    points = [(f"batch {n}", f'batch_size_{n}') for n in stored['scale_batch_sizes']] + \
        [(f"width {w}, batch {stored['batch_size']}", f'width_{w}') for w in stored['scale_widths']]
    rows = [[label, f"{s[f'scaling_ms.{k}.sfkd']['median']:.0f}",
             f"{s[f'scaling_ms.{k}.plain']['median']:.0f}",
             f"{s[f'scaling_ms.{k}.sfkd']['median'] / s[f'scaling_ms.{k}.plain']['median']:.2f}"]
            for label, k in points]
    return table(['KD step', 'sfkd (ms)', 'hand-written loop (ms)', 'sfkd / hand-written'], rows)


CACHE = f'{BENCH}/teacher_cache.json'
BYTES = (('kd_logits.fp32', "KD's logits, fp32"), ('kd_logits.fp16', "KD's logits, fp16"),
         ('kd_logits.topk3', "KD's logits, top-3 probabilities"),
         ('kd_logits.sampled16', "KD's logits, 16 sampled classes"),
         ('fitnets_feat_and_logits.fp32', "FitNets' feature map and the logits, fp32"),
         ('fitnets_feat_and_logits.fp16', "FitNets' feature map and the logits, fp16"))


def _epoch(stored: dict, side: str) -> str:
    e = stored['epochs']
    low, high = e['ratio_range'][side]
    return f"{e[f'{side}_distill_ratio']:.3f} (range {low:.3f}-{high:.3f})x"


def bench_cache() -> str:
    stored = stored_json(CACHE)
    e, p = stored['epochs'], stored['pipeline']
    minutes = {k: v / 60 for k, v in p['pipeline_seconds'].items()}
    distill = {k: v / 60 for k, v in p['distill_seconds'].items()}
    rows = [
        (f"one training epoch ({stored['train_size']} images, batch {stored['batch_size']}, "
         f"{stored['loader_workers']} loader workers) of KD reading an fp32 teacher cache, over "
         f"the student's epoch alone; median of {stored['repeats']} rounds",
         _epoch(stored, 'cached')),
        ('the same for KD running its teacher', _epoch(stored, 'uncached')),
        (f"the pipeline ({p['scale']} scale, teachers {', '.join(p['teachers'])}, "
         f"{p['runs']} runs) without and with the teacher cache; its "
         f"{p['distill_runs']} distillation runs (the cached ones with their fill)",
         f"{minutes['uncached']:.1f} and {minutes['cached']:.1f} min; distillation runs "
         f"{distill['uncached']:.1f} and {distill['cached']:.1f} min"),
        ("the largest change of a student's top-1 between the two",
         f"{p['largest_accuracy_change']:.2f} points"),
    ]
    rows += [(f'bytes per sample: {label}', f"{e['cache_bytes_per_sample'][k]:.0f}")
             for k, label in BYTES]
    return table(['what', 'figure'], rows)


def bench_profile() -> str:
    """The calls per step of each operator, sfkd's SFTN step against the hand-written one,
    as ``results/benchmark/sftn_profile.md`` stores them."""
    tables = [t for _, t in stored_tables(read(f'{BENCH}/sftn_profile.md'))
              if 'calls per step' in t.splitlines()[0]]
    if not tables:
        raise ValueError(f'{BENCH}/sftn_profile.md holds no table of calls per step')
    return tables[0]


def bench_storage() -> str:
    return variants_table('results/cache_storage')


BASELINE = 'results/baseline'


def _baseline_minutes() -> float:
    """The baseline run's span in its log: from the start its experiment name records to
    the log's last line."""
    log = read(f'{BASELINE}/train.log')
    from datetime import datetime
    start = re.search(r'Exp name: \S+_(\d{8}_\d{6})', log).group(1)
    last = log.strip().splitlines()[-1][:19]
    span = (datetime.strptime(last, '%Y/%m/%d %H:%M:%S') -
            datetime.strptime(start, '%Y%m%d_%H%M%S'))
    return span.total_seconds() / 60


def bench_baseline() -> str:
    stored = stored_json(f'{BASELINE}/test_metrics.json')
    return table(['config', 'test top-1 (%)', 'run time (min)', 'checkpoint tested'],
                 [[f"`{stored['config']}`", f"{stored['metrics']['accuracy/top1']:.2f}",
                   f'{_baseline_minutes():.1f}', f"`{stored['checkpoint']}`"]])


DIST = 'results/dist_stress'


def bench_dist_stress() -> str:
    rows = []
    for name in ('result_before_fix.json', 'result.json'):
        rel = f'{DIST}/{name}'
        if not osp.isfile(osp.join(ROOT, rel)):
            continue
        d = stored_json(rel)
        seconds = [r['seconds'] for r in d['per_run']]
        rows.append([f'`{name}`', d['commit'], d['runs'], d['aborts'],
                     f'{statistics.median(seconds):.1f}', d['wall_minutes']])
    return table(['file', 'code', 'runs', 'aborts', 'median run (s)', 'wall time (min)'], rows)


def _bench_substitutions() -> Dict[str, str]:
    stored = stored_json(f'{BENCH}/benchmark.json')
    s = stored['summary']
    out = {}
    for key, v in s.items():
        name = 'bench_' + key.replace('.', '_')
        if key.endswith('_ratio'):
            digits = 2 if 'memory' in key else 3
            out[name] = ratio(key, digits, s)
            out[name + '_median'] = f"{v['median']:.{digits}f}x"
        elif key.endswith('_share'):
            out[name] = f"{100 * v['median']:.0f}%"
    det, low, high = _det_over_step_flops(stored)
    out['bench_sftn_det_time_over_step_flop_ratio'] = f'{det:.3f} (range {low:.3f}-{high:.3f})x'
    out['bench_sftn_det_time_over_step_flop_ratio_median'] = f'{det:.3f}x'
    for key in GOAL_LINES.values():
        goal = goal_of(key)
        if goal:
            out[f'bench_goal_{key}'] = goal
    m = stored['machine']
    out['bench_threads'] = str(m['torch_threads'])
    out['bench_load_average'] = f"{m['load_average']}"
    out['bench_cpu'] = m['cpu']
    out['bench_cores'] = str(m['cores'])
    out['bench_repeats'] = str(len(stored['runs']))
    out['bench_iters'] = str(stored['iters'])
    out['bench_large_iters'] = str(stored['large_iters'])
    out['bench_scale_iters'] = str(stored['scale_iters'])
    out['bench_batch'] = str(stored['batch_size'])
    out['bench_det_batch'] = str(stored['det_batch_size'])
    out['bench_torch'] = m['torch'].split('+')[0]
    profile = read(f'{BENCH}/sftn_profile.md')
    out['bench_profile_command'] = stored_command(profile)[0]
    out['bench_profile_steps'] = re.search(r'(\d+) steps of each kind', profile).group(1)
    out.update(_profile_convolutions(profile))

    cache = stored_json(CACHE)
    for side in ('cached', 'uncached'):
        out[f'cachebench_{side}_epoch_ratio'] = _epoch(cache, side)
    for k, _ in BYTES:
        out['cachebench_bytes_' + k.replace('.', '_')] = \
            f"{cache['epochs']['cache_bytes_per_sample'][k]:.0f}"
    p = cache['pipeline']
    for side in ('uncached', 'cached'):
        out[f'cachebench_pipeline_min_{side}'] = f"{p['pipeline_seconds'][side] / 60:.1f}"
        out[f'cachebench_distill_min_{side}'] = f"{p['distill_seconds'][side] / 60:.1f}"
    out['cachebench_largest_change'] = f"{p['largest_accuracy_change']:.2f}"

    stored = stored_json(f'{BASELINE}/test_metrics.json')
    out['baseline_top1'] = f"{stored['metrics']['accuracy/top1']:.2f}"
    out['baseline_minutes'] = f'{_baseline_minutes():.1f}'
    for name, key in (('result_before_fix.json', 'before'), ('result.json', 'after')):
        d = stored_json(f'{DIST}/{name}')
        out[f'diststress_aborts_{key}'] = str(d['aborts'])
        out[f'diststress_runs_{key}'] = str(d['runs'])
    out.update(_storage_substitutions())
    return out


#: the profile rows the SFTN paragraph of the figures page compares: on the teacher's
#: first-stage feature map, the branch transform's 1x1 convolution to the student's
#: channels and one of the teacher's own 3x3 convolutions
PROFILE_INPUT = '[128, 16, 28, 28]'
PROFILE_KERNELS = {'transform': '[8, 16, 1, 1]', 'teacher': '[16, 16, 3, 3]'}


def _profile_convolutions(profile: str) -> Dict[str, str]:
    """The sfkd SFTN step's milliseconds per call of the two convolutions, and the
    transform's FLOPs as a fraction of the teacher convolution's."""
    per_call, shape = {}, {}
    for line in profile.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) != 6 or cells[0] != 'aten::mkldnn_convolution':
            continue
        for name, kernel in PROFILE_KERNELS.items():
            if cells[1].startswith(f'[{PROFILE_INPUT}, {kernel}'):
                per_call[name] = float(cells[2]) / float(cells[4])
                shape[name] = [int(v) for v in kernel.strip('[]').split(', ')]
    if set(per_call) != set(PROFILE_KERNELS):
        raise ValueError(f'{BENCH}/sftn_profile.md lacks a convolution of {PROFILE_KERNELS}')
    flops = {k: o * i * h * w for k, (o, i, h, w) in shape.items()}
    share = flops['teacher'] // flops['transform']
    return {'bench_profile_transform_ms': f"{per_call['transform']:.2f}",
            'bench_profile_teacher_conv_ms': f"{per_call['teacher']:.2f}",
            'bench_profile_transform_flop_share': f'1/{share}'
            if flops['teacher'] % flops['transform'] == 0
            else f"{flops['transform'] / flops['teacher']:.3f}"}


def _storage_substitutions() -> Dict[str, str]:
    """The cache-storage study's per-seed differences from the fp32 students."""
    acc: Dict[Tuple[str, str], Dict[int, float]] = {}
    for r in csv_rows('results/cache_storage/results.csv'):
        acc.setdefault((r['kind'], r['storage']), {})[int(r['seed'])] = float(r['accuracy'])
    exact = acc[('distill', 'fp32')]
    out = {'storage_fp32': mean_std(exact.values()),
           'storage_alone': mean_std(acc[('alone', '-')].values())}
    for (kind, storage), values in acc.items():
        if kind != 'distill' or storage == 'fp32':
            continue
        name = 'storage_' + storage.replace('-', '_')
        diffs = [values[s] - exact[s] for s in sorted(values)]
        out[name] = mean_std(values.values())
        out[name + '_diff'] = f'{statistics.mean(diffs):+.2f}'
        out[name + '_seed_diffs'] = ' and '.join(f'{v:+.2f}' for v in diffs)
        out[name + '_worst_seed'] = f'{min(diffs):+.2f}'
    return out


def substitutions() -> Dict[str, str]:
    out = {'versus_level': f'{verdict_level():g}'}
    out.update(_variant_substitutions('kdvar', 'results/kd_variants'))
    out.update(_variant_substitutions('m2021', 'results/kd_variants_round3'))
    out.update(_bench_substitutions())
    return out


RENDERERS = {
    'variants-setup': study_setup,
    'variants-table': variants_table,
    'variants-versus': variants_versus,
    'variants-summary': variants_summary,
    'bench-steps': bench_steps,
    'bench-goals': bench_goals,
    'bench-scaling': bench_scaling,
    'bench-cache': bench_cache,
    'bench-profile': bench_profile,
    'bench-storage': bench_storage,
    'bench-baseline': bench_baseline,
    'bench-dist-stress': bench_dist_stress,
}
