"""The teacher-output cache in real runs: exact replay, views, keys, kills and two
processes (tiny Fashion-MNIST subsets)."""
import glob
import json
import os.path as osp
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine import DefaultScope
from sfkd_testing import ROOT, subprocess_env, tiny_options

from sfkd.engine.teacher_cache.store import CacheStore
from sfkd.models.teacher_sources import LiveTeacher
from sfkd.models.model_config import build_model
from sfkd.tools import train as train_tool
from sfkd.tools._config import UsageError
from sfkd.utils.errors import CheckpointError

pytestmark = pytest.mark.integration

KD = f'{ROOT}/configs/kd/kd_small-resnet_tiny-resnet_fashion-mnist.py'
FITNETS = f'{ROOT}/configs/fitnets/fitnets_small-resnet_tiny-resnet_fashion-mnist.py'
SFTN = f'{ROOT}/configs/sftn/sftn_small-resnet_tiny-resnet_fashion-mnist.py'
AUG = [dict(type='mmpretrain.RandomCrop', crop_size=28, padding=4),
       dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
       dict(type='mmpretrain.PackInputs')]


def make_teacher(path, seed):
    with DefaultScope.overwrite_default_scope('sfkd'):
        torch.manual_seed(seed)
        teacher = build_model(dict(cfg_path='sfkd::_base_/models/small_resnet_fmnist.py'))
    torch.save({'state_dict': teacher.state_dict()}, path)
    return str(path)


@pytest.fixture(scope='module')
def teachers(tmp_path_factory):
    d = tmp_path_factory.mktemp('teachers')
    return [make_teacher(d / f'teacher{s}.pth', s) for s in (0, 1)]


@pytest.fixture(scope='module')
def aug_config(tmp_path_factory):
    path = tmp_path_factory.mktemp('cfg') / 'kd_aug.py'
    path.write_text(f"_base_ = ['{KD}']\ntrain_dataloader = dict(dataset=dict(pipeline={AUG!r}))\n")
    return str(path)


def options(teacher, epochs=2, cache=None, *extra, train=128):
    opts = tiny_options(train=train, test=32, batch=32, epochs=epochs) + [
        f'model.teacher_ckpt={teacher}', 'randomness.seed=7',
        'train_dataloader.sampler.shuffle=False', 'log_level=WARNING']
    if cache:
        opts += [f'teacher_cache.root={cache}', 'teacher_cache.progress=False']
    return opts + list(extra)


def train(config, work, opts):
    return train_tool.run([config, '--work-dir', str(work), '--cfg-options', *opts])


def logged(work, key):
    rows = [json.loads(line) for path in sorted(glob.glob(f'{work}/*/vis_data/scalars.json'))
            for line in open(path)]
    return [r[key] for r in rows if key in r]


def folders(root):
    return sorted(p for p in glob.glob(f'{root}/*') if osp.isdir(p))


def test_fp32_cache_trains_the_same_student_without_running_the_teacher(
        teachers, tmp_path, fmnist_root, monkeypatch):
    live = train(KD, tmp_path / 'live', options(teachers[0]))
    calls = []
    original = LiveTeacher.records
    monkeypatch.setattr(LiveTeacher, 'records',
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    cached = train(KD, tmp_path / 'cached', options(teachers[0], cache=tmp_path / 'cache'))
    # the teacher ran for the probe (1 batch) and the 4 chunks of the fill, never in training
    assert len(calls) == 1 + 128 // 32
    assert logged(tmp_path / 'cached', 'distill.loss_kd') == \
        logged(tmp_path / 'live', 'distill.loss_kd')
    a, b = live.model.student.state_dict(), cached.model.student.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)

    # a second run reads the complete cache: no teacher pass at all
    calls.clear()
    train(KD, tmp_path / 'again', options(teachers[0], cache=tmp_path / 'cache'))
    assert len(calls) == 1 and len(folders(tmp_path / 'cache')) == 1


def test_augmented_views_replay_the_inputs_that_made_the_stored_outputs(
        teachers, aug_config, tmp_path, fmnist_root):
    runner = train(aug_config, tmp_path / 'work', options(teachers[0], cache=tmp_path / 'c'))
    views = runner.train_loop.dataloader.dataset  # the cached loader's CachedViews
    store = CacheStore(folders(tmp_path / 'c')[0], CacheStore.read_meta(folders(tmp_path / 'c')[0]))
    assert store.views == 2 and store.complete  # one view per epoch: the pipeline is random
    model, collate = runner.model, runner.train_loop.dataloader.collate_fn
    slots = [0, 1, 2, 3, 128, 129, 130, 131]  # samples 0-3 in view 0 and in view 1
    batch = [views[s] for s in slots]
    data = model.data_preprocessor(collate(batch), True)
    live = model.teacher_records(data['inputs'], data['data_samples'])['logits']
    stored = torch.from_numpy(store.array('logits.value')[slots])
    assert torch.equal(live, stored)
    # the two views of a sample differ, and keep its label
    first, second = data['inputs'][:4], data['inputs'][4:]
    assert any(not torch.equal(a, b) for a, b in zip(first, second))
    labels = [int(s.gt_label) for s in data['data_samples']]
    assert labels[:4] == labels[4:] == [int(views.dataset[i]['data_samples'].gt_label)
                                        for i in range(4)]


