#!/usr/bin/env bash
# The GPU-vs-CPU comparison of test/GPU for a Blackwell GPU: the same cases
# (test/GPU/cases.py) compiled for the CPU and for sm_100a (native
# conversions, tcgen05 matmul) into host objects under OUT (default
# .gpu/cases-sm100), with cases.json. On a B200, run_gpu_tests.sh links and
# runs them exactly like the sm_90a set:
#   test/GPU/run_gpu_tests.sh .gpu/cases-sm100 [SMALL_DIR] [MODEL_DIR]
# Every quantize/dequantize/Hadamard byte must match the CPU; the matmuls
# (tcgen05 where the shape allows: use sizes that are multiples of 128 x 128
# x 256) within 1e-5. The stochastic-rounding cases are left out of
# cases.json: sm_100a rounds them with cvt.rs (SPEC 2.4 holds hardware SR to
# its statistical properties, not to the CPU's bytes); their kernels are still
# compiled into the object.
#   test/Blackwell/build_cases.sh [OUT] [cases.py options, e.g. --size 4096 4096 --matmul 4096 4096 4096]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.gpu/cases-sm100}; shift || true
LLVM=/usr/lib/llvm-22/bin
FP4_OPT=${FP4_OPT:-$PWD/build/bin/fp4-opt}
CHIP=${CHIP:-sm_100a}
mkdir -p "$out"
python3 test/GPU/cases.py "$out/cases.mlir" "$out/all_cases.json" "$@"
python3 - "$out/all_cases.json" "$out/cases.json" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
kept = [c for c in cases if not any(a["name"] == "seed" for a in c["args"])]
json.dump(kept, open(sys.argv[2], "w"), indent=1)
print(f"{len(kept)} of {len(cases)} cases compared byte for byte or within 1e-5 "
      f"({len(cases) - len(kept)} stochastic-rounding cases left to the statistical tests)")
PY
"$FP4_OPT" "$out/cases.mlir" --fp4-lower-to-cpu |
  "$LLVM/mlir-translate" --mlir-to-llvmir |
  "$LLVM/llc" -O2 -filetype=obj -relocation-model=pic -o "$out/cpu_cases.o"
"$FP4_OPT" "$out/cases.mlir" --fp4-lower-to-nvvm="chip=$CHIP" |
  "$LLVM/mlir-translate" --mlir-to-llvmir |
  "$LLVM/llc" -O2 -filetype=obj -relocation-model=pic -o "$out/gpu_cases.o"
cp test/GPU/run_cases.py "$out/"
echo "built $out for $CHIP: $(ls "$out" | tr '\n' ' ')"
