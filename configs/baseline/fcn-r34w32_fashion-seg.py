# Standard segmentor teacher on the Fashion-MNIST canvases: FCN on a
# half-width ResNet-34 (output stride 8), cross-entropy only. It is the
# teacher of the canvas segmentation distillation configs
# (configs/_base_/distill/canvas_seg_pair.py):
#   sfkd-train sfkd::baseline/fcn-r34w32_fashion-seg.py
# writes work_dirs/fcn-r34w32_fashion-seg/teacher_final.pth, which they load.
_base_ = [
    '../_base_/models/canvas/fcn_r34w32.py',
    '../_base_/datasets/fashion_canvas_seg.py',
    '../_base_/schedules/canvas_seg_sgd_12e.py',
    '../_base_/default_runtime.py',
]
custom_hooks = [dict(type='ExportSubmodelHook', part=None, filename='teacher_final.pth')]
