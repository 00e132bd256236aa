# The canvas segmentor student trained alone (no teacher): the reference for
# every distilled canvas segmentor, and the plain config that loads a
# student_final.pth exported from a distillation run.
_base_ = [
    '../_base_/models/canvas/fcn_r18w16.py',
    '../_base_/datasets/fashion_canvas_seg.py',
    '../_base_/schedules/canvas_seg_sgd_12e.py',
    '../_base_/default_runtime.py',
]
