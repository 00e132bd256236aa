"""Thin wrapper around ``sfkd.tools.train`` (also ``python -m sfkd.tools.train``, ``sfkd-train``)."""
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from sfkd.tools.train import main  # noqa: E402

if __name__ == '__main__':
    main()
