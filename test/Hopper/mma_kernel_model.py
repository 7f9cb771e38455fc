"""A numpy model of the two mma.sync kernels of fp4-build-mma-kernels
(lib/Conversion/FP4ToHopper): the same lane -> data mapping, K permutation,
shared-memory swizzle, bit-level E2M1/E4M3/E8M0 -> bf16 decoding and
epilogue as the generated code, with m16n8k16 modelled after the PTX ISA
fragment layouts. There is no GPU here: this checks the design (indexing,
permutation, exactness of the decoding) against an fp64 reference, and that
the shared-memory accesses are free of bank conflicts.

    python3 mma_kernel_model.py      # prints one line per check, exit 1 on failure
"""
import sys

import ml_dtypes
import numpy as np

BF16 = ml_dtypes.bfloat16
E2M1 = np.array([0, .5, 1, 1.5, 2, 3, 4, 6], np.float64)
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (" " + detail if detail else ""))
    if not ok:
        failures.append(name)


# ---------------------------------------------------------------- numerics
def bits_to_bf16(bits16):
    return np.asarray(bits16, np.uint16).view(BF16)


def bf16_mul(x, y):
    """bf16 x bf16 -> bf16, round to nearest even (mul.rn.bf16x2)."""
    return (x.astype(np.float32) * y.astype(np.float32)).astype(BF16)


def e2m1_pair(w, j):
    """MmaEmitter::e2m1Pair: bf16 bits of codes j, j + 4 of u32 word w."""
    w = np.uint64(w)
    def sh(x, s):
        return (x << np.uint64(s)) if s >= 0 else (x >> np.uint64(-s))
    mag = sh(w, 6 - 4 * j) & np.uint64(0x01C001C0)
    sign = sh(w, 12 - 4 * j) & np.uint64(0x80008000)
    p = int((mag | sign) & np.uint64(0xFFFFFFFF))
    return bits_to_bf16([p & 0xFFFF, p >> 16])


def nvfp4_scale_word(byte):
    x = int(byte)
    bits = ((x & 0x7F) << 4) | ((x & 0x80) << 8)
    s = bits_to_bf16([bits, bits])
    c = np.array([2.0 ** 119] * 2, BF16)
    s = bf16_mul(bf16_mul(s, c), c)
    if x & 0x7F == 0x7F:
        s = np.array([np.nan] * 2, BF16)
    return s


def mxfp4_scale_word(byte):
    e = int(byte)
    bits = 0x40 if e == 0 else 0x7FC0 if e == 255 else e << 7
    return bits_to_bf16([bits, bits])


def dequantize_pair(w, j, sw, mx):
    p = e2m1_pair(w, j)
    if mx:
        p = bf16_mul(p, np.array([2.0 ** 126] * 2, BF16))
    return bf16_mul(p, sw)


def e2m1_value(code):
    v = E2M1[code & 7]
    return -v if code & 8 else v


def e4m3_value(byte):
    byte = int(byte)
    s = -1.0 if byte & 0x80 else 1.0
    e, m = (byte >> 3) & 0xF, byte & 7
    if e == 15 and m == 7:
        return np.nan
    return s * (m / 8 * 2.0 ** -6 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7))


def e8m0_value(byte):
    return np.nan if byte == 255 else 2.0 ** (int(byte) - 127)


