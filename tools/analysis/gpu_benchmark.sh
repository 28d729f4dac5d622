#!/usr/bin/env bash
# The speed table on a CUDA GPU: naive vs fast fp32 vs bf16
# (autocast) for STARK-ST50 (random weights), measured in one run, plus the
# batched multi-target path. Takes about 1-2 minutes on a current GPU.
#
#   bash tools/analysis/gpu_benchmark.sh [OUT_DIR] [extra benchmark.py args]
#
# onnxruntime is CPU-only here (the exported graphs run on the
# CPUExecutionProvider), so it is left out of the GPU table; the CPU table
# comes from:
#   python tools/analysis/benchmark.py configs/sot/stark/stark_st2_r50_50e_got10k.py \
#       --threads 2 --frames 30 --targets 4 --json st50_cpu.json
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-work_dirs/gpu_benchmark}
shift || true
mkdir -p "$OUT"
python - <<'PY'
import torch
assert torch.cuda.is_available(), 'no CUDA device visible to torch'
print('GPU:', torch.cuda.get_device_name(0), '| torch', torch.__version__,
      '| CUDA', torch.version.cuda)
PY
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
timeout 170 python tools/analysis/benchmark.py \
    configs/sot/stark/stark_st2_r50_50e_got10k.py \
    --device cuda --frames 100 --warmup 10 --repeats 20 --targets 8 \
    --backend torch torch-bf16 --json "$OUT/st50_cuda.json" "$@" \
    | tee "$OUT/st50_cuda.txt"
echo "table: $OUT/st50_cuda.txt, full report: $OUT/st50_cuda.json"
