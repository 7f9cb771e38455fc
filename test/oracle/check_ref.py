#!/usr/bin/env python3
"""Compares fp4-ref (the C++ numerics core) with fp4_oracle (Python).

Generates random and adversarial tensors - exact E2M1 ties after scaling,
block maxima next to E4M3 rounding boundaries, saturation, subnormal scales
and tiny amax, zero blocks, -0.0, NaN/Inf elements, 16x16 tiles, explicit
amax (also below the block maximum), every nvfp4 rule and metric, both mxfp4
rules, stochastic rounding with seeds, Hadamard with random signs, odd shapes
- runs `fp4-ref` and the oracle on each, and compares every byte of the
values, scales and alpha, plus the bits of the dequantized output (NaNs
compare equal to NaNs). Element conversions and the random-bit generator
are swept exhaustively (all bf16 patterns, all 8/16-bit encodings, ~1.3M f32
patterns).

Prints per-category counts and `mismatches: N`; exits 1 on any mismatch.

Usage: check_ref.py --fp4-ref PATH/TO/fp4-ref [--count 3000] [--seed 1]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fp4_oracle as O  # noqa: E402

F32 = np.float32
NV_RULES = ("static6", "static4", "four_over_six")
MX_RULES = ("mx_ceil", "mx_floor")
NV_MQ_MS = {"static6": (6, 448), "static4": (4, 448),
            "four_over_six": (6, 256)}
E2M1_TIES = (0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0)
E2M1_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


class RefFailure(Exception):
    pass


# ---------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------

class Checker:
    def __init__(self, exe, tmp, verbose):
        self.exe = exe
        self.tmp = tmp
        self.verbose = verbose
        self.stats = {}  # category -> [cases, mismatches]
        self.reported = 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def ref(self, *args):
        cmd = [self.exe] + [str(a) for a in args]
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RefFailure(" ".join(cmd) + "\n" + r.stderr)

    def case(self, category, ok, detail):
        entry = self.stats.setdefault(category, [0, 0])
        entry[0] += 1
        if not ok:
            entry[1] += 1
            if self.verbose or self.reported < 20:
                print(f"MISMATCH [{category}] {detail()}", flush=True)
            self.reported += 1

    def read(self, name, dtype):
        return np.fromfile(self.path(name), dtype=dtype)

    def write(self, name, array):
        np.ascontiguousarray(array).tofile(self.path(name))
        return self.path(name)


def same_f32(a, b):
    """Bit equality of f32 arrays; any NaN equals any NaN."""
    a = np.asarray(a, np.float32).reshape(-1)
    b = np.asarray(b, np.float32).reshape(-1)
    if a.shape != b.shape:
        return False
    an, bn = np.isnan(a), np.isnan(b)
    return (np.array_equal(an, bn) and
            np.array_equal(a[~an].view(np.uint32), b[~bn].view(np.uint32)))


def first_diff(a, b):
    a = np.asarray(a).reshape(-1)
    b = np.asarray(b).reshape(-1)
    if a.shape != b.shape:
        return f"shapes {a.shape} vs {b.shape}"
    idx = np.nonzero(a.view(np.uint8) != b.view(np.uint8))[0] \
        if a.dtype == np.uint8 else np.nonzero(~((a == b) | (
            np.isnan(a) & np.isnan(b))))[0]
    if idx.size == 0:
        return "none"
    i = idx[0]
    return f"index {i}: ref {a[i]!r} oracle {b[i]!r} ({idx.size} differ)"


def hexf(v):
    return float(F32(v)).hex()


def block_arg(block):
    return f"{block[0]}x{block[1]}"


# ---------------------------------------------------------------------------
# Value generators
# ---------------------------------------------------------------------------

def rand_values(rng, n):
    kind = rng.integers(0, 7)
    if kind == 0:
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3)
    elif kind == 1:
        x = rng.laplace(size=n) * 10.0 ** rng.uniform(-2, 2)
    elif kind == 2:  # E2M1 grid values times a power of two.
        x = (rng.choice(E2M1_GRID, n) * rng.choice([-1, 1], n)
             * 2.0 ** rng.integers(-8, 8))
    elif kind == 3:
        x = rng.integers(-100, 100, n).astype(np.float64)
    elif kind == 4:  # Log-uniform magnitudes over a wide range.
        x = rng.choice([-1, 1], n) * 10.0 ** rng.uniform(-30, 30, n)
    elif kind == 5:  # Sparse, with signed zeros.
        x = rng.standard_normal(n)
        x[rng.random(n) < 0.6] = 0.0
        x[rng.random(n) < 0.2] = -0.0
    else:  # Outliers.
        x = rng.standard_normal(n)
        x[rng.integers(0, n, max(1, n // 20))] *= 1000.0
    return x.astype(np.float32)


def rand_shape(rng, block, odd=True):
    br, bc = block
    if br > 1:
        rows = br * int(rng.choice([1, 1, 2, 3]))
    else:
        rows = int(rng.choice([1, 2, 3, 4, 5, 7, 17] if odd else [1, 2, 4]))
    cols = bc * int(rng.choice([1, 2, 3, 4]))
    return rows, cols


def nudge(rng, v, max_ulps=2):
    """v moved by a random number of f32 ulps in [-max_ulps, max_ulps]."""
    v = F32(v)
    steps = int(rng.integers(-max_ulps, max_ulps + 1))
    toward = F32(np.inf) if steps > 0 else F32(-np.inf)
    for _ in range(abs(steps)):
        v = np.nextafter(v, toward)
    return v


def e4m3_value(code):
    return float(O.e4m3_decode(np.array([code], np.uint8))[0])


def nv_block(rng, fmt):
    if fmt == "mxfp4":
        return (1, 32)
    return (16, 16) if rng.random() < 0.25 else (1, 16)


# ---------------------------------------------------------------------------
# Core comparisons
# ---------------------------------------------------------------------------

def check_quantize(ck, category, x, fmt, rule=None, metric=None, block=None,
                   amax=None, seed=None):
    rows, cols = x.shape
    block = block or ((1, 16) if fmt == "nvfp4" else (1, 32))
    xin = ck.write("x.f32", x.astype(np.float32))
    args = ["quantize", "--format", fmt, "--rows", rows, "--cols", cols,
            "--block", block_arg(block), "--in", xin, "--out", ck.path("q")]
    if rule:
        args += ["--rule", rule]
    if metric:
        args += ["--metric", metric]
    if amax is not None:
        args += ["--amax", hexf(amax)]
    if seed is not None:
        args += ["--seed", seed]
    ck.ref(*args)
    rv = ck.read("q.values", np.uint8)
    rs = ck.read("q.scales", np.uint8)
    ra = ck.read("q.alpha", np.float32)
    ov, os_, oa = O.quantize(x, fmt, rule, metric or "mse", block, amax, seed)
    desc = (f"{fmt} rule={rule} metric={metric} block={block_arg(block)} "
            f"shape={rows}x{cols} amax={amax} seed={seed}")
    ok_v = np.array_equal(rv, ov.reshape(-1))
    ok_s = np.array_equal(rs, os_.reshape(-1))
    ok_a = ra.size == 1 and ra.view(np.uint32)[0] == np.array(
        [oa], np.float32).view(np.uint32)[0]
    ck.case(category, ok_v and ok_s and ok_a, lambda: (
        f"{desc}: values {first_diff(rv, ov)}; scales {first_diff(rs, os_)};"
        f" alpha ref {ra} oracle {oa}"))
    # Dequantize each side's own result.
    ck.ref("dequantize", "--format", fmt, "--block", block_arg(block),
           "--rows", rows, "--cols", cols, "--in", ck.path("q"),
           "--out", ck.path("d.f32"))
    rd = ck.read("d.f32", np.float32)
    od = O.dequantize(ov, os_, oa, fmt, block)
    ck.case("dequantize", same_f32(rd, od),
            lambda: f"{desc}: {first_diff(rd, od)}")
    return ov, os_, oa


def check_scale_select(ck, category, x, fmt, rule=None, metric=None,
                       block=None, amax=None, seed=None):
    rows, cols = x.shape
    block = block or ((1, 16) if fmt == "nvfp4" else (1, 32))
    xin = ck.write("x.f32", x)
    args = ["scale-select", "--format", fmt, "--rows", rows, "--cols", cols,
            "--block", block_arg(block), "--in", xin, "--out", ck.path("s")]
    if rule:
        args += ["--rule", rule]
    if metric:
        args += ["--metric", metric]
    if amax is not None:
        args += ["--amax", hexf(amax)]
    ck.ref(*args)
    rs = ck.read("s.scales", np.uint8)
    ra = ck.read("s.alpha", np.float32)
    os_, oa = O.select_scales(x, fmt, rule, metric or "mse", block, amax)
    desc = (f"{fmt} rule={rule} metric={metric} block={block_arg(block)} "
            f"shape={rows}x{cols} amax={amax}")
    ok = np.array_equal(rs, os_.reshape(-1)) and same_f32(ra, [oa])
    ck.case(category, ok,
            lambda: f"{desc}: scales {first_diff(rs, os_)} alpha {ra} {oa}")
    # Encode with those scales (and a seed sometimes).
    check_with_scales(ck, "quantize-with-scales", x, fmt, block, os_, oa,
                      seed)
    # Oracle self-consistency: quantize == quantize_with_scales(select).
    qv, qs, qa = O.quantize(x, fmt, rule, metric or "mse", block, amax)
    wv, ws, wa = O.quantize_with_scales(x, fmt, os_, oa, block)
    ck.case("oracle-self-consistency",
            np.array_equal(qv, wv) and np.array_equal(qs, ws) and
            same_f32([qa], [wa]), lambda: desc)


def check_with_scales(ck, category, x, fmt, block, scales, alpha, seed):
    rows, cols = x.shape
    xin = ck.write("x.f32", x)
    sin = ck.write("sc.u8", np.asarray(scales, np.uint8))
    args = ["quantize-with-scales", "--format", fmt, "--rows", rows,
            "--cols", cols, "--block", block_arg(block), "--scales", sin,
            "--in", xin, "--out", ck.path("w")]
    if fmt == "nvfp4":
        args += ["--alpha", hexf(alpha)]
    if seed is not None:
        args += ["--seed", seed]
    ck.ref(*args)
    rv = ck.read("w.values", np.uint8)
    rs = ck.read("w.scales", np.uint8)
    ra = ck.read("w.alpha", np.float32)
    ov, os_, oa = O.quantize_with_scales(
        x, fmt, scales, alpha if fmt == "nvfp4" else None, block, seed)
    desc = (f"{fmt} block={block_arg(block)} shape={rows}x{cols} "
            f"alpha={alpha} seed={seed}")
    ck.case(category,
            np.array_equal(rv, ov.reshape(-1)) and
            np.array_equal(rs, os_.reshape(-1)) and same_f32(ra, [oa]),
            lambda: f"{desc}: values {first_diff(rv, ov)}")


# ---------------------------------------------------------------------------
# Categories of tensor cases
# ---------------------------------------------------------------------------

def nv_rule_metric(rng):
    rule = str(rng.choice(NV_RULES))
    metric = str(rng.choice(("mse", "mae", "absmax"))) \
        if rule == "four_over_six" else None
    return rule, metric


def maybe_seed(rng, p=0.2):
    if rng.random() < p:
        return int(rng.integers(0, 2 ** 63)) * 2 + int(rng.integers(0, 2))
    return None


def cat_nvfp4_random(ck, rng):
    rule, metric = nv_rule_metric(rng)
    block = nv_block(rng, "nvfp4")
    rows, cols = rand_shape(rng, block)
    x = rand_values(rng, rows * cols).reshape(rows, cols)
    amax = None
    if rng.random() < 0.2:
        amax = F32(np.abs(x).max() * rng.choice([0.5, 1.0, 1.0, 2.0, 7.3]))
    check_quantize(ck, "nvfp4-random", x, "nvfp4", rule, metric, block, amax,
                   maybe_seed(rng, 0.15))


def cat_nvfp4_ties(ck, rng):
    """Blocks whose scaled values are exact E2M1 ties (or within an ulp)."""
    rule, metric = nv_rule_metric(rng)
    mq, ms = NV_MQ_MS[rule]
    block = nv_block(rng, "nvfp4")
    rows, cols = rand_shape(rng, block, odd=False)
    bsize = block[0] * block[1]
    x = np.empty(rows * cols, np.float32)
    # enc = 1 with the explicit amax Mq * Ms: s = b / Mq lands on an E4M3
    # value v, so y = x * (1 / v) is exact for powers of two.
    for start in range(0, rows * cols, bsize):
        if rng.random() < 0.6:
            v = 2.0 ** int(rng.integers(-9, 9))
        else:
            v = e4m3_value(int(rng.integers(1, 0x7F)))
        v = min(v, ms)
        ties = rng.choice(E2M1_TIES + E2M1_GRID, bsize)
        ties = ties[ties < mq] if mq == 4 else ties
        vals = rng.choice(ties if ties.size else [0.5], bsize) * v
        vals *= rng.choice([-1, 1], bsize)
        vals[int(rng.integers(0, bsize))] = mq * v * rng.choice([-1, 1])
        x[start:start + bsize] = vals
        if rng.random() < 0.2:  # Off by one ulp.
            k = int(rng.integers(0, bsize))
            x[start + k] = nudge(rng, x[start + k], 1)
    x2 = O._from_blocks(x.reshape(-1, bsize), rows, cols, *block)
    amax = F32(mq * ms) if rng.random() < 0.8 else None
    check_quantize(ck, "nvfp4-ties", x2, "nvfp4", rule, metric, block, amax,
                   maybe_seed(rng, 0.1))


def cat_nvfp4_e4m3_boundary(ck, rng):
    """Block maxima whose s = (b / Mq) * enc sits on an E4M3 midpoint."""
    rule, metric = nv_rule_metric(rng)
    mq, ms = NV_MQ_MS[rule]
    block = nv_block(rng, "nvfp4")
    rows, cols = rand_shape(rng, block, odd=False)
    bsize = block[0] * block[1]
    blocks = []
    for _ in range(rows * cols // bsize):
        k = int(rng.integers(0, 0x7E))
        mid = (e4m3_value(k) + e4m3_value(k + 1)) / 2
        if rule == "four_over_six" and rng.random() < 0.5:
            mid = mid / 1.5  # Target the sf4 = e4m3(s * 1.5) rounding.
        b = abs(nudge(rng, F32(mid * mq), 2))
        vals = rng.uniform(-1, 1, bsize).astype(np.float32) * b
        vals[int(rng.integers(0, bsize))] = b * rng.choice([-1, 1])
        blocks.append(vals)
    x = O._from_blocks(np.stack(blocks), rows, cols, *block)
    amax = F32(mq * ms) if rng.random() < 0.7 else None
    check_quantize(ck, "nvfp4-e4m3-boundary", x, "nvfp4", rule, metric, block,
                   amax)


def error_tie_block(rng, size):
    """A four_over_six block whose two candidates have EQUAL exact errors.

    With block max 48 (enc = 1): sf6 = 8 (grid 0,4,8,12,16,24,32,48) and
    sf4 = 12 (grid 0,6,12,18,24,36,48,72). The pair (4+u, 6+u) has errors
    (u, 2-u) under sf6 and (2-u, u) under sf4; (16+u, 18-u) likewise; 12+t
    has the same error under both. The exact sums tie, so the f32 rounding of
    the error tree - its order - decides which candidate is kept.
    """
    x = [F32(48)]
    while len(x) + 2 <= size:
        u = F32(rng.uniform(0.05, 0.95))
        if rng.random() < 0.5:
            x += [F32(4) + u, F32(6) + u]
        else:
            x += [F32(16) + u, F32(18) - u]
    while len(x) < size:
        x.append(F32(12) + F32(rng.uniform(-0.9, 0.9)))
    x = np.array(x, np.float32) * rng.choice([-1, 1], size).astype(np.float32)
    rng.shuffle(x)
    return x


def cat_nvfp4_error_ties(ck, rng):
    """four_over_six blocks decided by the rounding of the error tree."""
    metric = str(rng.choice(("mse", "mae", "absmax")))
    block = (16, 16) if rng.random() < 0.3 else (1, 16)
    rows, cols = rand_shape(rng, block, odd=False)
    bsize = block[0] * block[1]
    xb = np.stack([error_tie_block(rng, bsize)
                   for _ in range(rows * cols // bsize)])
    k = int(rng.integers(-20, 20))  # A power-of-two scaling keeps the ties.
    x = (O._from_blocks(xb, rows, cols, *block) * F32(2.0 ** k)).astype(
        np.float32)
    amax = F32(1536 * 2.0 ** k) if rng.random() < 0.5 else None
    check_quantize(ck, "nvfp4-error-ties", x, "nvfp4", "four_over_six",
                   metric, block, amax)


def cat_nvfp4_saturation(ck, rng):
    rule, metric = nv_rule_metric(rng)
    block = nv_block(rng, "nvfp4")
    rows, cols = rand_shape(rng, block)
    x = rand_values(rng, rows * cols).reshape(rows, cols)
    mode = rng.integers(0, 3)
    amax = None
    if mode == 0:  # amax below the block maxima: scales saturate at 448.
        amax = F32(np.abs(x).max() / rng.uniform(1.1, 1e4))
    elif mode == 1:  # Near FLT_MAX: dequantized candidates may overflow.
        x = (x / max(np.abs(x).max(), 1e-30) * F32(3.4e38)).astype(np.float32)
    else:
        x[0, 0] = F32(np.finfo(np.float32).max) * rng.choice([-1, 1])
        amax = F32(rng.choice([1.0, 1e10, 3e38]))
    if amax is not None and amax == 0:
        amax = F32(1e-3)
    check_quantize(ck, "nvfp4-saturation", x, "nvfp4", rule, metric, block,
                   amax, maybe_seed(rng, 0.1))


def cat_nvfp4_tiny(ck, rng):
    rule, metric = nv_rule_metric(rng)
    block = nv_block(rng, "nvfp4")
    rows, cols = rand_shape(rng, block)
    n = rows * cols
    mode = rng.integers(0, 3)
    amax = None
    if mode == 0:  # f32 subnormal / tiny elements: enc clamps to FLT_MAX.
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-45, -34)
    elif mode == 1:  # Large amax, tiny blocks: subnormal or zero scales.
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-7, -2)
        amax = F32(10.0 ** rng.uniform(0, 3))
    else:  # Explicit tiny amax.
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-40, -20)
        amax = F32(10.0 ** rng.uniform(-44, -30))
    x = x.astype(np.float32).reshape(rows, cols)
    if amax is not None and amax == 0:
        amax = F32(1e-45)
    check_quantize(ck, "nvfp4-tiny", x, "nvfp4", rule, metric, block, amax,
                   maybe_seed(rng, 0.1))


NAN_PATTERNS = np.array([0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFFFFFFF,
                         0x7F800000, 0xFF800000], np.uint32).view(np.float32)


def cat_nvfp4_special(ck, rng):
    rule, metric = nv_rule_metric(rng)
    block = nv_block(rng, "nvfp4")
    rows, cols = rand_shape(rng, block)
    n = rows * cols
    x = rand_values(rng, n)
    amax = None
    mode = rng.integers(0, 6)
    if mode == 0:  # All zero (with -0.0).
        x = np.where(rng.random(n) < 0.5, F32(0), F32(-0.0)).astype(np.float32)
    elif mode == 1:  # Only NaN/Inf and zeros: A == 0 stops.
        x = np.zeros(n, np.float32)
        x[rng.integers(0, n, 3)] = rng.choice(NAN_PATTERNS, 3)
    elif mode == 2:  # NaN/Inf elements in some blocks.
        k = int(rng.integers(1, 4))
        x[rng.integers(0, n, k)] = rng.choice(NAN_PATTERNS, k)
    elif mode == 3:  # Zero blocks between regular ones.
        xb = O._to_blocks(x.reshape(rows, cols), *block).copy()
        xb[rng.random(xb.shape[0]) < 0.5] = F32(-0.0)
        x = O._from_blocks(xb, rows, cols, *block).reshape(-1)
    elif mode == 4:  # Explicit amax 0 (SPEC: stop), or a degenerate amax
        # (negative, +-Inf: computed literally, as SPEC 2.1 writes it).
        amax = F32(rng.choice([0.0, -0.0, -3.0, np.inf, -np.inf]))
    else:  # Every element non-finite.
        x = rng.choice(NAN_PATTERNS, n).astype(np.float32)
    check_quantize(ck, "nvfp4-special", x.reshape(rows, cols), "nvfp4", rule,
                   metric, block, amax, maybe_seed(rng, 0.15))


def cat_nvfp4_16x16(ck, rng):
    rule, metric = nv_rule_metric(rng)
    rows = 16 * int(rng.choice([1, 2, 3]))
    cols = 16 * int(rng.choice([1, 2, 3, 5]))
    x = rand_values(rng, rows * cols).reshape(rows, cols)
    if rng.random() < 0.15:
        x[rng.integers(0, rows), rng.integers(0, cols)] = F32(np.nan)
    amax = F32(np.abs(x[np.isfinite(x)]).max() * rng.uniform(0.3, 3)) \
        if rng.random() < 0.2 else None
    check_quantize(ck, "nvfp4-16x16", x, "nvfp4", rule, metric, (16, 16),
                   amax, maybe_seed(rng, 0.2))


def cat_nvfp4_stochastic(ck, rng):
    rule, metric = nv_rule_metric(rng)
    block = nv_block(rng, "nvfp4")
    rows, cols = rand_shape(rng, block)
    x = rand_values(rng, rows * cols).reshape(rows, cols)
    seeds = [0, 1, 2 ** 64 - 1, int(rng.integers(0, 2 ** 62))]
    seed = seeds[int(rng.integers(0, len(seeds)))]
    amax = F32(np.abs(x).max()) if rng.random() < 0.2 else None
    if amax is not None and not np.isfinite(amax):
        amax = None
    check_quantize(ck, "nvfp4-stochastic", x, "nvfp4", rule, metric, block,
                   amax, seed)


def cat_mxfp4_random(ck, rng):
    rule = str(rng.choice(MX_RULES))
    rows, cols = rand_shape(rng, (1, 32))
    x = rand_values(rng, rows * cols).reshape(rows, cols)
    check_quantize(ck, "mxfp4-random", x, "mxfp4", rule, None, (1, 32),
                   None, maybe_seed(rng, 0.25))


def cat_mxfp4_adversarial(ck, rng):
    """Block maxima at 6*2^k, 4*2^k, 2^k (+-ulps), subnormals, huge values,
    exact ties after scaling, zero and NaN blocks."""
    rule = str(rng.choice(MX_RULES))
    rows, cols = rand_shape(rng, (1, 32))
    blocks = []
    for _ in range(rows * cols // 32):
        k = int(rng.integers(-150, 127))
        mode = rng.integers(0, 6)
        if mode == 0:
            with np.errstate(over="ignore"):
                b = F32(np.ldexp(float(rng.choice([6.0, 4.0, 1.0, 3.0])), k))
        elif mode == 1:
            b = F32(np.ldexp(1.0, int(rng.integers(-149, -120))))  # Tiny.
        elif mode == 2:
            b = F32(np.finfo(np.float32).max) / F32(rng.choice([1, 2, 7]))
        else:
            b = F32(np.ldexp(float(rng.choice([6.0, 4.0, 1.0])),
                             int(rng.integers(-20, 20))))
        with np.errstate(over="ignore"):
            b = abs(nudge(rng, b, 2))
        if not np.isfinite(b) or b == 0:
            b = F32(6.0)
        ties = np.array(E2M1_TIES + E2M1_GRID)
        ties = ties * rng.choice([-1, 1], ties.size)
        scale = np.ldexp(1.0, int(np.floor(np.log2(float(b)))) - 2)
        vals = (rng.choice(ties, 32) * scale).astype(np.float32)
        vals = np.clip(vals, -b, b).astype(np.float32)
        vals[int(rng.integers(0, 32))] = b * rng.choice([-1, 1])
        if mode == 4:
            vals[:] = F32(-0.0) if rng.random() < 0.5 else F32(0)
        if mode == 5 and rng.random() < 0.5:
            vals[int(rng.integers(0, 32))] = rng.choice(NAN_PATTERNS)
        blocks.append(vals)
    x = np.concatenate(blocks).reshape(rows, cols)
    check_quantize(ck, "mxfp4-adversarial", x, "mxfp4", rule, None, (1, 32),
                   None, maybe_seed(rng, 0.2))


def cat_scale_select(ck, rng):
    fmt = "nvfp4" if rng.random() < 0.75 else "mxfp4"
    if fmt == "nvfp4":
        rule, metric = nv_rule_metric(rng)
    else:
        rule, metric = str(rng.choice(MX_RULES)), None
    block = nv_block(rng, fmt)
    rows, cols = rand_shape(rng, block)
    x = rand_values(rng, rows * cols).reshape(rows, cols)
    if rng.random() < 0.15:
        x[rng.integers(0, rows), rng.integers(0, cols)] = F32(np.inf)
    amax = None
    if fmt == "nvfp4" and rng.random() < 0.2:
        amax = F32(np.abs(x[np.isfinite(x)]).max() * rng.uniform(0.2, 4))
    check_scale_select(ck, "scale-select", x, fmt, rule, metric, block, amax,
                       maybe_seed(rng, 0.3))


def cat_with_scales_random(ck, rng):
    """quantize-with-scales with arbitrary scale bytes and alpha."""
    fmt = "nvfp4" if rng.random() < 0.7 else "mxfp4"
    block = nv_block(rng, fmt)
    rows, cols = rand_shape(rng, block)
    x = rand_values(rng, rows * cols).reshape(rows, cols)
    nblocks = (rows // block[0]) * (cols // block[1])
    if rng.random() < 0.4:  # All-zero blocks (with -0.0) get codes +0.
        xb = O._to_blocks(x, *block).copy()
        xb[rng.random(nblocks) < 0.5] = F32(-0.0)
        x = O._from_blocks(xb, rows, cols, *block)
    if fmt == "nvfp4":
        scales = rng.integers(0, 256, nblocks).astype(np.uint8)
        alpha = F32(rng.choice([1.0, 0.5, 3e-3, 1e-30, 7.25, 1e30, -2.0,
                                2.0 ** -140]))
    else:
        scales = rng.choice(np.array([0, 1, 100, 120, 127, 130, 200, 253, 254,
                                      255], np.uint8), nblocks)
        alpha = None
    check_with_scales(ck, "quantize-with-scales-random", x, fmt, block,
                      scales, alpha, maybe_seed(rng, 0.3))


def cat_hadamard(ck, rng):
    n = int(rng.choice([16, 32, 64, 128]))
    rows = int(rng.choice([1, 2, 3, 5]))
    cols = n * int(rng.choice([1, 2, 3]))
    x = rand_values(rng, rows * cols).reshape(rows, cols)
    if rng.random() < 0.1:
        x[0, int(rng.integers(0, cols))] = rng.choice(NAN_PATTERNS)
    signs = None
    args = []
    if rng.random() < 0.7:
        signs = rng.choice(np.array([-1, 1], np.int8), n)
        args += ["--signs", ck.write("signs.i8", signs)]
    result = str(rng.choice(["f32", "bf16", "f16"]))
    ck.ref("hadamard", "--size", n, "--rows", rows, "--cols", cols,
           "--result", result, "--in", ck.write("x.f32", x),
           "--out", ck.path("h.f32"), *args)
    ry = ck.read("h.f32", np.float32)
    oy = O.hadamard(x, n, signs)
    if result == "bf16":
        oy = O.to_bf16(oy)
    elif result == "f16":
        oy = O.to_f16(oy)
    ck.case("hadamard", same_f32(ry, oy),
            lambda: f"n={n} {rows}x{cols} {result}: {first_diff(ry, oy)}")


def cat_matmul(ck, rng):
    fmt = "nvfp4" if rng.random() < 0.7 else "mxfp4"
    bc = 16 if fmt == "nvfp4" else 32
    k = bc * int(rng.choice([1, 2, 4]))
    m = int(rng.choice([1, 3, 4, 16]))
    n = int(rng.choice([2, 16, 32]))
    block_a = (16, 16) if fmt == "nvfp4" and m % 16 == 0 and \
        rng.random() < 0.5 else (1, bc)
    block_b = (16, 16) if fmt == "nvfp4" and n % 16 == 0 and \
        rng.random() < 0.5 else (1, bc)
    rule = str(rng.choice(NV_RULES if fmt == "nvfp4" else MX_RULES))
    qa = O.quantize(rand_values(rng, m * k).reshape(m, k), fmt, rule,
                    block=block_a)
    qb = O.quantize(rand_values(rng, n * k).reshape(n, k), fmt, rule,
                    block=block_b)
    for name, (v, s, a) in (("a", qa), ("b", qb)):
        ck.write(name + ".values", v)
        ck.write(name + ".scales", s)
        ck.write(name + ".alpha", np.array([a], np.float32))
    ck.ref("matmul", "--format", fmt, "--m", m, "--n", n, "--k", k,
           "--block-a", block_arg(block_a), "--block-b", block_arg(block_b),
           "--a", ck.path("a"), "--b", ck.path("b"), "--out", ck.path("c.f32"))
    rc = ck.read("c.f32", np.float32)
    oc = O.matmul(qa, qb, fmt, block_a, block_b)
    ck.case("matmul", same_f32(rc, oc),
            lambda: f"{fmt} {m}x{n}x{k}: {first_diff(rc, oc)}")


CATEGORIES = [  # (weight, function)
    (14, cat_nvfp4_random),
    (9, cat_nvfp4_ties),
    (8, cat_nvfp4_e4m3_boundary),
    (6, cat_nvfp4_error_ties),
    (6, cat_nvfp4_saturation),
    (6, cat_nvfp4_tiny),
    (8, cat_nvfp4_special),
    (8, cat_nvfp4_16x16),
    (7, cat_nvfp4_stochastic),
    (6, cat_mxfp4_random),
    (8, cat_mxfp4_adversarial),
    (8, cat_scale_select),
    (4, cat_with_scales_random),
    (5, cat_hadamard),
    (3, cat_matmul),
]


# ---------------------------------------------------------------------------
# Exhaustive element sweeps
# ---------------------------------------------------------------------------

def sweep_inputs(rng):
    bf16_all = (np.arange(1 << 16, dtype=np.uint32) << 16).view(np.float32)
    strided = (np.arange(1 << 20, dtype=np.uint32) << 12).view(np.float32)
    random = rng.integers(0, 1 << 32, 1 << 18, dtype=np.uint64).astype(
        np.uint32).view(np.float32)
    centers = np.array(E2M1_TIES + E2M1_GRID, np.float32).view(np.uint32)
    near = (centers[:, None].astype(np.int64) +
            np.arange(-64, 65)[None, :]).astype(np.uint32).view(np.float32)
    near = near.reshape(-1)
    return np.concatenate([bf16_all, strided, random, near, -near])


def check_conversions(ck, rng):
    x = sweep_inputs(rng)
    xin = ck.write("conv.f32", x)

    def run_to(to, dtype, *extra):
        ck.ref("convert", "--to", to, "--in", xin, "--out", ck.path("c.out"),
               *extra)
        return ck.read("c.out", dtype)

    def compare(name, r, o):
        ck.case("convert", np.array_equal(r, o),
                lambda: f"--to {name}: {first_diff(r, o)}")

    compare("e2m1", run_to("e2m1", np.uint8), O.e2m1_encode(x))
    compare("e4m3", run_to("e4m3", np.uint8), O.e4m3_encode(x))
    seed = int(rng.integers(0, 2 ** 63))
    compare("e2m1-sr", run_to("e2m1-sr", np.uint8, "--seed", seed),
            O.e2m1_stochastic(x, O.random_bits(seed, np.arange(x.size))))
    # Inputs whose frac equals rbits * 2^-24 exactly for their own index:
    # "round up iff rbits * 2^-24 < frac" must round down there.
    sr_seed = int(rng.integers(0, 2 ** 63))
    n = 1 << 16
    rbits = O.random_bits(sr_seed, np.arange(n)).astype(np.float64)
    lower = rng.integers(0, 7, n)
    grid = np.array(E2M1_GRID)
    exact = grid[lower] + (grid[lower + 1] - grid[lower]) * rbits * 2.0 ** -24
    exact = np.where(exact.astype(np.float32) == exact, exact, 0.25)
    bounds = (exact * rng.choice([-1, 1], n)).astype(np.float32)
    bin_ = ck.write("sr.f32", bounds)
    ck.ref("convert", "--to", "e2m1-sr", "--seed", sr_seed, "--in", bin_,
           "--out", ck.path("c.out"))
    compare("e2m1-sr frac == rbits", ck.read("c.out", np.uint8),
            O.e2m1_stochastic(bounds, O.random_bits(sr_seed, np.arange(n))))
    finite = np.isfinite(x)
    for rule in MX_RULES:
        expected = np.full(x.size, 0xFF, np.uint8)
        expected[finite] = O.mx_exponent(np.abs(x[finite]), rule)
        compare("mx-exponent " + rule,
                run_to("mx-exponent", np.uint8, "--rule", rule), expected)
    nan = np.isnan(x)
    for name, bits in (("bf16", O.bf16_bits), ("f16", O.f16_bits)):
        r = run_to(name, np.uint16)
        o = bits(x)
        exp_mask = 0x7F80 if name == "bf16" else 0x7C00
        frac_mask = 0x007F if name == "bf16" else 0x03FF
        r_nan = ((r & exp_mask) == exp_mask) & ((r & frac_mask) != 0)
        ok = (np.array_equal(r[~nan], o[~nan]) and bool(r_nan[nan].all())
              and np.array_equal(r[nan] >> 15, o[nan] >> 15))
        ck.case("convert", ok, lambda: f"--to {name}: {first_diff(r, o)}")

    def run_from(name, data, decode):
        ck.ref("convert", "--from", name, "--in", ck.write("c.in", data),
               "--out", ck.path("c.out"))
        r = ck.read("c.out", np.float32)
        o = decode(data)
        # Exact bits, NaNs included (the canonical +qNaN for the fp8 formats,
        # payload-preserving for bf16); f16 NaNs only need to stay NaN
        # (fp4-ref quiets signalling ones, numpy keeps them signalling).
        ok = (same_f32(r, o) if name == "f16" else
              np.array_equal(r.view(np.uint32), o.view(np.uint32)))
        ck.case("convert", ok, lambda: f"--from {name}: {first_diff(r, o)}")

    all8 = np.arange(256, dtype=np.uint8)
    all16 = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    run_from("e2m1", all8, O.e2m1_decode)
    run_from("e4m3", all8, O.e4m3_decode)
    run_from("e8m0", all8, O.e8m0_decode)
    run_from("bf16", all16, lambda d: d.view(
        O.ml_dtypes.bfloat16).astype(np.float32))
    run_from("f16", all16, lambda d: d.view(np.float16).astype(np.float32))
    return x.size


def check_random_bits(ck, rng):
    for seed, start in ((0, 0), (1, 12345), (2 ** 64 - 1, 2 ** 64 - 5000),
                        (int(rng.integers(0, 2 ** 63)), 2 ** 40)):
        ck.ref("random-bits", "--seed", seed, "--count", 4096, "--start",
               start, "--out", ck.path("r.u32"))
        r = ck.read("r.u32", np.uint32)
        idx = (np.arange(4096, dtype=np.uint64) + np.uint64(start))
        o = O.random_bits(seed, idx)
        ck.case("random-bits", np.array_equal(r, o),
                lambda: f"seed={seed} start={start}: {first_diff(r, o)}")
    # Known answers (SplitMix64 from state 0).
    ok = list(O.random_bits(0, np.arange(3))) == [0xE220A8, 0x6E789E, 0x06C45D]
    ck.case("random-bits", ok, lambda: "known answers")


def check_spec_examples(ck):
    """SPEC 2.1 / 2.2 worked examples through both implementations."""
    x = np.zeros((1, 32), np.float32)
    x[0, :4] = [10, 20, 30, 40]
    x[0, 16:20] = [15, 30, 120, 180]
    ov, os_, oa = check_quantize(ck, "spec-examples", x, "nvfp4",
                                 "four_over_six", "mse", (1, 16), F32(1536))
    ok = (list(O.e4m3_decode(os_).reshape(-1)) == [10.0, 30.0] and oa == 1 and
          list(O.dequantize(ov, os_, oa, "nvfp4").reshape(-1)) ==
          list(x.reshape(-1)))
    ck.case("spec-examples", ok, lambda: "oracle: 4/6 worked examples")
    y = np.zeros((1, 32), np.float32)
    y[0, :2] = [7, 3.5]
    for rule, e, codes in (("mx_ceil", 128, (6, 4)),
                           ("mx_floor", 127, (7, 6))):
        v, s, _ = check_quantize(ck, "spec-examples", y, "mxfp4", rule)
        c = O.unpack_codes(v).reshape(-1)
        ok = s.reshape(-1)[0] == e and tuple(c[:2]) == codes
        ck.case("spec-examples", ok, lambda: f"oracle: {rule} example")


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--fp4-ref", default="fp4-ref",
                    help="the fp4-ref executable (default: from PATH)")
    ap.add_argument("--count", type=int, default=3000,
                    help="number of random/adversarial tensor cases")
    ap.add_argument("--seed", type=int, default=20250101,
                    help="seed of the case generator")
    ap.add_argument("--verbose", action="store_true",
                    help="print every mismatch (default: the first 20)")
    args = ap.parse_args()

    exe = shutil.which(args.fp4_ref) or args.fp4_ref
    if not os.path.exists(exe):
        print(f"error: fp4-ref not found: {args.fp4_ref}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="fp4-check-") as tmp:
        ck = Checker(exe, tmp, args.verbose)
        try:
            swept = check_conversions(ck, rng)
            check_random_bits(ck, rng)
            check_spec_examples(ck)
            weights = np.array([w for w, _ in CATEGORIES], np.float64)
            picks = rng.choice(len(CATEGORIES), args.count,
                               p=weights / weights.sum())
            for i in picks:
                CATEGORIES[i][1](ck, rng)
        except RefFailure as e:
            print(f"error: fp4-ref failed: {e}", file=sys.stderr)
            print("mismatches: error")
            return 1

    total_cases = sum(c for c, _ in ck.stats.values())
    total_bad = sum(b for _, b in ck.stats.values())
    print(f"{'category':<30} {'cases':>7} {'mismatches':>11}")
    for name in sorted(ck.stats):
        cases, bad = ck.stats[name]
        print(f"{name:<30} {cases:>7} {bad:>11}")
    print(f"converted elements per conversion: {swept}")
    print(f"total cases: {total_cases}")
    print(f"time: {time.time() - start:.1f} s")
    print(f"mismatches: {total_bad}")
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
