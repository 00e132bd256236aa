"""The GPU check: what sfkd does on one CUDA device, run and timed in a few minutes.

    bash tools/gpu_check.sh [--out DIR] [--iters 20] [--only NAME ...]

Checks (each reports ok or the error, its seconds and, for training steps, images/s):

- ``amp_distiller``, ``amp_sftn``: AMP training steps (``AmpOptimWrapper``) of the
  Fashion-MNIST Distiller (KD) and SFTN teacher on batches of their configs' shape;
- ``sftn_contiguous``: the SFTN step with ``model.branch_channels_last=False`` (the
  default runs the branches channels-last);
- ``recipe_<name>``: ``--iters`` training steps of every GPU recipe (CIFAR-100,
  ImageNet, COCO, Cityscapes, MRI) at its configured batch, on synthetic samples of the
  data set's own size passed through the recipe's own training pipeline (so the
  inputs have the recipe's real shape); the teachers are random (no download);
- ``dist_train_nccl``: ``tools/dist_train.sh CFG 1`` (torchrun, nccl) on a
  Fashion-MNIST subset;
- ``teacher_cache``: a KD run that fills the teacher-output cache on the GPU, then a
  second that reads it.

The last two need Fashion-MNIST in ``data/fashion_mnist`` (``bash tools/setup.sh``).
The report goes to ``DIR/gpu_check.json`` and ``DIR/gpu_check.md`` (default
``work_dirs/gpu_check``) with the machine; the exit status is 1 if a check failed.
Without CUDA the script stops at once with one line.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(ROOT, 'configs')
FMNIST = osp.join(ROOT, 'data', 'fashion_mnist')
KD_FMNIST = osp.join(CONFIGS, 'kd', 'kd_small-resnet_tiny-resnet_fashion-mnist.py')
SFTN_FMNIST = osp.join(CONFIGS, 'sftn', 'sftn_small-resnet_tiny-resnet_fashion-mnist.py')
TINY_FMNIST = osp.join(CONFIGS, 'baseline', 'tiny-resnet_3e_fashion-mnist.py')
#: the stage-1 teacher algorithms' model types (FriendlyTeacher: their former name)
FRIENDLY_TYPES = ('SFTN', 'SoTeacher', 'FriendlyTeacher')


@dataclass(frozen=True)
class Recipe:
    """A GPU recipe and the size of one raw sample of its data set (H, W)."""
    name: str
    config: str
    task: str  # cls, det, seg or mri
    raw_size: Tuple[int, int]


RECIPES = (
    Recipe('cifar100', 'kd/kd_resnet32x4_resnet8x4_cifar100.py', 'cls', (32, 32)),
    Recipe('imagenet', 'kd/kd_resnet34_resnet18_imagenet.py', 'cls', (375, 500)),
    Recipe('coco', 'cwd/cwd_gfl-r101_gfl-r50_coco.py', 'det', (480, 640)),
    Recipe('cityscapes', 'cwd/cwd_pspnet-r101_pspnet-r18_cityscapes.py', 'seg', (1024, 2048)),
    Recipe('mri_acdc', 'mri/imitation-at_d5c5_d3c5_4x_acdc.py', 'mri', (150, 150)),
)
LOADERS = ('LoadImageFromFile', 'LoadAnnotations')


class NoCudaError(RuntimeError):
    pass


# ---------------------------------------------------------------- synthetic samples
def raw_sample(task: str, size: Tuple[int, int], index: int, num_classes: int) -> dict:
    """What the data set's loading transforms would give for one image of ``size``."""
    rng = np.random.default_rng(index)
    h, w = size
    if task == 'mri':
        return dict(img=rng.random((h, w), dtype=np.float32), volume=f'synthetic{index}',
                    volume_idx=index, slice_idx=0, sample_idx=index)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    sample = dict(img=img, img_shape=(h, w), ori_shape=(h, w), sample_idx=index,
                  img_path=f'synthetic{index}.png')
    if task == 'cls':
        sample['gt_label'] = int(rng.integers(num_classes))
    elif task == 'det':
        from mmdet.structures.bbox import HorizontalBoxes
        x0, y0 = rng.uniform(0, w / 2), rng.uniform(0, h / 2)
        boxes = np.array([[x0, y0, x0 + w / 3, y0 + h / 3], [w / 4, h / 4, w * 3 / 4, h * 3 / 4]],
                         dtype=np.float32)
        sample.update(gt_bboxes=HorizontalBoxes(boxes),
                      gt_bboxes_labels=rng.integers(num_classes, size=2).astype(np.int64),
                      gt_ignore_flags=np.zeros(2, dtype=bool))
    elif task == 'seg':
        sample.update(gt_seg_map=rng.integers(0, num_classes, (h, w)).astype(np.uint8),
                      seg_fields=['gt_seg_map'], reduce_zero_label=False)
    return sample


