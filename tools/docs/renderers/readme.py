"""The README's quick-start table and results at a glance, from the stored results."""
import os.path as osp
import statistics
from typing import Dict, List, Tuple

from . import ROOT
from .markdown import lines_of, table
from .results_methods import csv_rows, mean_std, stored_json

# study folder -> (what it is, its docs page from the repository root)
GLANCE = {
    'pipeline_default': ('Fashion-MNIST, main job (default scale)',
                         'docs/en/results/friendly_teachers.md'),
    'pipeline_full': ('Fashion-MNIST, full scale', 'docs/en/results/friendly_teachers.md'),
    'kd_variants_round3': ('Fashion-MNIST, methods since 2021', 'docs/en/results/methods_2021.md'),
    'pipeline_det_full': ('detection on the canvases', 'docs/en/results/detection.md'),
    'pipeline_det_full_teachers-standard_methods-pkd-cwd-bckd-crosskd': (
        'detection on the canvases: PKD, CWD, BCKD, CrossKD', 'docs/en/results/detection.md'),
    'pipeline_seg_full': ('segmentation on the canvases', 'docs/en/results/segmentation.md'),
    'pipeline_mri_full': ('MRI reconstruction, T1 slices', 'docs/en/results/mri.md'),
}
TEACHER = {'standard': 'standard', 'sftn': 'SFTN', 'sft': 'SFT', 'soteacher': 'SoTeacher',
           '-': 'no teacher'}
METHOD = {'kd': 'KD', 'at': 'AT', 'fitnets': 'FitNets', 'cwd': 'CWD', 'pkd': 'PKD',
          'init': 'initialisation', 'reviewkd': 'ReviewKD', 'ofa': 'OFA-KD',
          'nkd': 'NKD', 'uskd': 'USKD', 'ctkd': 'CTKD', 'kd_ls': 'KD + logit standardisation',
          'dkd_ls': 'DKD + logit standardisation', 'deit': 'DeiT distillation token',
          'bckd': 'BCKD', 'crosskd': 'CrossKD', 'mgd': 'MGD'}


def quick_start_table(study: str = 'pipeline_default') -> str:
    """The table and the verdict line the main job prints, as it stored them."""
    lines = lines_of(f'results/{study}/results.md')
    rows = [ln for ln in lines if ln.startswith('|')]
    verdict = [ln for ln in lines if ln.startswith('Best student')]
    if not rows or not verdict:
        raise ValueError(f'results/{study}/results.md has no table or no "Best student" line')
    return '\n'.join(rows + [''] + verdict)


def at_a_glance() -> str:
    """Per study: the student alone, the best distilled student, and its teacher and method."""
    rows = []
    for study, (what, page) in GLANCE.items():
        if not osp.isfile(osp.join(ROOT, 'results', study, 'results.csv')):
            continue
        runs = csv_rows(f'results/{study}/results.csv')
        metric = list(runs[0])[4]  # the first metric column, after kind, teacher, method, seed
        groups: Dict[Tuple[str, str], List[float]] = {}
        alone: List[float] = []
        for r in runs:
            value = float(r[metric])
            if r['kind'] == 'alone' and r['method'] in ('-', ''):
                alone.append(value)
            elif r['kind'] == 'distill':
                groups.setdefault((r['teacher'], r['method']), []).append(value)
        (teacher, method), best = max(groups.items(), key=lambda kv: statistics.mean(kv[1]))
        rows.append([f'[{what}]({page})', metric, mean_std(alone), mean_std(best),
                     f'{METHOD.get(method, method)} from the {TEACHER.get(teacher, teacher)} teacher'
                     if teacher != '-' else f'{METHOD.get(method, method)} (teacher-free)',
                     len(runs), f'`results/{study}/`'])
    commands = [f"- `results/{study}/`: `{stored_json(f'results/{study}/provenance.json')['command']}`"
                for study in GLANCE
                if osp.isfile(osp.join(ROOT, 'results', study, 'provenance.json'))]
    return '\n\n'.join([
        table(['study', 'metric', 'student alone', 'best distilled student', 'by',
               'runs', 'data'], rows),
        'The command behind each row (its `provenance.json` records it):',
        '\n'.join(commands)])


RENDERERS = {'quick-start-table': quick_start_table, 'at-a-glance': at_a_glance}
