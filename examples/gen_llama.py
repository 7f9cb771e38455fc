#!/usr/bin/env python3
"""Generates the MLIR of a Llama-family decoder (linalg/tensor/arith/math on
tensors) with synthetic weights, for --fp4-ptq-pipeline.

    examples/gen_llama.py -o examples/llama_block.mlir            # the example
    examples/gen_llama.py --layers 16 --hidden 2048 --intermediate 5632 \\
        --heads 16 --no-main -o /tmp/llama16.mlir                 # benchmarks

Each layer: RMSNorm, q/k/v projections, causal multi-head attention
(batch_matmul over heads, softmax with math.exp), o projection, residual,
RMSNorm, SwiGLU MLP (gate/up projections, SiLU, down projection), residual.
RoPE is left out (it does not change what is quantized). Projections are
`linalg.matmul` with the PyTorch weight layout W: [out, in] (transposed-B
indexing maps), f32 activations and bf16 weights stored as `dense_resource`
blobs; every projection carries its name as location, e.g.
`loc("layers.0.self_attn.q_proj")`, for keep-high-precision and the report.

Weights are heavy-tailed like trained LLM weights: Student-t (df 4) scaled to
1/sqrt(fan_in), per-output-row log-normal scales, and a few outlier input
channels (x3..x10). The input and the RMSNorm gains carry a few "massive
activation" channels, so activations have outliers too - the regime where
Four Over Six and Hadamard rotations matter (papers/four-over-six-nvfp4.md,
papers/mr-gptq-microscaling-fp4.md).

With a @main (the default) the module runs on the CPU path: it computes the
block on a fixed input and prints the output as f32 bit patterns after an
`@@out` tag (examples/run_llama_block.py reads them).
"""
import argparse
import sys

import numpy as np

try:
    import ml_dtypes
except ImportError:  # pragma: no cover
    ml_dtypes = None


def bf16_bytes(a):
    """Round-to-nearest-even f32 -> bf16, as raw little-endian bytes."""
    if ml_dtypes is not None:
        return a.astype(ml_dtypes.bfloat16).tobytes()
    u = np.ascontiguousarray(a, np.float32).view(np.uint32)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return r.tobytes()


def heavy_tailed_weight(rng, out_f, in_f, outlier_frac=0.01):
    df = 4.0
    w = rng.standard_t(df, size=(out_f, in_f)).astype(np.float32)
    w *= np.float32(1.0 / np.sqrt(in_f) / np.sqrt(df / (df - 2)))
    w *= rng.lognormal(0.0, 0.3, size=(out_f, 1)).astype(np.float32)
    n_out = max(1, int(outlier_frac * in_f))
    cols = rng.choice(in_f, size=n_out, replace=False)
    w[:, cols] *= rng.uniform(3.0, 10.0, size=n_out).astype(np.float32)
    return w


