#!/usr/bin/env bash
# On the GPU machine: builds the runtime, links the benchmark objects, runs
# the peers (../shared/bench/peers.py, copied by build_bench.sh) and the fp4
# graphs in one run. Logs under $OUT.
set -uo pipefail
cd "$(dirname "$0")"
dir=$PWD
root=$(cd ../.. && pwd)
out=${OUT:-$dir}
cmake -S "$root/runtime" -B "$root/build-rt" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
  ninja -C "$root/build-rt" >/dev/null || exit 1
g++ -shared -o libgpu_bench.so gpu_bench.o -L"$root/build-rt" -lfp4rt -Wl,-rpath,"$root/build-rt" || exit 1
g++ -shared -o libcpu_bench.so cpu_bench.o || exit 1
nvidia-smi -L
date -u +%F
if [ -f peers.py ] && [ -z "${SKIP_PEERS:-}" ]; then
  echo "== peers (../shared/bench/peers.py)"
  PYTHONUNBUFFERED=1 OUT=$out timeout 300 python3 peers.py 2>&1 | tee "$out/peers.log"
fi
fos=$(ls "$dir"/fouroversix-*.tar.gz 2>/dev/null | head -1)
if [ -n "$fos" ] && [ -z "${SKIP_FOUROVERSIX:-}" ]; then
  echo "== peer: fouroversix ($(basename "$fos"), its Python sources; the Blackwell-only CUDA extension is not built)"
  rm -rf "$dir/pylib" && mkdir -p "$dir/pylib" && tar xzf "$fos" -C "$dir/pylib"
  PYTHONUNBUFFERED=1 timeout 300 python3 fouroversix_peer.py --lib "$(ls -d "$dir"/pylib/fouroversix-*/src)" 2>&1 | tee "$out/fouroversix.log"
fi
echo "== fp4"
PYTHONUNBUFFERED=1 python3 bench_fp4.py --dir "$dir" --runtime "$root/build-rt" ${ONLY:+--only "$ONLY"} 2>&1 | tee "$out/fp4.log"
