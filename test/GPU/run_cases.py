"""Runs the GPU-vs-CPU comparison on a machine with a GPU (no LLVM/MLIR
needed): every case of cases.json is called through `_mlir_ciface_<name>`
in libcpu_cases.so (compiled with --fp4-lower-to-cpu, host buffers) and in
libgpu_cases.so (compiled with --fp4-lower-to-nvvm, device buffers, linked
with the fp4 runtime), on the same random and edge inputs; every output byte
is compared (matmul and decode contractions: relative error <= 1e-5
against the CPU result, NaN where it has NaN; bf16 results within one bf16
ulp per element, the rounding of an f32 sum whose order is free, or within
1e-5 of the largest element where cancellation makes an element small).

    python3 run_cases.py --dir .gpu/cases [--seed N] [--only PATTERN]

Prints one line per case and a final `N passed, N failed` line.
"""
import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np
import torch

NP = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16, "i8": np.uint8,
      "f8E4M3FN": np.uint8, "f8E8M0FNU": np.uint8, "i64": np.int64}


def descriptor_type(rank):
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank),
                   ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


def descriptor(ptr, shape):
    d = descriptor_type(len(shape))()
    d.allocated = d.aligned = ptr
    d.offset = 0
    stride = 1
    strides = []
    for s in reversed(shape):
        strides.append(stride)
        stride *= s
    for i, s in enumerate(shape):
        d.sizes[i] = s
        d.strides[i] = strides[len(shape) - 1 - i]
    return d


def heavy_tailed(rng, shape):
    x = rng.standard_t(3, size=shape).astype(np.float32)
    mask = rng.random(shape) < 0.01
    x[mask] *= 30
    return x


def make_input(rng, arg, case):
    shape, dtype, name = arg["shape"], arg["dtype"], arg["name"]
    if name == "amax":
        return np.array([rng.random() * 20 + 0.5], np.float32)
    if name == "seed":
        return np.array([int(rng.integers(0, 2**62))], np.int64)
    if name == "al":
        return np.array([rng.random() * 0.05 + 1e-3], np.float32)
    if name == "sc":
        if dtype == "f8E4M3FN":
            s = rng.integers(0, 0x7F, size=shape).astype(np.uint8)
            s.flat[0], s.flat[1], s.flat[2] = 0, 0x7F, 1
        else:
            s = rng.integers(110, 140, size=shape).astype(np.uint8)
            s.flat[0], s.flat[1], s.flat[2] = 0, 0xFF, 254
        return s
    x = heavy_tailed(rng, shape)
    if case["op"] in ("quantize", "scale_select", "quantize_with_scales"):
        flat = x.reshape(-1)
        n = flat.size
        # Edge blocks: zeros, -0, NaN, Inf, huge, tiny (subnormal results).
        flat[0:32] = 0.0
        flat[32:64] = -0.0
        flat[64 + 5] = np.nan
        flat[128 + 7] = np.inf
        flat[192 + 1] = -np.inf
        flat[256:288] = rng.standard_normal(32).astype(np.float32) * 1e-39
        flat[288:320] = rng.standard_normal(32).astype(np.float32) * np.float32(1e38)
        # E2M1 ties: block max 6, values on rounding midpoints.
        ties = np.array([6, .25, .75, 1.25, 1.75, 2.5, 3.5, 5, -.25, -.75,
                         -1.25, -1.75, -2.5, -3.5, -5, 0], np.float32)
        flat[320:336] = ties
        flat[352:384] = np.tile(ties, 2) * np.float32(2.0 ** -9)
        x = flat.reshape(shape)
    if case["op"] == "hadamard":
        # NaN inputs with odd payloads/signs: outputs are the canonical NaN.
        x.view(np.uint32).reshape(-1)[3] = 0xFFC00123
        x.view(np.uint32).reshape(-1)[1000] = 0x7F800001
        x.reshape(-1)[2000] = np.inf
    if dtype == "bf16":
        return torch.from_numpy(x).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    with np.errstate(over="ignore"):  # f16 inputs saturate to Inf: edge data
        return x.astype(NP[dtype])


