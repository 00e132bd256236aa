"""Refuse an evaluation set that shares items with the training set.

A test or validation set that holds subjects (or slices) the model was
trained on gives metrics that look fine and mean nothing. A dataset class
takes part by defining ``split_ids()``, which returns the :class:`SplitIds`
of its items read from ids and file headers (never pixels), or None when its
files are not there. :func:`check_split_overlap` compares the training
dataloader's dataset with an evaluation dataloader's, through dataset wrappers
(``dataset``, ``datasets``); datasets of other classes are not compared.
"""
from typing import Callable, Iterator, List, NamedTuple, Optional, Sequence, Tuple


class SplitIds(NamedTuple):
    """The items of a dataset, as ids that two splits must not share.

    Args:
        unit: What one id is, plural (``'subjects'``, ``'slices'``).
        ids: The ids, each once, in the dataset's order.
        where: The split, for messages (``"split 'train' of data/mri_t1"``).
        fix: How to give an evaluation set items of its own; ``{key}`` stands
            for the config key of the evaluation dataset.
    """

    unit: str
    ids: Tuple[str, ...]
    where: str
    fix: str


def pick(ids: Sequence[str], indices) -> Tuple[str, ...]:
    """The ids of the items a dataset's ``indices`` keeps (MMEngine's rules), each once."""
    if isinstance(indices, int):
        ids = ids[:indices] if indices >= 0 else ids[indices:]
    elif indices is not None:
        ids = [ids[i] for i in indices]
    return tuple(dict.fromkeys(ids))


def leaf_datasets(dataset, key: str) -> Iterator[Tuple[str, dict]]:
    """Every dataset config that is not a wrapper, with its config key."""
    if not isinstance(dataset, dict):
        return
    inner = dataset.get('dataset')
    many = dataset.get('datasets')
    if isinstance(inner, dict):
        yield from leaf_datasets(inner, f'{key}.dataset')
    elif isinstance(many, (list, tuple)):
        for i, one in enumerate(many):
            yield from leaf_datasets(one, f'{key}.datasets.{i}')
    else:
        yield key, dataset


def dataset_split_ids(dataset: dict, build: Callable[[dict], object]) -> Optional[SplitIds]:
    """The :class:`SplitIds` of a dataset config whose class has ``split_ids``, else None.

    The dataset is built with ``lazy_init=True`` and no pipeline, so no item is
    loaded and no transform is checked.
    """
    from sfkd.registry import DATASETS
    type_ = dataset.get('type')
    try:
        cls = type_ if isinstance(type_, type) else DATASETS.get(type_) if type_ else None
    except (KeyError, ImportError):  # a type of a library not installed: not compared
        return None
    if cls is None or not hasattr(cls, 'split_ids'):
        return None
    return build(dict(dataset, pipeline=[], lazy_init=True)).split_ids()


def check_split_overlap(cfg, eval_loader: str) -> None:
    """Raise :class:`BadConfigError` if ``cfg[eval_loader]``'s datasets share ids with
    ``cfg.train_dataloader``'s.

    Args:
        cfg: The run's config (the dataloader configs, not built loaders).
        eval_loader: ``'val_dataloader'`` or ``'test_dataloader'``.
    """
    from sfkd.registry import DATASETS
    from sfkd.utils.errors import BadConfigError
    train_loader, loader = cfg.get('train_dataloader'), cfg.get(eval_loader)
    if not isinstance(train_loader, dict) or not isinstance(loader, dict):
        return
    trained: List[Tuple[str, SplitIds]] = []
    for key, dataset in leaf_datasets(train_loader.get('dataset'), 'train_dataloader.dataset'):
        ids = dataset_split_ids(dataset, DATASETS.build)
        if ids:
            trained.append((key, ids))
    if not trained:
        return
    for key, dataset in leaf_datasets(loader.get('dataset'), f'{eval_loader}.dataset'):
        ids = dataset_split_ids(dataset, DATASETS.build)
        if not ids:
            continue
        for train_key, train_ids in trained:
            seen = set(train_ids.ids)
            shared = [i for i in ids.ids if i in seen]
            if shared:
                raise BadConfigError(
                    f'{key} ({ids.where}) shares {len(shared)} of its {len(ids.ids)} '
                    f'{ids.unit} with {train_key} ({train_ids.where}; first: {shared[0]}), so '
                    'its metrics would score data the model was trained on; '
                    + ids.fix.format(key=key))
