"""The friendly-teacher studies: the tables and numbers of ``docs/en/results/``
``friendly_teachers.md``, ``regimes.md`` and ``select_teacher.md``.

Every table is computed from a study's stored files under ``results/`` (its CSV of runs;
the description, command, run time and verdict line are lifted from the Markdown report
the study wrote next to it):

- the two-stage pipeline, ``results/pipeline_<scale>/results.csv``
  (``kind,teacher,method,seed,accuracy,...``);
- the SFTN study, ``results/sftn_study*/study.csv`` (one row per teacher and seed);
- the regimes study, ``results/regimes/<regime>/study.csv`` (one row per teacher,
  teacher seed and seed);
- the teacher probes, ``results/select_teacher/<probe>/ranking.csv`` and ``summary.json``.

A cell is ``mean ± std`` over the seeds (sample std), as the studies' own reports write
it. Every renderer takes the block's arguments (folders or files, from the repository
root) and, for the tests, ``root=`` (a copy of the repository's files elsewhere).
"""
import csv
import io
import json
import os.path as osp
import re
import statistics
from typing import Dict, List, Optional, Sequence, Tuple

from . import ROOT
from .markdown import table

TEACHER_LABELS = {'standard': 'standard', 'sftn': 'SFTN', 'soteacher': 'SoTeacher',
                  'sftn_lkl1': 'SFTN, `l_KL = 1` (`sftn_lkl1`)',
                  'sftn_stage2': 'SFTN, one branch after stage 2 (`sftn_stage2`)',
                  'sftn_ft': 'SFTN fine-tune: the standard teacher + 1 epoch with branches '
                             '(`sftn_ft`)'}
METHOD_LABELS = {'kd': 'KD', 'fitnets': 'FitNets', 'at': 'AT'}
ALONE = '(student alone)'
WIDTH = 88  # a command's line length in a code block


# ------------------------------------------------------------------ reading the files
def _path(rel: str, root: str) -> str:
    path = osp.join(root, rel)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{rel}: the data file a generated block names does not exist')
    return path


def _text(rel: str, root: str) -> str:
    with open(_path(rel, root), encoding='utf-8') as f:
        return f.read()


def _rows(rel: str, root: str) -> List[Dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(rel, root))))


def _report(folder: str, root: str) -> str:
    """The Markdown report a study wrote into ``folder`` (or ``folder`` itself, a file)."""
    if folder.endswith('.md'):
        return _text(folder, root)
    for name in ('results.md', 'study.md', 'ranking.md'):
        if osp.isfile(osp.join(root, folder, name)):
            return _text(osp.join(folder, name), root)
    raise FileNotFoundError(f'{folder}: holds no results.md, study.md or ranking.md')


# ------------------------------------------------------------------ numbers
def mean_std(values: Sequence[float], digits: int = 2) -> str:
    """``mean ± std`` (sample std) with ``digits`` decimals; one value alone; ``-`` for none."""
    values = list(values)
    if len(values) < 2:
        return f'{values[0]:.{digits}f}' if values else '-'
    return f'{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}'


