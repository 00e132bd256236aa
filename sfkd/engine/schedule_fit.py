"""Fit a config's epoch-based parameter schedules to the loop's ``max_epochs``.

A config's schedulers are written for its own epoch count. When a run changes
``train_cfg.max_epochs`` (``--cfg-options train_cfg.max_epochs=1``), MMEngine
keeps the schedules as written: a shortened run stops before its cosine
annealing has ended, with a high learning rate, and a lengthened one runs on
at the final value. :func:`fit_schedules` moves the schedules so that they end
with the run:

- the warm-ups (schedulers that end before the last one) keep their length,
  and the last schedulers end at ``max_epochs``: their ``end``, ``T_max`` and
  ``milestones`` are stretched or shrunk with them;
- when a warm-up does not fit (it would last as long as the whole run, or
  longer), every scheduler is scaled by ``max_epochs / schedule length``, so
  the warm-up keeps its share of the run. Fractions of an epoch then count in
  iterations (``convert_to_iter_based=True``; :func:`settle_fractions` rounds
  them to whole iterations once the epoch length is known).

A scheduler without an ``end`` (MMEngine's ``INF``, as in step schedules) runs
to the end of training anyway; its ``milestones``/``step_size`` scale with
``max_epochs / reference_epochs`` (the config's own ``max_epochs``).
Iteration-based schedulers (``by_epoch=False``) are left as they are.

sfkd's train loop fits the run's schedules when the runner builds it
(:mod:`sfkd.engine.training_setup`), once the epoch length is known, so every
runner trains with the same schedule.
"""
from typing import List, MutableMapping, Optional

INF = 1_000_000_000  # mmengine.optim.scheduler.param_scheduler.INF


def _epoch_based(schedulers: List[MutableMapping]) -> List[MutableMapping]:
    return [s for s in schedulers if s.get('by_epoch', True)]


def _as_number(value: float):
    return int(value) if float(value).is_integer() else float(value)


def _finite_end(s: MutableMapping) -> Optional[float]:
    end = s.get('end', INF)
    return None if end is None or end >= INF else end


def _set(s: MutableMapping, key: str, value: float) -> None:
    value = _as_number(value)
    s[key] = value
    if isinstance(value, float):
        s['convert_to_iter_based'] = True


def _scale_points(s: MutableMapping, origin: float, ratio: float) -> None:
    """Scale the schedule-internal epochs (milestones, periods) around ``origin``."""
    if 'milestones' in s:
        values = [_as_number(origin + (m - origin) * ratio) for m in s['milestones']]
        s['milestones'] = values
        if any(isinstance(v, float) for v in values):
            s['convert_to_iter_based'] = True
    if 'step_size' in s:
        _set(s, 'step_size', s['step_size'] * ratio)


def _stretch(s: MutableMapping, new_end: float) -> None:
    """Make ``s`` end at ``new_end``, keeping its begin; its shape scales with it."""
    begin, end = s.get('begin', 0), s['end']
    ratio = (new_end - begin) / (end - begin)
    if s.get('T_max') is not None:
        if s['T_max'] == end - begin:
            s.pop('T_max')  # MMEngine then takes end - begin, counted after conversion
        else:
            _set(s, 'T_max', s['T_max'] * ratio)
    _scale_points(s, begin, ratio)
    _set(s, 'end', new_end)


def _scale(s: MutableMapping, ratio: float) -> None:
    """Scale every epoch of ``s`` by ``ratio``."""
    begin, end = s.get('begin', 0), _finite_end(s)
    if s.get('T_max') is not None:
        if end is not None and s['T_max'] == end - begin:
            s.pop('T_max')
        else:
            _set(s, 'T_max', s['T_max'] * ratio)
    _scale_points(s, 0, ratio)
    if begin:
        _set(s, 'begin', begin * ratio)
    if end is not None:
        _set(s, 'end', end * ratio)


