"""Compiles random and adversarial fp4 programs for the CPU
(--fp4-lower-to-cpu | mlir-runner) and with the constant folder
(--fp4-fold-constants first), and compares every byte of codes, scales,
alpha, dequantized values, Hadamard outputs (and matmul results within
1e-5) with the independent Python oracle (numpy + ml_dtypes).

Prints one line per category and `mismatches: N`; exits 1 on any mismatch.
"""
import argparse
import collections
import sys

import numpy as np

import fp4_oracle as ora
import runner

NV_RULES = [("static6", "mse"), ("static4", "mse"), ("four_over_six", "mse"),
            ("four_over_six", "mae"), ("four_over_six", "absmax")]
MX_RULES = ["mx_ceil", "mx_floor"]
DTYPES = ["f32", "bf16", "f16"]


def heavy_tailed(rng, shape, scale=1.0):
    """Student-t values with a few large outliers: weight-like data."""
    x = rng.standard_t(3, size=shape) * scale
    mask = rng.random(shape) < 0.01
    x[mask] *= 30
    return x.astype(np.float32)


def round_to(x, dtype):
    """The f32 values a program sees for an input of `dtype`."""
    if dtype == "bf16":
        return ora.to_bf16(x)
    if dtype == "f16":
        return ora.to_f16(x)
    return x.astype(np.float32)


def tie_block(rng, sf):
    """A 16-block whose scaled values sit exactly on E2M1 rounding ties when
    quantized with amax 2688 * ... (enc = 1): max 6*sf, then sf * ties."""
    ties = np.array([6, .25, .75, 1.25, 1.75, 2.5, 3.5, 5, -.25, -.75, -1.25,
                     -1.75, -2.5, -3.5, -5, 0.0], np.float32)
    rng.shuffle(ties[1:])
    return (ties * np.float32(sf)).astype(np.float32)