def test_a_changed_teacher_tap_or_pipeline_never_reads_stale_entries(
        teachers, aug_config, tmp_path, fmnist_root):
    root = tmp_path / 'cache'
    runs = [(KD, teachers[0], []), (KD, teachers[1], []), (aug_config, teachers[0], []),
            (FITNETS, teachers[0], [])]
    for n, (config, teacher, extra) in enumerate(runs):
        runner = train(config, tmp_path / f'w{n}', options(teacher, 1, root, *extra, train=64))
        assert len(folders(root)) == n + 1  # each change made its own cache
        # what the run read is what its own teacher computes
        store = runner.train_loop.dataloader.dataset
        batch = runner.train_loop.dataloader.collate_fn([store[s] for s in range(4)])
        data = runner.model.data_preprocessor(batch, True)
        live = runner.model.teacher_records(data['inputs'], data['data_samples'])
        assert isinstance(runner.model.teacher_source, LiveTeacher)  # detached after training
        folder = max(folders(root), key=osp.getmtime)
        cache = CacheStore(folder, CacheStore.read_meta(folder))
        for tap, value in live.items():
            assert torch.equal(value, torch.from_numpy(cache.array(f'{tap}.value')[:4]))
    # a folder whose meta names another key is refused, not read
    with pytest.raises(CheckpointError, match='is not the teacher cache'):
        CacheStore.open(folders(root)[0], 'another-key')


def test_a_kill_while_filling_resumes_without_corrupt_chunks(teachers, aug_config, tmp_path,
                                                              fmnist_root):
    killing = tmp_path / 'killing.py'
    killing.write_text(f"_base_ = ['{aug_config}']\n"
                       "custom_imports = dict(imports=['cache_kill_probe'])\n")
    cmd = [sys.executable, '-m', 'sfkd.tools.train', str(killing), '--work-dir',
           str(tmp_path / 'killed_work'), '--cfg-options',
           *options(teachers[0], 1, tmp_path / 'killed')]
    proc = subprocess.run(cmd, cwd=ROOT, env=subprocess_env(SFKD_KILL_AT_CHUNK='2'),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    folder = folders(tmp_path / 'killed')[0]
    store = CacheStore(folder, CacheStore.read_meta(folder))
    # chunk 2 was half-written when the process died: it does not count as filled
    assert store.missing() == [(0, 2), (0, 3)] and not store.complete
    train(aug_config, tmp_path / 'resumed_work', options(teachers[0], 1, tmp_path / 'killed'))
    train(aug_config, tmp_path / 'clean_work', options(teachers[0], 1, tmp_path / 'clean'))
    clean = folders(tmp_path / 'clean')[0]
    assert osp.basename(clean) == osp.basename(folder)
    assert_same_cache(folder, clean)


def assert_same_cache(a, b):
    meta = CacheStore.read_meta(a)
    assert meta == CacheStore.read_meta(b)
    for name in meta['arrays']:
        assert np.array_equal(np.load(f'{a}/{name}.npy'), np.load(f'{b}/{name}.npy')), name
    for view in range(meta['views']):
        assert json.load(open(f'{a}/params/view_{view}.json')) == \
            json.load(open(f'{b}/params/view_{view}.json'))


@pytest.mark.distributed
def test_two_processes_fill_the_same_cache_as_one(teachers, aug_config, tmp_path, fmnist_root,
                                                  free_port):
    opts = options(teachers[0], 2, tmp_path / 'two', train=64)
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), aug_config, '2',
           '--work-dir', str(tmp_path / 'w2'), '--cfg-options', *opts]
    proc = subprocess.run(cmd, cwd=str(tmp_path), capture_output=True, text=True, timeout=600,
                          env=subprocess_env(PORT=str(free_port), CUDA_VISIBLE_DEVICES=''))
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-4000:])
    train(aug_config, tmp_path / 'w1', options(teachers[0], 2, tmp_path / 'one', train=64))
    two, one = folders(tmp_path / 'two'), folders(tmp_path / 'one')
    assert len(two) == len(one) == 1
    assert_same_cache(two[0], one[0])


@pytest.mark.parametrize('config, extra, message', [
    (SFTN, [], 'the model is a SFTN'),
    (KD, ['model.teacher_trainable=True'], 'its teacher is trained'),
    (KD, ['teacher_cache.max_gib=1e-9'], 'over max_gib=1e-09'),
    (FITNETS, ["teacher_cache.storage.feat=topk"], "'topk' stores logits of shape"),
    (KD, ['teacher_cache.storage.nope=fp16'], "names \\['nope'\\], which are not teacher taps"),
], ids=['friendly-teacher', 'trained-teacher', 'too-big', 'topk-on-features', 'unknown-tap'])
def test_what_cannot_be_cached_is_refused(config, extra, message, teachers, tmp_path,
                                          fmnist_root):
    opts = options(teachers[0], 1, tmp_path / 'cache', *extra, train=64)
    if config == SFTN:
        opts = [o for o in opts if not o.startswith('model.teacher_ckpt')]
    with pytest.raises(UsageError, match=message):
        train(config, tmp_path / 'work', opts)
    assert not glob.glob(f'{tmp_path}/cache/*/*.npy')  # nothing half-made was left behind
