"""fp4_oracle - an independent Python implementation of SPEC section 2.

This module re-implements the fp4 numerics (NVFP4 / MXFP4 quantization,
scale selection, dequantization, Hadamard, matmul, stochastic rounding)
with numpy + ml_dtypes, independently of the C++ library in lib/Numerics:
element rounding goes through ml_dtypes (float4_e2m1fn, float8_e4m3fn,
float8_e8m0fnu, bfloat16) and numpy (float16), E8M0 exponents through
np.frexp, and everything is vectorized over blocks. All arithmetic is done
in np.float32 in exactly the order SPEC section 2 writes it (a * b is one
float32 multiply, never float64), so the results are bit-exact and can be
compared byte for byte with `fp4-ref` and with the compiled CPU path.

Conventions
-----------
* A tensor ``x`` is a float32 numpy array of rank >= 1 (other float dtypes
  such as bfloat16/float16 are converted exactly; float64 is ROUNDED to f32,
  so pass f32). It is viewed as ``rows x cols`` with ``cols = x.shape[-1]``
  (the blocked dimension) and ``rows`` the product of the other dimensions,
  exactly like fp4::num (Numerics.h). The stochastic-rounding element index
  is the row-major linear index ``row * cols + col``.
* ``fmt`` is ``'nvfp4'`` or ``'mxfp4'``. ``rule`` is one of ``'static6'``
  (nvfp4 default), ``'static4'``, ``'four_over_six'``, ``'mx_ceil'`` (mxfp4
  default), ``'mx_floor'``. ``metric`` (four_over_six only) is ``'mse'``
  (default), ``'mae'`` or ``'absmax'``. ``block`` is a ``(rows, cols)`` tuple
  (or a string like ``'16x16'``): (1, 16) (nvfp4 default), (16, 16)
  (nvfp4), (1, 32) (mxfp4 default).
* A quantized tensor is the triple ``(values, scales, alpha)``:
    - ``values``: uint8, shape ``x.shape[:-1] + (cols // 2,)``; element 2j
      in bits 0-3 of byte j, element 2j+1 in bits 4-7 (SPEC section 1).
    - ``scales``: uint8, shape ``x.shape[:-2] + (R // br, cols // bc)``
      (``(cols // bc,)`` for a rank-1 x), row-major; E4M3 bytes for nvfp4,
      E8M0 exponents for mxfp4.
    - ``alpha``: np.float32 tensor scale (nvfp4); 1.0 for mxfp4.

Numerics decisions (shared with Numerics.h)
-------------------------------------------
* e2m1(v): nearest-even on the code, saturating at 6 (also +-Inf); the code's
  sign bit is v's sign bit (-0.0 and negatives rounding to 0 give 0x8); NaN
  gives code 0x0 whatever its sign (a NaN's sign is not portable).
* NaN encodings decode to the canonical +qNaN 0x7FC00000 (E4M3 0x7F/0xFF,
  E8M0 0xFF), as in the C++ library and the IR lowering.
* e4m3(v): nearest-even, saturating to +-448 (also +-Inf); NaN -> 0x7F.
* Stochastic rounding (SPEC 2.4): rbits = random_bits(seed, index) (SplitMix64,
  top 24 bits); a = |v|; a >= 6 -> 6; otherwise the
  lo <= a < hi grid neighbours, frac = (a - lo) / (hi - lo) (exact), round up
  iff float32(rbits) * 2^-24 < frac; NaN -> code 0x0.
* NVFP4: A = explicit amax (converted to f32) or max |x| over the finite
  elements; A == 0 -> all scales 0, all codes +0, alpha 0 (even with NaN
  blocks). Else enc = min((Mq*Ms)/A, FLT_MAX), alpha = 1/enc; per block
  s = (b/Mq)*enc, sf = e4m3(s) (four_over_six: sf6 = e4m3(s),
  sf4 = e4m3(s*1.5), same random bits for both); y = x * (1/(alpha*sf)),
  sf == 0 -> codes +0; four_over_six errors d = (e2m1*sf)*alpha, term
  (d-x)^2 / |d-x| / |d-x| for mse / mae / absmax, reduced by a balanced
  binary tree over the block's row-major element order (sum, or a
  NaN-propagating max for absmax); keep sf4 iff E4 < E6. A NaN/Inf block
  gets scale 0x7F and codes 0.
* MXFP4: b == 0 -> E = 0, codes +0. mx_ceil: s = b/6 (f32), E = biased
  exponent field of s + (mantissa != 0) (a subnormal s gives 1, s == 0
  gives 0); mx_floor: E = exponent field of b - 2; both clamped to
  [0, 254]. y = x * f32(2^(127-E)) (one multiply; 2^-127 is subnormal).
  NaN/Inf block: E = 0xFF, codes 0.
* quantize_with_scales: scale bytes pass through; codes are 0 for a block
  that holds NaN/Inf, is all zero, or whose scale decodes to 0 or NaN
  (nvfp4) / is 0xFF (mxfp4); otherwise as above with the given scale.
  Hence quantize_with_scales(x, *select_scales(x)) == quantize(x).
* Dequantize: nvfp4 (e2m1(q) * sf) * alpha, mxfp4 e2m1(q) * 2^(E-127).
* Hadamard: y = ((x*s) H_n) * c with c = f32(1/sqrt(n)) correctly rounded,
  butterflies for h = 1, 2, ..., n/2 in f32 (SPEC 2.3).
* Matmul: C[m,n] = sum_k deq(a)[m,k] * deq(b)[n,k] in f32, k ascending.

API
---
Conversions (vectorized; inputs are converted to float32 first):
  e2m1_encode(v) -> uint8 codes          e2m1_decode(codes) -> float32
  e2m1_stochastic(v, rbits) -> uint8     e4m3_encode(v) -> uint8
  e4m3_decode(bytes) -> float32          e8m0_decode(bytes) -> float32
  mx_exponent(b, rule='mx_ceil') -> uint8 E for block maxima b >= 0
  to_bf16(x) / to_f16(x) -> float32 values rounded to bf16 / f16
  bf16_bits(x) -> uint16                 f16_bits(x) -> uint16
  random_bits(seed, index) -> uint32 (vectorized over index)
  pack_codes(codes) -> uint8 values      unpack_codes(values) -> uint8 codes

Tensor operations:
  quantize(x, fmt, rule=None, metric='mse', block=None, amax=None,
           seed=None) -> (values, scales, alpha)
  select_scales(x, fmt, rule=None, metric='mse', block=None, amax=None)
      -> (scales, alpha)
  quantize_with_scales(x, fmt, scales, alpha=None, block=None, seed=None)
      -> (values, scales, alpha)
  dequantize(values, scales, alpha, fmt, block=None) -> float32
  hadamard(x, n, signs=None) -> float32 (f32 result; round it with
      to_bf16/to_f16 for other result element types)
  hadamard_scale(n) -> np.float32
  matmul(a, b, fmt, block_a=None, block_b=None) -> float32 [M, N] where a and
      b are (values, scales, alpha) triples of M x K and N x K tensors
  matmul_dequantized(da, db) -> float32 [M, N] for f32 operands
  nvfp4_encode_scale(rule, amax) -> np.float32
"""

