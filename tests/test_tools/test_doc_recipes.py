"""Every recipe of the documentation, run as written on a tiny real Fashion-MNIST subset.

The commands come from the code blocks of the docs pages and the README, so the
documentation and these tests cannot drift apart: each block of runnable commands is
run in order in a fresh copy of the repository layout, with only a tiny-subset
``--cfg-options`` appended (a block shown on several pages runs once), and a documented
command that nothing runs fails ``test_every_documented_command_has_a_test``.
"""
import glob
import hashlib
import json
import os
import os.path as osp
import re
import runpy
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from doc_blocks import README, code_blocks, docs_blocks, shell_commands
from sfkd_testing import ROOT, subprocess_env, tiny_options

from sfkd.tools import test as test_tool
from sfkd.tools import train as train_tool
from sfkd.tools._config import default_work_dir

pytestmark = pytest.mark.docs

RUNNABLE = ('tools/train.py', 'tools/test.py', 'tools/export_student.py')
# documented commands that other tests or CI run: argv prefix -> where
COVERED_ELSEWHERE = {
    ('bash', 'tools/run_main.sh'): 'tests/test_apis/test_pipeline.py (smoke scale), CI',
    ('bash', 'tools/run_tests.sh'): 'CI (the quick start)',
    ('bash', 'tools/build_docs.sh'): 'tests/test_docs/test_docs_site.py',
    ('bash', 'tools/gpu_check.sh'): 'tests/test_tools/test_gpu_check.py (needs CUDA to run)',
    ('python', 'tools/analysis/dist_stress.py'): 'tests/test_tools/test_dist_stress.py',
    ('pip', ): 'GPU installation, needs a GPU machine',
    ('python', 'tools/run_pipeline.py'): 'tests/test_apis/test_pipeline.py (smoke scale)',
    ('python', 'projects/sftn_study/sftn_study.py'): 'tests/test_apis/test_sftn_study.py',
    ('python', 'projects/kd_variants/kd_variants.py'): 'tests/test_apis/test_kd_variants.py',
    ('python', 'tools/select_teacher.py'): 'tests/test_tools/test_select_teacher.py',
    ('python', 'projects/regimes_study/regimes_study.py'): 'tests/test_tools/test_regimes_study.py',
    ('python', 'projects/cache_storage_study/cache_storage_study.py'):
        'tests/test_tools/test_cache_storage_study.py',
    ('python', '-m', 'benchmarks'): 'tests/test_tools/test_benchmark.py, test_benchmark_cache.py',
    ('python', 'tools/analysis/draw_mri.py'): 'tests/test_tools/test_mri_recipes.py',
    ('python', '-m', 'sfkd.tools.train', 'my_config.py'):
        'test_downstream_recipe_runs_outside_the_repository, below',
}


# CIFAR-100 and ImageNet are not available offline: their configs take a training step on
# Fashion-MNIST images in tests/test_configs/test_config_zoo.py instead
GPU_DATA_CONFIGS = ('_cifar100.py', '_imagenet.py')


# the detection and segmentation commands run as written on tiny canvases in
# tests/test_tools/test_dense_checkpoints.py
CANVAS_CONFIGS = ('_fashion-det.py', '_fashion-seg.py')


# the MRI commands run as written on tiny T1 slices in tests/test_tools/test_mri_recipes.py
MRI_CONFIGS = ('_mri-t1.py', )


def uses_mri(argv) -> bool:
    return any(a.endswith(MRI_CONFIGS) for a in argv)


def uses_gpu_data(argv) -> bool:
    return any(a.endswith(GPU_DATA_CONFIGS) for a in argv)


def uses_canvases(argv) -> bool:
    return any(a.endswith(CANVAS_CONFIGS) for a in argv)


def is_synopsis(argv) -> bool:
    """A usage line with placeholders (``CONFIG``, ``[--amp]``), not a command."""
    return any(re.fullmatch(r'\[?[A-Z][A-Z_]{2,}\]?', a) or a.startswith('[') for a in argv)


def is_runnable(argv) -> bool:
    return argv[:1] == ['python'] and len(argv) > 1 and argv[1] in RUNNABLE


