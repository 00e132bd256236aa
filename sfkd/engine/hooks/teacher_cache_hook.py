"""Run a frozen teacher once per sample and view; every later epoch, seed and
student reads its outputs from disk."""
import os.path as osp
import time
from typing import Any, Dict, Optional, Union

from mmengine.dist import barrier, get_dist_info
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from mmengine.utils import ProgressBar
from torch.utils.data import BatchSampler, DataLoader

from sfkd.datasets.cached_views import CachedViews, ViewSampler
from sfkd.engine.teacher_cache.codecs import build_codec
from sfkd.engine.teacher_cache.fill import TeacherRunner, check_replay, fill, split_record
from sfkd.engine.teacher_cache.key import cache_key, describe_module, weights_digest
from sfkd.engine.teacher_cache.reader import TeacherCacheReader
from sfkd.engine.teacher_cache.store import COMPLETE, CacheStore, array_layout, check_room
from sfkd.registry import HOOKS
from sfkd.utils.errors import BadConfigError

PROBE = 8  # samples run first, to learn the taps' shapes and whether the pipeline is random


@HOOKS.register_module()
class TeacherCacheHook(Hook):
    """Caches the tapped outputs of a frozen teacher on disk, with the random
    augmentation that produced them, and replays both.

    Before training, the teacher runs over ``views`` passes of the training
    set (a view: one draw of the random crop, flip, ... for every sample),
    and its tapped values are stored in memory-mapped files together with the
    random parameters of each sample's view. Training then reads epoch ``e``
    from view ``e % views``: the data pipeline replays the stored parameters,
    so the student sees exactly the images that made the stored outputs, and
    the teacher does not run. The distill losses get the same values as with
    the live teacher (bit for bit with ``'fp32'`` storage, when the fill's
    batches are the training batches; see the README).

    The cache folder is ``<root>/<key>``: the key hashes the teacher's
    weights, its taps, the training set's config (data pipeline included),
    the data preprocessor, the views, the storage and the seed, so a changed
    teacher, tap or pipeline makes a new cache and never reads stale values.
    A fill killed half-way continues where it stopped (chunks are marked
    filled only after their rows are on disk). A disk with less free space
    than the cache still takes is refused before anything is made or filled,
    and a write that fails all the same (the disk filled up meanwhile) is an
    error naming the cache folder. Under several processes each
    fills its share of the chunks, and every process reads all of them.

    A config turns it on with a top-level ``teacher_cache = dict(...)`` holding
    these arguments (:class:`ConfigTeacherCacheHook`, which sfkd's default
    runtime names, builds it under any runner); a config without sfkd's runtime
    adds ``dict(type='sfkd.TeacherCacheHook', ...)`` to ``custom_hooks``.

    Args:
        root: Folder of the caches (one sub-folder per key).
        storage: ``'fp32'`` (exact), ``'fp16'``, ``dict(type='topk', k=10)``
            or ``dict(type='sampled', k=32)`` for every teacher tap, or
            ``{tap name: storage}`` per tap (unnamed taps: ``'fp32'``). The
            class-distribution options take ``tau``, by default the ``tau`` of
            the loss that reads the tap. See
            :mod:`sfkd.engine.teacher_cache.codecs` for what each keeps.
        views: Views to store; ``None``: one per training epoch when the
            pipeline is random, else one. Fewer views than epochs re-use
            views (epoch ``e`` sees view ``e % views``).
        max_gib: Refuse a cache bigger than this many GiB.
        seed: Seed of the fill's random draws.
        progress: Show a progress bar while filling.
    """

    priority = 'HIGH'

    def __init__(self, root: str = 'work_dirs/teacher_cache',
                 storage: Union[str, dict] = 'fp32', views: Optional[int] = None,
                 max_gib: float = 32.0, seed: int = 0, progress: bool = True) -> None:
        if views is not None and (not isinstance(views, int) or views < 1):
            raise BadConfigError(f'teacher_cache.views must be a positive int or None, got '
                                 f'{views!r}')
        self.root = root
        self.storage = storage
        self.views = views
        self.max_gib = max_gib
        self.seed = seed
        self.progress = progress
        self.store: Optional[CacheStore] = None
        self.model = None  # the Distiller reading the cache, while it does

    # ---------------------------------------------------------------- checks
    @staticmethod
    def _distiller(runner):
        from sfkd.models.algorithms import Distiller
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not isinstance(model, Distiller):
            raise BadConfigError(
                f'teacher_cache: the model is a {type(model).__name__}; the cache stores the '
                'outputs of the frozen teacher of a Distiller (a teacher being trained, e.g. '
                'by FriendlyTeacher, changes every step); remove teacher_cache')
        why = model.teacher_source.cacheable() or (
            'the Distiller has no teacher taps' if not model.teacher_taps.taps else
            'the data preprocessor mixes samples at random (batch_augments)'
            if getattr(model.data_preprocessor, 'batch_augments', None) is not None else None)
        if why:
            raise BadConfigError(f'teacher_cache cannot be used: {why}; remove teacher_cache')
        return model

    @staticmethod
    def _loader(runner) -> DataLoader:
        loop = runner.train_loop
        if not isinstance(loop, EpochBasedTrainLoop):
            raise BadConfigError(f'teacher_cache needs an epoch-based train loop (its views '
                                 f'follow the epochs), got {type(loop).__name__}')
        loader = loop.dataloader
        if type(loader.batch_sampler) is not BatchSampler:
            raise BadConfigError(
                'teacher_cache needs the default batch sampler, got '
                f'{type(loader.batch_sampler).__name__}; remove train_dataloader.batch_sampler')
        return loader

    def _codecs(self, model, structure: Dict[str, Any], shapes: Dict[str, tuple]):
        storage = self.storage
        if isinstance(storage, dict) and 'type' not in storage:
            unknown = sorted(set(storage) - set(structure))
            if unknown:
                raise BadConfigError(f'teacher_cache.storage names {unknown}, which are not '
                                     f'teacher taps; the teacher taps are {sorted(structure)}')
            per_tap = {tap: storage.get(tap, 'fp32') for tap in structure}
        else:
            per_tap = {tap: storage for tap in structure}
        codecs = {}
        for element, (tap, shape) in shapes.items():
            codecs[element] = build_codec(per_tap[tap], shape, f'teacher_cache.storage.{tap}',
                                          self._loss_tau(model, tap))
        return codecs

    @staticmethod
    def _loss_tau(model, tap: str) -> Optional[float]:
        taus = {float(model.distill_losses[r.loss].tau) for r in model.all_routes()
                if f'teacher.{tap}' in r.sources and hasattr(model.distill_losses[r.loss], 'tau')}
        return taus.pop() if len(taus) == 1 else None

    # ------------------------------------------------------------------ fill
    def before_train(self, runner) -> None:
        from sfkd.models.teacher_sources import CachedTeacher
        model = self._distiller(runner)
        loader = self._loader(runner)
        dataset = loader.dataset
        rank, world = get_dist_info()
        start = time.time()

        probe_views = CachedViews(dataset, None, 1, self.seed)
        records, params, input_shape = TeacherRunner(model, probe_views, loader.collate_fn).run(
            list(range(min(PROBE, len(dataset)))))
        random = any(params)
        if random:
            check_replay(probe_views, params)
        views = self.views or (runner.train_loop.max_epochs if random else 1)
        structure, shapes = {}, {}
        for tap, value in records.items():
            structure[tap], elements = split_record(tap, value)
            shapes.update({e: (tap, tuple(t.shape[1:])) for e, t in elements.items()})
        codecs = self._codecs(model, structure, shapes)
        arrays = array_layout(codecs)
        bytes_per_sample = sum(c.bytes_per_sample() for c in codecs.values())
        total = bytes_per_sample * views * len(dataset)
        if total > self.max_gib * 2**30:
            raise BadConfigError(
                f'teacher_cache would take {total / 2**30:.1f} GiB ({views} views x '
                f'{len(dataset)} samples x {bytes_per_sample} bytes: '
                f'{ {e: c.bytes_per_sample() for e, c in codecs.items()} }), over max_gib='
                f'{self.max_gib}; store taps as \'fp16\' or dict(type=\'sampled\', k=...), use '
                'fewer views, or raise teacher_cache.max_gib')
        what = dict(teacher=weights_digest(model.get_teacher()),
                    teacher_type=type(model.get_teacher()).__name__,
                    taps={n: dict(type=type(t).__name__, source=t.source, index=t.index,
                                  key=t.key) for n, t in model.teacher_taps.taps.items()},
                    dataset=_plain_cfg(runner.cfg.get('train_dataloader', {}).get('dataset')),
                    size=len(dataset), preprocessor=describe_module(model.data_preprocessor),
                    views=views, storage={e: c.describe() for e, c in codecs.items()},
                    seed=self.seed, input_shape=list(input_shape))
        key = cache_key(what)
        folder = osp.join(self.root, key[:20])
        meta = dict(key=key, what=what, views=views, size=len(dataset), chunk=loader.batch_size,
                    seed=self.seed, arrays=arrays, structure=structure)
        found = CacheStore.read_meta(folder)
        if found is None or (found.get('key') == key and
                             not osp.isfile(osp.join(folder, COMPLETE))):
            check_room(folder, meta)  # in every process, before any makes or fills it
        if rank == 0 and found is None:
            CacheStore.create(folder, meta)
        barrier()
        store = CacheStore.open(folder, key)
        missing = len(store.missing())
        if not store.complete:
            runner.logger.info(f'teacher cache {folder}: filling {missing} chunks of '
                               f'{store.chunk} samples ({views} views x {len(dataset)} samples, '
                               f'{total / 2**20:.1f} MiB)')
            bar = ProgressBar(-(-missing // world)) if self.progress and rank == 0 and \
                missing else None
            fill(store, TeacherRunner(model, CachedViews(dataset, None, views, self.seed),
                                      loader.collate_fn),
                 codecs, input_shape, rank, world, bar.update if bar else None)
            barrier()
            if rank == 0:
                store.finish()
            barrier()
        runner.logger.info(f'teacher cache {folder}: {views} views x {len(dataset)} samples, '
                           f'{bytes_per_sample} bytes per sample; ready in '
                           f'{time.time() - start:.1f} s')
        self.store = store
        runner.train_loop.dataloader = self._cached_loader(loader, store, views)
        model.use_teacher_source(CachedTeacher(TeacherCacheReader(store, codecs, structure),
                                               fallback=model.teacher_source))
        self.model = model

    def _cached_loader(self, loader: DataLoader, store: CacheStore, views: int) -> DataLoader:
        dataset = CachedViews(loader.dataset, store.params_dir, views, self.seed)
        workers = loader.num_workers
        return DataLoader(
            dataset, batch_size=loader.batch_size, drop_last=loader.drop_last,
            sampler=ViewSampler(loader.sampler, views, len(loader.dataset)),
            num_workers=workers, collate_fn=loader.collate_fn, pin_memory=loader.pin_memory,
            timeout=loader.timeout, worker_init_fn=loader.worker_init_fn,
            persistent_workers=loader.persistent_workers and workers > 0,
            prefetch_factor=loader.prefetch_factor if workers > 0 else None,
            generator=loader.generator)

    def after_train(self, runner) -> None:
        if self.model is not None:  # back to the live teacher
            self.model.restore_teacher_source()
            self.model = None


def _plain_cfg(cfg: Any) -> Any:
    if hasattr(cfg, 'to_dict'):
        return cfg.to_dict()
    return cfg
