"""``python -m benchmarks steps`` (and ``sftn``) at the smallest size: the stored report holds every figure
the docs quote (median and range over the runs, GFLOPs, the machine), for the
classification steps and for the dense (canvas detection) steps."""
import json
import subprocess
import sys

import pytest

from sfkd_testing import ROOT, load_benchmark, subprocess_env

pytestmark = pytest.mark.e2e


def test_benchmark_stores_median_range_gflops_and_machine(tmp_path, fmnist_root):
    out = tmp_path / 'bench' / 'benchmark.json'
    proc = subprocess.run(
        [sys.executable, '-m', 'benchmarks', 'steps', '--data-root', fmnist_root,
         '--batch-size', '16', '--iters', '2', '--warmup', '0', '--repeats', '2',
         '--parts', 'classification', '--no-memory', '--out', str(out)],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(out))
    assert len(result['runs']) == 2
    for key in ('distill_ratio', 'sftn_time_ratio', 'sftn_flop_ratio'):
        values = sorted(r[key] for r in result['runs'])
        fig = result['summary'][key]
        assert (fig['min'], fig['max']) == (values[0], values[-1])
        assert fig['median'] == sum(values) / 2  # the median of two runs
    run = result['runs'][0]
    assert run['sftn_flop_ratio'] == pytest.approx(
        run['gflops']['sftn_teacher'] / run['gflops']['plain_teacher'])
    assert run['gflops']['sftn_teacher'] > run['gflops']['plain_teacher'] > 0
    assert result['machine']['cores'] >= 1 and result['machine']['torch']
    md = (tmp_path / 'bench' / 'benchmark.md').read_text()
    gflops = result['summary']['gflops.sftn_teacher']['median']
    assert f'({gflops:.2f} vs ' in md and 'GFLOP per step' in md
    assert 'machine: ' in md and 'Command: `python -m benchmarks steps' in md
    command = md.split('Command: `')[1].split('`')[0]
    assert '--repeats 2' in command and not [a for a in command.split() if a.startswith('/')]


def test_peak_memory_of_a_step_is_measured_in_a_fresh_process(fmnist_root):
    """The memory figures (left out above): one step kind in its own process."""
    from types import SimpleNamespace

    bench = load_benchmark('steps')
    mb = bench.peak_memory_mb('plain_teacher', SimpleNamespace(data_root=fmnist_root,
                                                               batch_size=16))
    assert 0 < mb < 2048


def test_benchmark_dense_rows_store_positive_times_and_flops(tmp_path, canvas_root):
    out = tmp_path / 'dense' / 'benchmark.json'
    proc = subprocess.run(
        [sys.executable, '-m', 'benchmarks', 'steps', '--parts', 'dense', '--canvas-root',
         canvas_root, '--det-batch-size', '2', '--iters', '1', '--warmup', '0', '--repeats', '1',
         '--out', str(out)],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(out))
    assert result['parts'] == ['dense'] and result['det_batch_size'] == 2
    (run, ) = result['runs']
    steps = ('sfkd_dense_distill', 'plain_dense_distill', 'sftn_det_teacher', 'plain_det_teacher',
             'plain_det_student')
    assert set(run['step_ms']) == set(steps) and all(run['step_ms'][k] > 0 for k in steps)
    assert run['dense_distill_ratio'] == pytest.approx(
        run['step_ms']['sfkd_dense_distill'] / run['step_ms']['plain_dense_distill'])
    assert run['sftn_det_time_ratio'] == pytest.approx(
        run['step_ms']['sftn_det_teacher'] / run['step_ms']['plain_det_teacher'])
    # the branches add work: more FLOPs forward (MMEngine, one canvas) and per step (torch)
    for group, ratio in (('forward_gflops', 'sftn_det_flop_ratio'),
                         ('gflops', 'sftn_det_step_flop_ratio')):
        sftn, plain = run[group]['sftn_det_teacher'], run[group]['plain_det_teacher']
        assert sftn > plain > 0 and run[ratio] == pytest.approx(sftn / plain)
    # the parts of an SFTN step: the plain teacher step and one student step per branch
    ms = run['step_ms']
    assert run['sftn_det_branches'] == 2
    assert run['sftn_det_parts_ratio'] == pytest.approx(
        1 + 2 * ms['plain_det_student'] / ms['plain_det_teacher'])
    fwd = run['forward_gflops']
    assert 0 < fwd['plain_det_student'] < fwd['plain_det_teacher']
    assert run['det_student_flop_share'] == pytest.approx(
        fwd['plain_det_student'] / fwd['plain_det_teacher'])
    assert 'distill_ratio' not in run and 'peak_memory_mb' not in run  # classification not run
    md = (tmp_path / 'dense' / 'benchmark.md').read_text()
    forward = result['summary']['forward_gflops.sftn_det_teacher']['median']
    for text in ('dense distill step (CWD, 3 FPN levels) / plain loop : time ',
                 f'({forward:.3f} vs ', 'GFLOP per canvas, MMEngine', 'machine: ',
                 'its parts: plain detector step + 2 student detector steps'):
        assert text in md and text in proc.stdout, text


