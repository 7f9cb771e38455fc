"""Numerical test of rotation fusion (--fp4-fuse-rotations, SPEC 2.3) on
the CPU path.

1. Unquantized identity: `matmul(H(x), H(w)^T)` computed with fp4.hadamard
   and linalg.matmul equals `x w^T` up to f32 rounding, for every size and
   with random signs.
2. Through the PTQ pipeline: activations x and weights w are built as the
   inverse rotation of values X', W' that are exactly representable in FP4,
   so after the pass rotates them (the weight at compile time, the
   activation at run time) quantization is lossless and the quantized
   program must return `x w^T` up to f32 rounding - any wrong size, sign,
   axis or operand of the rotation shows up as a large error. Without the
   rotation the same program has the ordinary FP4 error, which is checked
   to be large (so the first check is not vacuous).

Prints one line per check and `failures: N`.
"""
import os
import subprocess
import sys

import numpy as np

import fp4_oracle as ora
import runner


def signs_for(seed, n, random):
    """The signs --fp4-fuse-rotations uses: -1 iff bit 0 of the SPEC 2.4
    generator for (seed, i) is set."""
    if not random:
        return np.ones(n)
    return np.array([-1.0 if ora.random_bits(seed, i) & 1 else 1.0
                     for i in range(n)])


