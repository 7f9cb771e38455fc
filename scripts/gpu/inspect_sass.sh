#!/usr/bin/env bash
# Inspects the SASS of the sm_100a kernels: runs `cuobjdump -sass` on every
# dumped cubin and counts the instructions the native Blackwell path must
# produce, per kernel:
#   F2FP ... E2M1      cvt.rn.satfinite.e2m1x2.f32 / cvt.rs...e2m1x4 (quantize)
#   F2FP/HADD2.F32 E4M3 conversions and other F2FP forms (listed as found)
#   UTC*MMA            tcgen05.mma (the block-scaled MMA, e.g. UTCOMMA/UTCQMMA)
#   UTC*CP / UTMALDG   tcgen05.cp, TMA loads; LDTM tcgen05.ld; UTCBAR commit
# and checks that every quantize kernel of the dump has an E2M1 F2FP and every
# fp4.matmul kernel that holds tcgen05.mma in its PTX has a UTC*MMA.
#
# Here (LLVM/MLIR machine), dump the kernels:
#   build/bin/fp4-opt test/Blackwell/Inputs/sass_kernels.mlir \
#     --fp4-lower-to-nvvm="chip=sm_100a dump-kernels-to=.gpu/sass" -o /dev/null
# There (CUDA toolkit with cuobjdump; no GPU needed), with .gpu/sass carried:
#   scripts/gpu/inspect_sass.sh .gpu/sass          # summary; exit 1 on a miss
#   VERBOSE=1 scripts/gpu/inspect_sass.sh .gpu/sass  # also the matching lines
# The full SASS of each kernel is kept next to its cubin as <name>.sass.
set -uo pipefail
dir=${1:-.gpu/sass}
cuobjdump=${CUOBJDUMP:-$(command -v cuobjdump || echo /usr/local/cuda/bin/cuobjdump)}
if [ ! -x "$cuobjdump" ]; then
  echo "SKIP: cuobjdump not found (set CUOBJDUMP or put the CUDA toolkit on PATH)"
  exit 0
fi
shopt -s nullglob
cubins=("$dir"/*.cubin)
if [ ${#cubins[@]} -eq 0 ]; then
  echo "no .cubin in $dir: dump the kernels with dump-kernels-to=$dir (see the header)"
  exit 1
fi
"$cuobjdump" --version | tail -1
status=0
printf '%-28s %8s %8s %8s %8s %8s %8s  %s\n' kernel E2M1 F2FP UTCxMMA UTCxCP UTMALDG LDTM "MMA mnemonics"
for cubin in "${cubins[@]}"; do
  name=$(basename "$cubin" .cubin)
  sass="$dir/$name.sass"
  if ! "$cuobjdump" -sass "$cubin" > "$sass" 2>&1; then
    echo "$name: cuobjdump failed:"; cat "$sass"; status=1; continue
  fi
  count() { grep -cE "$1" "$sass" || true; }
  e2m1=$(count 'F2FP[.A-Z0-9_]*E2M1')
  f2fp=$(count 'F2FP')
  mma=$(count 'UTC[A-Z]*MMA')
  cp=$(count 'UTC[A-Z]*CP')
  tma=$(count 'UTMALDG')
  ldtm=$(count 'LDTM')
  mnemonics=$(grep -oE 'UTC[A-Z]*MMA[.A-Z0-9_]*' "$sass" | sort -u | tr '\n' ' ')
  printf '%-28s %8s %8s %8s %8s %8s %8s  %s\n' "$name" "$e2m1" "$f2fp" "$mma" "$cp" "$tma" "$ldtm" "$mnemonics"
  if [ -n "${VERBOSE:-}" ]; then
    grep -E 'F2FP|UTC[A-Z]*MMA|UTC[A-Z]*CP|UTMALDG|LDTM|UTCBAR' "$sass" | sed 's/^/    /'
  fi
  ptx="$dir/$name.ptx"
  if [ -f "$ptx" ] && grep -q 'e2m1x[24]\.f32' "$ptx" && [ "$e2m1" -eq 0 ]; then
    echo "  MISSING: $name converts to E2M1 in its PTX but has no F2FP ... E2M1 in SASS"
    status=1
  fi
  if [ -f "$ptx" ] && grep -q 'tcgen05.mma' "$ptx" && [ "$mma" -eq 0 ]; then
    echo "  MISSING: $name issues tcgen05.mma in its PTX but has no UTC*MMA in SASS"
    status=1
  fi
done
[ $status -eq 0 ] && echo "OK: every E2M1 conversion and tcgen05.mma reached SASS"
exit $status
