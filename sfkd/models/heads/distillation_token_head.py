"""The head of a distilled DeiT that sfkd trains: class token on the labels, distillation
token on the teacher, both heads averaged at inference."""
from typing import List, Tuple

import torch
from mmpretrain.models.heads import DeiTClsHead

from sfkd.registry import MODELS
from sfkd.utils.errors import BadConfigError
from sfkd.utils.shapes import describe


@MODELS.register_module()
class DistillationTokenHead(DeiTClsHead):
    """Head of a DeiT with a distillation token, trainable by a :class:`Distiller`.

    "Training data-efficient image transformers & distillation through attention",
    H. Touvron, M. Cord, M. Douze, F. Massa, A. Sablayrolles and H. Jégou, ICML 2021,
    arXiv:2012.12877.

    mmpretrain builds a distilled DeiT (``DistilledVisionTransformer``, whose last
    stage gives the class token and the distillation token, and ``DeiTClsHead``, a
    linear head on each) but cannot train it: the head's ``forward`` warns "MMPretrain
    cannot train the distilled version DeiT" and its loss would train the average of
    both heads on the labels. In DeiT the two tokens learn from different targets::

        loss = 1/2 * CE(head(cls_token), y) + 1/2 * CE(head_dist(dist_token), argmax(teacher))

    This head's :meth:`loss` trains the class token's head on the labels (its
    ``loss_module``, e.g. cross-entropy) and runs the distillation token's head
    ``layers.head_dist`` so that a student tap records its logits: the Distiller
    routes them, with the teacher's logits, into
    :class:`~sfkd.models.losses.HardLabelKDLoss`::

        student_loss_weight=0.5,
        student_taps=dict(dist_logits='head.layers.head_dist'),
        distill_losses=dict(loss_deit=dict(type='HardLabelKDLoss', loss_weight=0.5)),
        loss_inputs=dict(loss_deit=dict(student='student.dist_logits',
                                        teacher='teacher.logits'))

    Without such a loss the distillation token's head does not learn. At inference
    (``predict``, ``tensor``) the score is the average of the two heads' logits, as in
    mmpretrain's ``DeiTClsHead`` and the DeiT authors' code. Options are
    ``DeiTClsHead``'s.
    """

    def pre_logits(self, feats: Tuple[List[torch.Tensor]]) -> Tuple[torch.Tensor]:
        """The class and distillation tokens of the last stage (through the hidden layer,
        if any); refuses a backbone that does not give both."""
        last = feats[-1]
        if not (isinstance(last, (tuple, list)) and len(last) in (2, 3)):
            got = f'a tensor of shape {describe(last)}' if isinstance(last, torch.Tensor) \
                else describe(last)
            raise BadConfigError(
                'DistillationTokenHead needs the class and distillation tokens of a '
                "DistilledVisionTransformer (out_type='cls_token'), but the backbone's last "
                f"output is {got}; use backbone=dict(type='mmpretrain.DistilledVisionTransformer'"
                ', ...)')
        return super().pre_logits(feats)

    def loss(self, feats: Tuple[List[torch.Tensor]], data_samples, **kwargs) -> dict:
        """The class token's loss on the labels; the distillation token's logits are
        computed for the taps and left to a distill loss."""
        cls_token, dist_token = self.pre_logits(feats)
        cls_score = self.layers.head(cls_token)
        self.layers.head_dist(dist_token)  # recorded by a tap on head.layers.head_dist
        return self._get_loss(cls_score, data_samples, **kwargs)

    def forward(self, feats: Tuple[List[torch.Tensor]]) -> torch.Tensor:
        """The average of the class and distillation heads' logits."""
        cls_token, dist_token = self.pre_logits(feats)
        return (self.layers.head(cls_token) + self.layers.head_dist(dist_token)) / 2
