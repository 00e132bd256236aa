# Stage 1 on the canvases: the FCN R34 (half width) teacher wrapped by
# a stage-1 teacher algorithm, with the baseline's data, schedule and runtime. The imitated
# output is the segmentation logits (decode_head.conv_seg, (N, 11, 8, 8)).
# Method configs set the type: SFTN (branches) or SoTeacher (regularisers).
_base_ = [
    '../datasets/fashion_canvas_seg.py',
    '../schedules/canvas_seg_sgd_12e.py',
    '../default_runtime.py',
]
model = dict(
    teacher=dict(cfg_path='sfkd::_base_/models/canvas/fcn_r34w32.py'),
    output_taps=dict(teacher='decode_head.conv_seg', student='decode_head.conv_seg'),
    input_shape=(3, 64, 64),
)
# teacher_final.pth: the last teacher alone, loadable by
# configs/baseline/fcn-r34w32_fashion-seg.py and usable as teacher_ckpt
custom_hooks = [dict(type='ExportSubmodelHook', part='teacher')]
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
