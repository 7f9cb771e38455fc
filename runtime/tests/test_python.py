"""Tests of the ctypes wrapper (runtime/python/fp4rt.py) with numpy and torch.

Environment (set by ctest): FP4RT_LIBRARY (libfp4rt.so), FP4RT_TEST_FATBIN
(test kernels), FP4RT_E2E_LIBRARY (MLIR-generated host code as a shared
library; empty when not built). Prints "SKIP: no GPU ..." and exits 0 without
a usable GPU; torch tests are skipped (with the reason) without torch.
"""
import ctypes
import os
import sys
import traceback

import fp4rt

FATBIN = os.environ.get("FP4RT_TEST_FATBIN", "")
E2E = os.environ.get("FP4RT_E2E_LIBRARY", "")

try:
    import numpy as np
except ImportError:
    np = None
try:
    import torch
except ImportError:
    torch = None

TESTS = []


def test(needs):
    def wrap(fn):
        TESTS.append((fn, needs))
        return fn
    return wrap


def expect_error(fn, status_name, needle):
    try:
        fn()
    except fp4rt.Fp4rtError as e:
        assert e.status_name == status_name, e
        assert needle in str(e), "%r not in %s" % (needle, e)
        return e
    raise AssertionError("no Fp4rtError raised")


@test(needs=())
def library_and_errors():
    lib = fp4rt.load_library()
    assert lib.fp4rtGetVersion() >= 100
    d = fp4rt.memref_type(2)()
    assert ctypes.sizeof(d) == 8 * (3 + 2 * 2)
    if np is not None:
        a = np.arange(12, dtype=np.float32).reshape(3, 4)
        m = fp4rt.memref(a)
        assert (m.sizes[0], m.sizes[1], m.strides[0], m.strides[1]) == (3, 4, 4, 1)
        try:
            fp4rt.memref(a[:, ::2])
            raise AssertionError("strided view accepted")
        except ValueError:
            pass
        m = fp4rt.memref(a[:, ::2], allow_strided=True)
        assert (m.sizes[1], m.strides[1]) == (2, 2)


@test(needs=("gpu",))
def device_and_props():
    p = fp4rt.device_props(0)
    print("    %s sm_%d%d, %d SMs" % (p["name"], p["cc"][0], p["cc"][1], p["sm_count"]))
    assert p["sm_count"] > 0
    expect_error(lambda: fp4rt.device_props(1 << 20), "FP4RT_ERROR_NO_DEVICE",
                 "no CUDA device")


