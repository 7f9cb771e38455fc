"""Times the compiled fp4 graphs on the GPU machine and checks them in the
same run (quantize: bytes identical to the CPU path; decode/GEMM: relative
error of the bf16 result against an fp64 reference). Prints one table with
time, GB/s or TFLOP/s and the fraction of the ceilings measured in the same
run (device-to-device copy; cuBLAS bf16 on the same shape).

    python3 bench_fp4.py --dir .gpu/bench
"""
import argparse
import ctypes
import json
import os
import statistics
import time
import sys

import numpy as np
import torch

SIZES = {"bf16": 2, "f32": 4, "i8": 1, "f8E4M3FN": 1, "f8E8M0FNU": 1}
E2M1 = torch.tensor([0, .5, 1, 1.5, 2, 3, 4, 6, -0., -.5, -1, -1.5, -2, -3, -4, -6],
                    dtype=torch.float64)


def descriptor(ptr, shp):
    rank = len(shp)
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
              ("strides", ctypes.c_int64 * rank)]
    d = type(f"M{rank}", (ctypes.Structure,), {"_fields_": fields})()
    d.allocated = d.aligned = ptr
    stride = 1
    for i in reversed(range(rank)):
        d.sizes[i], d.strides[i] = shp[i], stride
        stride *= shp[i]
    return d


HOST_MS = {}  # fn -> host time per call (ms) of the last time_ms


def time_ms(fn, reps):
    """Median GPU time per call (CUDA events around each call); the host
    time per call (enqueueing, no synchronization) goes to HOST_MS[fn]."""
    start = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    end = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(reps):
        start[i].record()
        fn()
        end[i].record()
    HOST_MS[fn] = (time.perf_counter() - t0) * 1e3 / reps
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in zip(start, end))


def queued_ms(fn, reps, host_ms):
    """GPU time per call when the host is ahead: the calls are enqueued
    behind a GPU sleep longer than it takes the host to enqueue them, so the
    events see only the GPU's work (what a CUDA graph replay would see)."""
    fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    torch.cuda._sleep(int((2 * host_ms * reps + 2.0) * 2e6))  # ~2e6 cycles/ms
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / reps


def deq_nvfp4(v, s, a):
    codes = torch.stack([v & 0xF, v >> 4], -1).reshape(v.shape[0], -1).long()
    vals = E2M1.to(v.device)[codes]
    sc = s.view(torch.float8_e4m3fn).double().repeat_interleave(16, 1)
    return vals * sc * a