def recipe_batch(cfg, recipe: Recipe, batch: Optional[int] = None) -> dict:
    """A training batch of the recipe: synthetic raw samples through its own pipeline
    (the loading transforms skipped), ``batch`` of them (default: its batch size)."""
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import DefaultScope

    from sfkd.registry import TRANSFORMS
    dataset = cfg.train_dataloader.dataset
    steps = [t for t in dataset.get('pipeline', [])
             if str(t['type']).split('.')[-1] not in LOADERS]
    # the transforms are built in the data set's scope (mmseg's for an mmseg:: base)
    with DefaultScope.overwrite_default_scope(dataset.get('_scope_', cfg.default_scope)):
        pipeline = Compose([TRANSFORMS.build(dict(t)) for t in steps])
    n = batch or cfg.train_dataloader.batch_size
    classes = num_classes(cfg)
    return pseudo_collate([pipeline(raw_sample(recipe.task, recipe.raw_size, i, classes))
                           for i in range(n)])


def num_classes(cfg) -> int:
    """The first ``num_classes`` in the model config (the student's head), else 2."""
    return int(_find(cfg.model.to_dict(), 'num_classes') or 2)


def _find(node, key):
    if isinstance(node, dict):
        if key in node and isinstance(node[key], int):
            return node[key]
        for v in node.values():
            found = _find(v, key)
            if found:
                return found
    if isinstance(node, (list, tuple)):
        for v in node:
            found = _find(v, key)
            if found:
                return found
    return None


def fmnist_batch(batch: int) -> dict:
    """``batch`` synthetic 1x28x28 images with labels, in mmpretrain's format."""
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(0)
    return dict(inputs=[torch.randint(0, 256, (1, 28, 28), generator=g, dtype=torch.uint8)
                        for _ in range(batch)],
                data_samples=[DataSample().set_gt_label(i % 10) for i in range(batch)])


# ---------------------------------------------------------------- models and steps
def build_trainable(cfg, workdir: str):
    """The config's model with random teachers saved where the config loads them from
    (no checkpoints or zoo weights are needed)."""
    from sfkd.models.model_config import build_model
    from sfkd.registry import MODELS
    model = offline(cfg.model.to_dict())
    if model.get('type') in ('Distiller', 'AdversarialDistiller') and \
            model.get('teacher') is not None:
        model['teacher_ckpt'] = osp.join(workdir, 'teacher.pth')
        torch.save({'state_dict': build_model(model['teacher']).state_dict()},
                   model['teacher_ckpt'])
        if model.get('student_init'):
            model['student_init']['checkpoint'] = osp.join(workdir, 'student_init.pth')
            torch.save({'state_dict': build_model(model['student']).state_dict()},
                       model['student_init']['checkpoint'])
    if model.get('type') in FRIENDLY_TYPES and model.get('teacher_ckpt'):
        model['teacher_ckpt'] = osp.join(workdir, 'teacher.pth')
        torch.save({'state_dict': build_model(model['teacher']).state_dict()},
                   model['teacher_ckpt'])
    built = MODELS.build(model)
    built.init_weights()  # as the Runner does: the heads' own initialisation (bias priors)
    return built


def offline(node):
    """``node`` with every zoo model (``cfg_path``) initialised at random: no published
    weights and no ImageNet initialisation, which a machine offline cannot download."""
    if isinstance(node, dict):
        node = {k: offline(v) for k, v in node.items()}
        if 'cfg_path' in node:
            node.pop('pretrained', None)
            node['init_cfg'] = None
        return node
    if isinstance(node, (list, tuple)):
        return type(node)(offline(v) for v in node)
    return node


def optim_wrapper(model, cfg, amp: bool):
    from mmengine.optim import build_optim_wrapper
    optim = cfg.optim_wrapper.to_dict()
    if amp:
        optim['type'] = 'AmpOptimWrapper'
    elif optim.get('type') is None:
        optim['type'] = 'OptimWrapper'
    return build_optim_wrapper(model, optim)


