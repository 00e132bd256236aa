#!/usr/bin/env bash
# The quick start's main job: set everything up, then run the two-stage
# pipeline on the embedded Fashion-MNIST data (standard, SFTN and SoTeacher
# teachers; the same student distilled from each with KD, FitNets and AT over
# several seeds) and print the results table.
#   bash tools/run_main.sh                  # default scale, about 17 min on 2 cores
#   bash tools/run_main.sh --scale full     # the README's results (33 runs on all 60k images)
# Re-running continues an interrupted pipeline; results go to work_dirs/pipeline_<scale>/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup.sh"
cd "$ROOT"
exec "${SFKD_VENV:-$ROOT/.venv}/bin/python" tools/run_pipeline.py "$@"
