"""torchrun for sfkd's tools: an ``sfkd: error:`` of the workers stays the last line.

``python -m sfkd.tools.launch [torchrun args] SCRIPT [args]`` is
``python -m torch.distributed.run`` (``tools/dist_train.sh`` and
``tools/dist_test.sh`` use it). When a worker stops on a one-line error, torchrun
would follow it with a long ``ChildFailedError`` report; this launcher prints the
worker's error again instead, after a blank line, and exits with status 1. Any
other failure (a crash, a signal) keeps torchrun's full report.
"""
import os
import sys
import tempfile
from typing import List, Optional, Sequence


def _worker_errors(folder: str) -> List[str]:
    messages = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name)) as f:
            text = f.read().strip()
        if text and text not in messages:
            messages.append(text)
    return messages


def main(argv: Optional[Sequence[str]] = None) -> None:
    from torch.distributed import run as torchrun
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    with tempfile.TemporaryDirectory(prefix='sfkd-errors-') as folder:
        os.environ['SFKD_ERROR_DIR'] = folder  # the workers inherit it
        try:
            torchrun.main(list(sys.argv[1:] if argv is None else argv))
        except ChildFailedError:
            messages = _worker_errors(folder)
            if not messages:
                raise
            sys.stdout.flush()
            print(file=sys.stderr)
            raise SystemExit('\n'.join(messages)) from None


if __name__ == '__main__':
    main()
