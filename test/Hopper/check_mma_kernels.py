#!/usr/bin/env python3
"""Assembles every kernel that `--fp4-lower-to-nvvm="dump-kernels-to=DIR"`
wrote with `ptxas -v` and reports what the mma.sync kernels must have.

    check_mma_kernels.py DIR --ptxas PTXAS [--arch sm_90a]

One line per kernel: `<name>: regs R spill S/L stack B mma M ldg16 G cpasync C
local X`, where spill is ptxas' spill stores/loads in bytes, stack the stack
frame, mma the mma.sync m16n8k16 bf16 instructions, ldg16 the 16-byte
global loads, cpasync the cp.async copies and local the ld/st.local in the
PTX. Exits non-zero when a kernel does not assemble.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

COUNTS = {
    "mma": r"mma\.sync\.aligned\.m16n8k16\.row\.col\.f32\.bf16\.bf16\.f32",
    "ldg16": r"ld\.global\.nc\.v4\.(?:b|u)32|ld\.global\.nc\.v2\.(?:b|u)64",
    "cpasync": r"cp\.async\.c[ag]\.shared\.global",
    "local": r"(?:ld|st)\.local",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--ptxas", required=True)
    ap.add_argument("--arch", default="sm_90a")
    args = ap.parse_args()
    names = sorted(f[:-4] for f in os.listdir(args.dir) if f.endswith(".ptx"))
    failed = False
    for stem in names:
        path = os.path.join(args.dir, stem + ".ptx")
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([args.ptxas, f"-arch={args.arch}", "-v", path,
                                "-o", os.path.join(tmp, "k.cubin")],
                               capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{stem}: ptxas failed\n{r.stderr}")
            failed = True
            continue
        info = r.stderr
        regs = re.search(r"Used (\d+) registers", info)
        spill = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", info)
        stack = re.search(r"(\d+) bytes stack frame", info)
        text = open(path).read()
        counts = " ".join(f"{k} {len(re.findall(v, text))}" for k, v in COUNTS.items())
        print(f"{stem}: regs {regs.group(1) if regs else '?'} "
              f"spill {spill.group(1)}/{spill.group(2) if spill else '?'} "
              f"stack {stack.group(1) if stack else '?'} {counts}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
