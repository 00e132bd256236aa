"""Run the frozen teacher over every view of the training set and store its tap values."""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch

from sfkd.datasets.cached_views import CachedViews, sample_seed
from sfkd.datasets.random_params import from_json, replaying, seeded
from sfkd.utils.errors import BadConfigError

from .codecs import Codec
from .reader import element_names
from .store import CacheStore


def split_record(tap: str, value: Any) -> Tuple[Optional[int], Dict[str, torch.Tensor]]:
    """``(structure, {element: tensor})`` of one tap's batch value."""
    if isinstance(value, torch.Tensor):
        return None, {tap: value}
    if isinstance(value, (tuple, list)) and value and \
            all(isinstance(v, torch.Tensor) for v in value):
        return len(value), dict(zip(element_names(tap, len(value)), value))
    raise BadConfigError(
        f'teacher_taps.{tap} records a {type(value).__name__}; the teacher cache stores '
        'tensors and tuples/lists of tensors: pick one element in the tap, e.g. '
        "dict(type='ModuleOutputTap', source='neck', index=0)")


class TeacherRunner:
    """Makes batches of slots and runs the teacher on them.

    Args:
        distiller: The :class:`~sfkd.models.algorithms.Distiller` (unwrapped).
        views: The training set by slot.
        collate_fn: The training loader's collate function.
    """

    def __init__(self, distiller, views: CachedViews, collate_fn: Callable) -> None:
        self.distiller = distiller
        self.views = views
        self.collate_fn = collate_fn

    def run(self, slots: Sequence[int]) -> Tuple[Dict[str, Any], List[dict], torch.Size]:
        """``(teacher tap values, random parameters per sample, input shape)``."""
        samples, params = zip(*(self.views.record(slot) for slot in slots))
        data = self.distiller.data_preprocessor(self.collate_fn(list(samples)), True)
        inputs = data['inputs']
        records = self.distiller.teacher_records(inputs, data['data_samples'])
        return records, list(params), tuple(inputs.shape[1:])


def encode_records(records: Dict[str, Any], codecs: Dict[str, Codec], seeds: Sequence[int],
                   where: str) -> Dict[str, Any]:
    """The arrays a chunk stores for one batch of teacher tap values,
    ``{'<element>.<suffix>': array}``; ``seeds`` (one per sample) drive the
    codecs that draw, ``where`` names the samples in the error for a tap whose
    shape changed."""
    arrays = {}
    for tap, value in records.items():
        for element, tensor in split_record(tap, value)[1].items():
            codec = codecs[element]
            if tuple(tensor.shape[1:]) != codec.shape:
                raise BadConfigError(
                    f'teacher_taps.{tap} recorded {list(tensor.shape[1:])} per sample for '
                    f'{where}, {list(codec.shape)} before: a tap whose shape changes cannot be '
                    'cached; turn the cache off')
            for suffix, values in codec.encode(tensor, seeds).items():
                arrays[f'{element}.{suffix}'] = values
    return arrays


def fill(store: CacheStore, runner: TeacherRunner, codecs: Dict[str, Codec],
         input_shape: Sequence[int], rank: int = 0, world: int = 1,
         progress: Optional[Callable[[int], None]] = None) -> int:
    """Fill this process's share of the missing chunks (chunk ``g`` of the fill
    order goes to process ``g % world``); return how many it filled.

    Every sample's random draws are seeded by its slot
    (:func:`~sfkd.datasets.cached_views.sample_seed`), so the stored values
    do not depend on how the chunks are shared out.
    """
    filled = 0
    for number, (view, chunk, first, end) in enumerate(store.chunks()):
        if number % world != rank or store.is_filled(view, chunk):
            continue
        slots = [view * store.size + i for i in range(first, end)]
        records, params, shape = runner.run(slots)
        if tuple(shape) != tuple(input_shape):
            raise BadConfigError(
                f'the teacher cache needs one input shape, but samples {first}-{end - 1} of view '
                f'{view} make {list(shape)} where the first made {list(input_shape)}: a '
                'pipeline that resizes or pads per batch cannot be cached; turn the cache off')
        seeds = [sample_seed(store.meta['seed'] + 1, slot) for slot in slots]
        arrays = encode_records(records, codecs, seeds,
                                f'samples {first}-{end - 1} of view {view}')
        store.write_chunk(view, chunk, first, arrays, params)
        filled += 1
        if progress is not None:
            progress(1)
    return filled


def check_replay(views: CachedViews, params: List[dict]) -> None:
    """Make the first samples again from their recorded parameters, under other
    seeds, and require the same inputs: a transform that draws random numbers
    outside ``@cache_randomness`` methods cannot be replayed."""
    for index, recorded in enumerate(params):
        outputs = []
        for seed in (1, 2):
            with seeded(seed + 104_729 * index), \
                    replaying(views.dataset.pipeline, from_json(recorded)):
                outputs.append(views.dataset.prepare_data(index)['inputs'])
        first, _ = views.record(index)
        if not all(torch.equal(torch.as_tensor(first['inputs']), torch.as_tensor(o))
                   for o in outputs):
            names = [type(t).__name__ for t in getattr(views.dataset.pipeline, 'transforms', [])]
            raise BadConfigError(
                f'the training pipeline {names} makes different inputs from the same recorded '
                'random parameters: one of its transforms draws random numbers outside an '
                "@cache_randomness method, so the teacher cache cannot replay it; use mmcv/"
                'mmpretrain random transforms or turn the cache off')