def check_decoding():
    # Every code with every E4M3 scale: the pair decoding is exact.
    bad = 0
    for scale in range(256):
        sw = nvfp4_scale_word(scale)
        for code in range(16):
            w = code | (code ^ 8) << 16  # codes 0 and 4 of the word
            got = dequantize_pair(w, 0, sw, False).astype(np.float64)
            for lane, c in enumerate([code, code ^ 8]):
                want = e2m1_value(c) * e4m3_value(scale) * 2.0 ** -8
                if not (got[lane] == want or (np.isnan(want) and np.isnan(got[lane]))):
                    bad += 1
    check("nvfp4 pair decoding exact for all codes x scales", bad == 0, f"{bad} wrong")
    bad = 0
    for e in range(256):
        sw = mxfp4_scale_word(e)
        for code in range(16):
            got = dequantize_pair(code << 4, 1, sw, True).astype(np.float64)[0]
            want = e2m1_value(code) * e8m0_value(e)
            if abs(want) > float(ml_dtypes.finfo(BF16).max):
                want = np.copysign(np.inf, want)
            if not (got == want or (np.isnan(want) and np.isnan(got))):
                bad += 1
    check("mxfp4 pair decoding exact for all codes x scales", bad == 0, f"{bad} wrong")
    for j in range(4):
        w = 0
        for i in range(8):
            w |= ((i * 5 + j) % 16) << (4 * i)
        got = e2m1_pair(w, j).astype(np.float64) * 2.0 ** 126
        want = [e2m1_value((j * 5 + j) % 16), e2m1_value(((j + 4) * 5 + j) % 16)]
        check(f"pair {j} picks codes {j} and {j + 4}", list(got) == want)


# ------------------------------------------------------------- mma.sync
def mma_m16n8k16(a, b, c):
    """a[lane][4] (bf16 pairs), b[lane][2] (pairs), c[lane][4] f32 -> d."""
    A = np.zeros((16, 16)); B = np.zeros((16, 8))
    for lane in range(32):
        g, t = lane // 4, lane % 4
        for i in range(2):
            A[g, 2 * t + i] = a[lane][0][i]
            A[g + 8, 2 * t + i] = a[lane][1][i]
            A[g, 2 * t + 8 + i] = a[lane][2][i]
            A[g + 8, 2 * t + 8 + i] = a[lane][3][i]
            B[2 * t + i, g] = b[lane][0][i]
            B[2 * t + 8 + i, g] = b[lane][1][i]
    D = A @ B
    d = [list(c[lane]) for lane in range(32)]
    for lane in range(32):
        g, t = lane // 4, lane % 4
        d[lane][0] += D[g, 2 * t]; d[lane][1] += D[g, 2 * t + 1]
        d[lane][2] += D[g + 8, 2 * t]; d[lane][3] += D[g + 8, 2 * t + 1]
    return d


def word(codes_row, byte_off, q):
    b = codes_row[byte_off + 4 * q: byte_off + 4 * q + 4]
    return int(b[0]) | int(b[1]) << 8 | int(b[2]) << 16 | int(b[3]) << 24