def adversarial_nvfp4(rng):
    """Rows of 16-blocks: ties, zeros, -0, NaN/Inf, huge, tiny, subnormal."""
    blocks = []
    for sf in [0.5, 2.0, 6.5, 0.001953125, 448.0, 96.0]:
        blocks.append(tie_block(rng, sf))
    blocks.append(np.zeros(16, np.float32))
    blocks.append(-np.zeros(16, np.float32))
    b = rng.standard_normal(16).astype(np.float32); b[3] = np.nan
    blocks.append(b)
    b = rng.standard_normal(16).astype(np.float32); b[7] = np.inf
    blocks.append(b)
    b = rng.standard_normal(16).astype(np.float32); b[0] = -np.inf
    blocks.append(b)
    blocks.append((rng.standard_normal(16) * 1e38).astype(np.float32))
    blocks.append((rng.standard_normal(16) * 1e-30).astype(np.float32))
    blocks.append((rng.standard_normal(16) * 1e-40).astype(np.float32))
    b = np.full(16, -0.01, np.float32); b[0] = 6.0
    blocks.append(b)
    blocks.append(np.array([3.4e38, -3.4e38] * 8, np.float32))
    return np.stack(blocks).reshape(-1, 32)  # two blocks per row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--fp4-opt", default="fp4-opt")
    ap.add_argument("--keep", default=None, help="write the program here")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    prog = runner.Program()
    expect = {}      # tag -> (category, expected uint32 bits)
    approx = {}      # tag -> (category, expected float32 values)
    blocks = collections.Counter()

    def add_q(cat, tag, x, fmt, rule=None, metric="mse", block=None,
              amax=None, seed=None, dtype="f32", deq="f32"):
        prog.add_quantize(tag, x, fmt=fmt, rule=rule, metric=metric,
                          block=block, amax=amax, seed=seed, dtype=dtype,
                          deq_dtype=deq)
        xs = round_to(x, dtype)
        v, s, a = ora.quantize(xs, fmt, rule, metric, block, amax, seed)
        expect[f"{tag}.values"] = (cat, v.reshape(-1).astype(np.uint32))
        expect[f"{tag}.scales"] = (cat, s.reshape(-1).astype(np.uint32))
        if fmt == "nvfp4":
            expect[f"{tag}.alpha"] = (cat, np.array([a], np.float32).view(np.uint32))
        d = ora.dequantize(v, s, a, fmt, block)
        bits = (d.view(np.uint32) if deq == "f32"
                else (ora.bf16_bits(d) if deq == "bf16" else ora.f16_bits(d)).astype(np.uint32))
        expect[f"{tag}.deq"] = (cat, bits.reshape(-1))
        blocks[cat] += s.size

    n = 0
    def tag():
        nonlocal n
        n += 1
        return f"c{n}"

    # Random heavy-tailed tensors, every nvfp4 rule/metric, dtype, block.
    for rule, metric in NV_RULES:
        for dtype in DTYPES:
            add_q("nvfp4-random", tag(), heavy_tailed(rng, (32, 64)), "nvfp4",
                  rule, metric, (1, 16), dtype=dtype)
        add_q("nvfp4-16x16", tag(), heavy_tailed(rng, (2, 32, 64)), "nvfp4",
              rule, metric, (16, 16), dtype="bf16", deq="bf16")
        # Explicit amax, smaller than the tensor max (saturating scales).
        x = heavy_tailed(rng, (16, 64))
        add_q("nvfp4-amax", tag(), x, "nvfp4", rule, metric,
              amax=float(np.abs(x).max() * 0.3))
        # Adversarial blocks with enc = 1 (amax = Mq * Ms).
        mqms = {"static6": 2688.0, "static4": 1792.0, "four_over_six": 1536.0}[rule]
        add_q("nvfp4-adversarial", tag(), adversarial_nvfp4(rng), "nvfp4",
              rule, metric, amax=mqms)
        add_q("nvfp4-adversarial", tag(), adversarial_nvfp4(rng), "nvfp4",
              rule, metric)
        # Stochastic rounding.
        add_q("nvfp4-stochastic", tag(), heavy_tailed(rng, (16, 64)), "nvfp4",
              rule, metric, seed=int(rng.integers(0, 2**63)))
    # Edge tensors: all zero, zeros with NaN (A == 0 wins), tiny amax.
    add_q("nvfp4-edge", tag(), np.zeros((2, 32), np.float32), "nvfp4")
    z = np.zeros((2, 32), np.float32); z[1, 3] = np.nan
    add_q("nvfp4-edge", tag(), z, "nvfp4", "four_over_six")
    add_q("nvfp4-edge", tag(), (rng.standard_normal((4, 32)) * 1e-39).astype(np.float32), "nvfp4")
    add_q("nvfp4-edge", tag(), heavy_tailed(rng, (2, 32)), "nvfp4", amax=0.0)
    # Subnormal amax: 1 / (alpha * sf) overflows to Inf and 0 * Inf is NaN,
    # which must encode as +0 (the sign of a NaN is not portable).
    t = np.zeros((2, 32), np.float32); t[0, 0] = 2e-39; t[1, 5] = -1e-39
    t[0, 1] = -0.0; t[1, 17] = 3e-40
    for rule, metric in NV_RULES:
        add_q("nvfp4-edge", tag(), t, "nvfp4", rule, metric)
        add_q("nvfp4-edge", tag(), t, "nvfp4", rule, metric, seed=5)
    # Odd shapes: rank 1, rank 3, 17 rows, 48 rows of 16x16.
    add_q("shapes", tag(), heavy_tailed(rng, (48,)), "nvfp4", "four_over_six")
    add_q("shapes", tag(), heavy_tailed(rng, (3, 5, 48)), "nvfp4", "static4", dtype="f16")
    add_q("shapes", tag(), heavy_tailed(rng, (17, 80)), "nvfp4", "static6")
    add_q("shapes", tag(), heavy_tailed(rng, (48, 32)), "nvfp4", "four_over_six", "mae", (16, 16))
    add_q("shapes", tag(), heavy_tailed(rng, (3, 96)), "mxfp4", "mx_floor")

    # MXFP4.
    for rule in MX_RULES:
        for dtype in DTYPES:
            x = heavy_tailed(rng, (32, 64)) * np.float32(2.0) ** rng.integers(-20, 20, (32, 1)).astype(np.float32)
            add_q("mxfp4-random", tag(), x.astype(np.float32), "mxfp4", rule, dtype=dtype)
        a = adversarial_nvfp4(rng).reshape(-1, 64)
        add_q("mxfp4-adversarial", tag(), a, "mxfp4", rule)
        add_q("mxfp4-stochastic", tag(), heavy_tailed(rng, (16, 64)), "mxfp4", rule,
              seed=int(rng.integers(0, 2**63)))

    # Explicit scales (random bytes incl. 0, NaN, subnormal).
    for fmt in ["nvfp4", "mxfp4"]:
        for seed in [None, 77]:
            x = heavy_tailed(rng, (8, 64))
            bc = 16 if fmt == "nvfp4" else 32
            if fmt == "nvfp4":
                sc = rng.integers(0, 0x7F, (8, 64 // bc)).astype(np.uint8)
                sc[0, 0], sc[1, 1], sc[2, 2] = 0, 0x7F, 1
                alpha = float(np.float32(rng.random() * 0.1 + 1e-3))
            else:
                sc = rng.integers(110, 140, (8, 64 // bc)).astype(np.uint8)
                sc[0, 0], sc[1, 1], sc[2, 0] = 0, 0xFF, 254
                alpha = None
            t = tag()
            prog.add_quantize_with_scales(t, x, sc, alpha, fmt=fmt, seed=seed)
            v, s, a = ora.quantize_with_scales(x, fmt, sc, alpha, seed=seed)
            expect[f"{t}.values"] = ("with-scales", v.reshape(-1).astype(np.uint32))
            expect[f"{t}.scales"] = ("with-scales", s.reshape(-1).astype(np.uint32))
            d = ora.dequantize(v, s, a, fmt)
            expect[f"{t}.deq"] = ("with-scales", d.view(np.uint32).reshape(-1))
            blocks["with-scales"] += s.size

    # Scale selection.
    for rule, metric in NV_RULES:
        for block in [(1, 16), (16, 16)]:
            x = heavy_tailed(rng, (32, 64))
            t = tag()
            prog.add_scale_select(t, x, "nvfp4", rule, metric, block)
            s, a = ora.select_scales(x, "nvfp4", rule, metric, block)
            expect[f"{t}.scales"] = ("scale-select", s.reshape(-1).astype(np.uint32))
            expect[f"{t}.alpha"] = ("scale-select", np.array([a], np.float32).view(np.uint32))
            blocks["scale-select"] += s.size
    for rule in MX_RULES:
        x = heavy_tailed(rng, (16, 64))
        t = tag()
        prog.add_scale_select(t, x, "mxfp4", rule)
        s, _ = ora.select_scales(x, "mxfp4", rule)
        expect[f"{t}.scales"] = ("scale-select", s.reshape(-1).astype(np.uint32))
        blocks["scale-select"] += s.size

    # Hadamard.
    for size in [16, 32, 64, 128]:
        for dtype in DTYPES:
            for with_signs in [False, True]:
                x = heavy_tailed(rng, (8, 256))
                # NaN inputs with odd payloads and signs: the outputs must be
                # the canonical quiet NaN on every path.
                x.view(np.uint32)[0, 3] = 0xFFC00123
                x.view(np.uint32)[1, 200] = 0x7F800001
                x[2, 17] = np.inf
                signs = rng.choice([-1, 1], size) if with_signs else None
                t = tag()
                prog.add_hadamard(t, x, size, signs, dtype=dtype)
                y = ora.hadamard(round_to(x, dtype), size, signs)
                bits = (y.view(np.uint32) if dtype == "f32"
                        else (ora.bf16_bits(y) if dtype == "bf16" else ora.f16_bits(y)).astype(np.uint32))
                expect[f"{t}.out"] = ("hadamard", bits.reshape(-1))
                blocks["hadamard"] += x.size // size

    # Matmul (within 1e-5 relative; accumulation order is free).
    for fmt, ba, bb in [("nvfp4", None, None), ("nvfp4", None, (16, 16)),
                        ("mxfp4", None, None)]:
        a = heavy_tailed(rng, (8, 128))
        b = heavy_tailed(rng, (32, 128))
        t = tag()
        prog.add_matmul(t, a, b, fmt=fmt, block_a=ba, block_b=bb)
        qa = ora.quantize(a, fmt, block=ba)
        qb = ora.quantize(b, fmt, block=bb)
        approx[f"{t}.out"] = ("matmul", ora.matmul(qa, qb, fmt, ba, bb).reshape(-1))

    results = {}
    for path, fold in [("cpu", False), ("fold", True)]:
        results[path] = prog.run(fp4_opt=args.fp4_opt, fold=fold,
                                 keep=args.keep if not fold else None)

    mismatches = 0
    per_cat = collections.Counter()
    for path, out in results.items():
        for t, (cat, want) in expect.items():
            got = out.get(t)
            if got is None or got.shape != want.shape or (got != want).any():
                bad = -1 if got is None or got.shape != want.shape else int((got != want).sum())
                idx = [] if bad < 0 else list(np.nonzero(got != want)[0][:4])
                print(f"MISMATCH {path} {t} ({cat}): {bad} elements differ, first at {idx}"
                      + ("" if bad < 0 else f" got {[hex(got[i]) for i in idx]} want {[hex(want[i]) for i in idx]}"))
                mismatches += 1
                per_cat[cat] += 1
        for t, (cat, want) in approx.items():
            got = out[t].astype(np.uint32).view(np.float32).astype(np.float64)
            rel = np.linalg.norm(got - want) / np.linalg.norm(want)
            if not rel <= 1e-5:
                print(f"MISMATCH {path} {t} ({cat}): relative error {rel:.3g}")
                mismatches += 1
    for cat in sorted(set(c for c, _ in expect.values()) | {"matmul"}):
        print(f"{cat}: {blocks[cat]} blocks, {per_cat[cat]} mismatching outputs")
    print(f"outputs compared: {2 * (len(expect) + len(approx))}")
    print(f"mismatches: {mismatches}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
