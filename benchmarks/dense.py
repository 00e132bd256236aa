"""Dense distillation and SFTN detector steps on the Fashion-MNIST canvases.

Two comparisons on the same batch of real canvases (the detection config's
first training items, through its own pipeline):

- a dense distillation step (the canvas RetinaNet pair with CWD on each FPN
  level, ``configs/cwd/cwd_retinanet-r34w32_retinanet-r18w16_fashion-det.py``)
  against a hand-written PyTorch loop doing the same work: the same student,
  teacher and connectors, the teacher frozen (eval mode, no gradient) and run
  only as far as its FPN, the CWD formula written out below, the same SGD step
  with the same gradient clipping;
- an SFTN detector teacher step
  (``configs/sftn/sftn_retinanet-r34w32_retinanet-r18w16_fashion-det.py``)
  against a plain step of the same teacher, next to what the FLOPs predict:
  forward FLOPs for one canvas by MMEngine's analysis (``sfkd.apis.complexity``,
  as ``tools/analysis/get_flops.py`` prints them), and the FLOPs of one whole
  training step by ``torch.utils.flop_counter``. Each branch runs the student
  detector whole (its stages before the attach point too, then its FPN, head,
  target assignment and losses), so a plain step of that student is timed as
  well: the teacher step plus one such step per branch is what the parts cost.

``python -m benchmarks steps`` times these next to the classification steps;
this file holds the builders, and runs the two comparisons alone::

    python -m benchmarks dense --iters 20
"""
import argparse
import copy
import os.path as osp
from typing import Callable, Dict, Sequence

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from sfkd.models.model_config import build_model
from sfkd.registry import MODELS

from benchmarks.harness import CANVAS_ROOT, ROOT, interleaved_ms

CWD_CONFIG = osp.join(ROOT, 'configs', 'cwd',
                      'cwd_retinanet-r34w32_retinanet-r18w16_fashion-det.py')
SFTN_DET_CONFIG = osp.join(ROOT, 'configs', 'sftn',
                           'sftn_retinanet-r34w32_retinanet-r18w16_fashion-det.py')
CANVAS_SHAPE = (3, 64, 64)  # one canvas, as the configs' input_shape
DENSE_STEPS = ('sfkd_dense_distill', 'plain_dense_distill', 'sftn_det_teacher',
               'plain_det_teacher', 'plain_det_student')


def canvas_batch(cfg: Config, data_root: str, batch_size: int) -> dict:
    """The first ``batch_size`` training canvases of ``cfg``'s dataset, collated."""
    import contextlib
    import io

    from mmengine.dataset import pseudo_collate

    from sfkd.registry import DATASETS
    root = data_root.rstrip('/') + '/'
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints as it reads
        ds = DATASETS.build(dict(cfg.train_dataloader.dataset.to_dict(), data_root=root))
    if len(ds) < batch_size:
        raise SystemExit(f'{root}: {len(ds)} training canvases, fewer than the batch of '
                         f'{batch_size}; lower --det-batch-size or run `bash tools/setup.sh`')
    return pseudo_collate([ds[i] for i in range(batch_size)])


def optim_wrapper(cfg: Config, params) -> OptimWrapper:
    """The config's SGD (and gradient clipping) on ``params``."""
    opt = dict(cfg.optim_wrapper.optimizer)
    assert opt.pop('type') == 'SGD', 'the canvas schedules use SGD'
    return OptimWrapper(torch.optim.SGD(params, **opt),
                        clip_grad=dict(cfg.optim_wrapper.get('clip_grad') or {}) or None)


def cwd_by_hand(student: torch.Tensor, teacher: torch.Tensor, tau: float) -> torch.Tensor:
    """Channel-wise distillation (Shu et al., ICCV 2021, arXiv:2011.13256), written out:
    ``tau**2 / (N * C) * sum_{n,c} sum_i p_t(i) * (log p_t(i) - log p_s(i))`` with
    ``p = softmax(map / tau)`` over the ``H * W`` positions of each channel."""
    n, c = student.shape[:2]
    log_s = torch.log_softmax(student.reshape(n, c, -1) / tau, dim=2)
    log_t = torch.log_softmax(teacher.reshape(n, c, -1) / tau, dim=2)
    return (log_t.exp() * (log_t - log_s)).sum() * (tau * tau / (n * c))


