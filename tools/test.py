"""Thin wrapper around ``sfkd.tools.test`` (also ``python -m sfkd.tools.test``, ``sfkd-test``)."""
from sfkd.tools.test import main

if __name__ == '__main__':
    main()
