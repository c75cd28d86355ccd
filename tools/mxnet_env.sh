#!/usr/bin/env bash
# Creates (idempotently) a Python venv holding the MXNet 1.9.1 reference used to
# generate tests/fixtures/mxnet. Prints the venv's python path on stdout.
# Override the location with PYSYM_MXNET_VENV; pick the base interpreter with PYTHON.
# numpy is pinned to 1.23.5: numpy >= 1.24 removed np.bool etc. and breaks `import mxnet`.
# numpy 1.23.5 ships wheels for CPython 3.8-3.11 only, so the base interpreter
# must be one of those (the first python3.11..3.8 on PATH is used if python3 is newer).
set -euo pipefail

VENV="${PYSYM_MXNET_VENV:-$HOME/.cache/pysym/mxnet-venv}"
BASE_PY="${PYTHON:-}"
MXNET_VERSION=1.9.1
NUMPY_VERSION=1.23.5

die() { echo "mxnet_env.sh: $*" >&2; exit 1; }

check() {
    # Succeeds only if the venv imports the exact pinned versions.
    OMP_NUM_THREADS=1 "$VENV/bin/python" - "$MXNET_VERSION" "$NUMPY_VERSION" >/dev/null 2>&1 <<'PY'
import sys
import numpy, mxnet
assert mxnet.__version__ == sys.argv[1], mxnet.__version__
assert numpy.__version__ == sys.argv[2], numpy.__version__
PY
}

if [ -x "$VENV/bin/python" ] && check; then
    echo "$VENV/bin/python"
    exit 0
fi

supported() { "$1" -c 'import sys; sys.exit(not (3, 8) <= sys.version_info[:2] <= (3, 11))' 2>/dev/null; }
if [ -n "$BASE_PY" ]; then
    command -v "$BASE_PY" >/dev/null 2>&1 || die "base interpreter '$BASE_PY' not found"
    supported "$BASE_PY" || die "PYTHON=$BASE_PY is not CPython 3.8-3.11 (numpy 1.23.5 has no wheels for it)"
else
    for cand in python3 python3.11 python3.10 python3.9 python3.8; do
        if command -v "$cand" >/dev/null 2>&1 && supported "$cand"; then BASE_PY="$cand"; break; fi
    done
    [ -n "$BASE_PY" ] || die "no CPython 3.8-3.11 on PATH (numpy 1.23.5, needed by mxnet 1.9.1, has no wheels for newer); set PYTHON=..."
fi
mkdir -p "$(dirname "$VENV")"
if [ ! -x "$VENV/bin/python" ]; then
    "$BASE_PY" -m venv "$VENV" >&2 || die "could not create venv at $VENV with $BASE_PY"
fi
"$VENV/bin/python" -m pip install --quiet --only-binary=:all: "numpy==$NUMPY_VERSION" "mxnet==$MXNET_VERSION" >&2 \
    || die "pip install mxnet==$MXNET_VERSION numpy==$NUMPY_VERSION failed in $VENV (no wheel for this platform/python, or no network)"
check || die "installed, but 'import mxnet' fails or reports the wrong version in $VENV (run: $VENV/bin/python -c 'import mxnet')"
echo "$VENV/bin/python"
