#!/usr/bin/env bash
# One-command setup for stark_plugin.
#
#   bash tools/install.sh            # into the active Python (venv recommended)
#
# Steps (each is skipped when already satisfied, so rerunning is cheap):
#   1. torch      - installs the CPU build torch==${STARK_TORCH_VERSION:-2.13.0}
#                   only when no torch is importable. A GPU user installs
#                   their CUDA torch first; it is kept as is.
#   2. build deps - setuptools<82 (mmcv's setup.py imports pkg_resources),
#                   wheel, ninja.
#   3. mmcv 2.1.0 - compiled with ops against the installed torch
#                   (--no-build-isolation). The built wheel is cached in
#                   ${STARK_WHEEL_CACHE:-~/.cache/stark_plugin/wheels}, keyed by
#                   the torch version, so a new venv reuses it.
#   4. mmengine 0.10.7, mmdet 3.3.0 and the other runtime/test requirements,
#      at the exact versions of requirements/constraints.txt.
#   5. onnx + onnxruntime (requirements/onnx.txt).
#   6. stark_plugin itself, editable (pip install -e . --no-deps).
# Environment: PYTHON (interpreter, default python), STARK_SKIP_TORCH=1.
set -euo pipefail

PYTHON=${PYTHON:-python}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TORCH_VERSION=${STARK_TORCH_VERSION:-2.13.0}
CACHE=${STARK_WHEEL_CACHE:-$HOME/.cache/stark_plugin/wheels}
# exact versions of everything but torch (the stack the tests run on)
CONSTRAINTS="$ROOT/requirements/constraints.txt"
PIP=("$PYTHON" -m pip)
STEP=""

fail() {
    echo "[install] FAILED at step '$STEP': $*" >&2
    exit 1
}
trap 'rc=$?; if [ $rc -ne 0 ]; then echo "[install] FAILED at step: $STEP (exit $rc). See the output above." >&2; fi' EXIT
step() { STEP="$1"; echo "[install] ==> $1"; }

step "check python"
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 8), sys.version' \
    || fail "need Python >= 3.8 ($PYTHON)"
"$PYTHON" -c 'import sys; print("[install]     python", sys.version.split()[0], sys.executable)'

step "torch"
if "$PYTHON" -c 'import torch' 2>/dev/null; then
    "$PYTHON" -c 'import torch; print("[install]     found torch", torch.__version__, "(kept)")'
elif [ "${STARK_SKIP_TORCH:-0}" = "1" ]; then
    fail "no torch importable and STARK_SKIP_TORCH=1"
else
    echo "[install]     no torch found: installing CPU torch==$TORCH_VERSION"
    "${PIP[@]}" install "torch==$TORCH_VERSION" || fail "pip install torch==$TORCH_VERSION"
fi
TORCH_TAG=$("$PYTHON" -c 'import torch; print(torch.__version__.replace("+", "_"))')

step "build dependencies (setuptools<82, wheel, ninja)"
"${PIP[@]}" install -q -c "$CONSTRAINTS" "setuptools<82" wheel ninja packaging \
    || fail "could not install build dependencies"

step "mmengine 0.10.7 and the mmcv runtime dependencies"
"${PIP[@]}" install -q -c "$CONSTRAINTS" "mmengine==0.10.7" addict pyyaml yapf Pillow opencv-python \
    || fail "pip install mmengine==0.10.7"

step "mmcv 2.1.0 with compiled ops"
mmcv_ok() {
    "$PYTHON" - <<'EOF' 2>/dev/null
import mmcv
assert mmcv.__version__ == '2.1.0', mmcv.__version__
from mmcv.ops import nms  # noqa: F401  (needs the compiled _ext)
import mmcv._ext  # noqa: F401
EOF
}
if mmcv_ok; then
    echo "[install]     mmcv 2.1.0 with ops already importable (skipping build)"
else
    WHEEL_DIR="$CACHE/mmcv-2.1.0-torch$TORCH_TAG"
    mkdir -p "$WHEEL_DIR"
    if ! ls "$WHEEL_DIR"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
        echo "[install]     compiling mmcv 2.1.0 against torch $TORCH_TAG (about 10 min on 2 cores)"
        echo "[install]     wheel cache: $WHEEL_DIR"
        MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
            "${PIP[@]}" wheel --no-build-isolation --no-deps -w "$WHEEL_DIR" "mmcv==2.1.0" \
            || fail "building mmcv 2.1.0 (needs gcc and the Python headers)"
    else
        echo "[install]     using cached wheel from $WHEEL_DIR"
    fi
    "${PIP[@]}" install --force-reinstall --no-deps "$WHEEL_DIR"/mmcv-2.1.0-*.whl \
        || fail "installing the mmcv wheel"
    mmcv_ok || fail "mmcv 2.1.0 installed but 'import mmcv._ext' fails (ops not compiled for this torch?)"
fi

step "mmdet 3.3.0 and runtime/test requirements"
"${PIP[@]}" install -q -c "$CONSTRAINTS" -r "$ROOT/requirements.txt" \
    || fail "pip install -r requirements.txt"

step "onnx, onnxruntime (ONNX export and backend)"
"${PIP[@]}" install -q -c "$CONSTRAINTS" -r "$ROOT/requirements/onnx.txt" \
    || fail "pip install -r requirements/onnx.txt"

step "stark_plugin (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT" \
    || fail "pip install -e $ROOT"

step "verify"
"$PYTHON" -c 'import stark_plugin, mmcv, mmdet, mmengine, torch; print("[install]     OK: stark_plugin", stark_plugin.__version__, "| torch", torch.__version__, "| mmcv", mmcv.__version__, "| mmdet", mmdet.__version__, "| mmengine", mmengine.__version__)' \
    || fail "importing stark_plugin"
STEP="done"
echo "[install] done"
