#!/usr/bin/env bash
# Test a checkpoint on several GPUs (or CPU processes, with gloo) through torchrun.
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
# Several nodes: set NNODES, NODE_RANK, MASTER_ADDR and PORT as for dist_train.sh.
# Python: $PYTHON if set, else the project's venv ($SFKD_VENV, default <repo>/.venv, as made
# by tools/setup.sh) when it exists, else `python` on PATH.
# A one-line `sfkd: error:` of the workers is printed last, without torchrun's failure report.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]" >&2; exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
if ! [[ "$GPUS" =~ ^[1-9][0-9]*$ ]]; then
  echo "dist_test.sh: error: GPUS must be a positive integer (processes per node), got '$GPUS'" >&2
  exit 2
fi
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV=${SFKD_VENV:-$ROOT/.venv}
if [ -z "${PYTHON:-}" ] && [ -x "$VENV/bin/python" ]; then
  PYTHON="$VENV/bin/python"
fi

exec "${PYTHON:-python}" -m sfkd.tools.launch \
  --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
  --nproc_per_node="$GPUS" --master_port="$PORT" \
  "$ROOT/tools/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