def test_hand_written_dense_loop_does_the_distillers_work(canvas_root, tmp_path):
    """The two sides of the dense ratio compute the same loss, step after step (the same
    forward passes, CWD, SGD update and gradient clipping), from the same weights."""
    import torch
    from mmengine import DefaultScope
    benchmark_dense = load_benchmark('dense')
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('sfkd'):
        steps = benchmark_dense.build_dense_distill(canvas_root, 2, str(tmp_path))
        for _ in range(2):
            log = steps['sfkd_dense_distill']()
            assert float(steps['plain_dense_distill']()) == pytest.approx(
                float(log['loss'].detach()), rel=1e-5)
        assert any(k.startswith('distill.loss_cwd_p') for k in log)


def test_benchmark_stores_uncached_ratio_larger_sftn_pair_and_scaling(tmp_path, fmnist_root):
    """The KD step over the student's own step, the ResNet32x4 SFTN pair, and the
    distill step times against batch size and student width, with their figure."""
    out = tmp_path / 'scale' / 'benchmark.json'
    proc = subprocess.run(
        [sys.executable, '-m', 'benchmarks', 'steps', '--data-root', fmnist_root,
         '--batch-size', '8', '--iters', '1', '--warmup', '0', '--repeats', '1', '--parts',
         'classification', 'sftn_large', 'scaling', '--no-memory', '--large-batch-size', '2',
         '--large-iters', '1', '--scale-batch-sizes', '4', '8', '--scale-widths', '4', '8',
         '--scale-iters', '1', '--out', str(out)],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(out))
    (run, ) = result['runs']
    ms = run['step_ms']
    assert run['uncached_distill_ratio'] == pytest.approx(ms['sfkd_distill'] /
                                                          ms['student_alone'])
    assert run['cached_distill_ratio'] == pytest.approx(ms['cached_distill'] /
                                                        ms['student_alone'])
    # 10 logits per sample: 4 or 2 bytes each; top-3 float32 + int16; 16 int16 draws
    assert run['cache_bytes_per_sample'] == dict(fp32=40, fp16=20, topk3=18, sampled16=32)
    for key, prefix in (('sftn', ''), ('sftn_resnet32x4', 'resnet32x4_')):
        plain = f'plain_{prefix}teacher'
        for name, figure in ((f'sftn_{prefix}teacher', key),
                             (f'handwritten_sftn_{prefix}teacher', f'handwritten_{key}'),
                             (f'sftn_contiguous_{prefix}teacher', f'{key}_contiguous')):
            assert run[f'{figure}_time_ratio'] == pytest.approx(ms[name] / ms[plain])
            assert run[f'{figure}_flop_ratio'] == pytest.approx(
                run['gflops'][name] / run['gflops'][plain])
            assert run[f'{figure}_flop_ratio'] > 1  # the branches add work
            assert run[f'{figure}_time_over_flop_ratio'] == pytest.approx(
                run[f'{figure}_time_ratio'] / run[f'{figure}_flop_ratio'])
        # the hand-written step and the contiguous one do the same work as sfkd's step
        for other in ('handwritten_sftn', 'sftn_contiguous'):
            assert run['gflops'][f'{other}_{prefix}teacher'] == pytest.approx(
                run['gflops'][f'sftn_{prefix}teacher'], rel=1e-3)
        assert run[f'{key}_handwritten_ratio'] == pytest.approx(
            ms[f'sftn_{prefix}teacher'] / ms[f'handwritten_sftn_{prefix}teacher'])
    points = {f'{p}.{side}' for p in ('batch_size_4', 'batch_size_8', 'width_4', 'width_8')
              for side in ('sfkd', 'plain')}
    assert set(run['scaling_ms']) == points and all(run['scaling_ms'][k] > 0 for k in points)
    assert all(result['summary'][f'scaling_ms.{k}']['median'] > 0 for k in points)
    assert run['student_time_share'] == pytest.approx(ms['student_alone'] / ms['plain_teacher'])
    assert 0 < run['student_flop_share'] < 1 and run['student_flop_share'] == pytest.approx(
        run['gflops']['student_alone'] / run['gflops']['plain_teacher'])
    assert 'peak_memory_mb' not in run  # --no-memory
    png = tmp_path / 'scale' / 'benchmark_scaling.png'
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and png.stat().st_size > 10000
    md = (tmp_path / 'scale' / 'benchmark.md').read_text()
    for text in ("uncached distill step / the student's step alone : time ",
                 'SFTN ResNet32x4 (ResNet8x4 branches, batch 2 of 32x32)', '  width 8 (batch 8)',
                 '  the same SFTN step written by hand (plain PyTorch): time ',
                 '  with model.branch_channels_last=False: time '):
        assert text in md, text


