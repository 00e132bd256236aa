#!/usr/bin/env bash
# Build the documentation (docs/en, Sphinx + MyST) offline, with warnings as errors.
#   bash tools/build_docs.sh            -> docs/en/_build/html/index.html
#   bash tools/build_docs.sh OUT_DIR    -> OUT_DIR/index.html
# Its generated tables are checked first (python tools/docs/generate.py --check).
set -euo pipefail
cd "$(dirname "$0")/.."
py="${SFKD_VENV:-.venv}/bin/python"
[ -x "$py" ] || py=python
exec "$py" tools/docs/build.py "$@"
