"""Check that every dataloader's data_root exists before anything is built."""
import os.path as osp

from mmengine.config import Config

from sfkd.datasets.idx_files import check_idx_files
from sfkd.utils.errors import BadConfigError

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def check_data_roots(cfg: Config) -> None:
    """Raise :class:`BadConfigError` naming the first missing ``data_root``."""
    for name in DATALOADERS:
        loader = cfg.get(name)
        dataset = loader.get('dataset') if loader else None
        root = dataset.get('data_root') if dataset else None
        if root and '://' not in root and not osp.isdir(root):
            raise BadConfigError(
                f'{name}.dataset.data_root {root!r} does not exist (working directory '
                f'{osp.abspath(".")}); run `bash tools/setup.sh` to prepare the embedded data, '
                f'or set it with --cfg-options {name}.dataset.data_root=PATH')
        if root and '://' not in root:
            check_idx_files(root, f'{name}.dataset.data_root')
