#!/usr/bin/env bash
# Every torch path of spinscope on the GPU, small sizes, JSON figures on stdout (see gpu_check.py).
# Usage: bash benchmarks/gpu_check.sh [device]   (default cuda; "cpu" is a dry run)
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
PY="${PYTHON:-python}"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" >&2
timeout 480 "$PY" benchmarks/gpu_check.py --device "${1:-cuda}"
