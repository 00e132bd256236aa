# Standard detector teacher on the Fashion-MNIST canvases: RetinaNet on a
# half-width ResNet-34, task losses only. It is the teacher of the canvas
# detection distillation configs (configs/_base_/distill/canvas_det_pair.py):
#   sfkd-train sfkd::baseline/retinanet-r34w32_fashion-det.py
# writes work_dirs/retinanet-r34w32_fashion-det/teacher_final.pth, which they load.
_base_ = [
    '../_base_/models/canvas/retinanet_r34w32.py',
    '../_base_/datasets/fashion_canvas_det.py',
    '../_base_/schedules/canvas_sgd_12e.py',
    '../_base_/default_runtime.py',
]
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]
