#!/usr/bin/env bash
# Compiles the benchmark graphs here (no GPU needed) into .gpu/bench: the
# sm_90a host object (kernels embedded), the CPU-path object (for the
# correctness check in the same run), bench.json, the runner and a copy of
# the peers script. bench/run_bench.sh runs it on the GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.gpu/bench}
LLVM=/usr/lib/llvm-22/bin
FP4_OPT=${FP4_OPT:-build/bin/fp4-opt}
mkdir -p "$out"
python3 bench/gen_bench.py "$out/bench.mlir" "$out/bench.json"
"$FP4_OPT" "$out/bench.mlir" --fp4-lower-to-nvvm="chip=sm_90a" |
  "$LLVM/mlir-translate" --mlir-to-llvmir |
  "$LLVM/llc" -O3 -filetype=obj -relocation-model=pic -o "$out/gpu_bench.o"
"$FP4_OPT" "$out/bench.mlir" --fp4-lower-to-cpu |
  "$LLVM/mlir-translate" --mlir-to-llvmir |
  "$LLVM/llc" -O3 -filetype=obj -relocation-model=pic -o "$out/cpu_bench.o"
cp bench/bench_fp4.py bench/fouroversix_peer.py bench/run_bench.sh "$out/"
# The Four Over Six authors' package (PyPI sdist; installed on the GPU machine).
fos=fouroversix-1.0.5.tar.gz
if [ ! -f "$out/$fos" ]; then
  curl -sfL -o "$out/$fos" \
    https://files.pythonhosted.org/packages/a3/59/c19cfaa27bb3f91d12844c7ccc5380dbe352312f4f81e0621f008cead5df/$fos ||
    { rm -f "$out/$fos"; echo "warning: could not download $fos (the fouroversix peer will be skipped)"; }
fi
if [ -f ../shared/bench/peers.py ]; then cp ../shared/bench/peers.py "$out/"; fi
echo "built $out: $(ls "$out" | tr '\n' ' ')"
