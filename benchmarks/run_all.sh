#!/usr/bin/env bash
# The whole benchmark suite, one command: SE block, per-op overhead, training epoch.
#   bash benchmarks/run_all.sh            # 2 threads each (the machine's cores)
#   bash benchmarks/run_all.sh 1          # both frameworks on 1 thread
# Each script re-executes itself without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE and prints the BLAS in use;
# JSON results go to benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-}"
mkdir -p benchmarks/results
if [[ -n "$threads" ]]; then
    export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
    se_args=(--threads "$threads"); train_args=(--threads "$threads")
else
    se_args=(); train_args=()
fi
echo "## SE block"; python benchmarks/se_block.py "${se_args[@]}" --json benchmarks/results/se_block.json
echo; echo "## Per-op overhead"; python benchmarks/ops.py --json benchmarks/results/ops.json
echo; echo "## Training epoch"; python benchmarks/train.py "${train_args[@]}"
