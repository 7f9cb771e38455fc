#!/usr/bin/env bash
# Lowers the runtime's end-to-end MLIR programs to host objects, on a machine
# with MLIR 22 (not needed on the GPU machine):
#
#   runtime/tests/mlir/e2e.mlir  -> OUT/e2e.o      GPU code embedded as a fatbin
#   runtime/tests/mlir/jit.mlir  -> OUT/e2e_jit.o  GPU code embedded as PTX (JIT)
#
# Each: mlir-opt --gpu-lower-to-nvvm-pipeline (cubin-chip=$CHIP) ->
# mlir-translate --mlir-to-llvmir -> llc -filetype=obj -relocation-model=pic.
# The objects reference the mgpu* functions that libfp4rt defines; the
# runtime's CMake links them into fp4rt_test_e2e_mlir and libfp4rt_e2e.so.
#
# Usage: scripts/gpu/build_mlir_objects.sh [OUT]   (default OUT: .gpu/mlir)
# Env:   LLVM_BIN (default /usr/lib/llvm-22/bin), CHIP (default sm_90a),
#        FEATURES (default +ptx80)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/.gpu/mlir}"
llvm="${LLVM_BIN:-/usr/lib/llvm-22/bin}"
chip="${CHIP:-sm_90a}"
features="${FEATURES:-+ptx80}"
src="$root/runtime/tests/mlir"
for tool in mlir-opt mlir-translate llc; do
  [[ -x "$llvm/$tool" ]] || { echo "error: $llvm/$tool not found (set LLVM_BIN)" >&2; exit 1; }
done
mkdir -p "$out"

lower() { # name source format
  local name=$1 mlir=$2 format=$3
  "$llvm/mlir-opt" "$mlir" \
    --gpu-lower-to-nvvm-pipeline="cubin-chip=$chip cubin-features=$features cubin-format=$format" \
    -o "$out/$name.llvm.mlir"
  "$llvm/mlir-translate" --mlir-to-llvmir "$out/$name.llvm.mlir" -o "$out/$name.ll"
  "$llvm/llc" -O2 -filetype=obj -relocation-model=pic "$out/$name.ll" -o "$out/$name.o"
  echo "$out/$name.o ($format, $chip): $(grep -c '^define' "$out/$name.ll") functions," \
       "needs $(nm -u "$out/$name.o" | awk '$2 ~ /^mgpu/ {print $2}' | sort | tr '\n' ' ')"
}

lower e2e "$src/e2e.mlir" fatbin
lower e2e_jit "$src/jit.mlir" isa
{
  echo "chip=$chip features=$features"
  echo "llvm=$("$llvm/llc" --version | sed -n 's/.*LLVM version \(.*\)/\1/p' | head -1)"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$out/MANIFEST"
