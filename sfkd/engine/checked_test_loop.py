"""A test loop that reads the test data from the same folders as ``sfkd-test``."""
from mmengine.runner import TestLoop

from sfkd.datasets.data_roots import TESTING, resolve_data_roots
from sfkd.datasets.split_overlap import check_split_overlap
from sfkd.registry import LOOPS


@LOOPS.register_module()
class CheckedTestLoop(TestLoop):
    """MMEngine's ``TestLoop``, with the test data's relative ``data_root`` (and the test
    evaluator's files) resolved and checked before the dataloader is built
    (:mod:`sfkd.datasets.data_roots`), and ``runner.cfg`` changed alike.

    ``sfkd-test`` and :func:`sfkd.apis.test` resolve them before the runner is built;
    sfkd's schedules name this loop in ``test_cfg`` so that MMEngine's own
    ``Runner.from_cfg(cfg).test()`` reads the same folders, from any working
    directory, and a missing folder gets the same one-line error. A test set that
    shares subjects or slices with the training set is refused
    (:func:`~sfkd.datasets.split_overlap.check_split_overlap`).
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False) -> None:
        if isinstance(dataloader, dict):
            parts = {'test_dataloader': dataloader}
            if isinstance(evaluator, (dict, list)):
                parts['test_evaluator'] = evaluator
            resolve_data_roots(parts, TESTING)
            resolve_data_roots(runner.cfg, ())  # the config it logs: resolved, never refused
        check_split_overlap(runner.cfg, 'test_dataloader')
        super().__init__(runner, dataloader, evaluator, fp16)
