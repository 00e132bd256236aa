"""projects/kd_variants/kd_variants.py: its plan of runs (each method from its own teacher, the
teacher-free run from none) and its report's rows, from stored results (no training)."""
import statistics

import pytest
from sfkd_testing import ROOT, load_tool

pytestmark = pytest.mark.unit


@pytest.fixture(scope='module')
def study():
    return load_tool('projects/kd_variants/kd_variants.py', 'kd_variants')


def test_plan_trains_each_teacher_once_and_each_method_from_its_own(study):
    runs = study.study_plan(study.SCALES['default'], 'out')
    teachers = [r for r in runs if r.kind == 'teacher']
    assert [r.teacher for r in teachers] == ['standard', 'lenet'] and runs[:2] == teachers
    lenet = teachers[1]
    assert 'train_cfg.max_epochs=4' in lenet.options
    assert 'train_dataloader.dataset.num_samples=8000' in lenet.options
    students = runs[2:]
    by_method = {}
    for r in students:
        by_method.setdefault((r.kind, r.method, r.init_from), []).append(r.seed)
    assert by_method == {('alone', '-', None): [0, 1, 2], ('distill', 'kd', 'standard'): [0, 1, 2],
                         ('distill', 'skd', 'standard'): [0, 1, 2],
                         ('distill', 'lwkd', 'lenet'): [0, 1, 2],
                         ('distill', 'tfkd', None): [0, 1, 2]}
    assert len({r.work_dir for r in runs}) == len(runs) == 17
    assert all('train_dataloader.dataset.indices=8000' in r.options for r in runs)
    friendly = study.study_plan(study.SCALES['default'], 'out', ('sftn', ))
    assert {(r.method, r.init_from) for r in friendly if r.teacher == 'sftn'} == {
        ('-', None), ('kd', 'sftn'), ('skd', 'sftn')}


def test_methods_option_plans_the_newer_methods_beside_kd_and_the_student_alone(study):
    runs = study.study_plan(study.SCALES['default'], 'out',
                            methods=('nkd', 'uskd', 'reviewkd', 'ofa'))
    assert [r.teacher for r in runs if r.kind == 'teacher'] == ['standard']  # no LeNet
    by_method = {}
    for r in runs[1:]:
        by_method.setdefault((r.kind, r.method, r.init_from), []).append(r.seed)
        assert r.config.endswith('fashion-mnist.py') or r.kind == 'alone'
    assert by_method == {('alone', '-', None): [0, 1, 2],
                         ('distill', 'kd', 'standard'): [0, 1, 2],
                         ('distill', 'nkd', 'standard'): [0, 1, 2],
                         ('distill', 'reviewkd', 'standard'): [0, 1, 2],
                         ('distill', 'ofa', 'standard'): [0, 1, 2],
                         ('distill', 'uskd', None): [0, 1, 2]}
    assert {r.config for r in runs if r.method == 'uskd'} == {study.METHODS['uskd']}
    deit = study.study_plan(study.SCALES['default'], 'out', methods=('deit', ))
    assert sorted((r.kind, r.method, r.config.rsplit('/', 1)[1], r.seed) for r in deit
                  if r.method == 'deit') == [
        ('alone', 'deit', 'deit-micro_3e_fashion-mnist.py', s) for s in (0, 1, 2)] + [
        ('distill', 'deit', 'deit_small-resnet_deit-micro_fashion-mnist.py', s) for s in (0, 1, 2)]
    rows = study.rows_of([dict(kind=r.kind, teacher=r.teacher, method=r.method, seed=r.seed,
                               metrics=dict(accuracy=80.0 + r.seed), seconds=1.0) for r in deit])
    assert [(r['method'], r['teacher']) for r in rows] == [
        ('alone', '-'), ('kd', 'standard'), ('alone_deit', '-'), ('deit', 'standard')]


def test_report_rows_sum_the_stages_and_compare_steps_with_kd(study, tmp_path):
    def result(kind, teacher, method, seed, acc, seconds):
        return dict(kind=kind, teacher=teacher, method=method, seed=seed,
                    metrics=dict(accuracy=acc), seconds=seconds)
    results = [result('teacher', 'standard', '-', 0, 90.0, 60.0),
               result('teacher', 'lenet', '-', 0, 95.0, 20.0)]
    for seed, (a, k, s, lw, tf) in enumerate([(85.0, 86.0, 86.5, 84.0, 85.5),
                                              (85.4, 86.4, 86.1, 84.6, 85.1),
                                              (85.2, 86.2, 86.3, 84.2, 85.3)]):
        results += [result('alone', '-', '-', seed, a, 30.0),
                    result('distill', 'standard', 'kd', seed, k, 40.0),
                    result('distill', 'standard', 'skd', seed, s, 44.0),
                    result('distill', 'lenet', 'lwkd', seed, lw, 36.0),
                    result('distill', '-', 'tfkd', seed, tf, 31.0 + seed)]
    rows = study.rows_of(results)
    assert [(r['method'], r['teacher']) for r in rows] == [
        ('alone', '-'), ('kd', 'standard'), ('skd', 'standard'), ('lwkd', 'lenet'),
        ('tfkd', '-')]
    steps = {('alone', '-'): 0.1, ('kd', 'standard'): 0.2, ('skd', 'standard'): 0.25,
             ('lwkd', 'lenet'): 0.15, ('tfkd', '-'): 0.1}
    table = study.report(rows, steps, study.SCALES['default'], str(tmp_path), 'cmd', '')
    lines = table.splitlines()
    skd = [86.5, 86.1, 86.3]
    assert lines[4] == (f'| SKD | standard small ResNet | 90.00 | {statistics.mean(skd):.2f} ± '
                        f'{statistics.stdev(skd):.2f} | 60 + 44 = 104 | 1.25x |')
    assert lines[5].startswith('| LW-KD | LeNet on synthetic digits | 95.00 |')
    assert lines[5].endswith('| 20 + 36 = 56 | 0.75x |')
    assert lines[6].startswith('| teacher-free KD (Tf-KD_reg) | none | - |')
    assert lines[6].endswith('| 32 | 0.50x |')  # no teacher stage: the mean student run
    md = open(tmp_path / 'results.md').read()
    assert 'Command: `cmd`' in md and '(KD: 200 ms)' in md
    assert open(tmp_path / 'results.png', 'rb').read(8) == b'\x89PNG\r\n\x1a\n'


def stored_command(folder: str) -> str:
    """The command a stored kd_variants result records in its results.md."""
    md = open(f'{ROOT}/results/{folder}/results.md').read()
    return md.split('Command: `')[1].split('`')[0]


def test_documented_study_commands_are_the_stored_ones():
    """The docs' kd_variants commands are the ones that made the stored results (whose
    tables and numbers the docs render from those files: tools/docs/generate.py)."""
    import shlex

    from doc_blocks import docs_blocks, shell_commands
    shown = sorted(c for b in docs_blocks() if b.lang == 'bash' for c in shell_commands(b)
                   if c[:2] == ['python', 'projects/kd_variants/kd_variants.py'])
    stored = sorted(shlex.split(stored_command(folder))
                    for folder in ('kd_variants', 'kd_variants_round3'))
    assert shown == stored


def test_provenance_of_the_newer_methods_names_their_command_and_seeds():
    import json
    provenance = json.load(open(f'{ROOT}/results/kd_variants_round3/provenance.json'))
    assert provenance['command'] == stored_command('kd_variants_round3')
    assert provenance['seeds'] == [0, 1, 2]
    assert provenance['code']['dirty'] is False and provenance['runs'] == 34
