"""Measures the Four Over Six authors' implementation (the `fouroversix`
package, carried to the GPU machine as its PyPI sdist and imported from its
sources: its Blackwell-only CUDA extension is not built) on the same
quantize problems as bench_fp4.py: 8192x8192 bf16 -> NVFP4 with static_6,
four_over_six (mse) and a 16-point random Hadamard transform + four_over_six.
Every backend that runs on this GPU is timed (CUDA events, median of 20);
one that fails prints why.

    python3 fouroversix_peer.py --lib DIR   # DIR: the sdist's src/
"""
import argparse
import statistics
import sys

import torch


def time_ms(fn, reps=20):
    fn()
    torch.cuda.synchronize()
    start = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    end = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    for i in range(reps):
        start[i].record()
        fn()
        end[i].record()
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in zip(start, end))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    args = ap.parse_args()
    sys.path.insert(0, args.lib)
    try:
        import fouroversix
        from fouroversix.quantize import QuantizationConfig, quantize_to_fp4
    except Exception as e:  # noqa: BLE001 - report whatever stops it
        print(f"fouroversix: import failed: {type(e).__name__}: {e}")
        return 0
    print(f"fouroversix {getattr(fouroversix, '__version__', '?')} on "
          f"{torch.cuda.get_device_name()}")
    n = 1 << 28
    a8 = torch.empty(n, dtype=torch.uint8, device="cuda")
    b8 = torch.empty_like(a8)
    copy_gbs = 2 * n / time_ms(lambda: b8.copy_(a8), 50) / 1e6
    del a8, b8
    r = c = 8192
    x = torch.randn(r, c, device="cuda").to(torch.bfloat16)
    nbytes = r * c * 2 + r * c // 2 + r * c // 16
    for backend in ["cuda", "triton", "pytorch"]:
        for label, cfg in [("static6", dict(scale_rule="static_6")),
                           ("4/6 (mse)", dict(scale_rule="mse")),
                           ("RHT16 + 4/6", dict(scale_rule="mse", rht=True))]:
            name = f"fouroversix {backend:8s} quantize nvfp4 {label} {r}x{c}"
            try:
                config = QuantizationConfig(backend=backend, **cfg)
                ms = time_ms(lambda: quantize_to_fp4(x, config))
                gbs = nbytes / ms / 1e6
                frac = f"  {100 * gbs / copy_gbs:5.1f}% of copy"
                print(f"{name:60s} {ms * 1e3:10.1f} us {gbs:8.0f} GB/s{frac}")
            except Exception as e:  # noqa: BLE001
                msg = str(e).strip().splitlines()[0][:110] if str(e).strip() else ""
                print(f"{name:60s} does not run here: {type(e).__name__}: {msg}")
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