def run_case(case, cpu, gpu, rng):
    host, dev, cpu_descs, gpu_descs = {}, {}, [], []
    for arg in case["args"]:
        shape = arg["shape"]
        if arg["io"] == "in":
            a = np.ascontiguousarray(make_input(rng, arg, case))
        else:
            a = np.zeros(shape, NP[arg["dtype"]])
            a.view(np.uint8)[...] = 0xA5  # poison: every byte must be written
        host[arg["name"]] = a
        t = torch.from_numpy(a.view(np.uint8).copy()).cuda()
        dev[arg["name"]] = t
        cpu_descs.append(descriptor(a.ctypes.data, shape))
        gpu_descs.append(descriptor(t.data_ptr(), shape))
    fn = "_mlir_ciface_" + case["name"]
    t0 = time.time()
    if not case.get("gpu_only"):
        getattr(cpu, fn)(*[ctypes.byref(d) for d in cpu_descs])
    t_cpu = time.time() - t0
    torch.cuda.synchronize()
    t0 = time.time()
    getattr(gpu, fn)(*[ctypes.byref(d) for d in gpu_descs])
    torch.cuda.synchronize()
    t_gpu = time.time() - t0
    failures, compared = [], 0
    for name in case["outputs"]:
        want = host[name].view(np.uint8).reshape(-1)
        got = dev[name].cpu().numpy().reshape(-1)
        compared += want.size
        if case["kind"] == "fp64ref":
            # C against the fp64 product of the GPU's own dequantized operands.
            da = dev["da"].view(torch.float32).double()
            db = dev["db"].view(torch.float32).double()
            ref = (da @ db.t()).reshape(-1)
            g = dev[name].view(torch.float32).double().reshape(-1)
            rel = (torch.linalg.norm(g - ref) / torch.linalg.norm(ref)).item()
            failures += [] if rel <= 1e-5 else [f"{name}: relative error {rel:.3g}"]
            print(f"     {case['name']}: relative error vs fp64 {rel:.3g}")
        elif case["kind"] == "exact":
            bad = np.nonzero(got != want)[0]
            if bad.size:
                failures.append(f"{name}: {bad.size} bytes differ (first at {bad[0]})")
        else:
            dt = NP[[a for a in case["args"] if a["name"] == name][0]["dtype"]]
            if dt == np.uint16:  # bf16 result
                w = (want.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
                g = (got.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
            else:
                w, g = want.view(np.float32), got.view(np.float32)
            w64, g64 = w.astype(np.float64), g.astype(np.float64)
            # NaN where the CPU has NaN (e.g. NaN block scales), finite
            # elsewhere; the finite elements within the tolerance.
            nan_w, nan_g = np.isnan(w64), np.isnan(g64)
            if (nan_w != nan_g).any():
                failures.append(f"{name}: {int((nan_w != nan_g).sum())} NaN positions differ")
            w64, g64 = w64[~nan_w], g64[~nan_w]
            rel = np.linalg.norm(g64 - w64) / max(np.linalg.norm(w64), 1e-300)
            nans = f", {int(nan_w.sum())} NaN" if nan_w.any() else ""
            print(f"     {case['name']}: {name} relative error vs CPU {rel:.3g}{nans}")
            if dt == np.uint16:
                # A bf16 result is the rounding of an f32 sum whose order is
                # free (SPEC 2.5): allow one bf16 ulp per element.
                wb = want.view(np.uint16).astype(np.int32)[~nan_w]
                gb = got.view(np.uint16).astype(np.int32)[~nan_w]
                ulps = np.abs(np.where(wb & 0x8000, -(wb & 0x7FFF), wb) -
                              np.where(gb & 0x8000, -(gb & 0x7FFF), gb))
                # Beyond one ulp only where cancellation makes the element
                # small: its error must stay below 1e-5 of the largest one.
                wf = bf16_to_f32(want.view(np.uint16))[~nan_w]
                gf = bf16_to_f32(got.view(np.uint16))[~nan_w]
                scale = float(np.abs(wf).max()) if wf.size else 0.0
                bad = (ulps > 1) & (np.abs(gf - wf) > 1e-5 * scale)
                if bad.any():
                    failures.append(f"{name}: {int(bad.sum())} elements off by more than 1 bf16 ulp and 1e-5 of the largest")
            elif not rel <= 1e-5:
                failures.append(f"{name}: relative error {rel:.3g}")
    return failures, compared, t_cpu, t_gpu


def bf16_to_f32(u16):
    return (u16.astype(np.uint32) << 16).view(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=".gpu/cases")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    cases = json.load(open(os.path.join(args.dir, "cases.json")))
    cpu = ctypes.CDLL(os.path.join(args.dir, "libcpu_cases.so"))
    gpu = ctypes.CDLL(os.path.join(args.dir, "libgpu_cases.so"))
    print(torch.cuda.get_device_name(), time.strftime("%Y-%m-%d"))
    rng = np.random.default_rng(args.seed)
    passed = failed = 0
    for case in cases:
        if args.only and args.only not in case["name"]:
            continue
        shapes = " ".join("x".join(map(str, a["shape"])) for a in case["args"] if a["io"] == "in")
        try:
            failures, n, tc, tg = run_case(case, cpu, gpu, rng)
        except Exception as e:  # report and go on
            failures, n, tc, tg = [f"error: {e}"], 0, 0, 0
        status = "ok  " if not failures else "FAIL"
        print(f"{status} {case['name']:24s} in {shapes:28s} {n:>10d} bytes  cpu {tc*1e3:8.1f} ms  gpu {tg*1e3:8.1f} ms  {'; '.join(failures)}", flush=True)
        if failures:
            failed += 1
        else:
            passed += 1
    print(f"gpu-vs-cpu: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
