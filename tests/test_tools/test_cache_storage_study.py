"""projects/cache_storage_study/cache_storage_study.py: its runs (the pipeline's, then one KD student per
storage and seed), its report from made-up results, and a smoke run end to end."""
import glob
import json
import os.path as osp

import pytest
from sfkd_testing import load_tool

pytestmark = pytest.mark.e2e


@pytest.fixture(scope='module')
def study():
    return load_tool('projects/cache_storage_study/cache_storage_study.py',
                     'cache_storage_study')


def test_runs_are_the_pipelines_then_each_storages_students(study):
    from sfkd.apis import plan
    from sfkd.apis.tasks import classification as cls
    scale = study.SCALES['default']
    runs = study.study_runs(scale, 'P', list(study.STORAGES))
    pipeline = plan(cls.TASK, scale, 'P')
    assert runs[:len(pipeline)] == pipeline  # reused from a pipeline folder as they are
    assert [r.kind for r in pipeline] == ['teacher', 'alone', 'distill', 'alone', 'distill']
    extra = runs[len(pipeline):]
    assert [(r.method, r.seed, r.work_dir) for r in extra] == [
        (f'kd-{name}', seed, f'P/kd-{name}_standard_seed{seed}')
        for name in ('fp16', 'topk3', 'sampled16', 'sampled16-views2') for seed in (0, 1)]
    kd = {r.seed: r for r in pipeline if r.kind == 'distill'}
    for r in extra:
        storage = r.method[3:]
        assert r.options == kd[r.seed].options + study.STORAGES[storage]
        assert (r.config, r.init_from) == (kd[r.seed].config, 'standard')


def test_report_rows_compare_each_storage_with_fp32_seed_by_seed(study):
    def result(kind, method, seed, acc):
        return dict(kind=kind, teacher='standard', method=method, seed=seed,
                    metrics=dict(accuracy=acc), seconds=10.0)
    results = [result('teacher', '-', 0, 91.0)]
    for seed, (alone, exact, half, top) in enumerate([(88.0, 89.0, 89.1, 88.5),
                                                      (88.4, 89.2, 89.2, 88.4)]):
        results += [result('alone', '-', seed, alone), result('distill', 'kd', seed, exact),
                    result('distill', 'kd-fp16', seed, half),
                    result('distill', 'kd-topk3', seed, top)]
    lines = study.summarise(results, ['fp32', 'fp16', 'topk3'], 'cmd', study.SCALES['default'])
    # fp32 89.0, 89.2 -> 89.10 ± 0.14; fp16 differences +0.10, 0.00 -> +0.05;
    # top-3 differences -0.50, -0.80 -> -0.65
    assert '| fp32 (exact) | 40 | 89.10 ± 0.14 | - |' in lines
    assert '| fp16 | 20 | 89.15 ± 0.07 | +0.05 (seeds: +0.10, +0.00) |' in lines
    assert '| top-3 probabilities (biased) | 18 | 88.45 ± 0.07 | -0.65 (seeds: -0.50, -0.80) |' \
        in lines
    assert '| (student alone) | - | 88.20 ± 0.28 | |' in lines
    assert 'Command: `cmd`' in lines
    assert any('(test top-1 91.00)' in ln for ln in lines)


def test_smoke_study_trains_each_storage_from_its_own_cache(study, tmp_path, fmnist_root,
                                                          in_repo):
    runs, out = str(tmp_path / 'runs'), str(tmp_path / 'out')
    study.main(['--scale', 'smoke', '--dir', runs, '--storages', 'fp32', 'topk3',
                '--out', out])
    kd = json.load(open(f'{runs}/kd_standard_seed0/result.json'))
    topk = json.load(open(f'{runs}/kd-topk3_standard_seed0/result.json'))
    storage = ['teacher_cache.storage.type=topk', 'teacher_cache.storage.k=3']
    assert [o for o in topk['options'] if o not in storage] == kd['options']
    assert all(o in topk['options'] for o in storage)
    # one cache per storage under the folder's teacher_cache, each keyed apart
    storages = sorted(json.load(open(m))['what']['storage']['logits']['type']
                      for m in glob.glob(f'{runs}/teacher_cache/*/meta.json'))
    assert storages == ['fp32', 'topk']
    md = open(f'{out}/results.md').read()
    assert (f"| fp32 (exact) | 40 | {kd['metrics']['accuracy']:.2f} | - |") in md
    diff = topk['metrics']['accuracy'] - kd['metrics']['accuracy']
    assert f"| top-3 probabilities (biased) | 18 | {topk['metrics']['accuracy']:.2f} | " \
           f'{diff:+.2f} (seeds: {diff:+.2f}) |' in md
    assert 'Command: `python projects/cache_storage_study/cache_storage_study.py --scale smoke' in md
    assert osp.isfile(f'{out}/results.csv')
