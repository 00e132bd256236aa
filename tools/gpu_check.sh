#!/usr/bin/env bash
# Run the GPU checks on one CUDA device and write their report (tools/gpu_check.py).
#   bash tools/gpu_check.sh [--out DIR] [--iters 20] [--only NAME ...]
# Python: $PYTHON if set, else the project's venv ($SFKD_VENV, default <repo>/.venv)
# when it exists, else `python` on PATH. Without CUDA it stops at once with one line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV=${SFKD_VENV:-$ROOT/.venv}
if [ -z "${PYTHON:-}" ] && [ -x "$VENV/bin/python" ]; then
  PYTHON="$VENV/bin/python"
fi
exec "${PYTHON:-python}" "$ROOT/tools/gpu_check.py" "$@"
