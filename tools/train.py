"""Thin wrapper around ``sfkd.tools.train`` (also ``python -m sfkd.tools.train``, ``sfkd-train``)."""
from sfkd.tools.train import main

if __name__ == '__main__':
    main()
