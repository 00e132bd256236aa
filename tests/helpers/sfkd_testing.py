"""Helpers shared by the tests: real Fashion-MNIST subsets, child-process env."""
import os
import os.path as osp
import sys
import uuid
from contextlib import contextmanager
from typing import Iterator, List, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FMNIST_ROOT = osp.join(ROOT, 'data', 'fashion_mnist')
BASELINE_CFG = osp.join(ROOT, 'configs', 'baseline', 'small-resnet_3e_fashion-mnist.py')
HELPERS = osp.join(ROOT, 'tests', 'helpers')


def tiny_options(train: int = 256, test: int = 128, batch: int = 64, epochs: int = 1) -> List[str]:
    """--cfg-options that shrink the Fashion-MNIST configs to a real subset."""
    return [
        f'train_dataloader.dataset.indices={train}',
        f'val_dataloader.dataset.indices={test}',
        f'test_dataloader.dataset.indices={test}',
        f'train_dataloader.batch_size={batch}',
        f'val_dataloader.batch_size={test}',
        f'test_dataloader.batch_size={test}',
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'val_dataloader.persistent_workers=False',
        'test_dataloader.persistent_workers=False',
        f'train_cfg.max_epochs={epochs}',
        f'train_dataloader.dataset.data_root={FMNIST_ROOT}',
        f'val_dataloader.dataset.data_root={FMNIST_ROOT}',
        f'test_dataloader.dataset.data_root={FMNIST_ROOT}',
        f'experiment_name=test-{uuid.uuid4().hex[:8]}',
        'default_hooks.logger.interval=1',
    ]


def load_tool(path: str, name: str):
    """The script at ``ROOT/<path>`` (e.g. ``tools/run_pipeline.py``) imported as module
    ``name``, for the tests of its functions."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_benchmark(name: str):
    """The module ``benchmarks.<name>`` of the repository's ``benchmarks`` package (run as
    ``python -m benchmarks`` from the repository root), imported from its folder: the
    package is loaded by its path, not found on ``sys.path``."""
    import importlib
    import importlib.util
    if 'benchmarks' not in sys.modules:
        folder = osp.join(ROOT, 'benchmarks')
        spec = importlib.util.spec_from_file_location(
            'benchmarks', osp.join(folder, '__init__.py'), submodule_search_locations=[folder])
        package = importlib.util.module_from_spec(spec)
        sys.modules['benchmarks'] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f'benchmarks.{name}')


def subprocess_env(**extra: str) -> dict:
    """Environment for a child Python: this interpreter (whose installed sfkd it imports),
    the tests' helper modules importable, 1 thread each."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([HELPERS] + [p for p in [env.get('PYTHONPATH')] if p])
    env['OMP_NUM_THREADS'] = '1'
    env['PYTHON'] = sys.executable
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    env.update(extra)
    return env


@contextmanager
def logged_messages() -> Iterator[List[str]]:
    """The messages MMEngine's current logger emits while active (its loggers do not
    reach pytest's caplog)."""
    import logging

    from mmengine.logging import MMLogger
    said: List[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        yield said
    finally:
        logger.removeHandler(handler)


def _tool_module(name: str, rel: str):
    """A script of the repository imported by its path (sys.path unchanged), once."""
    import importlib.util
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, rel))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def docs_generate():
    """tools/docs/generate.py (the docs' generator)."""
    return _tool_module('sfkd_docs_generate', 'tools/docs/generate.py')


def docs_build():
    """tools/docs/build.py (what tools/build_docs.sh runs)."""
    return _tool_module('sfkd_docs_build', 'tools/docs/build.py')


def docs_renderer(name: str):
    """A module of tools/docs/renderers, e.g. ``docs_renderer('provenance')``."""
    import importlib
    package = docs_generate().renderers_package()
    return importlib.import_module(f'{package.__name__}.{name}')
