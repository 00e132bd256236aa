"""Resolve and check the ``data_root`` of the dataloaders a run reads.

Training (``TRAINING``) reads the train and val dataloaders, with the val
evaluator's files; sfkd's train loop (:mod:`sfkd.engine.resumable_train_loop`)
resolves them when the runner builds it, so every way of starting a run
(``sfkd-train``, :func:`sfkd.apis.train`, ``Runner.from_cfg``) reads the same
folders, and ``sfkd-train`` checks them before anything is built. Testing
(``TESTING``) reads only the test dataloader and the test evaluator, so a test
set is evaluated without the training data present.

A relative ``data_root`` is used as given when it exists in the working
directory. Otherwise it is looked up in the data folder that sfkd's set-up
prepares: ``$SFKD_DATA_ROOT`` if set, else the ``data/`` folder of the sfkd
checkout when sfkd is installed from one (``pip install -e .``). A leading
``data/`` is dropped there, so ``data/fashion_mnist`` becomes
``$SFKD_DATA_ROOT/fashion_mnist``. This lets a project outside the repository
inherit sfkd's configs unchanged.

Every missing root is reported in one message, with the fix that works where
the command was run.
"""
import os
import os.path as osp
from typing import Iterator, List, MutableMapping, Optional, Sequence, Tuple

from sfkd.datasets.idx_files import check_idx_files, required_idx_files
from sfkd.utils.checkout import sfkd_checkout
from sfkd.utils.errors import BadConfigError

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
TRAINING = ('train_dataloader', 'val_dataloader')  # what training reads
TESTING = ('test_dataloader',)  # what testing reads
ENV_VAR = 'SFKD_DATA_ROOT'
# data sets that tools/setup.sh prepares, by the name of their folder
PREPARED_BY_SETUP = {'fashion_mnist': 'Fashion-MNIST',
                     'fashion_canvases': 'the Fashion-MNIST canvases',
                     'mri_t1': 'the T1 MRI slices'}
# the evaluator whose files are read with each dataloader
EVALUATORS = {'val_dataloader': 'val_evaluator', 'test_dataloader': 'test_evaluator'}


def sfkd_data_dir() -> Optional[str]:
    """``$SFKD_DATA_ROOT``, else the ``data/`` folder of the sfkd checkout (if any)."""
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    checkout = sfkd_checkout()
    return osp.join(checkout, 'data') if checkout else None


def _datasets(dataset, key: str) -> Iterator[Tuple[str, dict]]:
    """Every dataset config with its key, through wrappers (``dataset``, ``datasets``)."""
    if not isinstance(dataset, dict):
        return
    yield key, dataset
    if isinstance(dataset.get('dataset'), dict):
        yield from _datasets(dataset['dataset'], f'{key}.dataset')
    for i, inner in enumerate(dataset.get('datasets') or []):
        yield from _datasets(inner, f'{key}.datasets.{i}')


def _under_data_dir(root: str, data_dir: str) -> str:
    parts = osp.normpath(root).split(os.sep)
    if parts[0] == 'data' and len(parts) > 1:
        parts = parts[1:]
    return osp.join(data_dir, *parts)


def resolve_data_roots(cfg: MutableMapping, loaders: Sequence[str] = DATALOADERS) -> None:
    """Point every relative ``data_root`` of ``loaders`` (and the ``ann_file`` of their
    evaluators) at an existing folder, or raise one error for all.

    ``cfg`` is a config, or any mapping of some of its top-level entries (the
    dataloader and evaluator configs a runner has not built yet); it is changed in
    place. A root already resolved is kept as it is, so resolving twice changes
    nothing.

    The dataloaders not named are not checked; a relative ``data_root`` of theirs
    that sfkd's data folder holds is still pointed there, so that the config a run
    dumps names every folder absolutely.

    Raises:
        BadConfigError: Naming every ``data_root`` that does not exist or is
            not a directory, and how to fix it.
    """
    data_dir = sfkd_data_dir()
    missing: List[Tuple[str, str]] = []
    files: List[Tuple[str, str]] = []
    found_dirs: List[Tuple[str, str, dict]] = []
    for name in dict.fromkeys([*loaders, *DATALOADERS]):
        loader = cfg.get(name)
        if not isinstance(loader, dict):
            continue
        for key, dataset in _datasets(loader.get('dataset'), f'{name}.dataset'):
            root = dataset.get('data_root')
            if not isinstance(root, str) or not root or '://' in root:
                continue
            if name not in loaders:  # not read by this command: resolved, never refused
                found = _under_data_dir(root, data_dir) \
                    if data_dir and not osp.isabs(root) and not osp.isdir(root) else None
                if found and osp.isdir(found):
                    dataset['data_root'] = found
                continue
            key = f'{key}.data_root'
            if osp.isdir(root):
                found_dirs.append((key, root, dataset))
                continue
            if osp.exists(root):
                files.append((key, root))
                continue
            found = _under_data_dir(root, data_dir) if data_dir and not osp.isabs(root) else None
            if found and osp.isdir(found):
                dataset['data_root'] = found
                found_dirs.append((key, found, dataset))
            elif found and osp.exists(found):
                files.append((key, found))
            else:
                missing.append((key, root))
    _resolve_ann_files(cfg, [EVALUATORS[name] for name in loaders if name in EVALUATORS],
                       data_dir, missing)
    if missing or files:
        raise BadConfigError(_message(missing, files, data_dir))
    for key, root, dataset in found_dirs:  # missing, truncated or corrupt data files
        check_idx_folder(key, root, dataset)


