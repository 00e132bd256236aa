#!/usr/bin/env bash
# Train on a Slurm cluster: one task per GPU, started by srun (MMEngine's slurm launcher).
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#   bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]
# Python: $PYTHON if set, else the project's venv ($SFKD_VENV, default <repo>/.venv)
# when it exists, else `python` on PATH.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]" >&2
  exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
for n in "$GPUS" "$GPUS_PER_NODE" "$CPUS_PER_TASK"; do
  if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
    echo "slurm_train.sh: error: GPUS, GPUS_PER_NODE and CPUS_PER_TASK must be positive integers, got '$n'" >&2
    exit 2
  fi
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV=${SFKD_VENV:-$ROOT/.venv}
if [ -z "${PYTHON:-}" ] && [ -x "$VENV/bin/python" ]; then
  PYTHON="$VENV/bin/python"
fi

# shellcheck disable=SC2086  # SRUN_ARGS holds several words on purpose
srun -p "$PARTITION" --job-name="$JOB_NAME" \
  --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
  --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 $SRUN_ARGS \
  "${PYTHON:-python}" -u "$ROOT/tools/train.py" "$CONFIG" --work-dir="$WORK_DIR" \
  --launcher=slurm "${@:5}"