from fractions import Fraction
import math

import ml_dtypes
import numpy as np

__all__ = [
    "FORMATS", "RULES", "METRICS", "e2m1_encode", "e2m1_decode",
    "e2m1_stochastic", "e4m3_encode", "e4m3_decode", "e8m0_decode",
    "mx_exponent", "to_bf16", "to_f16", "bf16_bits", "f16_bits",
    "random_bits", "pack_codes", "unpack_codes", "nvfp4_encode_scale",
    "quantize", "select_scales", "quantize_with_scales", "dequantize",
    "hadamard", "hadamard_scale", "matmul", "matmul_dequantized",
]

F32 = np.float32
FLT_MAX = np.finfo(np.float32).max
FORMATS = ("nvfp4", "mxfp4")
RULES = {"nvfp4": ("static6", "static4", "four_over_six"),
         "mxfp4": ("mx_ceil", "mx_floor")}
METRICS = ("mse", "mae", "absmax")
# (Mq, Ms) of SPEC 2.1 step 2.
_NV_RANGE = {"static6": (6.0, 448.0), "static4": (4.0, 448.0),
             "four_over_six": (6.0, 256.0)}
_E2M1_GRID = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6], dtype=np.float32)


def _f32(v):
    """v as a float32 array (exact for narrower float types)."""
    return np.asarray(v).astype(np.float32)