def _std(values: Sequence[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def _ranks(values: Sequence[float]) -> List[float]:
    """Ranks from 1 (smallest), ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    """Spearman's rank correlation (ties share their mean rank); None without spread."""
    rx, ry = _ranks(x), _ranks(y)
    mx, my = statistics.mean(rx), statistics.mean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx, syy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return sxy / (sxx * syy) ** 0.5 if sxx and syy else None


def _g(text: str) -> str:
    """A number as the shortest text (``3.0`` -> ``3``, ``9.5`` -> ``9.5``); ``-`` if empty."""
    return f'{float(text):g}' if text not in ('', None) else '-'


def _label(name: str) -> str:
    return TEACHER_LABELS.get(name, f'`{name}`')


def _short(name: str) -> str:
    """A teacher's name in a sentence: the three types by name, a variant as code."""
    return TEACHER_LABELS[name] if name in ('standard', 'sftn', 'soteacher') else f'`{name}`'


def _diff(a: float, b: float, digits: int = 2) -> str:
    """``a - b`` of the two numbers as written with ``digits`` decimals, so that the
    difference agrees with the cells beside it."""
    return f'{round(a, digits) - round(b, digits):+.{digits}f}'


# ------------------------------------------------------------------ the stored reports
def description(folder: str, root: str = ROOT) -> str:
    """The paragraph under a report's title: the data, schedules and seeds of the runs."""
    paragraphs = [p.strip() for p in _report(folder, root).split('\n\n')]
    for p in paragraphs:
        if p and not p.startswith(('#', '|')):
            return p
    raise ValueError(f'{folder}: its report has no description paragraph')


def command(folder: str, root: str = ROOT) -> str:
    """The command a report names (``Command: `...```)."""
    m = re.search(r'^Command: `([^`]+)`', _report(folder, root), re.M)
    if not m:
        raise ValueError(f'{folder}: its report names no command')
    return m.group(1)


def run_time(folder: str, root: str = ROOT) -> Optional[Tuple[float, int]]:
    """(minutes, runs) of a report: its ``Training time`` line or its parts' total row."""
    text = _report(folder, root)
    m = re.search(r'^Training time: ([\d.]+) min for (\d+) runs', text, re.M)
    if m:
        return float(m.group(1)), int(m.group(2))
    m = re.search(r'^\| total \| (\d+) \| ([\d.]+) \|', text, re.M)
    if m:
        return float(m.group(2)), int(m.group(1))
    m = re.search(r'\(([\d.]+) min for the runs it trained\)', text)
    return (float(m.group(1)), 0) if m else None


def verdict_line(folder: str, root: str = ROOT) -> Optional[str]:
    """The report's verdict line (``Best student ...``, written by sfkd.apis.report), if any."""
    m = re.search(r'^Best student .*$', _report(folder, root), re.M)
    return m.group(0) if m else None


def scale_name(folder: str, root: str = ROOT) -> str:
    m = re.search(r'^# .*\(([^()]*) scale\)\s*$', _report(folder, root), re.M)
    return m.group(1) if m else osp.basename(folder.rstrip('/'))


def wrapped(cmd: str) -> str:
    """A long command over several lines: each option starts a line (with its first
    value), and a long list of values goes on over further lines."""
    tokens = cmd.split()
    if len(cmd) <= WIDTH:
        return cmd
    lines, line = [], tokens[0]
    for token in tokens[1:]:
        only_option = line.strip().startswith('--') and ' ' not in line.strip()
        if token.startswith('--') or (len(line) + 1 + len(token) > WIDTH and not only_option):
            lines.append(line + ' \\')
            line = '    ' + token
        else:
            line = f'{line} {token}'
    return '\n'.join(lines + [line])


def render_about(*folders: str, root: str = ROOT) -> str:
    """Each report's description, its run time and the command that made it."""
    out = []
    for folder in folders:
        text = description(folder, root)
        line = re.search(r'^Training time: .*$', _report(folder, root), re.M)
        time = run_time(folder, root)
        if line:
            text += '\n\n' + line.group(0)
        elif time and time[1]:
            text += (f'\n\nRun time: {time[0]:.1f} min for {time[1]} runs (the sum of the '
                     "runs' own wall times, as the study measured them).")
        elif time:
            text += f"\n\nRun time: {time[0]:.1f} min for the runs it trained."
        out.append(text + f'\n\n```bash\n{wrapped(command(folder, root))}\n```')
    return '\n\n'.join(out)


def render_command(*folders: str, root: str = ROOT) -> str:
    """The stored commands, as one shell block."""
    return '```bash\n' + '\n'.join(wrapped(command(f, root)) for f in folders) + '\n```'


# ------------------------------------------------------------------ the pipeline
def pipeline(folder: str, root: str = ROOT) -> dict:
    """A pipeline's ``results.csv``: teacher top-1 per type (over teacher seeds), the KD
    students' top-1 per (type, method) over seeds, the student alone's, in file order."""
    teachers: Dict[str, List[float]] = {}
    students: Dict[Tuple[str, str], List[float]] = {}
    methods: List[str] = []
    alone: List[float] = []
    for r in _rows(f'{folder}/results.csv', root):
        acc = float(r['accuracy'])
        if r['kind'] == 'teacher':
            teachers.setdefault(r['teacher'], []).append(acc)
        elif r['kind'] == 'distill':
            students.setdefault((r['teacher'], r['method']), []).append(acc)
            if r['method'] not in methods:
                methods.append(r['method'])
        elif r['kind'] == 'alone':
            alone.append(acc)
    return dict(teachers=teachers, students=students, methods=methods, alone=alone)


def render_pipeline(folder: str, root: str = ROOT) -> str:
    """Teacher types as rows, KD methods as columns, then the student alone."""
    p = pipeline(folder, root)
    header = ['teacher', 'teacher top-1'] + [
        f'student top-1, {METHOD_LABELS.get(m, m)}' for m in p['methods']]
    rows = [[_label(t), mean_std(acc)] + [mean_std(p['students'].get((t, m), []))
                                           for m in p['methods']]
            for t, acc in p['teachers'].items()]
    rows.append([ALONE, '-', mean_std(p['alone'])] + [''] * (len(p['methods']) - 1))
    return table(header, rows)


def render_scales(small: str, large: str, root: str = ROOT) -> str:
    """A smaller scale's table beside a larger one's (the first KD method of the smaller),
    with each mean's change from the larger scale to the smaller."""
    a, b = pipeline(small, root), pipeline(large, root)
    na, nb = scale_name(small, root), scale_name(large, root)
    method = a['methods'][0]
    m = METHOD_LABELS.get(method, method)
    header = ['teacher', f'{na}: teacher top-1', f'{na}: student top-1, {m}',
              f'{nb}: teacher top-1', f'{nb}: student top-1, {m}',
              f'{na} - {nb}: teacher', f'{na} - {nb}: student']

    def change(x: List[float], y: List[float]) -> str:
        return _diff(statistics.mean(x), statistics.mean(y)) if x and y else '-'

    rows = []
    for t, acc in a['teachers'].items():
        sa, sb = a['students'].get((t, method), []), b['students'].get((t, method), [])
        tb = b['teachers'].get(t, [])
        rows.append([_label(t), mean_std(acc), mean_std(sa), mean_std(tb), mean_std(sb),
                     change(acc, tb), change(sa, sb)])
    rows.append([ALONE, '-', mean_std(a['alone']), '-', mean_std(b['alone']), '-',
                 change(a['alone'], b['alone'])])
    return table(header, rows)


def render_verdict(folder: str, root: str = ROOT) -> str:
    """The verdict line of the stored report (Welch's t-test over the seeds, by
    ``sfkd.apis.report.verdict``), quoted; or a note that the report has none."""
    line = verdict_line(folder, root)
    if line:
        return f'> {line}'
    return (f'> The stored `{folder}/results.md` has no verdict line: the margins of this '
            "table are not tested against the seeds' spread.")


def render_best(folder: str, root: str = ROOT) -> str:
    """Per KD method, the teacher types by their students' mean top-1, each with its gap
    to the best; then how many distilled cells lie above the student alone's mean."""
    p = pipeline(folder, root)
    lines = []
    above = total = 0
    alone = statistics.mean(p['alone']) if p['alone'] else None
    for method in p['methods']:
        cells = sorted(((statistics.mean(v), t, v) for (t, m), v in p['students'].items()
                        if m == method), key=lambda c: -c[0])
        best = cells[0][0]
        parts = [f'{_short(t)} {mean_std(v)}' + (f' ({_diff(mean, best)})' if i else '')
                 for i, (mean, t, v) in enumerate(cells)]
        lines.append(f'- {METHOD_LABELS.get(method, method)}: ' + '; '.join(parts) + '.')
        if alone is not None:
            above += sum(c[0] > alone for c in cells)
            total += len(cells)
    if alone is not None:
        lines.append(f'- The student alone: {mean_std(p["alone"])}; {above} of the {total} '
                     'distilled cells have a higher mean.')
    return '\n'.join(lines)


# ------------------------------------------------------------------ the SFTN study
def sftn_study(folder: str, alone_csv: str = '', root: str = ROOT) -> dict:
    """``study.csv`` per teacher (file order), and the student alone's top-1: the study's
    own ``-`` rows, else the ``alone`` rows of the pipeline's ``results.csv``."""
    teachers: Dict[str, Dict[str, List[float]]] = {}
    alone: List[float] = []
    for r in _rows(f'{folder}/study.csv', root):
        if r['teacher'] == '-':
            alone.append(float(r['student_top1']))
            continue
        cols = teachers.setdefault(r['teacher'], {})
        for key in ('teacher_top1', 'student_top1', 'agreement', 'kl', 'alone_agreement',
                    'alone_kl', 'teacher_train_top1', 'teacher_train_confidence'):
            cols.setdefault(key, []).append(float(r[key]))
    if not alone and alone_csv:
        alone = [float(r['accuracy']) for r in _rows(alone_csv, root) if r['kind'] == 'alone']
    return dict(teachers=teachers, alone=alone)


def render_sftn(folder: str, alone_csv: str = '', root: str = ROOT) -> str:
    s = sftn_study(folder, alone_csv, root)
    header = ['teacher', 'teacher top-1', 'teacher top-1 / confidence on its training images',
              'KD student top-1', 'student-teacher agreement (%)', 'KL(teacher ‖ student)',
              'agreement of the student trained alone (%)']
    rows = [[_label(t), f"{statistics.mean(c['teacher_top1']):.2f}",
             f"{statistics.mean(c['teacher_train_top1']):.2f} / "
             f"{statistics.mean(c['teacher_train_confidence']):.3f}",
             mean_std(c['student_top1']), mean_std(c['agreement']), mean_std(c['kl'], 3),
             mean_std(c['alone_agreement'])]
            for t, c in s['teachers'].items()]
    rows.append([ALONE, '-', '-', mean_std(s['alone']), '', '', ''])
    return table(header, rows)


def render_sftn_findings(folder: str, alone_csv: str = '', root: str = ROOT) -> str:
    """Each teacher's agreement and KL beside the standard teacher's, and (with three
    teachers or more) how the KD students' top-1 ranks with the teachers' top-1 and with
    agreement."""
    s = sftn_study(folder, alone_csv, root)
    ts = s['teachers']
    if 'standard' not in ts:
        raise ValueError(f'{folder}: the study has no standard teacher to compare with')
    mean = {t: {k: statistics.mean(v) for k, v in c.items()} for t, c in ts.items()}
    others = [t for t in ts if t != 'standard']
    ref = mean['standard']

    def beside(key: str, digits: int, unit: str = '') -> str:
        return '; '.join(f'{_short(t)} {mean[t][key]:.{digits}f}{unit} '
                         f'({_diff(mean[t][key], ref[key], digits)})' for t in others)

    lines = [
        f"- The KD students' agreement with their teacher: standard {ref['agreement']:.2f} %; "
        f"{beside('agreement', 2, ' %')}.",
        f"- KL(teacher ‖ student) of the KD students: standard {ref['kl']:.3f}; "
        f"{beside('kl', 3)}.",
        f"- The student trained alone, against each teacher: standard "
        f"{ref['alone_agreement']:.2f} %; {beside('alone_agreement', 2, ' %')}.",
    ]
    if len(ts) >= 3:
        names = list(ts)
        student = [mean[t]['student_top1'] for t in names]
        by_teacher = spearman([mean[t]['teacher_top1'] for t in names], student)
        by_agreement = spearman([mean[t]['agreement'] for t in names], student)
        fmt = (lambda r: 'undefined' if r is None else f'{r:+.2f}')
        lines.append(f"- Over the {len(names)} teachers, Spearman's rank correlation of the KD "
                     f"students' top-1 with the teacher's top-1 is {fmt(by_teacher)}, with "
                     f'the agreement {fmt(by_agreement)}.')
    return '\n'.join(lines)


# ------------------------------------------------------------------ the regimes study
def regime(folder: str, root: str = ROOT) -> dict:
    """``study.csv`` per teacher (file order): its type, l_KL, tau and, per teacher seed,
    its measurements and its KD students' top-1; and the student alone's top-1."""
    teachers: Dict[str, dict] = {}
    alone: List[float] = []
    for r in _rows(f'{folder}/study.csv', root):
        if r['teacher'] == '-':
            alone.append(float(r['student_top1']))
            continue
        t = teachers.setdefault(r['teacher'], dict(type=r['teacher_type'], lkl=r['lkl'],
                                                   tau=r['tau'], seeds={}))
        seed = int(r.get('teacher_seed') or 0)
        s = t['seeds'].setdefault(seed, dict(
            top1=float(r['teacher_top1']), train=float(r['teacher_train_top1']),
            ece=float(r['teacher_ece']), nll=float(r['teacher_nll']), students=[]))
        s['students'].append(float(r['student_top1']))
    return dict(teachers=teachers, alone=alone)


def _over_seeds(t: dict, key: str) -> List[float]:
    return [s[key] for _, s in sorted(t['seeds'].items())]


def _students(t: dict) -> List[float]:
    return [v for _, s in sorted(t['seeds'].items()) for v in s['students']]


def render_regime(folder: str, root: str = ROOT) -> str:
    """One regime: each teacher's test top-1, fit and calibration (over its teacher seeds),
    its KD students' top-1 (over every run) and their gain over the student alone."""
    g = regime(folder, root)
    alone = statistics.mean(g['alone'])
    header = ['teacher', 'l_KL', 'tau', 'teacher top-1', 'teacher top-1 on its training images',
              'teacher ECE (%)', 'teacher NLL', 'KD student top-1',
              'KD gain over the student alone']
    rows = [[name, _g(t['lkl']), _g(t['tau']), mean_std(_over_seeds(t, 'top1')),
             mean_std(_over_seeds(t, 'train')), mean_std(_over_seeds(t, 'ece')),
             mean_std(_over_seeds(t, 'nll'), 3), mean_std(_students(t)),
             _diff(statistics.mean(_students(t)), alone)]
            for name, t in g['teachers'].items()]
    rows.append([ALONE] + [''] * 6 + [mean_std(g['alone']), ''])
    return table(header, rows)


def render_regime_seeds(folder: str, root: str = ROOT) -> str:
    """Per teacher and teacher seed; then each teacher's teacher-seed spread (the std of
    its teacher seeds' mean students)."""
    g = regime(folder, root)
    rows, spread = [], []
    for name, t in g['teachers'].items():
        for seed, s in sorted(t['seeds'].items()):
            rows.append([name, seed, f"{s['top1']:.2f}", f"{s['train']:.2f}", f"{s['ece']:.2f}",
                         f"{s['nll']:.3f}", mean_std(s['students'])])
        means = [statistics.mean(s['students']) for s in t['seeds'].values()]
        spread.append([name, f'{_std(means):.2f}'])
    return (table(['teacher', 'teacher seed', 'teacher top-1',
                   'teacher top-1 on its training images', 'teacher ECE (%)', 'teacher NLL',
                   'KD student top-1 (over seeds)'], rows) + '\n\n' +
            table(['teacher', 'teacher-seed spread of the KD students (std of the '
                   'per-teacher-seed means)'], spread))


def _by_type(folder: str, root: str) -> Dict[str, Tuple[str, dict]]:
    """teacher type -> (name, teacher), for a regime with one teacher of each type."""
    out: Dict[str, Tuple[str, dict]] = {}
    for name, t in regime(folder, root)['teachers'].items():
        if t['type'] in out:
            raise ValueError(f'{folder}: several {t["type"]} teachers; name a regime with one '
                             'teacher of each type')
        out[t['type']] = (name, t)
    return out


def _setup(folder: str, root: str) -> str:
    """The data and schedules of a regime, from its report's description."""
    text = description(folder, root)
    images = re.search(r'the first (\d+) training images', text)
    teacher = re.search(r'teachers (\d+) epochs', text)
    student = re.search(r'student (\d+) epochs', text)
    if not (images and teacher and student):
        raise ValueError(f'{folder}: its description names no images and epochs')
    return (f'{images.group(1)} images; teachers {teacher.group(1)} epochs, '
            f'students {student.group(1)}')


def render_regimes(*folders: str, root: str = ROOT) -> str:
    """The regimes side by side: what each changes, its data and schedules, its run time,
    and per teacher type the teacher's top-1 and its KD students'."""
    types = ['standard', 'sftn', 'soteacher']
    header = (['regime', 'student', 'data and schedules', 'run time (min, runs)'] +
              [f'{_label(t)}: teacher / KD student' for t in types] + ['student alone'])
    rows = []
    for folder in folders:
        teachers = _by_type(folder, root)
        minutes, runs = run_time(folder, root) or (0.0, 0)
        cells = []
        for t in types:
            if t in teachers:
                cells.append(f"{mean_std(_over_seeds(teachers[t][1], 'top1'))} / "
                             f'{mean_std(_students(teachers[t][1]))}')
            else:
                cells.append('-')
        pair = description(folder, root).split('. ')[0]
        rows.append([f'`{osp.basename(folder.rstrip("/"))}`', pair, _setup(folder, root),
                     f'{minutes:.1f} ({runs})'] + cells +
                    [mean_std(regime(folder, root)['alone'])])
    return table(header, rows)


def render_calibration(*folders: str, root: str = ROOT) -> str:
    """Each regime's teachers: top-1 on their own training images, ECE and NLL on the test
    set (over teacher seeds)."""
    rows = []
    for folder in folders:
        for name, t in regime(folder, root)['teachers'].items():
            rows.append([f'`{osp.basename(folder.rstrip("/"))}`', name,
                         mean_std(_over_seeds(t, 'train')), mean_std(_over_seeds(t, 'ece')),
                         mean_std(_over_seeds(t, 'nll'), 3)])
    return table(['regime', 'teacher', 'top-1 on its training images', 'ECE (%)', 'NLL'], rows)


def render_regime_summary(*folders: str, root: str = ROOT) -> str:
    """Per regime: the most accurate and the best-calibrated teacher, the teacher of the
    best KD students with its margin over the next one (both cells' std beside it), and
    the teachers whose KD students' mean is above the student alone's."""
    rows = []
    for folder in folders:
        g = regime(folder, root)
        ts = g['teachers']
        top1 = {n: statistics.mean(_over_seeds(t, 'top1')) for n, t in ts.items()}
        ece = {n: statistics.mean(_over_seeds(t, 'ece')) for n, t in ts.items()}
        students = sorted(((statistics.mean(_students(t)), n) for n, t in ts.items()),
                          reverse=True)
        (best, first), (second, runner) = students[0], students[1]
        alone = statistics.mean(g['alone'])
        above = [n for m, n in students if m > alone]
        rows.append([
            f'`{osp.basename(folder.rstrip("/"))}`', max(top1, key=top1.get),
            min(ece, key=ece.get), f'{first} ({mean_std(_students(ts[first]))})',
            f'{_diff(best, second)} over {runner} ({mean_std(_students(ts[runner]))})',
            f'{len(above)} of {len(ts)}'])
    return table(['regime', 'most accurate teacher', 'best-calibrated teacher (lowest ECE)',
                  'teacher of the best KD students', 'margin over the next teacher',
                  "teachers with KD students above the student alone (means)"], rows)


# ------------------------------------------------------------------ the teacher probes
def probe(folder: str, root: str = ROOT) -> dict:
    """A probe's ``ranking.csv`` rows, its ``summary.json`` and its setting (epochs,
    images, seed) from ``ranking.md``."""
    rows = _rows(f'{folder}/ranking.csv', root)
    summary = json.loads(_text(f'{folder}/summary.json', root))
    m = re.search(r'(\d+) epoch\(s\) on the first (\d+) training images, seed (\d+)',
                  _text(f'{folder}/ranking.md', root))
    if not m:
        raise ValueError(f'{folder}/ranking.md: names no probe setting')
    return dict(rows=rows, summary=summary, epochs=int(m.group(1)), images=int(m.group(2)),
                seed=int(m.group(3)))


def full_run_seed_stds(folder: str, root: str = ROOT) -> Dict[str, float]:
    """candidate -> the seed-to-seed std of its full-run KD students: from the study next to
    the first of the probe's ``--full-results`` files (its ``ranking.md``) that lists the
    candidate, as ``tools/select_teacher.py`` took its accuracy."""
    files = re.findall(r'`([^`]*full_runs\.csv)`', _text(f'{folder}/ranking.md', root).split(
        'Full runs:', 1)[-1].split('\n', 1)[0])
    out: Dict[str, float] = {}
    for rel in files:
        listed = {r['candidate'] for r in _rows(rel, root)}
        study = regime(osp.dirname(rel), root)['teachers']
        for candidate in listed - set(out):
            m = re.fullmatch(r'teacher_(.+?)(?:_seed(\d+))?', candidate)
            teacher = study.get(m.group(1)) if m else None
            seed = teacher['seeds'].get(int(m.group(2) or 0)) if teacher else None
            if seed:
                out[candidate] = _std(seed['students'])
    return out


def _name(p: dict) -> str:
    return f"{p['epochs']} epochs on {p['images']} images, seed {p['seed']}"


def render_probes(*folders: str, root: str = ROOT) -> str:
    """Per probe: the Spearman correlation with the full runs' ranking, its cost, the
    range of its students' top-1, and where it puts the candidates that matter."""
    rows = []
    for folder in folders:
        p = probe(folder, root)
        s, rs = p['summary'], p['rows']
        top = [float(r['probe_top1']) for r in rs]
        by_probe = min(rs, key=lambda r: float(r['rank']))
        last = max(rs, key=lambda r: float(r['rank']))
        full_best = min(rs, key=lambda r: float(r['full_rank']))
        worst = max(rs, key=lambda r: abs(float(r['rank']) - float(r['full_rank'])))
        rows.append([
            _name(p), f"{s['matched']} of {s['candidates']}", f"{s['spearman']:.3f}",
            f"{s['cost_fraction']:.3f} ({s['probe_seconds']:.0f} s of {s['full_seconds']:.0f} s)",
            f'{min(top):.2f} to {max(top):.2f}',
            f"{by_probe['candidate']} ({_g(by_probe['full_rank'])})",
            f"{full_best['candidate']} ({_g(full_best['rank'])})",
            f"{last['candidate']} ({_g(last['full_rank'])})",
            f"{worst['candidate']} ({_g(worst['rank'])} vs {_g(worst['full_rank'])})"])
    return table(['probe', 'candidates matched', 'Spearman, probe vs full-run ranking',
                  'probe cost / time of the full runs', 'top-1 of the probe students',
                  'first choice of the probe (its full-run rank)',
                  'first of the full runs (its probe rank)',
                  'last of the probe (its full-run rank)',
                  'largest disagreement (probe vs full-run rank)'], rows)


def render_probe_ranks(*folders: str, root: str = ROOT) -> str:
    """The candidates in the full runs' order, with each probe's top-1 and rank."""
    probes = [probe(f, root) for f in folders]
    first = sorted(probes[0]['rows'], key=lambda r: float(r['full_rank']))
    by_name = [{r['candidate']: r for r in p['rows']} for p in probes]
    header = ['candidate', 'teacher top-1', 'teacher ECE (%)',
              'full-run student top-1 (rank)'] + [
        f"probe, {p['epochs']} epochs: student top-1 (rank)" for p in probes]
    rows = []
    for r in first:
        cells = []
        for names in by_name:
            q = names.get(r['candidate'])
            cells.append(f"{float(q['probe_top1']):.2f} ({_g(q['rank'])})" if q else '-')
        rows.append([r['candidate'], f"{float(r['teacher_top1']):.2f}", f"{float(r['ece']):.2f}",
                     f"{float(r['full_top1']):.2f} ({_g(r['full_rank'])})"] + cells)
    return table(header, rows)


RENDERERS = {
    'teachers-about': render_about,
    'teachers-command': render_command,
    'teachers-pipeline': render_pipeline,
    'teachers-scales': render_scales,
    'teachers-verdict': render_verdict,
    'teachers-best': render_best,
    'teachers-sftn': render_sftn,
    'teachers-sftn-findings': render_sftn_findings,
    'teachers-regime': render_regime,
    'teachers-regime-seeds': render_regime_seeds,
    'teachers-regimes': render_regimes,
    'teachers-calibration': render_calibration,
    'teachers-regime-summary': render_regime_summary,
    'teachers-probes': render_probes,
    'teachers-probe-ranks': render_probe_ranks,
}


# ------------------------------------------------------------------ numbers in prose
def verdict_level(root: str = ROOT) -> str:
    """``VERDICT_LEVEL`` of sfkd/apis/report.py, read from its source (importing sfkd here
    would cost seconds)."""
    m = re.search(r'^VERDICT_LEVEL\s*=\s*([\d.eE-]+)\s*$', _text('sfkd/apis/report.py', root),
                  re.M)
    if not m:
        raise ValueError('sfkd/apis/report.py: no VERDICT_LEVEL = <number> line')
    return f'{float(m.group(1)):g}'


def substitutions(root: str = ROOT) -> Dict[str, str]:
    out = {'teachers_verdict_level': verdict_level(root)}
    # the quick start's job (its provenance: the command's wall time and runs)
    default = json.loads(_text('results/pipeline_default/provenance.json', root))
    out['teachers_default_minutes'] = f"{default['wall_minutes']:.1f}"
    out['teachers_default_runs'] = str(default['runs'])

    study = sftn_study('results/sftn_study', 'results/pipeline_full/results.csv', root)
    small = sftn_study('results/sftn_study_small-data', root=root)
    for prefix, s in (('teachers_sftn', study), ('teachers_small', small)):
        for t, c in s['teachers'].items():
            key = f'{prefix}_{t}'
            out[f'{key}_top1'] = f"{statistics.mean(c['teacher_top1']):.2f}"
            out[f'{key}_train_top1'] = f"{statistics.mean(c['teacher_train_top1']):.2f}"
            out[f'{key}_train_confidence'] = f"{statistics.mean(c['teacher_train_confidence']):.3f}"
            out[f'{key}_student'] = mean_std(c['student_top1'])

    sweep = regime('results/regimes/sweep', root)['teachers']
    names = list(sweep)
    r = spearman([statistics.mean(_over_seeds(sweep[n], 'top1')) for n in names],
                 [statistics.mean(_students(sweep[n])) for n in names])
    out['regimes_sweep_teachers'] = str(len(names))
    out['regimes_sweep_spearman'] = 'undefined' if r is None else f'{r:+.2f}'

    lip = regime('results/regimes/lipschitz', root)
    alone = statistics.mean(lip['alone'])
    for key, name in (('given', 'soteacher'), ('steps', 'soteacher-steps')):
        t = lip['teachers'][name]
        out[f'regimes_lipschitz_{key}_top1'] = f"{statistics.mean(_over_seeds(t, 'top1')):.2f}"
        out[f'regimes_lipschitz_{key}_train'] = f"{statistics.mean(_over_seeds(t, 'train')):.2f}"
        out[f'regimes_lipschitz_{key}_ece'] = f"{statistics.mean(_over_seeds(t, 'ece')):.2f}"
        out[f'regimes_lipschitz_{key}_nll'] = f"{statistics.mean(_over_seeds(t, 'nll')):.3f}"
        out[f'regimes_lipschitz_{key}_gain'] = _diff(statistics.mean(_students(t)), alone)

    folder = 'results/select_teacher/probe-5-epochs'
    summary = json.loads(_text(f'{folder}/summary.json', root))
    out['select_teacher_candidates'] = str(summary['candidates'])
    full = sorted((float(r['full_top1']) for r in probe(folder, root)['rows']), reverse=True)
    half = full[:len(full) // 2]
    out['select_teacher_top_half'] = str(len(half))
    out['select_teacher_top_half_span'] = f'{round(half[0], 2) - round(half[-1], 2):.2f}'
    stds = full_run_seed_stds(folder, root)
    out['select_teacher_seed_std'] = f'{statistics.median(stds.values()):.2f}'
    out['select_teacher_seed_std_candidates'] = str(len(stds))
    return out
