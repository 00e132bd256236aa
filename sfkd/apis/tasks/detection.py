"""Detection on the Fashion-MNIST canvases: RetinaNet with a half-width
ResNet-34 teacher and a quarter-width ResNet-18 student, distilled with
channel-wise distillation (CWD) and PKD on every FPN level (FitNets, MGD,
BCKD and CrossKD on request: ``--methods``); box mAP from
mmdet's CocoMetric."""
from .canvas import canvas_task
from .task import Metric

CFG = 'sfkd::'  # sfkd's own configs, found in the installed package
TASK = canvas_task(
    'det', 'Fashion-MNIST canvases, detection', 'RetinaNet R18',
    Metric('mAP', 'coco/bbox_mAP', 'box mAP', factor=100.0, digits=1, if_absent=0.0),
    teachers={'standard': f'{CFG}baseline/retinanet-r34w32_fashion-det.py',
              'sftn': f'{CFG}sftn/sftn_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
              'soteacher': f'{CFG}soteacher/soteacher_retinanet-r34w32_fashion-det.py'},
    methods={'cwd': f'{CFG}cwd/cwd_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
             'pkd': f'{CFG}pkd/pkd_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
             'fitnets': f'{CFG}fitnets/fitnets_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
             'mgd': f'{CFG}mgd/mgd_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
             'bckd': f'{CFG}bckd/bckd_retinanet-r34w32_retinanet-r18w16_fashion-det.py',
             'crosskd': f'{CFG}crosskd/crosskd_retinanet-r34w32_retinanet-r18w16_fashion-det.py'},
    student_alone=f'{CFG}baseline/retinanet-r18w16_fashion-det.py',
    run_methods=('cwd', 'pkd'))
