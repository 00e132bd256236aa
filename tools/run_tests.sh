#!/usr/bin/env bash
# Set everything up, then run the whole test suite, one pytest-xdist worker per core.
#   bash tools/run_tests.sh [pytest args]
#   bash tools/run_tests.sh -m "unit or integration"   # the quick developer loop
#   SFKD_TEST_WORKERS=0 bash tools/run_tests.sh ...     # in this process, no workers
# Tiers (markers): unit, integration, e2e, distributed, zoo, docs, gpu (tests/conftest.py).
# The multi-process tests stay on one worker where pytest-xdist honours --dist
# loadgroup. The 30 slowest tests are printed at the end and written to
# work_dirs/slowest_tests.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup.sh"
cd "$ROOT"
exec "${SFKD_VENV:-$ROOT/.venv}/bin/python" -m pytest tests \
  -n "${SFKD_TEST_WORKERS:-auto}" --dist loadgroup "$@"
