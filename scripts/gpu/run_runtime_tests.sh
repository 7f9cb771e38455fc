#!/usr/bin/env bash
# Builds the runtime, runs all its tests and compute-sanitizer, in one go, on
# the GPU machine (CUDA toolkit, CMake, ninja; no LLVM/MLIR needed):
#
#   scripts/gpu/run_runtime_tests.sh
#
# Expects the MLIR-generated host objects in .gpu/mlir (made beforehand on a
# machine with MLIR 22 by scripts/gpu/build_mlir_objects.sh and carried).
# Writes its logs to $OUT (the device tool's output folder) or .gpu/out, and
# prints a compact summary last. Also runs here (no GPU): tests print SKIP.
#
# Env: BUILD_DIR (default /tmp/fp4rt-build), JOBS (default nproc),
#      SANITIZER=0 to skip compute-sanitizer.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-$root/.gpu/out}"
build="${BUILD_DIR:-/tmp/fp4rt-build}"
jobs="${JOBS:-$(nproc)}"
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }

# --- environment -----------------------------------------------------------
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  uname -a
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "no nvidia-smi"
  nvcc --version 2>&1 | tail -2
  cmake --version | head -1
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -1
  command -v compute-sanitizer || echo "no compute-sanitizer"
  cat "$root/.gpu/mlir/MANIFEST" 2>/dev/null || echo "no .gpu/mlir/MANIFEST"
} > "$out/env.txt" 2>&1
gpu="$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
say "fp4rt runtime tests, $(date -u +%Y-%m-%dT%H:%M:%SZ), GPU: ${gpu:-none}"

# --- build -----------------------------------------------------------------
start=$SECONDS
if ! { cmake -S "$root/runtime" -B "$build" -G Ninja \
         -DFP4RT_MLIR_OBJECTS_DIR="$root/.gpu/mlir" &&
       ninja -C "$build" -j"$jobs"; } > "$out/build.log" 2>&1; then
  tail -30 "$out/build.log"
  say "BUILD FAILED (log: build.log)"
  exit 1
fi
say "build: ok in $((SECONDS - start)) s ($(grep -c 'warning:' "$out/build.log") warnings)"

# --- tests -----------------------------------------------------------------
start=$SECONDS
ctest --test-dir "$build" -V --timeout 300 > "$out/ctest.log" 2>&1
ctest_rc=$?
say "ctest: $(grep -E '^[0-9]+% tests passed' "$out/ctest.log" | tail -1) (rc $ctest_rc, $((SECONDS - start)) s)"
# Per-binary counts ("N passed, M failed, K skipped") and ctest's verdicts.
grep -E '^[0-9]+: (python: )?[0-9]+ passed, [0-9]+ failed' "$out/ctest.log" | sed 's/^/  /' | tee -a "$summary"
grep -E 'Test +#[0-9]+: ' "$out/ctest.log" | sed 's/^ *[0-9]*\/[0-9]* */  /' | tee -a "$summary"
grep -E '\[ FAIL \]|FAILED:|Traceback' "$out/ctest.log" | head -20 | sed 's/^/  /' | tee -a "$summary"
# A few informative lines (device, timings, error messages seen by tests).
grep -E 'device 0:|step time|graph replays|eager steps|faulted|failed while running|most recently|JIT error|captured generated' \
  "$out/ctest.log" | cut -c1-240 | sed 's/^/  | /' | tee -a "$summary"

# --- compute-sanitizer -----------------------------------------------------
if [[ "${SANITIZER:-1}" != 0 ]] && command -v compute-sanitizer >/dev/null && [[ -n "$gpu" ]]; then
  start=$SECONDS
  # memcheck on everything that must be clean. API errors are what the tests
  # provoke on purpose, so they are not reported.
  for t in fp4rt_test_runtime fp4rt_test_e2e_mlir; do
    [[ -x "$build/tests/$t" ]] || continue
    compute-sanitizer --tool memcheck --report-api-errors no \
      "$build/tests/$t" > "$out/sanitizer_$t.log" 2>&1
    rc=$?
    say "compute-sanitizer memcheck $t: rc $rc, $(grep -E 'ERROR SUMMARY' "$out/sanitizer_$t.log" | tail -1 | sed 's/=* *//'), tests: $(grep -E '^[0-9]+ passed' "$out/sanitizer_$t.log" | tail -1)"
  done
  # Positive control: the planted out-of-bounds write must be caught.
  compute-sanitizer --tool memcheck --report-api-errors no \
    "$build/tests/fp4rt_test_runtime" --only fault_async > "$out/sanitizer_fault.log" 2>&1
  say "compute-sanitizer control (planted OOB write): $(grep -cE 'Invalid __global__ write' "$out/sanitizer_fault.log") invalid write(s) reported, $(grep -oE 'at oob_write\+0x[0-9a-f]+' "$out/sanitizer_fault.log" | head -1)"
  say "sanitizer time: $((SECONDS - start)) s"
else
  say "compute-sanitizer: not run (${gpu:+disabled}${gpu:-no GPU})"
fi
exit $ctest_rc