def runnable_blocks():
    """``(page, heading, commands)`` of every bash block whose commands this file runs (all
    of them, once synopses and commands that other tests run on their own data are left
    out), a block that several pages show taken once (from the first page: docs/en before
    the README). A block that mixes such commands with others (a pipeline, a study) is not
    run here: its runnable commands must be those of a block that is."""
    blocks, seen = [], set()
    for block in code_blocks():
        if block.lang != 'bash':
            continue
        commands = [c for c in shell_commands(block)
                    if not is_synopsis(c) and not uses_gpu_data(c) and not uses_canvases(c)
                    and not uses_mri(c)]
        if commands and all(is_runnable(c) for c in commands):
            key = tuple(map(tuple, commands))
            if key not in seen:
                seen.add(key)
                blocks.append((block.page, block.heading, commands))
    return blocks


BLOCKS = runnable_blocks()
RUN_HERE = [c for _, _, commands in BLOCKS for c in commands]


def test_every_documented_command_has_a_test():
    for block in code_blocks():
        if block.lang != 'bash':
            continue
        for argv in shell_commands(block):
            runnable = is_runnable(argv) and argv in RUN_HERE
            covered = any(tuple(argv[:len(p)]) == p for p in COVERED_ELSEWHERE)
            covered |= uses_gpu_data(argv) or uses_canvases(argv) or uses_mri(argv)
            assert is_synopsis(argv) or runnable or covered, \
                f'{block.page}: command {" ".join(argv)!r} has no test'
    # the guides' recipes are among the blocks this file runs
    assert {'docs/en/user_guides/train_and_test.md',
            'docs/en/user_guides/two_stage_pipeline.md'} <= {p for p, _, _ in BLOCKS}
    flat = [' '.join(c) for p, _, cmds in BLOCKS if p != README for c in cmds]
    assert any('--resume' in c for c in flat)
    assert any(c.startswith('python tools/export_student.py') for c in flat)
    assert any(c.startswith('python tools/test.py') and 'student_final.pth' in c for c in flat)


def with_tiny(args):
    """``args`` with tiny-subset options merged into (or added as) ``--cfg-options``."""
    tiny = [o for o in tiny_options(train=128, test=64, batch=64)
            if 'data_root' not in o and not o.startswith('train_cfg.max_epochs')]
    if '--cfg-options' in args:
        i = args.index('--cfg-options') + 1
        return args[:i] + tiny + args[i:]
    return args + ['--cfg-options', *tiny]


def clone(path):
    """A directory laid out like a clone of the repository (its runs stay there)."""
    path.mkdir()
    for name in ('configs', 'tools', 'data'):
        os.symlink(osp.join(ROOT, name), path / name)
    return path


def interrupt(work_dir: str) -> str:
    """Make ``work_dir`` look like a run killed during its last epoch; return the
    checkpoint it would resume from."""
    epochs = sorted((int(m.group(1)), f) for f in os.listdir(work_dir)
                    if (m := re.fullmatch(r'epoch_(\d+)\.pth', f)))
    assert len(epochs) >= 2, epochs
    os.remove(osp.join(work_dir, epochs[-1][1]))
    before = osp.abspath(osp.join(work_dir, epochs[-2][1]))
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(before)
    return before


def digest(path: str) -> str:
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def val_top1(runner) -> float:
    return float(runner.message_hub.get_scalar('val/accuracy/top1').current())


@pytest.mark.parametrize('page, heading, commands', BLOCKS,
                         ids=[f'{p}: {h}' for p, h, _ in BLOCKS])
def test_documented_block_runs_as_written(page, heading, commands, tmp_path, monkeypatch,
                                          fmnist_root):
    monkeypatch.delenv('SFKD_DATA_ROOT', raising=False)
    monkeypatch.chdir(clone(tmp_path / 'clone'))
    accuracy = {}    # work dir -> the final validation top-1 of its run
    origin = {}      # exported file -> the work dir of the run it came from
    for n, argv in enumerate(commands):
        script, args = argv[1], argv[2:]
        if script == 'tools/train.py':
            work = args[args.index('--work-dir') + 1] if '--work-dir' in args else \
                default_work_dir(args[0])
            model = Config.fromfile(args[0]).model
            if model.get('teacher_ckpt_hint') and 'model.teacher_ckpt=' not in ' '.join(args):
                check_missing_teacher(args, model, commands[:n], tmp_path / f'empty{n}')
            kept = None
            if '--resume' in args:
                kept = interrupt(work)
                kept_digest = digest(kept)
            runner = train_tool.run(with_tiny(args))
            accuracy[work] = val_top1(runner)
            if kept:  # resumed: the earlier checkpoint untouched, the last one written again
                assert digest(kept) == kept_digest
                assert osp.isfile(open(osp.join(work, 'last_checkpoint')).read().strip())
            check_exports(work)
        elif script == 'tools/export_student.py':
            monkeypatch.setattr(sys, 'argv', [script, *args])
            runpy.run_path(script, run_name='__main__')
            src, out = args[0], args[1]
            assert set(torch.load(out, weights_only=True)['state_dict']) == \
                set(torch.load(osp.join(osp.dirname(src), 'student_final.pth'),
                               weights_only=True)['state_dict'])
            origin[out] = osp.dirname(src)
        else:
            assert script == 'tools/test.py'
            metrics = test_tool.run(with_tiny(args))
            out = args[args.index('--out') + 1] if '--out' in args else \
                osp.join(default_work_dir(args[0]), 'test_metrics.json')
            saved = json.load(open(out))
            assert saved['metrics'] == pytest.approx(metrics)
            # the checkpoint tested is the model that run validated last
            ckpt = args[1]
            trained = origin.get(ckpt, osp.dirname(ckpt))
            assert metrics['accuracy/top1'] == pytest.approx(accuracy[trained])


