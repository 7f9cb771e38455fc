#!/usr/bin/env python3
"""Assembles every kernel that `--fp4-lower-to-nvvm="dump-kernels-to=DIR"`
wrote and counts the instructions the Blackwell path must produce.

    check_kernels.py DIR --ptxas PTXAS --arch sm_100a

Prints one line per kernel (`<name>: assembled`) and then, over all kernels,
`count <instruction>: N` for the instructions below; exits non-zero when a
kernel does not assemble or a dumped .cubin is missing.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

PATTERNS = [
    "cvt.rn.satfinite.e2m1x2.f32",
    "cvt.rs.satfinite.e2m1x4.f32",
    "cvt.rn.satfinite.e4m3x2.f32",
    "cvt.rn.f16x2.e2m1x2",
    "cvt.rn.f16x2.e4m3x2",
    "tcgen05.alloc",
    "tcgen05.cp.cta_group::1.32x128b.warpx4",
    "tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale",
    "tcgen05.mma.cta_group::1.kind::mxf4.block_scale",
    "tcgen05.commit",
    "tcgen05.ld",
    "tcgen05.dealloc",
    "cp.async.bulk.tensor.2d",
    "mbarrier.try_wait.parity",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--ptxas", required=True)
    ap.add_argument("--arch", default="sm_100a")
    args = ap.parse_args()
    ptx_files = sorted(f for f in os.listdir(args.dir) if f.endswith(".ptx"))
    if not ptx_files:
        print("no kernels in", args.dir)
        return 1
    counts = {p: 0 for p in PATTERNS}
    failed = False
    for name in ptx_files:
        path = os.path.join(args.dir, name)
        stem = name[:-len(".ptx")]
        if not os.path.exists(os.path.join(args.dir, stem + ".cubin")):
            print(f"{stem}: no .cubin was dumped")
            failed = True
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([args.ptxas, f"-arch={args.arch}", path, "-o",
                                os.path.join(tmp, "k.cubin")],
                               capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{stem}: ptxas failed\n{r.stderr}")
            failed = True
            continue
        print(f"{stem}: assembled")
        text = open(path).read()
        for p in PATTERNS:
            counts[p] += len(re.findall(re.escape(p), text))
    print(f"kernels: {len(ptx_files)}")
    for p in PATTERNS:
        print(f"count {p}: {counts[p]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