@pytest.mark.parametrize('large', [False, True])
def test_hand_written_sftn_step_does_the_wrappers_work(fmnist_root, large):
    """The two sides of the SFTN ratio compute the same loss, step after step, from the
    same weights (the teacher's and branches' losses, the KL, the SGD update)."""
    import torch
    from mmengine import DefaultScope
    from mmengine.optim import OptimWrapper
    benchmark_sftn = load_benchmark('sftn')
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('sfkd'):
        if large:
            data = benchmark_sftn.cifar_like_batch(2)
            models, _ = benchmark_sftn.build_sftn_pair(benchmark_sftn.LARGE_SFTN_CONFIG)
        else:
            data = benchmark_sftn.fashion_mnist_batch(fmnist_root, 8)
            models, _ = benchmark_sftn.build_sftn_pair()
        sftn = models['sftn']
        wrapper = OptimWrapper(torch.optim.SGD(sftn.parameters(), lr=0.02))
        handwritten = benchmark_sftn.handwritten_sftn_step(sftn, data, lr=0.02)
        for _ in range(3):  # each update moves the loss far more than rounding (at lr 0.1 the
            # third step diverges and amplifies the rounding of summing branch gradients)
            log = sftn.train_step(data, wrapper)
            # (the two sum the branches' gradients at the teacher features in another order)
            assert float(handwritten()) == pytest.approx(float(log['loss']), rel=1e-4)
        assert {k for k in log if k.startswith('distill.')} == {
            'distill.b0.layer1.loss_imitation', 'distill.b0.layer2.loss_imitation'}


def test_sftn_profile_compares_the_heavy_calls_of_both_steps(tmp_path, fmnist_root):
    """The profile of sfkd's SFTN step and the hand-written one: both make the same
    convolution and batch-norm calls per step, written to the Markdown file."""
    out = tmp_path / 'profile.md'
    proc = subprocess.run(
        [sys.executable, '-m', 'benchmarks', 'sftn', '--data-root', fmnist_root,
         '--batch-size', '4', '--iters', '1', '--warmup', '0', '--profile', '1',
         '--profile-out', str(out)],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    rows = [ln.split('|')[1:4] for ln in text.splitlines() if ln.startswith('| aten::') and
            ln.count('|') == 4]
    calls = {op.strip(): (float(a), float(b)) for op, a, b in rows}
    assert calls['aten::mkldnn_convolution'][0] > 0
    assert all(a == b for a, b in calls.values()), calls
    assert '| operator | input shapes | sfkd SFTN ms | hand-written ms |' in text
    assert 'Command: `python -m benchmarks sftn' in text


def test_one_command_runs_every_benchmark_by_name():
    """``python -m benchmarks`` lists its sub-commands, and refuses a name it does not have."""
    run = dict(cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=120)
    listed = subprocess.run([sys.executable, '-m', 'benchmarks', '--help'], **run)
    assert listed.returncode == 0, listed.stderr
    for command in ('steps', 'cache', 'sftn', 'distill', 'dense'):
        assert f'\n  {command} ' in listed.stdout, command
    wrong = subprocess.run([sys.executable, '-m', 'benchmarks', 'step'], **run)
    assert wrong.returncode == 2
    assert "python -m benchmarks: error: argument COMMAND: invalid choice: 'step'" in wrong.stderr
    options = subprocess.run([sys.executable, '-m', 'benchmarks', 'distill', '--help'], **run)
    assert options.returncode == 0 and 'usage: python -m benchmarks distill' in options.stdout