def check_idx_folder(key: str, root: str, dataset: dict) -> None:
    """Check the IDX files of one dataset's folder: those its type reads must be there
    (unless it may download them), and none may be truncated."""
    name, required = required_idx_files(dataset.get('type'))
    prefix = dataset.get('data_prefix')
    folder = osp.join(root, prefix) if required and isinstance(prefix, str) and prefix else root
    if dataset.get('download'):
        required = ()
    check_idx_files(folder, key, required, name)


def _resolve_ann_files(cfg: MutableMapping, names: Sequence[str], data_dir: Optional[str],
                       missing: List[Tuple[str, str]]) -> None:
    """Find an evaluator's relative ``ann_file`` (mmdet's CocoMetric) as data roots are."""
    for name in names:
        evaluators = cfg.get(name)
        evaluators = evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]
        for i, evaluator in enumerate(evaluators):
            path = evaluator.get('ann_file') if isinstance(evaluator, dict) else None
            if not isinstance(path, str) or not path or osp.isabs(path) or '://' in path \
                    or osp.isfile(path):
                continue
            found = _under_data_dir(path, data_dir) if data_dir else None
            if found and osp.isfile(found):
                evaluator['ann_file'] = found
            else:
                key = name if len(evaluators) == 1 else f'{name}.{i}'
                missing.append((f'{key}.ann_file', path))


def _message(missing: List[Tuple[str, str]], files: List[Tuple[str, str]],
             data_dir: Optional[str]) -> str:
    parts = [f'{key} {root!r} is a file, not a directory' for key, root in files]
    if missing:
        parts.append(', '.join(f'{key} {root!r} does not exist' for key, root in missing))
        if any(not osp.isabs(root) for _, root in missing):
            where = f'the working directory {osp.abspath(".")}'
            if os.environ.get(ENV_VAR):
                parts[-1] += f' (looked in {where} and in {ENV_VAR}={data_dir})'
            elif data_dir:
                parts[-1] += f" (looked in {where} and in sfkd's data folder {data_dir})"
            else:
                parts[-1] += f' (looked in {where}; {ENV_VAR} is not set)'
    fixes = []
    prepared = sorted({PREPARED_BY_SETUP[part] for _, root in missing
                       for part in osp.normpath(root).split(os.sep) if part in PREPARED_BY_SETUP})
    if prepared:
        checkout = sfkd_checkout()
        if checkout and osp.samefile(checkout, '.'):
            setup = 'bash tools/setup.sh'
        elif checkout:
            setup = f'bash {osp.join(checkout, "tools", "setup.sh")}'
        else:
            setup = 'bash <sfkd repository>/tools/setup.sh'
        fixes.append(f'run `{setup}` to prepare {" and ".join(prepared)}')
    if any(not osp.isabs(root) for _, root in missing):
        fixes.append(f'set {ENV_VAR} to the folder that holds the data sets')
    keys = [key for key, _ in files + missing]
    fixes.append('set ' + ('it' if len(keys) == 1 else 'each') + ' with --cfg-options '
                 + ' '.join(f'{key}=PATH' for key in keys))
    return '; '.join(parts) + '; ' + ', or '.join(fixes)
