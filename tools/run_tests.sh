#!/usr/bin/env bash
# Set everything up, then run the whole test suite.
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup.sh"
cd "$ROOT"
exec "${SFKD_VENV:-$ROOT/.venv}/bin/python" -m pytest tests "$@"