def has_open_ended(schedulers) -> bool:
    """Whether an epoch-based scheduler of ``schedulers`` (a list of configs, or one) has no
    ``end``: only those need :func:`fit_schedules`'s ``reference_epochs``."""
    if isinstance(schedulers, MutableMapping):
        schedulers = [schedulers]
    return any(isinstance(s, MutableMapping) and _finite_end(s) is None
               for s in _epoch_based([s for s in schedulers or []
                                      if isinstance(s, MutableMapping)]))


def fit_schedules(cfg: MutableMapping, reference_epochs: Optional[int] = None) -> bool:
    """Fit ``cfg.param_scheduler`` to ``cfg.train_cfg.max_epochs`` in place.

    Args:
        cfg: A full config (``train_cfg`` and ``param_scheduler`` are read).
        reference_epochs: The ``max_epochs`` the schedules were written for; only
            needed for schedulers without an ``end``.

    Returns:
        Whether anything was changed.
    """
    train_cfg = cfg.get('train_cfg') or {}
    max_epochs = train_cfg.get('max_epochs')
    schedulers = cfg.get('param_scheduler')
    if not max_epochs or not schedulers or not train_cfg.get('by_epoch', True):
        return False
    if isinstance(schedulers, MutableMapping):
        schedulers = [schedulers]
    epoch_based = _epoch_based(schedulers)
    ends = [e for e in map(_finite_end, epoch_based) if e is not None]
    open_ended = [s for s in epoch_based if _finite_end(s) is None]
    changed = False
    if open_ended and reference_epochs and reference_epochs != max_epochs:
        for s in open_ended:
            _scale_points(s, s.get('begin', 0), (max_epochs - s.get('begin', 0)) /
                          (reference_epochs - s.get('begin', 0)))
        changed = True
    if not ends or (open_ended and not reference_epochs):
        return changed
    if open_ended:
        length = reference_epochs
        last = []  # the open-ended schedulers run to the end already
    else:
        length = max(ends)
        last = [s for s in epoch_based if _finite_end(s) == length]
    if length == max_epochs:
        return changed
    early = [s for s in epoch_based
             if _finite_end(s) is not None and all(s is not x for x in last)]
    warm_up = max([_finite_end(s) for s in early] + [s.get('begin', 0) for s in last] + [0])
    if warm_up < max_epochs:
        for s in last:
            _stretch(s, max_epochs)
    else:
        for s in epoch_based:
            if all(s is not x for x in open_ended):
                _scale(s, max_epochs / length)
    return True


def _fractional(s: MutableMapping) -> bool:
    values = [s.get('begin', 0), _finite_end(s) or 0, s.get('T_max') or 0,
              s.get('step_size') or 0, *(s.get('milestones') or [])]
    return any(not float(v).is_integer() for v in values)


def settle_fractions(schedulers, epoch_length: int) -> None:
    """Turn epoch-based schedulers with fractions of an epoch into iteration-based ones.

    MMEngine's ``convert_to_iter_based`` rounds ``begin`` and ``end`` down,
    which gives a scheduler of a fraction of an epoch no iteration at all in a
    short epoch (and MMEngine refuses ``end <= begin``). Here they are rounded
    to the nearest iteration, and a scheduler left without an iteration (a
    warm-up in a run of a few iterations) is dropped. Changes ``schedulers``
    (a list of scheduler configs, as the Runner holds them before training) in place.
    """
    if not isinstance(schedulers, list):
        return
    kept = []
    for s in schedulers:
        if not (isinstance(s, MutableMapping) and s.get('by_epoch', True) and _fractional(s)):
            kept.append(s)
            continue
        begin = round(s.get('begin', 0) * epoch_length)
        end = _finite_end(s)
        if end is not None:
            end = round(end * epoch_length)
            if end <= begin:
                continue
            s['end'] = end
        s['begin'] = begin
        for key in ('T_max', 'step_size'):
            if s.get(key) is not None:
                s[key] = max(1, round(s[key] * epoch_length))
        if s.get('milestones') is not None:
            s['milestones'] = [round(m * epoch_length) for m in s['milestones']]
        s['by_epoch'] = False
        s.pop('convert_to_iter_based', None)
        kept.append(s)
    schedulers[:] = kept
