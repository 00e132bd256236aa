"""Semantic segmentation on the Fashion-MNIST canvases: FCN with a
half-width ResNet-34 teacher and a quarter-width ResNet-18 student,
distilled with channel-wise distillation (CWD) and pixel-wise KD on the
logits; mIoU from mmseg's IoUMetric."""
from .canvas import canvas_task
from .task import Metric

CFG = 'sfkd::'  # sfkd's own configs, found in the installed package
TASK = canvas_task(
    'seg', 'Fashion-MNIST canvases, segmentation', 'FCN R18',
    Metric('mIoU', 'mIoU', 'mIoU', digits=1),
    teachers={'standard': f'{CFG}baseline/fcn-r34w32_fashion-seg.py',
              'sftn': f'{CFG}sftn/sftn_fcn-r34w32_fcn-r18w16_fashion-seg.py',
              'soteacher': f'{CFG}soteacher/soteacher_fcn-r34w32_fashion-seg.py'},
    methods={'cwd': f'{CFG}cwd/cwd_fcn-r34w32_fcn-r18w16_fashion-seg.py',
             'kd': f'{CFG}kd/kd_fcn-r34w32_fcn-r18w16_fashion-seg.py'},
    student_alone=f'{CFG}baseline/fcn-r18w16_fashion-seg.py')
