#!/usr/bin/env bash
# On the GPU machine (CUDA toolkit + driver + PyTorch, no LLVM/MLIR): builds
# the runtime, links the host objects that test/GPU/build_cases.sh compiled
# on the development machine, and runs the GPU-vs-CPU comparison at full size
# and, under compute-sanitizer, at a small size. Logs go to $OUT (or .gpu/).
#   test/GPU/run_gpu_tests.sh [CASES_DIR] [SMALL_CASES_DIR] [MODEL_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.."
cases=${1:-.gpu/cases}
small=${2:-.gpu/cases-small}
model=${3:-.gpu/model}
out=${OUT:-.gpu}
mkdir -p "$out"
if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "SKIP: no NVIDIA GPU visible (nvidia-smi -L failed)"; exit 0
fi
nvidia-smi -L | tee "$out/gpu.txt"
rt=build-rt
cmake -S runtime -B "$rt" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$out/runtime-cmake.log" 2>&1 &&
  ninja -C "$rt" >"$out/runtime-build.log" 2>&1 || { tail -30 "$out/runtime-build.log"; exit 1; }
lib=$(dirname "$(find "$rt" -name 'libfp4rt.so' | head -1)")
status=0
for dir in "$cases" "$small" "$model"; do
  [ -d "$dir" ] || continue
  g++ -shared -o "$dir/libcpu_cases.so" "$dir/cpu_cases.o" || exit 1
  g++ -shared -o "$dir/libgpu_cases.so" "$dir/gpu_cases.o" -L"$lib" -lfp4rt \
      -Wl,-rpath,"$(realpath "$lib")" || exit 1
done
if [ -d "$cases" ]; then
  echo "== GPU vs CPU, $(date -u +%F), $cases"
  python3 "$cases/run_cases.py" --dir "$cases" 2>&1 | tee "$out/gpu-vs-cpu.log"
  status=$((status | PIPESTATUS[0]))
fi
if [ -d "$model" ]; then
  echo "== end-to-end inference graph (PTQ'd decoder block), $model"
  python3 "$model/run_cases.py" --dir "$model" 2>&1 | tee "$out/model.log"
  status=$((status | PIPESTATUS[0]))
fi
if [ -d "$small" ] && command -v compute-sanitizer >/dev/null; then
  echo "== compute-sanitizer (memcheck) on $small"
  compute-sanitizer --tool memcheck --target-processes all \
      python3 "$small/run_cases.py" --dir "$small" >"$out/sanitizer.log" 2>&1
  s=$?
  grep -E "ERROR SUMMARY|passed, .* failed" "$out/sanitizer.log"
  status=$((status | s))
fi
exit $status