def rms_gain(rng, h):
    g = (1.0 + 0.1 * rng.standard_normal(h)).astype(np.float32)
    idx = rng.choice(h, size=max(1, h // 128), replace=False)
    g[idx] *= rng.uniform(2.0, 4.0, size=idx.size).astype(np.float32)
    return g


def model_input(rng, s, h):
    x = rng.standard_t(5, size=(s, h)).astype(np.float32)
    idx = rng.choice(h, size=max(1, h // 64), replace=False)
    x[:, idx] *= np.float32(10.0)
    return x


class Writer:
    def __init__(self, out, dtype):
        self.out, self.dtype = out, dtype
        self.n = 0
        self.blobs = []  # (name, bytes)

    def tmp(self, prefix="v"):
        self.n += 1
        return f"%{prefix}{self.n}"

    def line(self, s):
        self.out.write("  " + s + "\n")


def f32_dense(a):
    return f'dense<"0x{np.ascontiguousarray(a, np.float32).tobytes().hex().upper()}">'


def t(shape, elt="f32"):
    return "tensor<" + "x".join(str(d) for d in shape) + f"x{elt}>"


MAP_T = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
         "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]")


def emit_linear(w, x, s, k, n, weight_ssa, name, wdt):
    """y = x W^T with W [n, k] (PyTorch layout)."""
    z, f, y = w.tmp("e"), w.tmp("z"), w.tmp("y")
    w.line(f"{z} = tensor.empty() : {t([s, n])}")
    w.line(f"{f} = linalg.fill ins(%zero : f32) outs({z} : {t([s, n])}) -> {t([s, n])}")
    w.line(f"{y} = linalg.matmul {MAP_T} ins({x}, {weight_ssa} : {t([s, k])}, {t([n, k], wdt)}) "
           f"outs({f} : {t([s, n])}) -> {t([s, n])} loc(\"{name}\")")
    return y


def emit_rmsnorm(w, x, s, h, gain_ssa, eps=1e-5):
    z, f, ss, e, y = w.tmp("e"), w.tmp("z"), w.tmp("ss"), w.tmp("e"), w.tmp("n")
    w.line(f"{z} = tensor.empty() : {t([s])}")
    w.line(f"{f} = linalg.fill ins(%zero : f32) outs({z} : {t([s])}) -> {t([s])}")
    w.line(f"{ss} = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], "
           f"iterator_types = [\"parallel\", \"reduction\"]}} ins({x} : {t([s, h])}) outs({f} : {t([s])}) {{")
    w.line(f"^bb0(%a: f32, %acc: f32):")
    w.line(f"  %sq = arith.mulf %a, %a : f32")
    w.line(f"  %r = arith.addf %acc, %sq : f32")
    w.line(f"  linalg.yield %r : f32")
    w.line(f"}} -> {t([s])}")
    w.line(f"{e} = tensor.empty() : {t([s, h])}")
    w.line(f"{y} = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, "
           f"affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = [\"parallel\", \"parallel\"]}} "
           f"ins({x}, {ss}, {gain_ssa} : {t([s, h])}, {t([s])}, {t([h])}) outs({e} : {t([s, h])}) {{")
    w.line(f"^bb0(%a: f32, %q: f32, %g: f32, %o: f32):")
    w.line(f"  %m = arith.divf %q, %hidden : f32")
    w.line(f"  %me = arith.addf %m, %eps : f32")
    w.line(f"  %rs = math.rsqrt %me : f32")
    w.line(f"  %an = arith.mulf %a, %rs : f32")
    w.line(f"  %r = arith.mulf %an, %g : f32")
    w.line(f"  linalg.yield %r : f32")
    w.line(f"}} -> {t([s, h])}")
    return y


def emit_heads(w, x, s, nh, d):
    """[s, nh*d] -> [nh, s, d]."""
    r, e, tr = w.tmp("r"), w.tmp("e"), w.tmp("h")
    w.line(f"{r} = tensor.expand_shape {x} [[0], [1, 2]] output_shape [{s}, {nh}, {d}] : {t([s, nh * d])} into {t([s, nh, d])}")
    w.line(f"{e} = tensor.empty() : {t([nh, s, d])}")
    w.line(f"{tr} = linalg.transpose ins({r} : {t([s, nh, d])}) outs({e} : {t([nh, s, d])}) permutation = [1, 0, 2]")
    return tr


def emit_attention(w, q, k, v, s, nh, d):
    qh, kh, vh = emit_heads(w, q, s, nh, d), emit_heads(w, k, s, nh, d), emit_heads(w, v, s, nh, d)
    z, f, sc = w.tmp("e"), w.tmp("z"), w.tmp("sc")
    bmap = "affine_map<(b, m, n, k) -> ({})>"
    w.line(f"{z} = tensor.empty() : {t([nh, s, s])}")
    w.line(f"{f} = linalg.fill ins(%zero : f32) outs({z} : {t([nh, s, s])}) -> {t([nh, s, s])}")
    w.line(f"{sc} = linalg.batch_matmul indexing_maps = [{bmap.format('b, m, k')}, {bmap.format('b, n, k')}, "
           f"{bmap.format('b, m, n')}] ins({qh}, {kh} : {t([nh, s, d])}, {t([nh, s, d])}) outs({f} : {t([nh, s, s])}) -> {t([nh, s, s])}")
    # Scale and causal mask.
    e1, ms = w.tmp("e"), w.tmp("ms")
    id3 = "affine_map<(b, i, j) -> (b, i, j)>"
    red3 = "affine_map<(b, i, j) -> (b, i)>"
    w.line(f"{e1} = tensor.empty() : {t([nh, s, s])}")
    w.line(f"{ms} = linalg.generic {{indexing_maps = [{id3}, {id3}], iterator_types = [\"parallel\", \"parallel\", \"parallel\"]}} "
           f"ins({sc} : {t([nh, s, s])}) outs({e1} : {t([nh, s, s])}) {{")
    w.line("^bb0(%a: f32, %o: f32):")
    w.line("  %i = linalg.index 1 : index")
    w.line("  %j = linalg.index 2 : index")
    w.line("  %fut = arith.cmpi ugt, %j, %i : index")
    w.line("  %sa = arith.mulf %a, %attn_scale : f32")
    w.line("  %r = arith.select %fut, %neg_big, %sa : f32")
    w.line("  linalg.yield %r : f32")
    w.line(f"}} -> {t([nh, s, s])}")
    # Softmax over j.
    e2, f2, mx = w.tmp("e"), w.tmp("z"), w.tmp("mx")
    w.line(f"{e2} = tensor.empty() : {t([nh, s])}")
    w.line(f"{f2} = linalg.fill ins(%neg_big : f32) outs({e2} : {t([nh, s])}) -> {t([nh, s])}")
    w.line(f"{mx} = linalg.generic {{indexing_maps = [{id3}, {red3}], iterator_types = [\"parallel\", \"parallel\", \"reduction\"]}} "
           f"ins({ms} : {t([nh, s, s])}) outs({f2} : {t([nh, s])}) {{")
    w.line("^bb0(%a: f32, %acc: f32):")
    w.line("  %r = arith.maximumf %a, %acc : f32")
    w.line("  linalg.yield %r : f32")
    w.line(f"}} -> {t([nh, s])}")
    e3, ex = w.tmp("e"), w.tmp("ex")
    w.line(f"{e3} = tensor.empty() : {t([nh, s, s])}")
    w.line(f"{ex} = linalg.generic {{indexing_maps = [{id3}, {red3}, {id3}], iterator_types = [\"parallel\", \"parallel\", \"parallel\"]}} "
           f"ins({ms}, {mx} : {t([nh, s, s])}, {t([nh, s])}) outs({e3} : {t([nh, s, s])}) {{")
    w.line("^bb0(%a: f32, %m: f32, %o: f32):")
    w.line("  %dd = arith.subf %a, %m : f32")
    w.line("  %r = math.exp %dd : f32")
    w.line("  linalg.yield %r : f32")
    w.line(f"}} -> {t([nh, s, s])}")
    e4, f4, sm = w.tmp("e"), w.tmp("z"), w.tmp("sm")
    w.line(f"{e4} = tensor.empty() : {t([nh, s])}")
    w.line(f"{f4} = linalg.fill ins(%zero : f32) outs({e4} : {t([nh, s])}) -> {t([nh, s])}")
    w.line(f"{sm} = linalg.generic {{indexing_maps = [{id3}, {red3}], iterator_types = [\"parallel\", \"parallel\", \"reduction\"]}} "
           f"ins({ex} : {t([nh, s, s])}) outs({f4} : {t([nh, s])}) {{")
    w.line("^bb0(%a: f32, %acc: f32):")
    w.line("  %r = arith.addf %a, %acc : f32")
    w.line("  linalg.yield %r : f32")
    w.line(f"}} -> {t([nh, s])}")
    e5, p = w.tmp("e"), w.tmp("p")
    w.line(f"{e5} = tensor.empty() : {t([nh, s, s])}")
    w.line(f"{p} = linalg.generic {{indexing_maps = [{id3}, {red3}, {id3}], iterator_types = [\"parallel\", \"parallel\", \"parallel\"]}} "
           f"ins({ex}, {sm} : {t([nh, s, s])}, {t([nh, s])}) outs({e5} : {t([nh, s, s])}) {{")
    w.line("^bb0(%a: f32, %m: f32, %o: f32):")
    w.line("  %r = arith.divf %a, %m : f32")
    w.line("  linalg.yield %r : f32")
    w.line(f"}} -> {t([nh, s, s])}")
    # P V.
    e6, f6, ctx = w.tmp("e"), w.tmp("z"), w.tmp("ctx")
    w.line(f"{e6} = tensor.empty() : {t([nh, s, d])}")
    w.line(f"{f6} = linalg.fill ins(%zero : f32) outs({e6} : {t([nh, s, d])}) -> {t([nh, s, d])}")
    w.line(f"{ctx} = linalg.batch_matmul ins({p}, {vh} : {t([nh, s, s])}, {t([nh, s, d])}) "
           f"outs({f6} : {t([nh, s, d])}) -> {t([nh, s, d])}")
    e7, tr, c = w.tmp("e"), w.tmp("ct"), w.tmp("c")
    w.line(f"{e7} = tensor.empty() : {t([s, nh, d])}")
    w.line(f"{tr} = linalg.transpose ins({ctx} : {t([nh, s, d])}) outs({e7} : {t([s, nh, d])}) permutation = [1, 0, 2]")
    w.line(f"{c} = tensor.collapse_shape {tr} [[0], [1, 2]] : {t([s, nh, d])} into {t([s, nh * d])}")
    return c


def emit_add(w, a, b, shape):
    e, y = w.tmp("e"), w.tmp("res")
    m = "affine_map<(i, j) -> (i, j)>"
    w.line(f"{e} = tensor.empty() : {t(shape)}")
    w.line(f"{y} = linalg.generic {{indexing_maps = [{m}, {m}, {m}], iterator_types = [\"parallel\", \"parallel\"]}} "
           f"ins({a}, {b} : {t(shape)}, {t(shape)}) outs({e} : {t(shape)}) {{")
    w.line("^bb0(%a: f32, %b: f32, %o: f32):")
    w.line("  %r = arith.addf %a, %b : f32")
    w.line("  linalg.yield %r : f32")
    w.line(f"}} -> {t(shape)}")
    return y


def emit_swiglu(w, g, u, s, i):
    e, y = w.tmp("e"), w.tmp("act")
    m = "affine_map<(i, j) -> (i, j)>"
    w.line(f"{e} = tensor.empty() : {t([s, i])}")
    w.line(f"{y} = linalg.generic {{indexing_maps = [{m}, {m}, {m}], iterator_types = [\"parallel\", \"parallel\"]}} "
           f"ins({g}, {u} : {t([s, i])}, {t([s, i])}) outs({e} : {t([s, i])}) {{")
    w.line("^bb0(%a: f32, %b: f32, %o: f32):")
    w.line("  %na = arith.negf %a : f32")
    w.line("  %ex = math.exp %na : f32")
    w.line("  %den = arith.addf %ex, %one : f32")
    w.line("  %sig = arith.divf %a, %den : f32")
    w.line("  %r = arith.mulf %sig, %b : f32")
    w.line("  linalg.yield %r : f32")
    w.line(f"}} -> {t([s, i])}")
    return y


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--intermediate", type=int, default=704)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--seq", type=int, default=32)
    ap.add_argument("--weight-dtype", choices=["bf16", "f32"], default="bf16")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-main", action="store_true",
                    help="only the model function (for compile-time benchmarks)")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    if a.hidden % a.heads:
        sys.exit("hidden must be a multiple of heads")
    s, h, im, nh = a.seq, a.hidden, a.intermediate, a.heads
    d = h // nh
    wdt = a.weight_dtype
    rng = np.random.default_rng(a.seed)
    out = sys.stdout if a.output == "-" else open(a.output, "w")
    w = Writer(out, wdt)

    out.write(f"// Llama-style decoder: {a.layers} layer(s), hidden {h}, intermediate {im}, "
              f"{nh} heads, seq {s}, {wdt} weights (dense_resource).\n")
    out.write(f"// Generated by: examples/gen_llama.py --layers {a.layers} --hidden {h} "
              f"--intermediate {im} --heads {nh} --seq {s} --weight-dtype {wdt} --seed {a.seed}"
              f"{' --no-main' if a.no_main else ''}\n")
    if not a.no_main:
        out.write("//\n// Run it: examples/run_llama_block.py (unquantized vs --fp4-ptq-pipeline on the CPU).\n")
        out.write("func.func private @printMemrefI32(tensor<*xi32>)\n\n")
    out.write(f"func.func @decoder(%x: {t([s, h])}) -> {t([s, h])} {{\n")
    w.line("%zero = arith.constant 0.0 : f32")
    w.line("%one = arith.constant 1.0 : f32")
    w.line(f"%hidden = arith.constant {float(h)} : f32")
    w.line("%eps = arith.constant 1.0e-05 : f32")
    w.line(f"%attn_scale = arith.constant {1.0 / np.sqrt(d):.9e} : f32")
    w.line("%neg_big = arith.constant -1.0e+30 : f32")
    x = "%x"
    for layer in range(a.layers):
        p = f"layers.{layer}"
        weights = {}
        shapes = {"self_attn.q_proj": (h, h), "self_attn.k_proj": (h, h),
                  "self_attn.v_proj": (h, h), "self_attn.o_proj": (h, h),
                  "mlp.gate_proj": (im, h), "mlp.up_proj": (im, h),
                  "mlp.down_proj": (h, im)}
        for name, (o, i) in shapes.items():
            full = f"{p}.{name}"
            blob = full.replace(".", "_")
            wt = heavy_tailed_weight(rng, o, i)
            raw = bf16_bytes(wt) if wdt == "bf16" else wt.tobytes()
            w.blobs.append((blob, raw))
            ssa = w.tmp("w")
            w.line(f"{ssa} = arith.constant dense_resource<{blob}> : {t([o, i], wdt)}")
            weights[name] = ssa
        g1, g2 = w.tmp("g"), w.tmp("g")
        w.line(f"{g1} = arith.constant {f32_dense(rms_gain(rng, h))} : {t([h])}")
        w.line(f"{g2} = arith.constant {f32_dense(rms_gain(rng, h))} : {t([h])}")
        hn = emit_rmsnorm(w, x, s, h, g1)
        q = emit_linear(w, hn, s, h, h, weights["self_attn.q_proj"], f"{p}.self_attn.q_proj", wdt)
        k = emit_linear(w, hn, s, h, h, weights["self_attn.k_proj"], f"{p}.self_attn.k_proj", wdt)
        v = emit_linear(w, hn, s, h, h, weights["self_attn.v_proj"], f"{p}.self_attn.v_proj", wdt)
        c = emit_attention(w, q, k, v, s, nh, d)
        o = emit_linear(w, c, s, h, h, weights["self_attn.o_proj"], f"{p}.self_attn.o_proj", wdt)
        x = emit_add(w, x, o, [s, h])
        hn2 = emit_rmsnorm(w, x, s, h, g2)
        gt = emit_linear(w, hn2, s, h, im, weights["mlp.gate_proj"], f"{p}.mlp.gate_proj", wdt)
        up = emit_linear(w, hn2, s, h, im, weights["mlp.up_proj"], f"{p}.mlp.up_proj", wdt)
        act = emit_swiglu(w, gt, up, s, im)
        dn = emit_linear(w, act, s, im, h, weights["mlp.down_proj"], f"{p}.mlp.down_proj", wdt)
        x = emit_add(w, x, dn, [s, h])
    w.line(f"return {x} : {t([s, h])}")
    out.write("}\n")

    if not a.no_main:
        xin = model_input(np.random.default_rng(a.seed + 1), s, h)
        n = s * h
        out.write("\nfunc.func @main() {\n")
        out.write(f"  %x = arith.constant {f32_dense(xin)} : {t([s, h])}\n")
        out.write(f"  %y = func.call @decoder(%x) : ({t([s, h])}) -> {t([s, h])}\n")
        out.write('  vector.print str "@@in\\n"\n')
        for tag, v in (("in", "%x"), ("out", "%y")):
            if tag == "out":
                out.write('  vector.print str "@@out\\n"\n')
            out.write(f"  %c_{tag} = tensor.collapse_shape {v} [[0, 1]] : {t([s, h])} into tensor<{n}xf32>\n")
            out.write(f"  %i_{tag} = arith.bitcast %c_{tag} : tensor<{n}xf32> to tensor<{n}xi32>\n")
            out.write(f"  %u_{tag} = tensor.cast %i_{tag} : tensor<{n}xi32> to tensor<*xi32>\n")
            out.write(f"  call @printMemrefI32(%u_{tag}) : (tensor<*xi32>) -> ()\n")
        out.write("  return\n}\n")

    out.write("\n{-#\n  dialect_resources: {\n    builtin: {\n")
    for j, (name, raw) in enumerate(w.blobs):
        sep = "," if j + 1 < len(w.blobs) else ""
        out.write(f'      {name}: "0x{(4 if wdt == "f32" else 2):02X}000000')
        # Write big blobs in chunks to bound memory.
        step = 1 << 24
        for o in range(0, len(raw), step):
            out.write(raw[o:o + step].hex().upper())
        out.write(f'"{sep}\n')
    out.write("    }\n  }\n#-}\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