# ---------------------------------------------------------------------------
# Element conversions
# ---------------------------------------------------------------------------

def e2m1_encode(v):
    """Nearest-even E2M1 code (uint8, low nibble) of v; see module doc."""
    v = _f32(v)
    nan = np.isnan(v)
    sign = (np.signbit(v) & ~nan).astype(np.uint8) << 3
    a = np.abs(v)
    # ml_dtypes maps NaN to a signed code; Numerics.h wants 0x0 for NaN and
    # saturation at 6 for Inf.
    a = np.where(nan, F32(0), np.minimum(a, F32(6)))
    magnitude = a.astype(ml_dtypes.float4_e2m1fn).view(np.uint8) & 0x7
    return (sign | magnitude).astype(np.uint8)


def e2m1_decode(codes):
    """float32 value of E2M1 codes (low nibble; bit 3 is the sign)."""
    codes = np.asarray(codes, dtype=np.uint8)
    magnitude = (codes & 0x7).view(ml_dtypes.float4_e2m1fn).astype(np.float32)
    return np.where((codes & 0x8) != 0, -magnitude, magnitude).astype(
        np.float32)


def e2m1_stochastic(v, rbits):
    """Stochastic E2M1 rounding of v with 24-bit random values rbits."""
    v = _f32(v)
    rbits = np.asarray(rbits, dtype=np.uint32) & np.uint32(0xFFFFFF)
    nan = np.isnan(v)
    sign = (np.signbit(v) & ~nan).astype(np.uint8) << 3
    a = np.abs(v)
    a = np.where(nan, F32(0), a)
    saturated = a >= F32(6)
    lower = np.clip(np.searchsorted(_E2M1_GRID, a, side="right") - 1, 0, 6)
    lo = _E2M1_GRID[lower]
    hi = _E2M1_GRID[lower + 1]
    with np.errstate(all="ignore"):
        frac = (a - lo) / (hi - lo)
        threshold = rbits.astype(np.float32) * F32(2.0 ** -24)
    magnitude = lower + (threshold < frac)
    magnitude = np.where(saturated, 7, magnitude)
    magnitude = np.where(nan, 0, magnitude)
    return (sign | magnitude.astype(np.uint8)).astype(np.uint8)


def e4m3_encode(v):
    """E4M3FN byte of v: nearest-even, saturating at +-448, NaN -> 0x7F."""
    v = _f32(v)
    # ml_dtypes overflows to NaN: clamp first (np.clip also clamps +-Inf).
    clamped = np.clip(v, F32(-448), F32(448))
    with np.errstate(invalid="ignore"):
        out = clamped.astype(ml_dtypes.float8_e4m3fn).view(np.uint8)
    return np.where(np.isnan(v), np.uint8(0x7F), out).astype(np.uint8)


_CANONICAL_NAN = np.array(0x7FC00000, np.uint32).view(np.float32)


def _canonical_nan(v):
    return np.where(np.isnan(v), _CANONICAL_NAN, v).astype(np.float32)


def e4m3_decode(b):
    """float32 value of E4M3FN bytes (0x7F / 0xFF: the canonical +qNaN)."""
    b = np.asarray(b, dtype=np.uint8)
    return _canonical_nan(b.view(ml_dtypes.float8_e4m3fn).astype(np.float32))


def e8m0_decode(e):
    """float32 2^(e - 127) of E8M0 bytes (0xFF is +qNaN, 0 is 2^-127)."""
    e = np.asarray(e, dtype=np.uint8)
    return _canonical_nan(e.view(ml_dtypes.float8_e8m0fnu).astype(np.float32))


