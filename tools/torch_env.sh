#!/usr/bin/env bash
# Installs (idempotently) torch==2.13.0 into the current Python environment
# (the one `python3` resolves to, or $PYTHON). torch is a second reference, not
# a runtime dependency of pysym.
# pip takes a local CPU build (2.13.0+cpu) from PIP_FIND_LINKS when one is there
# (it sorts above 2.13.0); otherwise PyPI's Linux wheel, which also pulls the
# CUDA runtime packages (several GB) but runs fine on a CPU-only machine.
set -euo pipefail

PY="${PYTHON:-python3}"
TORCH_VERSION=2.13.0

die() { echo "torch_env.sh: $*" >&2; exit 1; }
command -v "$PY" >/dev/null 2>&1 || die "interpreter '$PY' not found (set PYTHON=...)"

installed() {
    "$PY" - "$TORCH_VERSION" >/dev/null 2>&1 <<'PY'
import sys, torch
assert torch.__version__.split("+")[0] == sys.argv[1], torch.__version__
torch.ones(2) + 1
PY
}

if ! installed; then
    "$PY" -m pip install --quiet "torch==$TORCH_VERSION" >&2 \
        || die "pip install torch==$TORCH_VERSION failed for $("$PY" -c 'import sys; print(sys.executable)')"
    installed || die "installed, but 'import torch' fails or reports the wrong version (run: $PY -c 'import torch')"
fi
"$PY" -c 'import torch; print("torch", torch.__version__)'
