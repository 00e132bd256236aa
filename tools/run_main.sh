#!/usr/bin/env bash
# The quick start's main job: set everything up, then train and test the
# baseline teacher on the embedded Fashion-MNIST data and print its accuracy.
#   bash tools/run_main.sh [extra train.py args, e.g. --cfg-options train_cfg.max_epochs=1]
# Re-running resumes an interrupted run from its last checkpoint.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup.sh"
cd "$ROOT"
PY="${SFKD_VENV:-$ROOT/.venv}/bin/python"
CONFIG=configs/baseline/small-resnet_3e_fashion-mnist.py
WORK=work_dirs/main_baseline

"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" --resume "$@"
CKPT="$(cat "$WORK/last_checkpoint")"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK" --out "$WORK/test_metrics.json" > "$WORK/test.log" 2>&1 \
  || { tail -20 "$WORK/test.log"; exit 1; }
"$PY" - "$WORK/test_metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"\nFinal test accuracy (top-1) of the baseline teacher: {m['metrics']['accuracy/top1']:.2f}%"
      f"\n  checkpoint: {m['checkpoint']}\n  metrics:    {sys.argv[1]}")
PY