def bank_conflict_free(addresses, width):
    """Addresses of one warp-wide shared access of `width` bytes per lane:
    every phase (128 bytes worth of lanes) touches distinct banks unless
    lanes share an address."""
    per_phase = 128 // width
    for p in range(0, 32, per_phase):
        banks = {}
        for a in addresses[p:p + per_phase]:
            for w in range(width // 4):
                banks.setdefault((a // 4 + w) % 32, set()).add(a // 4 + w)
        if any(len(v) > 1 for v in banks.values()):
            return False
    return True


# ---------------------------------------------------------- decode kernel
def random_fp4(rng, rows, k, block):
    codes = rng.integers(0, 256, size=(rows, k // 2), dtype=np.uint8)
    if block == 16:
        scales = rng.integers(0, 0x7F, size=(rows, k // 16), dtype=np.uint8)
        scales |= rng.integers(0, 2, size=scales.shape, dtype=np.uint8) << 7
    else:
        scales = rng.integers(110, 140, size=(rows, k // 32), dtype=np.uint8)
    return codes, scales


def dequantize(codes, scales, block, alpha):
    rows, kb = codes.shape
    out = np.zeros((rows, 2 * kb))
    for r in range(rows):
        for j in range(kb):
            for h in range(2):
                k = 2 * j + h
                c = (codes[r, j] >> (4 * h)) & 0xF
                s = e4m3_value(scales[r, k // 16]) if block == 16 else e8m0_value(scales[r, k // 32])
                out[r, k] = e2m1_value(c) * s
    return out * (alpha if block == 16 else 1.0)


def choose_decode_shape(n, k, target_ctas=264, warps=8, min_steps=4):
    """chooseDecodeShape of DecodeKernel.cpp: (row groups, k-groups, splits)."""
    rg = 1
    for r in (1, 2, 4, 8):
        if n % (16 * r):
            break
        rg = r
        if n // (16 * r) <= target_ctas:
            break
    steps = k // 128
    kg = warps // rg
    while kg > 1 and steps % kg:
        kg //= 2
    splits, ctas, supers = 1, n // (16 * rg), steps // kg
    split = 1
    while split * min_steps <= supers:
        if supers % split == 0 and ctas * split <= target_ctas:
            splits = split
        split += 1
    return rg, kg, splits


def decode_kernel(x, codes, scales, alpha, block, m, n, k, rg, kg, splits):
    """Model of DecodeKernel.cpp (fused alpha; no weight rounding): rg row
    groups x kg k-groups of warps per CTA, splits CTAs along K."""
    mx = block == 32
    c = np.zeros((m, n))
    ntiles = (m + 7) // 8
    kpc = k // splits
    conflicts = True
    for bx in range(n // (16 * rg)):
        for by in range(splits):
            partial = {}  # (row group, k-group) -> accumulators
            for w in range(rg * kg):
                rgroup, kgroup = w % rg, w // rg
                row0 = bx * 16 * rg + 16 * rgroup
                acc = [[[0.0] * 4 for _ in range(32)] for _ in range(ntiles)]
                for sstep in range(kpc // (128 * kg)):
                    # shared memory: the activations of a super-step, chunk i
                    # = chunk i % 16 of row i / 16 % m of step i / (16 m)
                    smem = {}
                    for i in range(16 * m * kg):
                        sub, mm, cc = (i >> 4) // m, (i >> 4) % m, i & 15
                        kk = by * kpc + (sstep * kg + sub) * 128
                        swz = cc ^ ((cc >> 3) << 1) ^ (mm & 1)
                        smem[sub * m * 256 + mm * 256 + 16 * swz] = x[mm, kk + 8 * cc: kk + 8 * cc + 8]
                    k0 = by * kpc + (sstep * kg + kgroup) * 128
                    base = kgroup * m * 256
                    xf = [[[None] * 4 for _ in range(4)] for _ in range(ntiles)]
                    xfrag = [[None] * 32 for _ in range(ntiles)]
                    for tile in range(ntiles):
                        for q in range(4):
                            addrs = []
                            for lane in range(32):
                                g, t = lane // 4, lane % 4
                                mm = min(8 * tile + g, m - 1)
                                cc = 4 * t + q
                                swz = cc ^ ((cc >> 3) << 1) ^ (mm & 1)
                                addrs.append(base + mm * 256 + 16 * swz)
                            conflicts &= bank_conflict_free(addrs, 16)
                        for lane in range(32):
                            g, t = lane // 4, lane % 4
                            mm = min(8 * tile + g, m - 1)
                            pairs = []
                            for q in range(4):
                                cc = 4 * t + q
                                swz = cc ^ ((cc >> 3) << 1) ^ (mm & 1)
                                v = smem[base + mm * 256 + 16 * swz]
                                pairs.append([v[[j, j + 4]] for j in range(4)])
                            xfrag[tile][lane] = pairs
                    wfrag = [None] * 32
                    for lane in range(32):
                        g, t = lane // 4, lane % 4
                        rows = []
                        for r in range(2):
                            row = row0 + g + 8 * r
                            byte = k0 // 2 + 16 * t
                            if mx:
                                sws = [mxfp4_scale_word(scales[row, (k0 + 32 * t) // 32])] * 2
                            else:
                                blk = (k0 + 32 * t) // 16
                                sws = [nvfp4_scale_word(scales[row, blk + h]) for h in range(2)]
                            rows.append([[dequantize_pair(word(codes[row], byte, q), j,
                                                          sws[0] if mx else sws[q // 2], mx)
                                          for j in range(4)] for q in range(4)])
                        wfrag[lane] = rows
                    for q in range(4):
                        for u in range(2):
                            a = [[wfrag[l][0][q][2 * u], wfrag[l][1][q][2 * u],
                                  wfrag[l][0][q][2 * u + 1], wfrag[l][1][q][2 * u + 1]]
                                 for l in range(32)]
                            for tile in range(ntiles):
                                bo = [[xfrag[tile][l][q][2 * u], xfrag[tile][l][q][2 * u + 1]]
                                      for l in range(32)]
                                acc[tile] = mma_m16n8k16(
                                    [[np.asarray(p, np.float64) for p in aa] for aa in a],
                                    [[np.asarray(p, np.float64) for p in bb] for bb in bo],
                                    acc[tile])
                partial[(rgroup, kgroup)] = acc
            # k-group 0 adds the others' sums in order, then scales.
            for rgroup in range(rg):
                row0 = bx * 16 * rg + 16 * rgroup
                for tile in range(ntiles):
                    for lane in range(32):
                        g, t = lane // 4, lane % 4
                        for r in range(4):
                            mm = 8 * tile + 2 * t + r % 2
                            if mm < m:
                                v = sum(partial[(rgroup, q)][tile][lane][r] for q in range(kg))
                                if not mx:
                                    v = v * 2.0 ** 8 * alpha
                                c[mm, row0 + g + 8 * (r // 2)] += v
    return c, conflicts


def check_decode(m, n, k, block, shape, seed):
    rg, kg, splits = shape if shape else choose_decode_shape(n, k)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, k)).astype(BF16)
    codes, scales = random_fp4(rng, n, k, block)
    alpha = 0.0123
    got, ok_banks = decode_kernel(x, codes, scales, alpha, block, m, n, k, rg, kg, splits)
    want = x.astype(np.float64) @ dequantize(codes, scales, block, alpha).T
    rel = np.linalg.norm(got - want) / np.linalg.norm(want)
    name = (f"decode M={m} N={n} K={k} {'mxfp4' if block == 32 else 'nvfp4'} "
            f"row groups={rg} k-groups={kg} splits={splits}")
    check(name, rel < 1e-12, f"rel {rel:.2e}")
    check(name + ": activation reads free of bank conflicts", ok_banks)


# ------------------------------------------------------------ GEMM kernel
def gemm_kernel(ca, sa, cb, sb, alpha_a, alpha_b, block, brows, m, n, k):
    """Model of GemmKernel.cpp (one stage, the ring is only timing)."""
    mx = block == 32
    c = np.zeros((m, n))
    ok_banks = True
    for bx in range(n // 128):
        for by in range(m // 128):
            m0, n0 = 128 * by, 128 * bx
            for warp in range(8):
                wm, wn = warp >> 2, warp & 3
                acc = [[[0.0] * 4 for _ in range(32)] for _ in range(16)]
                for kt in range(k // 64):
                    # shared copies: 32 code bytes per row, 4 scale bytes
                    sA = ca[m0:m0 + 128, 32 * kt: 32 * kt + 32]
                    sB = cb[n0:n0 + 128, 32 * kt: 32 * kt + 32]
                    chunk = 4 * (kt // 2) if mx else 4 * kt
                    scA = sa[m0:m0 + 128, chunk:chunk + 4]
                    scB = sb[(n0 // brows):(n0 // brows) + 128 // brows, chunk:chunk + 4]
                    def scale_word(tab, row, t):
                        byte = 2 * (kt & 1) + (t >> 1) if mx else t
                        v = tab[row, byte]
                        return mxfp4_scale_word(v) if mx else nvfp4_scale_word(v)
                    for i in range(4):
                        for h in range(2):
                            addrs = [(64 * wm + 16 * i + 8 * h + l // 4) * 32 + 8 * (l % 4) for l in range(32)]
                            ok_banks &= bank_conflict_free(addrs, 8)
                    afr = [None] * 32; bfr = [None] * 32
                    for lane in range(32):
                        g, t = lane // 4, lane % 4
                        afr[lane] = [[[[dequantize_pair(word(sA[64 * wm + 16 * i + g + 8 * h], 8 * t, q), p,
                                                        scale_word(scA, 64 * wm + 16 * i + g + 8 * h, t), mx)
                                        for p in range(4)] for q in range(2)] for h in range(2)] for i in range(4)]
                        bfr[lane] = [[[dequantize_pair(word(sB[32 * wn + 8 * j + g], 8 * t, q), p,
                                                       scale_word(scB, (32 * wn + 8 * j + g) // brows, t), mx)
                                       for p in range(4)] for q in range(2)] for j in range(4)]
                    for q in range(2):
                        for u in range(2):
                            for i in range(4):
                                a = [[np.asarray(afr[l][i][0][q][2 * u], np.float64), np.asarray(afr[l][i][1][q][2 * u], np.float64),
                                      np.asarray(afr[l][i][0][q][2 * u + 1], np.float64), np.asarray(afr[l][i][1][q][2 * u + 1], np.float64)]
                                     for l in range(32)]
                                for j in range(4):
                                    bo = [[np.asarray(bfr[l][j][q][2 * u], np.float64), np.asarray(bfr[l][j][q][2 * u + 1], np.float64)]
                                          for l in range(32)]
                                    acc[i * 4 + j] = mma_m16n8k16(a, bo, acc[i * 4 + j])
                for i in range(4):
                    for j in range(4):
                        for lane in range(32):
                            g, t = lane // 4, lane % 4
                            for r in range(4):
                                v = acc[i * 4 + j][lane][r]
                                if not mx:
                                    v = v * 2.0 ** 16 * alpha_a * alpha_b
                                row = m0 + 64 * wm + 16 * i + g + 8 * (r // 2)
                                col = n0 + 32 * wn + 8 * j + 2 * t + r % 2
                                c[row, col] = v
    return c, ok_banks


def check_gemm(m, n, k, block, brows, seed):
    rng = np.random.default_rng(seed)
    ca, sa = random_fp4(rng, m, k, block)
    cb, sb = random_fp4(rng, n, k, block)
    if brows == 16:
        sb = sb[::16].copy()
    aa, ab = 0.37, 0.011
    got, ok_banks = gemm_kernel(ca, sa, cb, sb, aa, ab, block, brows, m, n, k)
    sbf = np.repeat(sb, brows, axis=0) if brows == 16 else sb
    want = dequantize(ca, sa, block, aa) @ dequantize(cb, sbf, block, ab).T
    rel = np.linalg.norm(got - want) / np.linalg.norm(want)
    name = f"gemm M={m} N={n} K={k} {'mxfp4' if block == 32 else 'nvfp4'} rhs block {brows}x{block}"
    check(name, rel < 1e-12, f"rel {rel:.2e}")
    check(name + ": code reads free of bank conflicts", ok_banks)


if __name__ == "__main__":
    np.seterr(over="ignore", invalid="ignore")
    check_decoding()
    # The shapes chooseDecodeShape picks for the benchmark graphs.
    check("shape 16x8192x8192", choose_decode_shape(8192, 8192) == (2, 4, 1))
    check("shape 16x4096x14336", choose_decode_shape(4096, 14336) == (1, 8, 1))
    check_decode(1, 32, 256, 16, None, 1)           # (1, 2, 1)
    check_decode(16, 32, 512, 16, (2, 4, 1), 2)     # 2 row groups x 4 k-groups
    check_decode(5, 16, 1024, 32, (1, 2, 2), 3)     # k-groups and CTA splits
    check_decode(16, 16, 128, 32, (1, 1, 1), 4)
    check_decode(16, 64, 1024, 16, (4, 2, 1), 5)
    check_gemm(128, 128, 128, 16, 1, 5)
    check_gemm(128, 128, 256, 32, 1, 6)
    check_gemm(128, 128, 64, 16, 16, 7)
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)