def time_steps(model, wrapper, batch: dict, iters: int, device: str) -> dict:
    """``iters`` training steps after one warm-up step: seconds a step and images/s."""
    model.to(device).train()
    log = model.train_step(batch, wrapper)
    _check_finite(log)
    if device == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(iters):
        log = model.train_step(batch, wrapper)
    if device == 'cuda':
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / max(iters, 1)
    _check_finite(log)
    images = len(batch['inputs'])
    return dict(step_seconds=round(seconds, 4), images_per_s=round(images / seconds, 1),
                batch=images, losses={k: round(float(torch.as_tensor(v).detach()), 4) for k, v in log.items()})


def _check_finite(log: dict) -> None:
    bad = [k for k, v in log.items() if not torch.isfinite(torch.as_tensor(v)).all()]
    if bad:
        raise FloatingPointError(f'non-finite loss terms: {bad}')


# ---------------------------------------------------------------- the checks
def fmnist_step(config: str, amp: bool, iters: int, device: str, options=()) -> dict:
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(dict(options))
    with tempfile.TemporaryDirectory() as work:
        model = build_trainable(cfg, work)
        wrapper = optim_wrapper(model.to(device), cfg, amp)
        return time_steps(model, wrapper, fmnist_batch(cfg.train_dataloader.batch_size),
                          iters, device)


def recipe_step(recipe: Recipe, iters: int, device: str, batch: Optional[int] = None) -> dict:
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(CONFIGS, recipe.config))
    data = recipe_batch(cfg, recipe, batch)
    with tempfile.TemporaryDirectory() as work:
        model = build_trainable(cfg, work)
        wrapper = optim_wrapper(model.to(device), cfg, amp=False)
        out = time_steps(model, wrapper, data, iters, device)
    out['input_shape'] = list(data['inputs'][0].shape)
    return out


def tiny_options(work_dir: str) -> List[str]:
    opts = [f'work_dir={work_dir}', 'train_dataloader.dataset.indices=512',
            'val_dataloader.dataset.indices=256', 'train_cfg.max_epochs=1']
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={FMNIST}',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return opts


def dist_train_nccl(work: str) -> dict:
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), TINY_FMNIST, '1', '--cfg-options',
           *tiny_options(osp.join(work, 'dist'))]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHON=sys.executable))
    if proc.returncode != 0:
        raise RuntimeError(f'dist_train.sh exited {proc.returncode}: {proc.stderr[-1500:]}')
    logs = ''.join(open(p).read() for p in _files(osp.join(work, 'dist'), '.log'))
    if 'nccl' not in logs.lower():
        raise RuntimeError('the run log names no nccl backend')
    return dict(checkpoint=osp.isfile(osp.join(work, 'dist', 'epoch_1.pth')))


def teacher_cache(work: str) -> dict:
    from sfkd.tools import train as train_tool
    teacher = osp.join(work, 'teacher')
    train_tool.run([osp.join(CONFIGS, 'baseline', 'small-resnet_3e_fashion-mnist.py'),
                    '--cfg-options', *tiny_options(teacher)])
    cache = osp.join(work, 'cache')
    options = [*tiny_options(osp.join(work, 'kd')), f'model.teacher_ckpt={teacher}/epoch_1.pth',
               f'teacher_cache.root={cache}']
    start = time.perf_counter()
    train_tool.run([KD_FMNIST, '--cfg-options', *options])
    fill = time.perf_counter() - start
    options[0] = f'work_dir={work}/kd_cached'
    start = time.perf_counter()
    runner = train_tool.run([KD_FMNIST, '--cfg-options', *options])
    read = time.perf_counter() - start
    device = str(next(runner.model.parameters()).device)
    if not device.startswith('cuda'):
        raise RuntimeError(f'the student trained on {device}')
    return dict(fill_seconds=round(fill, 1), read_seconds=round(read, 1),
                cache_files=len(_files(cache, '')))


def _files(folder: str, suffix: str) -> List[str]:
    return [osp.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(suffix)]


