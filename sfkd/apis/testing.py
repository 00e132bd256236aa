"""Evaluate a checkpoint on a config's test set in Python.

Example::

    from sfkd import apis

    result = apis.test('sfkd::baseline/tiny-resnet_3e_fashion-mnist.py',
                       'work_dirs/kd/student_final.pth', work_dir='work_dirs/kd_test')
    result.metrics['accuracy/top1']

The checkpoint is loaded strictly: every key of the config's model must be in
it, with the same shape; a wrapper checkpoint (a Distiller's or an SFTN
teacher's ``epoch_N.pth``) given to a plain model config is refused with the
file to use instead. Only the test data is read, so a test set is evaluated
without the training data present. ``sfkd-test`` calls :func:`build_tester`.

Errors as in :mod:`sfkd.apis.training`.
"""
from typing import Optional

from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from sfkd.apis.config_input import ConfigInput, config_name, default_work_dir, load
from sfkd.apis.run_result import RunResult, plain_metrics
from sfkd.apis.training import runner_from
from sfkd.datasets.data_roots import TESTING, resolve_data_roots
from sfkd.utils.checkpoint_io import load_weights, read_state_dict
from sfkd.engine.distributed import setup_distributed
from sfkd.engine.prebuild import build_loop
from sfkd.engine.work_dir import check_work_dir
from sfkd.models.zoo import prefetch as prefetch_zoo_weights
from sfkd.utils import register_all_modules


def testing_config(cfg: ConfigInput, checkpoint: str, work_dir: Optional[str] = None,
                   cfg_options: Optional[dict] = None, launcher: str = 'none') -> Config:
    """The config :func:`build_tester` builds from: ``cfg`` with ``cfg_options`` and its
    work dir, after ``checkpoint`` is read (a damaged file is refused up front).

    The checkpoint is not the config's ``load_from``: :func:`build_tester` loads it
    strictly, where MMEngine would load it leniently.
    """
    name = config_name(cfg)
    cfg = load(cfg, cfg_options)
    read_state_dict(checkpoint, owner='test')
    cfg.launcher = launcher
    cfg.work_dir = work_dir or cfg.get('work_dir') or default_work_dir(name)
    cfg.load_from = None
    cfg.resume = False
    return cfg


def build_tester(cfg: Config, checkpoint: str, name: str) -> Runner:
    """Build the runner of a :func:`testing_config` with ``checkpoint`` loaded into its
    model and its test loop built; ``name`` names the config in errors."""
    register_all_modules(init_default_scope=False)
    resolve_data_roots(cfg, TESTING)
    prefetch_zoo_weights(cfg.get('model'))
    check_work_dir(cfg.work_dir)
    setup_distributed(cfg)
    runner = runner_from(cfg)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    load_weights(model, checkpoint, owner='test', model_name=f'the model of {name}')
    build_loop(runner, 'test')
    return runner


def test(cfg: ConfigInput, checkpoint: str, work_dir: Optional[str] = None,
         cfg_options: Optional[dict] = None, launcher: str = 'none') -> RunResult:
    """Evaluate ``checkpoint`` with ``cfg``'s test set; return the runner and the metrics.

    Args:
        cfg: A config file, ``sfkd::<path inside configs/>``, or a ``Config``.
        checkpoint: The weights to evaluate (a plain model's, e.g. an exported
            ``student_final.pth``, or a wrapper's for the wrapper's config).
        work_dir: Where the logs go (default: the config's ``work_dir``, else
            ``work_dirs/<config name>``).
        cfg_options: ``{dotted key: value}`` to merge, as ``--cfg-options``.
        launcher: ``'none'``, or the launcher of a distributed run.
    """
    name = config_name(cfg)
    runner = build_tester(testing_config(cfg, checkpoint, work_dir, cfg_options, launcher),
                          checkpoint, name)
    return RunResult(runner, plain_metrics(runner.test()))


test.__test__ = False  # a library function, not a test for pytest to collect
