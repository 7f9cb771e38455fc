#!/usr/bin/env bash
# SASS of the sm_90a benchmark kernels (issue "Hopper performance"): runs
# `cuobjdump -sass` on every dumped cubin and counts, per kernel, tensor-core
# MMAs (HMMA, HGMMA), 128-bit global loads (LDG.E.128, incl. .CONSTANT),
# 64-bit global stores, async copies (LDGSTS) and local-memory accesses
# (LDL/STL: spills). Exits 1 if a kernel touches local memory.
#
# Here: build/bin/fp4-opt .gpu/bench/bench.mlir \
#         --fp4-lower-to-nvvm="chip=sm_90a dump-kernels-to=.gpu/sass90" -o /dev/null
# There (cuobjdump; no GPU needed): scripts/gpu/inspect_sass_sm90.sh .gpu/sass90
set -uo pipefail
dir=${1:-.gpu/sass90}
cuobjdump=${CUOBJDUMP:-$(command -v cuobjdump || echo /usr/local/cuda/bin/cuobjdump)}
[ -x "$cuobjdump" ] || { echo "SKIP: cuobjdump not found"; exit 0; }
shopt -s nullglob
status=0
printf '%-40s %6s %6s %9s %8s %7s %7s %6s\n' kernel HMMA HGMMA LDG.128 STG.64 LDGSTS LDL/STL instrs
for cubin in "$dir"/*.cubin; do
  name=$(basename "$cubin" .cubin)
  sass="$dir/$name.sass"
  "$cuobjdump" -sass "$cubin" > "$sass" 2>&1 || { echo "$name: cuobjdump failed"; status=1; continue; }
  c() { grep -cE "$1" "$sass"; }
  local_mem=$(c '\b(LDL|STL)\b')
  printf '%-40s %6s %6s %9s %8s %7s %7s %6s\n' "$name" "$(c '\bHMMA\b')" "$(c '\bHGMMA\b')" \
    "$(c 'LDG\.E\.(128|[A-Z.]*128)')" "$(c 'STG\.E\.64')" "$(c '\bLDGSTS\b')" "$local_mem" \
    "$(c '^\s+/\*[0-9a-f]+\*/')"
  [ "$local_mem" -eq 0 ] || status=1
done
exit $status