def checks(iters: int, work: str, device: str = 'cuda') -> Dict[str, Callable[[], dict]]:
    """Every check by name, each a function of no arguments returning its figures."""
    out = {
        'amp_distiller': lambda: fmnist_step(KD_FMNIST, True, iters, device),
        'amp_sftn': lambda: fmnist_step(SFTN_FMNIST, True, iters, device),
        'sftn_contiguous': lambda: fmnist_step(
            SFTN_FMNIST, True, iters, device, [('model.branch_channels_last', False)]),
    }
    for recipe in RECIPES:
        out[f'recipe_{recipe.name}'] = (lambda r=recipe: recipe_step(r, iters, device))
    out['dist_train_nccl'] = lambda: dist_train_nccl(work)
    out['teacher_cache'] = lambda: teacher_cache(work)
    return out


def run_checks(selected: Dict[str, Callable[[], dict]]) -> List[dict]:
    results = []
    for name, check in selected.items():
        start = time.perf_counter()
        try:
            figures, ok, error = check(), True, ''
        except Exception as e:  # a failed check is reported, and the next one runs
            figures, ok = {}, False
            error = f'{type(e).__name__}: {e}'.strip()[:2000]
            traceback.print_exc()
        row = dict(name=name, ok=ok, seconds=round(time.perf_counter() - start, 1), **figures)
        if error:
            row['error'] = error
        print(f"{name}: {'ok' if ok else 'FAILED'} ({row['seconds']} s)"
              + (f", {row['images_per_s']} images/s" if 'images_per_s' in row else '')
              + (f' -- {error.splitlines()[0]}' if error else ''), flush=True)
        results.append(row)
    return results


def machine() -> dict:
    """sfkd's description of the machine, with the CUDA version and the GPU's memory."""
    from sfkd.utils.machine import describe_machine
    info = describe_machine()
    if torch.cuda.is_available():
        memory = torch.cuda.get_device_properties(0).total_memory
        info.update(cuda=torch.version.cuda, gpu_memory_gib=round(memory / 2**30, 1))
    return info


def markdown(report: dict) -> str:
    m = report['machine']
    lines = [f"# GPU check ({report['date']})", '',
             f"{m.get('gpu', 'no GPU')}, CUDA {m.get('cuda')}, torch {m['torch']}, "
             f"{m['cores']} CPU cores; {report['iters']} timed steps a training check.", '',
             '| check | result | seconds | images/s | batch | input |',
             '| --- | --- | --- | --- | --- | --- |']
    for r in report['checks']:
        result = 'ok' if r['ok'] else 'FAILED: ' + r['error'].splitlines()[0].replace('|', '/')
        lines.append(f"| {r['name']} | {result} | {r['seconds']} | {r.get('images_per_s', '')} "
                     f"| {r.get('batch', '')} | {'x'.join(map(str, r.get('input_shape', [])))} |")
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=osp.join(ROOT, 'work_dirs', 'gpu_check'))
    parser.add_argument('--iters', type=int, default=20, help='timed steps a training check')
    parser.add_argument('--only', nargs='+', metavar='NAME', help='run these checks alone')
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        raise SystemExit('gpu_check: error: no CUDA device (torch.cuda.is_available() is '
                         'False); run it on a machine with an NVIDIA GPU and a CUDA build of '
                         'torch and mmcv')
    if args.iters < 1:
        parser.error(f'--iters must be at least 1, got {args.iters}')
    from mmengine.registry import DefaultScope

    from sfkd.utils.setup_env import register_all_modules
    register_all_modules(init_default_scope=False)
    with tempfile.TemporaryDirectory(prefix='sfkd-gpu-check-') as work, \
            DefaultScope.overwrite_default_scope('sfkd'):
        every = checks(args.iters, work)
        unknown = sorted(set(args.only or ()) - set(every))
        if unknown:
            parser.error(f'--only {unknown}: the checks are {sorted(every)}')
        selected = {k: v for k, v in every.items() if not args.only or k in args.only}
        start = time.time()
        results = run_checks(selected)
    report = dict(date=time.strftime('%Y-%m-%d %H:%M'), machine=machine(), iters=args.iters,
                  wall_seconds=round(time.time() - start, 1), checks=results)
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'gpu_check.json'), 'w') as f:
        json.dump(report, f, indent=1)
    with open(osp.join(args.out, 'gpu_check.md'), 'w') as f:
        f.write(markdown(report))
    failed = [r['name'] for r in results if not r['ok']]
    print(f"{len(results) - len(failed)} of {len(results)} checks passed in "
          f"{report['wall_seconds']} s -> {args.out}/gpu_check.md")
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
