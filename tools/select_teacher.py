"""Thin wrapper around ``sfkd.tools.select_teacher`` (also ``python -m sfkd.tools.select_teacher``):
rank candidate teachers by short distillation probes (:mod:`sfkd.apis.select_teacher`)."""
from sfkd.tools.select_teacher import main

if __name__ == '__main__':
    main()