def mx_exponent(b, rule="mx_ceil"):
    """SPEC 2.2 E8M0 exponent for finite block maxima b >= 0 (uint8)."""
    b = _f32(b)
    with np.errstate(all="ignore"):
        if rule == "mx_floor":
            _, e = np.frexp(b)  # b = m * 2^e, m in [0.5, 1)
            # The biased exponent of b is floor(log2 b) + 127 = e - 1 + 127
            # (for a subnormal b the result is negative and clamps to 0).
            exponent = e.astype(np.int64) - 1 + 127 - 2
        elif rule == "mx_ceil":
            s = b / F32(6)
            m, e = np.frexp(s)
            # ceil(log2 s) + 127: one less when s is a power of two.
            exponent = np.where(m == 0.5, e - 1, e).astype(np.int64) + 127
            # The exponent field of a subnormal s is 0; its mantissa is
            # non-zero, so E = 1. s == 0 gives 0.
            exponent = np.where((s > 0) & (s < F32(2.0 ** -126)), 1, exponent)
            exponent = np.where(s == 0, 0, exponent)
        else:
            raise ValueError(f"not an mxfp4 rule: {rule!r}")
    exponent = np.clip(exponent, 0, 254)
    return np.where(b == 0, 0, exponent).astype(np.uint8)


def to_bf16(x):
    """float32 values of x rounded to bfloat16 (nearest-even)."""
    return bf16_bits(x).view(ml_dtypes.bfloat16).astype(np.float32)


def to_f16(x):
    """float32 values of x rounded to float16 (nearest-even)."""
    return f16_bits(x).view(np.float16).astype(np.float32)


def bf16_bits(x):
    """bfloat16 bit patterns (uint16) of x rounded to nearest-even."""
    with np.errstate(all="ignore"):
        return _f32(x).astype(ml_dtypes.bfloat16).view(np.uint16)


def f16_bits(x):
    """float16 bit patterns (uint16) of x rounded to nearest-even."""
    with np.errstate(all="ignore"):
        return _f32(x).astype(np.float16).view(np.uint16)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def random_bits(seed, index):
    """SplitMix64 keyed by (seed, index), top 24 bits (uint32)."""
    idx = np.asarray(index, dtype=np.uint64)
    shape = idx.shape
    idx = idx.reshape(-1)
    seed = np.uint64(int(seed) % (1 << 64))
    with np.errstate(over="ignore"):
        z = seed + (idx + np.uint64(1)) * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.uint32).reshape(shape)


def pack_codes(codes):
    """Packs codes (..., 2k) into bytes (..., k): element 2j low nibble."""
    codes = np.asarray(codes, dtype=np.uint8)
    return ((codes[..., 0::2] & 0xF) | ((codes[..., 1::2] & 0xF) << 4)).astype(
        np.uint8)


def unpack_codes(values):
    """Inverse of pack_codes: (..., k) bytes -> (..., 2k) codes."""
    values = np.asarray(values, dtype=np.uint8)
    codes = np.empty(values.shape[:-1] + (2 * values.shape[-1],), np.uint8)
    codes[..., 0::2] = values & 0xF
    codes[..., 1::2] = values >> 4
    return codes


# ---------------------------------------------------------------------------
# Blocking helpers
# ---------------------------------------------------------------------------

def _block_shape(fmt, block):
    if block is None:
        return (1, 16) if fmt == "nvfp4" else (1, 32)
    if isinstance(block, str):
        r, c = block.lower().split("x")
        return (int(r), int(c))
    return (int(block[0]), int(block[1]))


def _check_rule(fmt, rule, metric):
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if rule is None:
        rule = RULES[fmt][0]
    if rule not in RULES[fmt]:
        raise ValueError(f"rule {rule!r} is not valid for {fmt}")
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    return rule


def _as_rows_cols(x):
    x = _f32(x)
    if x.ndim == 0:
        raise ValueError("x must have rank >= 1")
    cols = x.shape[-1]
    return x, x.reshape(-1, cols)


