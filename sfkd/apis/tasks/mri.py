"""MRI reconstruction on the mricron-data T1 slices (SFT-KD-Recon, Matcha et al.,
MIDL 2024): a D5C5 DC-CNN teacher trained alone (standard) and as a
student-friendly teacher (sft); its D3C5 student distilled with imitation L1 plus
attention transfer or FitNets per cascade (from the SFT teacher it starts from the
SFT run's branch student), and trained alone; the zero-filled reconstruction as
the reference. 4x random Cartesian masks; PSNR and SSIM on the held-out human
val slab and on the macaque volume (cross-subject)."""
import os.path as osp
from typing import Dict, List, Optional

from .task import Metric, Scale, Task, TeacherSpec, teacher_seed_text

CFG = 'sfkd::mri/'  # sfkd's own configs, found in the installed package
TEACHERS = {
    'standard': TeacherSpec(f'{CFG}dc-cnn-d5c5_4x_mri-t1.py'),
    'sft': TeacherSpec(f'{CFG}sft-kd-recon_d5c5_d3c5_4x_mri-t1.py'),
}
METHODS = {
    'at': f'{CFG}imitation-at_d5c5_d3c5_4x_mri-t1.py',
    'fitnets': f'{CFG}imitation-fitnets_d5c5_d3c5_4x_mri-t1.py',
    # the control: the same start (the SFT student after an SFT teacher), no teacher signal
    'init': f'{CFG}init-only_d5c5_d3c5_4x_mri-t1.py',
}
STUDENT_ALONE = f'{CFG}dc-cnn-d3c5_4x_mri-t1.py'
HUMAN, MACAQUE = 'ch2', 'inia19-t1-brain'
METRICS = (
    Metric('PSNR', f'mri/PSNR/{HUMAN}', 'PSNR (dB)'),
    Metric('SSIM', f'mri/SSIM/{HUMAN}', 'SSIM', digits=4),
    Metric('PSNR_macaque', f'mri/PSNR/{MACAQUE}', 'macaque PSNR (dB)'),
    Metric('SSIM_macaque', f'mri/SSIM/{MACAQUE}', 'macaque SSIM', digits=4),
)
BOTH, ALL_METHODS = tuple(TEACHERS), tuple(METHODS)
TRAIN_SLICES = 107  # made by sfkd-prepare-data mri-t1 (run by tools/setup.sh)

SCALES = {
    # the README's table: 3 seeds, 23 runs (its results.md holds the training time)
    'full': Scale('full', teacher_epochs=8, student_epochs=6, seeds=(0, 1, 2),
                  teachers=BOTH, methods=ALL_METHODS),
    'default': Scale('default', teacher_epochs=4, student_epochs=3, seeds=(0, 1),
                     teachers=BOTH, methods=ALL_METHODS),
    # a few seconds per run, for the tests; its numbers mean nothing
    'smoke': Scale('smoke', teacher_epochs=1, student_epochs=1, seeds=(0, ),
                   teachers=BOTH, methods=('at', ), train_size=8),
}


def describe(scale: Scale) -> str:
    train = f'{scale.train_size} of the {TRAIN_SLICES}' if scale.train_size else \
        f'all {TRAIN_SLICES}'
    return (f'64x64 T1 slices of mricron-data, 4x random Cartesian masks; {train} human '
            f'training slices; teachers {scale.teacher_epochs} epochs '
            f'({teacher_seed_text(scale)}), students '
            f'{scale.student_epochs} epochs, seeds {list(scale.seeds)}; PSNR and SSIM per '
            'volume on the held-out human val slab and on the macaque volume, mean ± std '
            'over seeds.')


def zero_filled(scale: Scale, data_root: Optional[str] = None) -> Dict[str, float]:
    """The task's metrics of the zero-filled reconstruction on the validation slices."""
    import torch
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DefaultScope

    from sfkd.models.mri import DCCNN
    from sfkd.registry import DATASETS, METRICS as REGISTRY
    from sfkd.utils.config_loading import read_config
    cfg = read_config(STUDENT_ALONE)
    if data_root:
        for d in cfg.val_dataloader.dataset.datasets:
            d.data_root = data_root
    with DefaultScope.overwrite_default_scope('sfkd'):
        ds = DATASETS.build(cfg.val_dataloader.dataset)
        evaluator = Evaluator([REGISTRY.build(m) for m in cfg.val_evaluator])
    model = DCCNN(num_cascades=0)
    for i in range(len(ds)):
        item = ds[i]
        with torch.no_grad():
            samples = model(item['inputs'][None], [item['data_samples']], mode='predict')
        evaluator.process(samples)
    values = evaluator.evaluate(len(ds))
    return {m.name: float(values[m.key]) * m.factor for m in METRICS}


def draw(results: List[dict], scale: Scale, out_dir: str) -> Optional[str]:
    """``reconstructions.png``: ground truth, zero-filled, the student alone and the
    first method's students from both teachers (seed 0) on the same test slice."""
    from sfkd.apis.mri_figure import draw_reconstructions
    from sfkd.apis.pipeline import student_run_name, teacher_checkpoint
    seed, method, tseed = scale.seeds[0], scale.methods[0], scale.teacher_seeds[0]
    models = [('student alone', teacher_checkpoint(f'{out_dir}/alone_seed{seed}'))]
    models += [(f'{method.upper()} from {t}',
                f'{out_dir}/{student_run_name(scale, method, t, tseed, seed)}/student_final.pth')
               for t in scale.teachers]
    if not all(osp.isfile(ckpt) for _, ckpt in models):
        return None
    return draw_reconstructions(STUDENT_ALONE, models, osp.join(out_dir, 'reconstructions.png'))


TASK = Task(
    name='mri', title='mricron-data T1 slices, MRI reconstruction at 4x', student='DC-CNN D3C5',
    teachers=TEACHERS, methods=METHODS, student_alone=STUDENT_ALONE, metrics=METRICS,
    scales=SCALES, describe=describe, references={'zero-filled': zero_filled}, draw=draw,
    out_dir='work_dirs/pipeline_mri_{scale}')