def make_args(case, g):
    bufs = {}
    for a in case["args"]:
        shp, t, n = a["shape"], a["dtype"], a["name"]
        if t == "bf16":
            x = torch.randn(shp, generator=g, device="cuda").to(torch.bfloat16)
            if n == "x" and case["kind"] == "quantize":
                x[0, :16] = 0  # a zero block
        elif t == "f32":  # amax / alpha operands
            x = torch.tensor([4.0 if n == "amax" else 1e-2], device="cuda")
        elif t == "i8":
            x = torch.randint(0, 256, shp, generator=g, device="cuda", dtype=torch.uint8)
        else:  # E4M3 scales in a sane range (no NaN)
            x = torch.randint(0x30, 0x50, shp, generator=g, device="cuda", dtype=torch.uint8)
        bufs[n] = x.contiguous()
    return bufs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=".gpu/bench")
    ap.add_argument("--runtime", required=True,
                    help="the fp4 runtime build (libfp4rt.so) and its python/ wrapper")
    ap.add_argument("--only", default="", help="run the graphs whose name contains this")
    args = ap.parse_args()
    cases = json.load(open(os.path.join(args.dir, "bench.json")))
    if args.only:
        cases = [c for c in cases if args.only in c["name"]]
    os.environ.setdefault("FP4RT_LIBRARY", os.path.join(args.runtime, "libfp4rt.so"))
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(args.runtime)),
                                    "runtime", "python"))
    import fp4rt
    ctx = fp4rt.Context(torch.cuda.current_device())
    stream = ctx.torch_stream()
    gpu = ctypes.CDLL(os.path.join(args.dir, "libgpu_bench.so"))
    cpu = ctypes.CDLL(os.path.join(args.dir, "libcpu_bench.so"))
    dev = torch.cuda.get_device_name()
    # Ceilings in this run.
    n = 1 << 28
    a8 = torch.empty(n, dtype=torch.uint8, device="cuda"); b8 = torch.empty_like(a8)
    copy_ms = time_ms(lambda: b8.copy_(a8), 50)
    copy_gbs = 2 * n / copy_ms / 1e6
    del a8, b8
    g = torch.Generator(device="cuda"); g.manual_seed(0)
    rows = []
    for case in cases:
        bufs = make_args(case, g)
        descs = [descriptor(bufs[a["name"]].data_ptr(), a["shape"]) for a in case["args"]]
        fn = getattr(gpu, "_mlir_ciface_" + case["name"])
        call = lambda: fn(*[ctypes.byref(d) for d in descs])
        reps = 3 if case["kind"] == "gemm" else 20
        # As PyTorch code calls it: the generated host code enqueues its work
        # on PyTorch's current stream and returns (no host synchronization).
        with stream.bind(asynchronous=True):
            ms = time_ms(call, reps)
            host_ms = HOST_MS[call]
            q_ms = queued_ms(call, reps, host_ms)
        torch.cuda.synchronize()
        # Unbound, each call makes its own stream and waits for its work.
        ms_sync = time_ms(call, reps) if case["kind"] != "gemm" else float("nan")
        check = ""
        if case["kind"] == "quantize":
            host = {k: (v.view(torch.int16) if v.dtype == torch.bfloat16 else v).cpu().numpy().copy() for k, v in bufs.items()}
            hd = [descriptor(host[a["name"]].ctypes.data, a["shape"]) for a in case["args"]]
            getattr(cpu, "_mlir_ciface_" + case["name"])(*[ctypes.byref(d) for d in hd])
            bad = sum(int((host[k] != bufs[k].cpu().numpy()).sum())
                      for k in ("values", "scales", "alpha") if k in host)  # noqa
            check = "bytes = CPU path" if bad == 0 else f"MISMATCH {bad} bytes"
        elif case["kind"] == "decode":
            w = deq_nvfp4(bufs["wv"], bufs["ws"], bufs["wa"].item())
            ref = bufs["x"].double() @ w.t()
            rel = (torch.linalg.norm(bufs["y"].double() - ref) / torch.linalg.norm(ref)).item()
            check = f"rel.err {rel:.1e}" + ("" if rel < 1e-2 else " FAIL")
        elif case["kind"] == "gemm" and case["m"] <= 4096:
            da = deq_nvfp4(bufs["av"], bufs["as"], bufs["aa"].item())
            db = deq_nvfp4(bufs["bv"], bufs["bs"], bufs["ba"].item())
            ref = da @ db.t()
            rel = (torch.linalg.norm(bufs["c"].double() - ref) / torch.linalg.norm(ref)).item()
            check = f"rel.err {rel:.1e}" + ("" if rel < 1e-2 else " FAIL")
        # Ceiling for this row.
        if case["kind"] == "quantize":
            gbs = case["bytes"] / ms / 1e6
            rows.append((case["name"], ms, host_ms, q_ms, ms_sync, f"{gbs:8.0f} GB/s", f"{100 * gbs / copy_gbs:5.1f}% of copy", check))
        else:
            m, nn, k = case["m"], case["n"], case["k"]
            xa = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
            wa = torch.randn(nn, k, device="cuda", dtype=torch.bfloat16)
            cublas = time_ms(lambda: xa @ wa.t(), 20)
            tf = case["flops"] / ms / 1e9
            rows.append((case["name"], ms, host_ms, q_ms, ms_sync, f"{tf:8.2f} TFLOP/s",
                         f"{cublas / ms:6.3f}x cuBLAS bf16 ({cublas * 1e3:.1f} us)", check))
        del bufs
        torch.cuda.empty_cache()
    print(f"\nfp4 compiled graphs on {dev} (copy ceiling {copy_gbs:.0f} GB/s, read+write)")
    print("median: bound to PyTorch's stream (asynchronous calls), time per call on the GPU (rate and ceiling use it);\n"
          "host: host time to enqueue one such call; queued: GPU time per call with the host ahead (calls queued\n"
          "behind a GPU sleep); sync call: unbound, each call waits for its work")
    print(f"{'graph':28s} {'median':>12s} {'host':>10s} {'queued':>10s} {'sync call':>12s}  {'rate':>15s}  {'vs ceiling':28s} check")
    for name, ms, host_ms, q_ms, ms_sync, rate, frac, check in rows:
        print(f"{name:28s} {ms * 1e3:9.1f} us {host_ms * 1e3:7.1f} us {q_ms * 1e3:7.1f} us {ms_sync * 1e3:9.1f} us  {rate:>15s}  {frac:28s} {check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
