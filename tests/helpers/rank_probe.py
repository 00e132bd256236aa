"""A test-only hook that records, per rank, the iterations and sample indices it trained."""
import json
import os
import os.path as osp

import torch.distributed as dist
from mmengine.hooks import Hook

from sfkd.registry import HOOKS


@HOOKS.register_module(force=True)
class RankProbeHook(Hook):

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.iters = 0
        self.samples = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.iters += 1
        self.samples += [int(s.get('sample_idx', -1)) for s in data_batch['data_samples']]

    def after_train(self, runner) -> None:
        rank = dist.get_rank() if dist.is_initialized() else 0
        os.makedirs(self.out_dir, exist_ok=True)
        with open(osp.join(self.out_dir, f'rank{rank}.json'), 'w') as f:
            json.dump(dict(rank=rank, world_size=dist.get_world_size() if dist.is_initialized()
                           else 1, iters=self.iters, samples=self.samples), f)


@HOOKS.register_module(force=True)
class LossProbeHook(Hook):
    """Records every logged loss term of every iteration, per rank."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.losses.append({k: float(v) for k, v in outputs.items() if 'loss' in k})

    def after_train(self, runner) -> None:
        rank = dist.get_rank() if dist.is_initialized() else 0
        os.makedirs(self.out_dir, exist_ok=True)
        with open(osp.join(self.out_dir, f'losses_rank{rank}.json'), 'w') as f:
            json.dump(self.losses, f)
