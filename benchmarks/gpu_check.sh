#!/usr/bin/env bash
# The prepared GPU check (issue 20): tests, then the GPU benchmarks, in one call on a machine with CuPy.
#
#   bash benchmarks/gpu_check.sh            # logs and tables under $OUT (default ./gpu_out)
#
# Made for the lent H200 machine (CuPy 14, PyTorch CUDA, pytest, pytest-xdist; no array-api-compat or
# array-api-strict): their wheels travel in ./gpu_wheels (git-ignored; `pip download --no-deps -d gpu_wheels
# array-api-compat array-api-strict`) and are installed into /tmp/site.  Every step has its own time
# limit so that one slow step leaves the others their time; the whole script stays under ~7 minutes.
# Steps: versions and clocks; the fused-primitive tests on CuPy; `pytest -m gpu -n 8 -x`; the SE-block
# table; the fused primitives against what they replace; the SE-CNN training step (fresh kernel cache, with a profile); the step again with the cache warm.
# Time limits (seconds) can be lowered to fit what is left of a lease: T_FUSED, T_PYTEST, T_SE, T_PRIM, T_TRAIN,
# T_CACHED (0 skips that step).
# At most 8 files come back from $OUT: everything printed is also in the caller's gpu_check.log (tee it there).
set -u
cd "$(dirname "$0")/.."
T_FUSED=${T_FUSED:-75} T_PYTEST=${T_PYTEST:-140} T_SE=${T_SE:-90} T_PRIM=${T_PRIM:-45} T_TRAIN=${T_TRAIN:-90}
T_CACHED=${T_CACHED:-35}
OUT="${OUT:-gpu_out}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
export CUPY_CACHE_DIR=/tmp/lucid_cupy_cache  # tests and SE block; the training step gets a cache of its own
rm -rf "$CUPY_CACHE_DIR" /tmp/lucid_cupy_cold
if ls gpu_wheels/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        gpu_wheels/*.whl || echo "wheel install failed"
    export PYTHONPATH="/tmp/site:$PWD"
else
    export PYTHONPATH="$PWD"
fi
t0=$(date +%s)
step() { echo; echo "=== $1 ($(( $(date +%s) - t0 )) s)"; }
run() { local limit=$1; shift; [[ $limit -gt 0 ]] && timeout "$limit" "$@"; }

step "versions"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,utilization.gpu,memory.used \
    --format=csv 2>&1
python3 -c "import sys, numpy, cupy, torch, array_api_compat, array_api_strict, lucid; \
print(sys.version.split()[0], 'numpy', numpy.__version__, 'cupy', cupy.__version__, 'torch', torch.__version__, \
'compat', array_api_compat.__version__, 'strict', array_api_strict.__version__, 'lucid at', lucid.__file__)"

step "fused primitives on CuPy"
run "$T_FUSED" python3 -m pytest tests/test_backend_fused.py -m gpu -q -p no:cacheprovider -n 4 2>&1 | tail -n 15

step "pytest -m gpu"
run "$T_PYTEST" python3 -m pytest -m gpu -q -x -n 8 -p no:cacheprovider 2>&1 | tee "$OUT/pytest_gpu.log" | tail -n 25

step "SE block"
run "$T_SE" python3 benchmarks/se_block.py --device gpu --repeats 15 --json "$OUT/se_block_gpu.json" 2>&1

step "fused primitives vs the formulas they replace"
run "$T_PRIM" python3 benchmarks/gpu_primitives.py --repeats 11 2>&1 | tee "$OUT/primitives_gpu.md"

step "SE-CNN training step (fresh kernel cache)"
run "$T_TRAIN" env CUPY_CACHE_DIR=/tmp/lucid_cupy_cold python3 benchmarks/train.py --device gpu --steps 15 --profile "$OUT/train_profile.txt" \
    --kernels "$OUT/kernels.txt" 2>&1 \
    | tee "$OUT/train_gpu.md"

step "SE-CNN training step again (kernel cache on disk)"
run "$T_CACHED" env CUPY_CACHE_DIR=/tmp/lucid_cupy_cold python3 benchmarks/train.py --device gpu --batches 128 --steps 5 2>&1 | tee "$OUT/train_gpu_cached.md"
step "done"
