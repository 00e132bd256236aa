# Hinton KD on ImageNet with both models straight from mmpretrain's model zoo, as
# MMRazor's configs name them: the ResNet-34 teacher with the weights mmpretrain's
# metafile lists (pretrained=True, downloaded once into torch's hub cache), the
# ResNet-18 student from scratch; the rest as kd_resnet34_resnet18_imagenet.py.
# 8 GPUs x 32 images:
#   python -m sfkd.tools.launch --nproc_per_node=8 -m sfkd.tools.train sfkd::kd/kd_zoo-resnet34_zoo-resnet18_imagenet.py --launcher pytorch
# Offline, download the teacher's weights elsewhere and pass
#   --cfg-options model.teacher.pretrained=PATH/TO/resnet34_8xb32_in1k.pth
_base_ = ['./kd_resnet34_resnet18_imagenet.py']
model = dict(
    student=dict(_delete_=True, cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'),
    teacher=dict(_delete_=True, cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py',
                 pretrained=True),
    teacher_ckpt=None,
    teacher_ckpt_hint=None,
)
