#!/usr/bin/env bash
# Set up everything sfkd needs on a fresh Debian machine, idempotently:
#   1. Debian packages: the offline data sets (Fashion-MNIST, T1 brain MRI);
#   2. a virtual environment (.venv, or $SFKD_VENV);
#   3. torch, then mmcv built from source with ops (~20 min the first time;
#      a wheel cache in ~/.cache/sfkd serves it afterwards), then the rest;
#   4. data preparation into data/ (Fashion-MNIST, its detection/segmentation canvases,
#      the T1 MRI slices).
# Each step records a stamp and is skipped when nothing it depends on changed,
# so a second run finishes in seconds.
#
# Usage: bash tools/setup.sh
# Environment:
#   SFKD_VENV      virtual environment path (default: <repo>/.venv)
#   SFKD_PYTHON    interpreter used to create it (default: python3.11, else python3)
#   SFKD_SKIP_APT  set to 1 to skip the Debian packages (data must then exist already)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SFKD_VENV:-$ROOT/.venv}"
STAMPS="$VENV/.sfkd-stamps"

log() { printf '\033[1;34m[sfkd setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[sfkd setup] error:\033[0m %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- 1. Debian
# fonts-dejavu-core: the glyphs of LW-KD's synthetic digits (sfkd/datasets/synthetic_digits.py)
apt_packages=(dataset-fashion-mnist mricron-data fonts-dejavu-core)
install_apt() {
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && { log "Debian packages present: ${apt_packages[*]}"; return; }
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to install Debian packages: ${missing[*]}"
    sudo="sudo"
  fi
  log "installing Debian packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
if [ "${SFKD_SKIP_APT:-0}" != 1 ]; then install_apt; fi

# ---------------------------------------------------------------- 2. venv
pick_python() {
  if [ -n "${SFKD_PYTHON:-}" ]; then echo "$SFKD_PYTHON"; return; fi
  for c in python3.11 python3; do command -v "$c" >/dev/null && { echo "$c"; return; }; done
  die "no python3 found; install Python 3.11"
}
if [ ! -x "$VENV/bin/python" ]; then
  PY="$(pick_python)"
  log "creating virtual environment $VENV with $($PY --version 2>&1)"
  "$PY" -m venv "$VENV"
fi
mkdir -p "$STAMPS"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

# run a step only when the hash of its inputs changed since it last succeeded
step() {
  local name="$1"; shift
  local files=()
  while [ "$1" != "--" ]; do files+=("$1"); shift; done; shift
  local want; want="$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)"
  if [ -f "$STAMPS/$name" ] && [ "$(cat "$STAMPS/$name")" = "$want" ]; then
    log "$name: up to date"
    return
  fi
  log "$name: installing"
  "$@"
  echo "$want" > "$STAMPS/$name"
}

# ---------------------------------------------------------------- 3. packages
R="$ROOT/requirements"
step torch "$R/torch.txt" -- "${PIP[@]}" install -r "$R/torch.txt"
step build "$R/build.txt" -- "${PIP[@]}" install -r "$R/build.txt"
# mmcv 2.1.0 ships only a source archive whose setup.py compiles with
# -std=c++17, but torch >= 2.10 headers need C++20. Build a wheel from the
# archive with the flag raised, keep it in a cache keyed by the torch version,
# and install from the cache on later runs (seconds instead of ~20 min).
build_mmcv() {
  local spec; spec="$(grep -v '^#' "$R/mmcv.txt" | grep mmcv | tr -d ' ')"
  local torch_v; torch_v="$("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
  local cache="${SFKD_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sfkd/wheels}/$spec-torch$torch_v"
  if ! ls "$cache"/mmcv-*.whl >/dev/null 2>&1; then
    log "building $spec with ops against torch $torch_v (about 20 min on 2 cores, once)"
    local tmp; tmp="$(mktemp -d)"
    "${PIP[@]}" download --no-deps --no-binary :all: -d "$tmp" "$spec"
    tar -xzf "$tmp"/mmcv-*.tar.gz -C "$tmp"
    sed -i 's/-std=c++1[47]/-std=c++20/g' "$tmp"/mmcv-*/setup.py
    mkdir -p "$cache"
    (cd "$tmp"/mmcv-*/ && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "${PIP[@]}" wheel --no-build-isolation --no-deps -w "$cache.part" .)
    mv "$cache.part"/mmcv-*.whl "$cache"/ && rm -rf "$cache.part" "$tmp"
  fi
  "${PIP[@]}" install "$cache"/mmcv-*.whl
}
step mmcv "$R/torch.txt" "$R/build.txt" "$R/mmcv.txt" -- build_mmcv
step runtime "$R/runtime.txt" "$R/tests.txt" "$R/docs.txt" -- "${PIP[@]}" install -r "$R/runtime.txt" -r "$R/tests.txt" -r "$R/docs.txt"
# editable install: re-run only when the packaging metadata changes
step sfkd "$ROOT/setup.py" -- "${PIP[@]}" install --no-build-isolation --no-deps -e "$ROOT"

# ---------------------------------------------------------------- 4. data
log "preparing data into $ROOT/data"
# one process runs the three converters (each skips what is up to date), so that a set-up
# with nothing to do imports torch and sfkd once:
#   prepare_fashion_mnist.py --out data/fashion_mnist    (the Debian package's IDX files)
#   make_fashion_canvases.py --fmnist data/fashion_mnist --out data/fashion_canvases
#                            (detection and segmentation canvases of those items)
#   prepare_mri_t1.py --out data/mri_t1    (64x64 slices of mricron-data's T1 volumes)
"$VENV/bin/python" - "$ROOT" <<'PY'
import runpy, sys
root = sys.argv[1]
for script, args in (
        ('prepare_fashion_mnist.py', ['--out', f'{root}/data/fashion_mnist']),
        ('make_fashion_canvases.py', ['--fmnist', f'{root}/data/fashion_mnist',
                                      '--out', f'{root}/data/fashion_canvases']),
        ('prepare_mri_t1.py', ['--out', f'{root}/data/mri_t1'])):
    path = f'{root}/tools/dataset_converters/{script}'
    sys.argv = [path, *args]
    runpy.run_path(path, run_name='__main__')
PY
log "done: activate with 'source $VENV/bin/activate'"
