#!/usr/bin/env bash
# Compiles an MLIR file with fp4 ops for the CPU and runs its @main:
#   scripts/run-example.sh FILE.mlir [extra fp4-opt passes before lowering]
set -euo pipefail
cd "$(dirname "$0")/.."
file=$1; shift
LLVM=/usr/lib/llvm-22
build/bin/fp4-opt "$file" "$@" --fp4-lower-to-cpu |
  "$LLVM/bin/mlir-runner" -e main -entry-point-result=void \
    -shared-libs="$LLVM/lib/libmlir_c_runner_utils.so,$LLVM/lib/libmlir_runner_utils.so" |
  grep -v '^Unranked Memref'
