#!/usr/bin/env bash
# Train on several GPUs (or CPU processes, with gloo) through torchrun.
#   bash tools/dist_train.sh CONFIG GPUS [train.py args...]
# Several nodes: run on every node with the same MASTER_ADDR/PORT, e.g.
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_train.sh CONFIG 8
#   NNODES=2 NODE_RANK=1 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_train.sh CONFIG 8
# Python: $PYTHON if set, else the project's venv ($SFKD_VENV, default <repo>/.venv, as made
# by tools/setup.sh) when it exists, else `python` on PATH.
# A one-line `sfkd: error:` of the workers is printed last, without torchrun's failure report.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bash tools/dist_train.sh CONFIG GPUS [train.py args...]" >&2; exit 2
fi
CONFIG=$1
GPUS=$2
if ! [[ "$GPUS" =~ ^[1-9][0-9]*$ ]]; then
  echo "dist_train.sh: error: GPUS must be a positive integer (processes per node), got '$GPUS'" >&2
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
  "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"
