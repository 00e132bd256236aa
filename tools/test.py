"""Thin wrapper around ``sfkd.tools.test`` (also ``python -m sfkd.tools.test``, ``sfkd-test``)."""
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from sfkd.tools.test import main  # noqa: E402

if __name__ == '__main__':
    main()