@test(needs=("gpu", "numpy"))
def numpy_buffers_and_kernel():
    ctx = fp4rt.Context(0)
    k = ctx.load_module(FATBIN).kernel("saxpy")
    n = 4097
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    y = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    bx, by = ctx.upload(x), ctx.upload(y)
    k.launch(grid=((n + 255) // 256,), block=(256,),
             args=[fp4rt.i32(n), fp4rt.f32(0.5), bx, by])
    out = by.download(np.empty_like(y))
    assert np.allclose(out, 0.5 * x + y, rtol=1e-6, atol=1e-6)
    e = expect_error(lambda: k.launch(grid=(1,), block=(4096,),
                                      args=[fp4rt.i32(n), 0.5, bx, by]),
                     "FP4RT_ERROR_LAUNCH", "kernel 'saxpy'")
    print("    " + str(e)[:160])
    ctx.close()
    expect_error(lambda: bx.download(np.empty_like(y)),
                 "FP4RT_ERROR_INVALID_HANDLE", "NULL")  # closed with ctx


def _torch_cuda():
    return torch is not None and torch.cuda.is_available()


@test(needs=("gpu", "torch"))
def torch_tensors_kernel_stream_graph():
    ctx = fp4rt.Context(0)
    mod = ctx.load_module(FATBIN)
    saxpy, add_one = mod.kernel("saxpy"), mod.kernel("add_one")
    n = 10000
    x = torch.randn(n, device="cuda")
    y = torch.randn(n, device="cuda")
    ref = 2.0 * x + y
    s = ctx.torch_stream()  # torch's current stream: ordered with torch ops
    saxpy.launch(((n + 255) // 256,), (256,), [fp4rt.i32(n), 2.0, x, y], stream=s)
    torch.testing.assert_close(y, ref)
    # A wrapped tensor is a non-owning buffer.
    b = ctx.wrap(y)
    assert b.ptr == y.data_ptr()
    b.close()
    assert torch.isfinite(y).all()
    # Capture on a side stream, replay 100 times.
    t = torch.zeros(n, device="cuda")
    torch.cuda.synchronize()
    side = ctx.stream()
    with side.capture() as cap:
        add_one.launch(((n + 255) // 256,), (256,), [t, fp4rt.i32(n)], stream=side)
    assert cap.graph.node_count == 1
    cap.graph.replay(side, 100)
    side.synchronize()
    assert torch.equal(t, torch.full_like(t, 100.0))


def _e2e():
    if not E2E:
        raise _Skip("no MLIR-generated library (FP4RT_E2E_LIBRARY)")
    return E2E


class _Skip(Exception):
    pass


@test(needs=("gpu", "torch"))
def compiled_library_memrefs():
    ctx = fp4rt.Context(0)
    lib = fp4rt.CompiledLibrary(_e2e(), ctx)
    x = torch.randn(3000, device="cuda")
    y = torch.randn(3000, device="cuda")
    ref = 1.5 * x + y
    # Asynchronous on torch's stream: no host sync inside the call.
    lib.call("saxpy", x, y, 1.5, stream=ctx.torch_stream())
    torch.testing.assert_close(y, ref)
    # Synchronous with host (numpy / CPU tensor) memrefs.
    hx, hy = torch.randn(1000), torch.randn(1000)
    href = 0.5 * hx + hy
    lib.call("saxpy_host", hx, hy, 0.5)
    torch.testing.assert_close(hy, href)
    # A function with a result: the result struct is passed first.
    r = lib.call("make_filled", 64, 3.0, result=fp4rt.memref_type(1)())
    assert r.sizes[0] == 64 and r.strides[0] == 1
    vals = (ctypes.c_float * 64).from_address(r.aligned)  # managed memory
    assert all(v == 3.0 for v in vals)
    lib.call("free_buffer", r)
    # Non-contiguous views are refused for identity-layout memrefs.
    try:
        lib.call("saxpy", x[::2], y[::2], 1.0)
        raise AssertionError("strided view accepted")
    except ValueError:
        pass


@test(needs=("gpu", "torch"))
def training_step_program_with_torch():
    """sgd_step as a Program: weights/momentum/batch are torch tensors bound
    once; each step copies a new batch into the bound batch tensors and
    replays the captured graph; compared with the same math in torch."""
    ctx = fp4rt.Context(0)
    prog = ctx.program(_e2e(), "sgd_step", 5)
    B, D = 32, 48
    g = torch.Generator(device="cuda").manual_seed(0)
    w = torch.randn(D, device="cuda", generator=g) * 0.1
    m = torch.zeros(D, device="cuda")
    xb = torch.zeros(B, D, device="cuda")
    yb = torch.zeros(B, device="cuda")
    lr = torch.tensor(0.05, device="cuda")  # rank 0
    for i, t in enumerate((w, m, xb, yb, lr)):
        prog.bind(i, t)
    wr, mr = w.clone().double(), m.clone().double()
    target = torch.randn(D, device="cuda", generator=g)
    stream = torch.cuda.Stream()
    s = ctx.wrap_stream(stream)
    torch.cuda.synchronize()
    for step in range(60):
        with torch.cuda.stream(stream):
            xb.copy_(torch.rand(B, D, device="cuda", generator=g) * 2 - 1)
            yb.copy_(xb @ target)
            if step == 30:
                lr.fill_(0.02)
            if step == 5:
                prog.capture(s)  # steps 5.. replay the graph
            prog.run(s)
        stream.synchronize()
        r = xb.double() @ wr - yb.double()
        mr = 0.9 * mr + (2.0 / B) * (xb.double().T @ r)
        wr = wr - lr.double() * mr
    assert prog.has_graph
    err = ((w.double() - wr).abs().max() / wr.abs().max()).item()
    print("    60 steps (55 replayed): max rel error vs torch float64 %.2e" % err)
    assert err < 1e-3, err
    assert (w - target).abs().max().item() < 0.5


def main():
    ok, why = fp4rt.available()
    have = {"gpu": ok, "numpy": np is not None, "torch": _torch_cuda()}
    reasons = {"gpu": why, "numpy": "numpy not installed",
               "torch": "torch not installed" if torch is None
               else "torch sees no CUDA device"}
    passed = failed = skipped = 0
    for fn, needs in TESTS:
        missing = [n for n in needs if not have[n]]
        if missing:
            print("[ SKIP ] %s: %s" % (fn.__name__, reasons[missing[0]]))
            skipped += 1
            continue
        print("[ RUN  ] " + fn.__name__)
        try:
            fn()
            print("[   OK ] " + fn.__name__)
            passed += 1
        except _Skip as e:
            print("[ SKIP ] %s: %s" % (fn.__name__, e))
            skipped += 1
        except Exception:
            traceback.print_exc()
            print("[ FAIL ] " + fn.__name__)
            failed += 1
    print("python: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if not ok and not failed:
        print("SKIP: no GPU: " + why)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
