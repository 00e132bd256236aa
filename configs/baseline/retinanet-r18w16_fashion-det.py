# The canvas detector student trained alone (no teacher): the reference for
# every distilled canvas detector, and the plain config that loads a
# student_final.pth exported from a distillation run.
_base_ = [
    '../_base_/models/canvas/retinanet_r18w16.py',
    '../_base_/datasets/fashion_canvas_det.py',
    '../_base_/schedules/canvas_sgd_12e.py',
    '../_base_/default_runtime.py',
]