def _scale_shape(shape, br, bc):
    if len(shape) == 1:
        return (shape[0] // bc,)
    return tuple(shape[:-2]) + (shape[-2] // br, shape[-1] // bc)


def _to_blocks(a2, br, bc):
    """(rows, cols) -> (rows/br * cols/bc, br*bc), row-major in each block."""
    rows, cols = a2.shape
    if cols % bc or rows % br:
        raise ValueError(f"shape {rows}x{cols} is not a multiple of the "
                         f"block {br}x{bc}")
    t = a2.reshape(rows // br, br, cols // bc, bc).transpose(0, 2, 1, 3)
    return t.reshape(-1, br * bc)


def _from_blocks(blocks, rows, cols, br, bc):
    t = blocks.reshape(rows // br, cols // bc, br, bc).transpose(0, 2, 1, 3)
    return t.reshape(rows, cols)


def _round_codes(y, index, seed):
    if seed is None:
        return e2m1_encode(y)
    return e2m1_stochastic(y, random_bits(seed, index))


def _tree_reduce(t, use_max):
    """Balanced binary tree over axis 1: ((t0+t1)+(t2+t3))+..."""
    while t.shape[1] > 1:
        n = t.shape[1]
        even = t[:, 0:n - n % 2:2]
        odd = t[:, 1:n - n % 2:2]
        level = np.maximum(even, odd) if use_max else even + odd
        if n % 2:
            level = np.concatenate([level, t[:, n - 1:]], axis=1)
        t = level
    return t[:, 0]


# ---------------------------------------------------------------------------
# NVFP4 (SPEC 2.1)
# ---------------------------------------------------------------------------

def nvfp4_encode_scale(rule, amax):
    """enc = min((Mq * Ms) / amax, FLT_MAX) in f32."""
    mq, ms = _NV_RANGE[rule]
    with np.errstate(all="ignore"):
        enc = F32(mq) * F32(ms) / F32(amax)
    return FLT_MAX if enc > FLT_MAX else F32(enc)


def _encode_nvfp4(xb, index, sf, alpha, seed):
    """SPEC 2.1 step 4 for every block with decoded scales sf (nb,)."""
    with np.errstate(all="ignore"):
        reciprocal = F32(1) / (alpha * sf)
        y = xb * reciprocal[:, None]
    codes = _round_codes(y, index, seed)
    codes[sf == 0] = 0
    return codes


def _candidate_error(xb, codes, sf, alpha, metric):
    """SPEC 2.1 step 5 error of each block for one candidate."""
    with np.errstate(all="ignore"):
        d = (e2m1_decode(codes) * sf[:, None]) * alpha
        e = d - xb
        t = e * e if metric == "mse" else np.abs(e)
        return _tree_reduce(t, metric == "absmax")


def _nvfp4(xb, index, rule, metric, amax, seed, want_codes):
    nb, size = xb.shape
    finite = np.isfinite(xb)
    scales = np.zeros(nb, np.uint8)
    codes = np.zeros((nb, size), np.uint8)
    # Step 1.
    if amax is None:
        amax = np.abs(xb[finite]).max() if finite.any() else F32(0)
    amax = F32(amax)
    if amax == 0:
        return scales, codes, F32(0)
    # Step 2.
    mq = F32(_NV_RANGE[rule][0])
    enc = nvfp4_encode_scale(rule, amax)
    with np.errstate(all="ignore"):
        alpha = F32(1) / enc
    # Step 3 (NaN/Inf blocks are computed on zeros and overwritten below).
    ok = finite.all(axis=1)
    b = np.abs(np.where(ok[:, None], xb, F32(0))).max(axis=1)
    with np.errstate(all="ignore"):
        s = (b / mq) * enc
    sf6 = e4m3_encode(s)
    if rule == "four_over_six":
        with np.errstate(all="ignore"):
            sf4 = e4m3_encode(s * F32(1.5))
        sf6v, sf4v = e4m3_decode(sf6), e4m3_decode(sf4)
        codes6 = _encode_nvfp4(xb, index, sf6v, alpha, seed)
        codes4 = _encode_nvfp4(xb, index, sf4v, alpha, seed)
        error6 = _candidate_error(xb, codes6, sf6v, alpha, metric)
        error4 = _candidate_error(xb, codes4, sf4v, alpha, metric)
        keep4 = error4 < error6
        scales = np.where(keep4, sf4, sf6).astype(np.uint8)
        codes = np.where(keep4[:, None], codes4, codes6).astype(np.uint8)
    else:
        scales = sf6
        if want_codes:
            codes = _encode_nvfp4(xb, index, e4m3_decode(sf6), alpha, seed)
    # Step 6.
    scales = np.where(ok, scales, np.uint8(0x7F)).astype(np.uint8)
    codes[~ok] = 0
    return scales, codes, alpha


# ---------------------------------------------------------------------------
# MXFP4 (SPEC 2.2)
# ---------------------------------------------------------------------------

def _mx_multiplier(e):
    """f32 2^(127 - e) for e in [0, 254], via the E8M0 value of 254 - e."""
    e = np.asarray(e, dtype=np.int64)
    return e8m0_decode(np.clip(254 - e, 0, 255).astype(np.uint8))


def _mxfp4(xb, index, rule, seed):
    finite = np.isfinite(xb)
    ok = finite.all(axis=1)
    b = np.abs(np.where(ok[:, None], xb, F32(0))).max(axis=1)
    exponent = mx_exponent(b, rule)
    with np.errstate(all="ignore"):
        y = xb * _mx_multiplier(exponent)[:, None]
    codes = _round_codes(y, index, seed)
    codes[(b == 0) | ~ok] = 0
    scales = np.where(ok, exponent, np.uint8(0xFF)).astype(np.uint8)
    return scales, codes


# ---------------------------------------------------------------------------
# Public tensor operations
# ---------------------------------------------------------------------------

def _quantize(x, fmt, rule, metric, block, amax, seed, want_codes):
    rule = _check_rule(fmt, rule, metric)
    br, bc = _block_shape(fmt, block)
    x, x2 = _as_rows_cols(x)
    rows, cols = x2.shape
    xb = _to_blocks(x2, br, bc)
    index = _to_blocks(np.arange(rows * cols, dtype=np.uint64).reshape(
        rows, cols), br, bc)
    if fmt == "nvfp4":
        scales, codes, alpha = _nvfp4(xb, index, rule, metric, amax, seed,
                                      want_codes)
    else:
        if amax is not None:
            raise ValueError("an explicit amax is only valid for nvfp4")
        scales, codes = _mxfp4(xb, index, rule, seed)
        alpha = F32(1)
    scales = scales.reshape(_scale_shape(x.shape, br, bc))
    values = pack_codes(_from_blocks(codes, rows, cols, br, bc)).reshape(
        x.shape[:-1] + (cols // 2,))
    return values, scales, F32(alpha)


def quantize(x, fmt, rule=None, metric="mse", block=None, amax=None,
             seed=None):
    """SPEC 2.1 / 2.2 quantization -> (values, scales, alpha)."""
    return _quantize(x, fmt, rule, metric, block, amax, seed, True)


def select_scales(x, fmt, rule=None, metric="mse", block=None, amax=None):
    """The scales quantize() chooses (fp4.scale_select) -> (scales, alpha)."""
    _, scales, alpha = _quantize(x, fmt, rule, metric, block, amax, None,
                                 False)
    return scales, alpha


def quantize_with_scales(x, fmt, scales, alpha=None, block=None, seed=None):
    """fp4.quantize %x scales(...) -> (values, scales, alpha)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    br, bc = _block_shape(fmt, block)
    x, x2 = _as_rows_cols(x)
    rows, cols = x2.shape
    xb = _to_blocks(x2, br, bc)
    index = _to_blocks(np.arange(rows * cols, dtype=np.uint64).reshape(
        rows, cols), br, bc)
    scales = np.asarray(scales, dtype=np.uint8)
    flat = scales.reshape(-1)
    if flat.size != xb.shape[0]:
        raise ValueError(f"expected {xb.shape[0]} scales, got {flat.size}")
    ok = np.isfinite(xb).all(axis=1)
    b = np.abs(np.where(ok[:, None], xb, F32(0))).max(axis=1)
    if fmt == "nvfp4":
        alpha = F32(1) if alpha is None else F32(alpha)
        sf = e4m3_decode(flat)
        codes = _encode_nvfp4(xb, index, sf, alpha, seed)
        skip = ~ok | (b == 0) | (sf == 0) | np.isnan(sf)
    else:
        if alpha is not None and F32(alpha) != F32(1):
            raise ValueError("alpha is only valid for nvfp4")
        alpha = F32(1)
        with np.errstate(all="ignore"):
            y = xb * _mx_multiplier(flat)[:, None]
        codes = _round_codes(y, index, seed)
        skip = ~ok | (b == 0) | (flat == 0xFF)
    codes[skip] = 0
    values = pack_codes(_from_blocks(codes, rows, cols, br, bc)).reshape(
        x.shape[:-1] + (cols // 2,))
    return values, scales.copy(), alpha


def _canonical_nan(a):
    """NaN results are the canonical quiet NaN 0x7FC00000 (SPEC leaves NaN
    payloads open; every fp4 path writes this one)."""
    a = np.array(a, dtype=np.float32, copy=True)
    a.view(np.uint32)[np.isnan(a)] = 0x7FC00000
    return a


def dequantize(values, scales, alpha, fmt, block=None):
    """float32 tensor of shape values.shape[:-1] + (2 * values.shape[-1],)."""
    br, bc = _block_shape(fmt, block)
    codes = unpack_codes(values)
    shape = codes.shape
    c2 = codes.reshape(-1, shape[-1])
    rows, cols = c2.shape
    s2 = np.asarray(scales, dtype=np.uint8).reshape(rows // br, cols // bc)
    s_full = np.repeat(np.repeat(s2, br, axis=0), bc, axis=1)
    q = e2m1_decode(c2)
    with np.errstate(all="ignore"):
        if fmt == "nvfp4":
            out = (q * e4m3_decode(s_full)) * F32(alpha)
        else:
            out = q * e8m0_decode(s_full)
    return _canonical_nan(out.astype(np.float32)).reshape(shape)


def hadamard_scale(n):
    """f32(1/sqrt(n)), correctly rounded (checked with exact rationals)."""
    c = F32(1 / math.sqrt(n))
    candidates = [np.nextafter(c, F32(0)), c, np.nextafter(c, F32(1))]

    # |f - 1/sqrt(n)| compared exactly: f - r > 0 iff f^2 n > 1, and the
    # nearest f minimizes |f - r|; bracket r between consecutive candidates.
    def above(f):
        return Fraction(float(f)) ** 2 * n > 1

    for lo, hi in zip(candidates, candidates[1:]):
        if not above(lo) and above(hi):
            mid = (Fraction(float(lo)) + Fraction(float(hi))) / 2
            return hi if mid ** 2 * n < 1 else lo
    return c


def hadamard(x, n, signs=None):
    """SPEC 2.3 on every n-block of the last dimension; float32 result."""
    if n not in (16, 32, 64, 128):
        raise ValueError("n must be 16, 32, 64 or 128")
    x = _f32(x)
    if x.shape[-1] % n:
        raise ValueError(f"last dimension {x.shape[-1]} is not a multiple "
                         f"of {n}")
    t = x.reshape(-1, n).copy()
    with np.errstate(all="ignore"):
        if signs is not None:
            t = t * np.asarray(signs, dtype=np.int8).astype(np.float32)
        h = 1
        while h < n:
            # Pairs (i, i + h) with (i & h) == 0: groups of 2h, halves of h.
            g = t.reshape(t.shape[0], n // (2 * h), 2, h)
            a, b = g[:, :, 0, :], g[:, :, 1, :]
            t = np.stack([a + b, a - b], axis=2).reshape(-1, n)
            h *= 2
        y = t * hadamard_scale(n)
    return _canonical_nan(y).reshape(x.shape)


def matmul_dequantized(da, db):
    """C[m,n] = sum_k da[m,k] * db[n,k] in f32, k ascending."""
    da, db = _f32(da), _f32(db)
    m, k = da.shape
    n, kb = db.shape
    if k != kb:
        raise ValueError("matmul operands differ in K")
    acc = np.zeros((m, n), np.float32)
    with np.errstate(all="ignore"):
        for i in range(k):
            acc = acc + da[:, i:i + 1] * db[None, :, i]
    return acc


def matmul(a, b, fmt, block_a=None, block_b=None):
    """SPEC 2.5 on quantized (values, scales, alpha) triples."""
    da = dequantize(*a, fmt, block_a)
    db = dequantize(*b, fmt, block_b)
    return matmul_dequantized(da.reshape(-1, da.shape[-1]),
                              db.reshape(-1, db.shape[-1]))
