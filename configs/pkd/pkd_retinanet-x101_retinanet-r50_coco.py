# PKD on COCO (GPU): mmdet's RetinaNet X101-64x4d (its published 1x weights) ->
# RetinaNet R50 trained from scratch on the 2x schedule. Pearson-correlation KD,
# weight 10 on each of the 4 FPN levels P3-P6 (the PKD paper's RetinaNet setting;
# teacher and student FPNs are both 256 wide). Published reference (PKD paper,
# NeurIPS 2022): student 37.4 -> 40.8 box AP; not run here.
# Total batch 16 = 8 GPUs x 2 images, the batch the 2x learning rate is for;
# on fewer GPUs add --auto-scale-lr (auto_scale_lr below), e.g.
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::pkd/pkd_retinanet-x101_retinanet-r50_coco.py --launcher pytorch
# Teacher: mmdet's published retinanet_x101-64x4d_fpn_1x_coco weights
# (pretrained=True); offline, pass --cfg-options model.teacher.pretrained=PATH
_base_ = ['../_base_/distill/coco_retinanet-x101_retinanet-r50.py']
levels = (0, 1, 2, 3)  # the pair's FPN taps p0..p3
model = dict(
    distill_losses={f'loss_pkd_p{i}': dict(type='PKDLoss', loss_weight=10.0) for i in levels},
    loss_inputs={f'loss_pkd_p{i}': dict(student=f'student.p{i}', teacher=f'teacher.p{i}')
                 for i in levels},
)