def sylvester(n):
    h = np.array([[1.0]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def inverse_rotation(y, n, s):
    """x with ((x * s) H) / sqrt(n) = y, blockwise along the last dim."""
    h = sylvester(n) / np.sqrt(n)
    yb = y.reshape(-1, n).astype(np.float64)
    return ((yb @ h) * s).reshape(y.shape)


def grid_blocks(rng, rows, cols, n, peak):
    """FP4-exact values with a +-peak in every n-block, so that each block
    is encoded with y = x (block scale 1) robustly against the f32 rounding
    of the rotation: peak 6 for NVFP4 (static6 and Four Over Six scale the
    block maximum to 6; the tensor amax is a block maximum), peak 4 for
    MXFP4 (mx_ceil: 4 / 6 rounds up to 2^0 even when 4 is off by an ulp)."""
    v = rng.choice(np.array([0, 0.5, -0.5, 1, -1, 1.5, -1.5, 2, -2, 3, -3, 4, -4]),
                   size=(rows, cols))
    for b in range(0, cols, n):
        v[:, b + rng.integers(n)] = rng.choice([peak, -peak], size=rows)
    return v


def dense(arr):
    raw = np.ascontiguousarray(arr.astype(np.float32)).tobytes()
    shape = "x".join(str(d) for d in arr.shape)
    return f'dense<"0x{raw.hex().upper()}"> : tensor<{shape}xf32>'


def print_lines(tag, v, shape):
    n = int(np.prod(shape))
    s = "x".join(str(d) for d in shape)
    return [f'  vector.print str "@@{tag}\\n"',
            f"  %c_{tag} = tensor.collapse_shape {v} [[0, 1]] : tensor<{s}xf32> into tensor<{n}xf32>",
            f"  %i_{tag} = arith.bitcast %c_{tag} : tensor<{n}xf32> to tensor<{n}xi32>",
            f"  %u_{tag} = tensor.cast %i_{tag} : tensor<{n}xi32> to tensor<*xi32>",
            f"  call @printMemrefI32(%u_{tag}) : (tensor<*xi32>) -> ()"]


MATMUL_T = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
            "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]")


def run(src, passes, libs):
    p = subprocess.run(["fp4-opt", "-", *passes, "--fp4-lower-to-cpu"],
                       input=src.encode(), capture_output=True)
    if p.returncode:
        raise RuntimeError(p.stderr.decode()[-3000:])
    r = subprocess.run(["mlir-runner", "-e", "main", "-entry-point-result=void",
                        f"-shared-libs={libs}"], input=p.stdout, capture_output=True)
    if r.returncode:
        raise RuntimeError(r.stderr.decode()[-3000:])
    return {k: v.view(np.float32) for k, v in runner.parse_output(r.stdout.decode()).items()}


def rel_err(got, ref):
    got = got.astype(np.float64).reshape(ref.shape)
    return float(np.abs(got - ref).max() / np.abs(ref).max())


def main():
    libs = os.environ.get("FP4_RUNNER_LIBS")
    rng = np.random.default_rng(7)
    M, N, K = 8, 32, 128
    failures = 0

    # 1. Unquantized identity with explicit fp4.hadamard.
    lines, checks = [], []
    for n in (16, 32, 64, 128):
        for random in (False, True):
            tag = f"id{n}{'s' if random else ''}"
            x = rng.standard_t(3, size=(M, K)).astype(np.float32)
            w = rng.standard_t(3, size=(N, K)).astype(np.float32)
            attrs = f"size = {n}"
            if random:
                s = signs_for(5, n, True).astype(int)
                attrs += ", signs = array<i8: " + ", ".join(map(str, s)) + ">"
            lines += [f"  %x_{tag} = arith.constant {dense(x)}",
                      f"  %w_{tag} = arith.constant {dense(w)}",
                      f"  %hx_{tag} = fp4.hadamard %x_{tag} {{{attrs}}} : tensor<{M}x{K}xf32>",
                      f"  %hw_{tag} = fp4.hadamard %w_{tag} {{{attrs}}} : tensor<{N}x{K}xf32>",
                      f"  %z_{tag} = tensor.empty() : tensor<{M}x{N}xf32>",
                      f"  %f_{tag} = linalg.fill ins(%zero : f32) outs(%z_{tag} : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>",
                      f"  %r_{tag} = linalg.matmul {MATMUL_T} ins(%hx_{tag}, %hw_{tag} : tensor<{M}x{K}xf32>, tensor<{N}x{K}xf32>) outs(%f_{tag} : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>"]
            lines += print_lines(tag, f"%r_{tag}", (M, N))
            checks.append((tag, x.astype(np.float64) @ w.astype(np.float64).T))
    src = ("func.func private @printMemrefI32(tensor<*xi32>)\nfunc.func @main() {\n"
           "  %zero = arith.constant 0.0 : f32\n" + "\n".join(lines) + "\n  return\n}\n")
    out = run(src, [], libs)
    for tag, ref in checks:
        e = rel_err(out[tag], ref)
        ok = e < 1e-5
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} unquantized H(x) H(w)^T == x w^T  {tag:8s} rel err {e:.1e}")

    # 2. Through the pipeline: lossless after the rotation the pass inserts.
    configs = [
        # (name, format, hadamard size, random signs, pipeline options)
        ("mxfp4 rot32", "mxfp4", 32, False, "format=mxfp4 rotate=1"),
        ("mxfp4 rot32 signs", "mxfp4", 32, True, "format=mxfp4 rotate=1 random-signs=1 seed=9"),
        ("mxfp4 rot64 nofold", "mxfp4", 64, False, "format=mxfp4 rotate=1 rotation-size=64 fold=0"),
        ("nvfp4 rot16 4/6", "nvfp4", 16, False, "weight-rule=four_over_six activation-rule=four_over_six rotate=1"),
        ("nvfp4 rot32 signs", "nvfp4", 32, True, "rotate=1 rotation-size=32 random-signs=1 seed=4"),
        ("nvfp4 rot128 signs 2d", "nvfp4", 128, True, "weight-block-2d=1 rotate=1 rotation-size=128 random-signs=1 seed=3"),
    ]
    for name, fmt, n, random, opts in configs:
        s = signs_for(int(opts.split("seed=")[1]) if "seed=" in opts else 0, n, random)
        peak = 4.0 if fmt == "mxfp4" else 6.0
        xq = grid_blocks(rng, M, K, 16, peak)
        wq = grid_blocks(rng, N, K, 16, peak)
        x = inverse_rotation(xq, n, s).astype(np.float32)
        w = inverse_rotation(wq, n, s).astype(np.float32)
        ref = x.astype(np.float64) @ w.astype(np.float64).T
        src = ("func.func private @printMemrefI32(tensor<*xi32>)\n"
               f"func.func @layer(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{\n"
               f"  %w = arith.constant {dense(w)}\n"
               "  %zero = arith.constant 0.0 : f32\n"
               f"  %e = tensor.empty() : tensor<{M}x{N}xf32>\n"
               f"  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>\n"
               f"  %r = linalg.matmul {MATMUL_T} ins(%x, %w : tensor<{M}x{K}xf32>, tensor<{N}x{K}xf32>) outs(%f : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>\n"
               f"  return %r : tensor<{M}x{N}xf32>\n}}\n"
               "func.func @main() {\n"
               f"  %x = arith.constant {dense(x)}\n"
               f"  %r = func.call @layer(%x) : (tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32>\n"
               + "\n".join(print_lines("out", "%r", (M, N))) + "\n  return\n}\n")
        rotated = rel_err(run(src, [f"--fp4-ptq-pipeline={opts}"], libs)["out"], ref)
        plain = rel_err(run(src, [f"--fp4-ptq-pipeline={opts.replace('rotate=1', 'rotate=0')}"], libs)["out"], ref)
        ok = rotated < 1e-5 and plain > 1e-3
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} pipeline {name:22s} rotated rel err {rotated:.1e}, unrotated {plain:.1e}")
    print(f"failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
