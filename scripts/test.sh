#!/usr/bin/env bash
# Runs the whole test suite (lit: round-trip/diagnostic/FileCheck tests, CPU
# execution tests, the numerics unit tests and the oracle comparisons).
# Needs a build (scripts/bootstrap.sh --no-run).
set -uo pipefail
cd "$(dirname "$0")/.."
ninja -C build -j"$(nproc)" >/dev/null || { echo "build failed"; exit 1; }
log=$(mktemp)
/usr/lib/llvm-22/bin/lit -sv --time-tests build/test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -oP '^\s*Passed\s*:\s*\K\d+' "$log" || echo 0)
failed=$(grep -oP '^\s*(Failed|Unresolved|Timed Out|Unexpectedly Passed)\s*:\s*\K\d+' "$log" | awk '{s+=$1} END {print s+0}')
skipped=$(grep -oP '^\s*Unsupported\s*:\s*\K\d+' "$log" || echo 0)
rm -f "$log"
echo "lit: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
