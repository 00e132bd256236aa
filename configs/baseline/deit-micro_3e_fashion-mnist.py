# The micro distilled DeiT trained alone (no teacher): its class token learns from the
# labels, its distillation token's head stays at its zero initialisation, so it predicts
# with the class token's head alone (the average of the two heads' logits keeps that
# head's argmax). The reference for configs/deit/, and the plain config that loads a
# student-only checkpoint exported from a DeiT distillation run. AdamW (lr 1e-3, weight
# decay 0.05) as there.
_base_ = [
    '../_base_/models/deit_micro_fmnist.py',
    '../_base_/datasets/fashion_mnist.py',
    '../_base_/schedules/fmnist_sgd_cosine.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05))
