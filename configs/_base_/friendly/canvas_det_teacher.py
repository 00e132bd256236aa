# Stage 1 on the canvases: the RetinaNet R34 (half width) teacher wrapped by
# a stage-1 teacher algorithm, with the baseline's data, schedule and runtime. The imitated
# output is the classification score maps of every FPN level
# (bbox_head.forward returns (cls_scores, bbox_preds); index 0 keeps the
# scores). Method configs set the type: SFTN (branches) or SoTeacher (regularisers).
_base_ = [
    '../datasets/fashion_canvas_det.py',
    '../schedules/canvas_sgd_12e.py',
    '../default_runtime.py',
]
score_maps = dict(type='MethodOutputTap', source='bbox_head.forward', index=0)
model = dict(
    teacher=dict(cfg_path='sfkd::_base_/models/canvas/retinanet_r34w32.py'),
    output_taps=dict(teacher=score_maps, student=score_maps),
    input_shape=(3, 64, 64),
)
# teacher_final.pth: the last teacher alone, loadable by
# configs/baseline/retinanet-r34w32_fashion-det.py and usable as teacher_ckpt
custom_hooks = [dict(type='ExportSubmodelHook', part='teacher')]
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