def check_missing_teacher(args, model, earlier, empty):
    """Before its teacher exists, the command says which documented command makes it."""
    cwd = os.getcwd()
    os.chdir(clone(empty))
    try:
        with pytest.raises(SystemExit) as err:
            train_tool.run(with_tiny(args))
    finally:
        os.chdir(cwd)
    message = str(err.value.code)
    assert message == (f"sfkd: error: teacher checkpoint '{model.teacher_ckpt}' not found; "
                       f"this config's teacher is made by `{model.teacher_ckpt_hint}` (run it "
                       'first), or set model.teacher_ckpt to an existing checkpoint')
    # the hint names the installed command; the block runs the same from the clone
    installed = [' '.join(c).replace('python tools/train.py configs/', 'sfkd-train sfkd::')
                 for c in earlier]
    assert model.teacher_ckpt_hint in installed, 'the block runs the teacher command first'
    assert not glob.glob(f'{empty}/work_dirs/**/*.pth', recursive=True)


def check_exports(work):
    """teacher_final.pth / student_final.pth hold the final weights of their part."""
    last = open(osp.join(work, 'last_checkpoint')).read().strip()
    final = torch.load(last, weights_only=True)['state_dict']
    for name, prefix in (('teacher_final.pth', ''), ('student_final.pth', 'student.')):
        path = osp.join(work, name)
        if not osp.isfile(path):
            continue
        exported = torch.load(path, weights_only=True)['state_dict']
        if name == 'teacher_final.pth' and any(k.startswith('teacher.') for k in final):
            prefix = 'teacher.'
        part = {k[len(prefix):]: v for k, v in final.items() if k.startswith(prefix)}
        assert exported.keys() == part.keys(), name
        assert all(torch.equal(exported[k], part[k]) for k in part), name


def downstream_recipe():
    """The docs' downstream config and the command block after it that launches it."""
    blocks = docs_blocks()
    (i, ) = [i for i, b in enumerate(blocks) if b.lang == 'python'
             and b.text.startswith('# my_project/my_config.py')]
    launch = blocks[i + 1]
    assert launch.lang == 'bash' and launch.page == blocks[i].page, launch
    (argv, ) = shell_commands(launch)
    assert argv[:3] == ['python', '-m', 'sfkd.tools.train'], argv
    return blocks[i].text, argv


def test_downstream_recipe_runs_outside_the_repository(tmp_path, fmnist_root):
    config, argv = downstream_recipe()
    project = tmp_path / 'my_project'
    project.mkdir()
    (project / 'my_config.py').write_text(config)
    assert not osp.realpath(project).startswith(osp.realpath(ROOT) + os.sep)
    env = subprocess_env()
    env.pop('PYTHONPATH')  # the installed sfkd (this checkout's), nothing else
    env.pop('SFKD_DATA_ROOT', None)
    argv = [sys.executable if a == 'python' else a for a in argv]
    proc = subprocess.run(with_tiny(argv), cwd=str(project), env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    work = project / 'work_dirs' / 'my_config'
    last = torch.load(work / 'epoch_3.pth', weights_only=True)
    assert last['state_dict']['head.fc.weight'].shape == (10, 24)  # the override took effect
    # the relative data_root was found in sfkd's data folder, and the run records where
    dumped = Config.fromfile(str(work / 'my_config.py'))
    assert dumped.train_dataloader.dataset.data_root == osp.join(ROOT, 'data', 'fashion_mnist')
    assert dumped.test_dataloader.dataset.data_root == osp.join(ROOT, 'data', 'fashion_mnist')
    assert not (project / 'data').exists()
