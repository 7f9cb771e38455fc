#!/usr/bin/env bash
# Builds the GPU-vs-CPU comparison on this machine (no GPU needed): the
# cases module compiled twice, for the CPU and for sm_90a, into host objects
# under OUT (default .gpu/cases), with cases.json. run_gpu_tests.sh links
# and runs them on the GPU machine.
#   test/GPU/build_cases.sh [OUT] [cases.py options, e.g. --size 4096 4096]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.gpu/cases}; shift || true
LLVM=/usr/lib/llvm-22/bin
FP4_OPT=${FP4_OPT:-$PWD/build/bin/fp4-opt}
mkdir -p "$out"
python3 test/GPU/cases.py "$out/cases.mlir" "$out/cases.json" "$@"
${FP4_OPT:-build/bin/fp4-opt} "$out/cases.mlir" --fp4-lower-to-cpu |
  "$LLVM/mlir-translate" --mlir-to-llvmir |
  "$LLVM/llc" -O2 -filetype=obj -relocation-model=pic -o "$out/cpu_cases.o"
${FP4_OPT:-build/bin/fp4-opt} "$out/cases.mlir" --fp4-lower-to-nvvm="chip=sm_90a" |
  "$LLVM/mlir-translate" --mlir-to-llvmir |
  "$LLVM/llc" -O2 -filetype=obj -relocation-model=pic -o "$out/gpu_cases.o"
cp test/GPU/run_cases.py "$out/"
echo "built $out: $(ls "$out" | tr '\n' ' ')"