def build_dense_distill(data_root: str, batch_size: int, tmpdir: str) -> Dict[str, Callable]:
    """The sfkd CWD distillation step and its hand-written twin, on one canvas batch."""
    cfg = Config.fromfile(CWD_CONFIG)
    model_cfg = cfg.model.to_dict()
    teacher = build_model(model_cfg['teacher'])
    model_cfg['teacher_ckpt'] = osp.join(tmpdir, 'det_teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, model_cfg['teacher_ckpt'])
    distiller = MODELS.build(model_cfg).train()
    d_wrap = optim_wrapper(cfg, distiller.parameters())
    data = canvas_batch(cfg, data_root, batch_size)

    # the hand-written side: copies of the same modules, wired by hand
    levels = sorted(int(name[len('adapt_p'):]) for name in distiller.connectors)
    student = copy.deepcopy(distiller.student).train()
    frozen = copy.deepcopy(distiller.get_teacher()).eval().requires_grad_(False)
    connectors = [copy.deepcopy(distiller.connectors[f'adapt_p{i}']).train() for i in levels]
    params = list(student.parameters()) + [p for c in connectors for p in c.parameters()]
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    opt_cfg.pop('type')
    optimizer = torch.optim.SGD(params, **opt_cfg)
    max_norm = cfg.optim_wrapper.clip_grad.max_norm
    losses = [model_cfg['distill_losses'][f'loss_cwd_p{i}'] for i in levels]
    pre = distiller.data_preprocessor
    mean, std = pre.mean, pre.std
    samples = copy.deepcopy(data['data_samples'])
    height, width = data['inputs'][0].shape[-2:]
    divisor = pre.pad_size_divisor
    if height % divisor or width % divisor:
        raise SystemExit(f'canvases of {height}x{width} need padding to {divisor}; '
                         'the hand-written step does not pad')
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(height, width), pad_shape=(height, width)))
    w_student = model_cfg.get('student_loss_weight', 1.0)

    def plain_step() -> torch.Tensor:
        x = (torch.stack(data['inputs']).float() - mean) / std
        with torch.no_grad():
            t_feats = frozen.neck(frozen.backbone(x))
        s_feats = student.neck(student.backbone(x))
        task = student.bbox_head.loss(s_feats, samples)
        loss = sum(sum(v) if isinstance(v, (list, tuple)) else v
                   for k, v in task.items() if 'loss' in k) * w_student
        for i, conn, lcfg in zip(levels, connectors, losses):
            loss = loss + lcfg['loss_weight'] * cwd_by_hand(conn(s_feats[i]), t_feats[i],
                                                            lcfg['tau'])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        optimizer.step()
        optimizer.zero_grad()
        return loss.detach()

    return {'sfkd_dense_distill': lambda: distiller.train_step(data, d_wrap),
            'plain_dense_distill': plain_step}


def build_sftn_det(data_root: str, batch_size: int) -> Dict[str, Callable]:
    """The SFTN detector teacher step, the plain teacher step (same weights) and
    a plain step of the branches' student detector, which each branch runs whole
    (``models`` holds the three models, ``branches`` how many branches there are)."""
    cfg = Config.fromfile(SFTN_DET_CONFIG)
    model_cfg = cfg.model.to_dict()
    sftn = MODELS.build(model_cfg).train()
    plain = build_model(model_cfg['teacher']).train()
    plain.load_state_dict(sftn.teacher.state_dict())
    student = copy.deepcopy(sftn.students[sftn.branches[0].student_key]).train()
    data = canvas_batch(cfg, data_root, batch_size)
    wraps = {k: optim_wrapper(cfg, m.parameters())
             for k, m in dict(sftn=sftn, plain=plain, student=student).items()}
    steps = {'sftn_det_teacher': lambda: sftn.train_step(data, wraps['sftn']),
             'plain_det_teacher': lambda: plain.train_step(data, wraps['plain']),
             'plain_det_student': lambda: student.train_step(data, wraps['student'])}
    steps['models'] = dict(sftn_det_teacher=sftn, plain_det_teacher=plain,
                           plain_det_student=student)
    steps['branches'] = len(sftn.branches)
    return steps


def forward_gflops(models: Dict[str, torch.nn.Module], input_shape: Sequence[int]) -> dict:
    """Forward GFLOPs for one input, by MMEngine's analysis (``sfkd.apis.complexity``):
    the plain teacher, the SFTN teacher with its branches, and the student alone."""
    import logging

    from mmengine.logging import MMLogger

    from sfkd.apis.complexity import model_complexity
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)  # it warns about every operator it counts as free
    try:
        sftn = model_complexity(models['sftn_det_teacher'], tuple(input_shape))
        plain = model_complexity(models['plain_det_teacher'], tuple(input_shape))
        student = model_complexity(models['plain_det_student'], tuple(input_shape))
    finally:
        logger.setLevel(level)
    total = next(r for r in sftn if r.part == 'teacher with branches')
    return dict(sftn_det_teacher=total.flops / 1e9, plain_det_teacher=plain[0].flops / 1e9,
                plain_det_student=student[0].flops / 1e9)


def main(argv=None) -> None:
    import tempfile

    from mmengine import DefaultScope
    parser = argparse.ArgumentParser(prog='python -m benchmarks dense',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--canvas-root', default=CANVAS_ROOT)
    parser.add_argument('--det-batch-size', type=int, default=16)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    torch.set_flush_denormal(True)  # see steps.py
    with DefaultScope.overwrite_default_scope('sfkd'), tempfile.TemporaryDirectory() as tmp:
        steps = build_dense_distill(args.canvas_root, args.det_batch_size, tmp)
        det = build_sftn_det(args.canvas_root, args.det_batch_size)
        models = det.pop('models')
        branches = det.pop('branches')
        steps.update(det)
        med = interleaved_ms({k: steps[k] for k in DENSE_STEPS}, args.iters, args.warmup)
        gflops = forward_gflops(models, CANVAS_SHAPE)
    for k in DENSE_STEPS:
        print(f'{k:<22}{med[k]:9.1f} ms')
    ratio = med['sfkd_dense_distill'] / med['plain_dense_distill']
    print(f'dense distill / plain loop: {ratio:.3f}')
    print(f"SFTN det / plain teacher  : {med['sftn_det_teacher'] / med['plain_det_teacher']:.3f}; "
          f"forward FLOPs {gflops['sftn_det_teacher'] / gflops['plain_det_teacher']:.3f} "
          f"({gflops['sftn_det_teacher']:.3f} vs {gflops['plain_det_teacher']:.3f} GFLOP); "
          f"teacher + {branches} student steps: "
          f"{1 + branches * med['plain_det_student'] / med['plain_det_teacher']:.3f}")


if __name__ == '__main__':
    main()
