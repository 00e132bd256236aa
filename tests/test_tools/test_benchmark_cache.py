"""``python -m benchmarks cache`` at the smallest size: the epoch ratios come from the
stored epoch times, and the bytes per sample from the cache's files."""
import json

import pytest
from sfkd_testing import ROOT, load_benchmark

pytestmark = pytest.mark.e2e


def test_cache_benchmark_stores_epoch_ratios_and_bytes(tmp_path, fmnist_root, monkeypatch):
    """The command's main, run in this process (its own process is not what is tested)."""
    out = tmp_path / 'bench' / 'teacher_cache.json'
    bench = load_benchmark('cache')
    monkeypatch.chdir(ROOT)
    bench.main(['--data-root', fmnist_root, '--train-size', '128', '--batch-size', '64',
                '--repeats', '1', '--storages', 'fp16', '--no-feature-bytes', '--out', str(out)])
    result = json.load(open(out))['epochs']
    times = result['epoch_seconds']
    assert all(len(times[side]) == 1 and times[side][0] > 0 for side in times)
    assert result['cached_distill_ratio'] == pytest.approx(
        times['cached'][0] / times['alone'][0])
    assert result['uncached_distill_ratio'] == pytest.approx(
        times['uncached'][0] / times['alone'][0])
    # 10 fp16 logits per sample
    assert result['cache_bytes_per_sample'] == {'kd_logits.fp16': 20.0}
    md = (tmp_path / 'bench' / 'teacher_cache.md').read_text()
    assert 'cached_distill_ratio' in md and 'Command: `python -m benchmarks cache' in md
