"""The GPU-vs-CPU comparison cases: each case is one fp4 computation wrapped
in a function with memref arguments only (inputs first, then outputs) and
`llvm.emit_c_interface`, so that the same MLIR compiles with
`--fp4-lower-to-cpu` (host pointers) and `--fp4-lower-to-nvvm` (device
pointers) and both are called through `_mlir_ciface_<name>`.

`python3 cases.py OUT.mlir OUT.json [--size R C]` writes the module and a
description of every case (argument shapes/dtypes, which outputs to compare
and how) that run_cases.py reads on the GPU machine.
"""
import argparse
import json

NV_RULES = [("static6", None), ("static4", None), ("four_over_six", None),
            ("four_over_six", "mae"), ("four_over_six", "absmax")]


def shape_str(shape):
    return "x".join(str(d) for d in shape)


def fp4_type(shape, fmt, block):
    default = (1, 32) if fmt == "mxfp4" else (1, 16)
    b = "" if tuple(block) == default else f", block = {block[0]}x{block[1]}"
    return f"!fp4.tensor<{shape_str(shape)}, {fmt}{b}>"


def scales_shape(shape, block):
    s = list(shape)
    s[-1] //= block[1]
    if block[0] > 1:
        s[-2] //= block[0]
    return s


class Module:
    def __init__(self):
        self.funcs = []
        self.cases = []

    def add(self, name, args, body, outputs, kind, extra=None):
        """args: [(argname, shape, dtype, 'in'|'out')]; body: MLIR lines
        using %<argname> memrefs; outputs compared per `kind`."""
        sig = ", ".join(f"%{a}: memref<{shape_str(s)}x{t}>" for a, s, t, _ in args)
        lines = [f"func.func @{name}({sig}) attributes {{llvm.emit_c_interface}} {{",
                 "  %c0 = arith.constant 0 : index"]
        for a, s, t, io in args:
            if io == "in":
                lines.append(f"  %{a}_t = bufferization.to_tensor %{a} restrict : memref<{shape_str(s)}x{t}> to tensor<{shape_str(s)}x{t}>")
        lines += ["  " + l for l in body]
        lines.append("  return\n}")
        self.funcs.append("\n".join(lines))
        case = {"name": name, "kind": kind,
                "args": [{"name": a, "shape": s, "dtype": t, "io": io} for a, s, t, io in args],
                "outputs": outputs}
        case.update(extra or {})
        self.cases.append(case)

    def store_out(self, value, arg, shape, dtype):
        if shape == [1]:
            return [f"memref.store {value}, %{arg}[%c0] : memref<1x{dtype}>"]
        return [f"bufferization.materialize_in_destination {value} in writable %{arg} : (tensor<{shape_str(shape)}x{dtype}>, memref<{shape_str(shape)}x{dtype}>) -> ()"]

    def quantize(self, name, shape, fmt="nvfp4", rule=None, metric=None,
                 block=None, dtype="f32", amax=False, seed=False,
                 deq="f32"):
        block = tuple(block or ((1, 32) if fmt == "mxfp4" else (1, 16)))
        ty = fp4_type(shape, fmt, block)
        selt = "f8E8M0FNU" if fmt == "mxfp4" else "f8E4M3FN"
        vshape = list(shape[:-1]) + [shape[-1] // 2]
        sshape = scales_shape(shape, block)
        args = [("x", list(shape), dtype, "in")]
        body, types, text = [], [f"tensor<{shape_str(shape)}x{dtype}>"], "fp4.quantize %x_t"
        if amax:
            args.append(("amax", [1], "f32", "in"))
            body.append("%amax_v = memref.load %amax[%c0] : memref<1xf32>")
            text += " amax(%amax_v)"
            types.append("f32")
        if seed:
            args.append(("seed", [1], "i64", "in"))
            body.append("%seed_v = memref.load %seed[%c0] : memref<1xi64>")
            text += " seed(%seed_v)"
            types.append("i64")
        if rule:
            r = rule if metric is None else f"{rule}, {metric}"
            text += f" {{rule = #fp4.rule<{r}>}}"
        body.append(f"%q = {text} : {', '.join(types)} -> {ty}")
        body.append(f"%v = fp4.values %q : {ty} -> tensor<{shape_str(vshape)}xi8>")
        body.append(f"%s = fp4.scales %q : {ty} -> tensor<{shape_str(sshape)}x{selt}>")
        body.append(f"%d = fp4.dequantize %q : {ty} -> tensor<{shape_str(shape)}x{deq}>")
        args += [("values", vshape, "i8", "out"), ("scales", sshape, selt, "out"),
                 ("deq", list(shape), deq, "out")]
        body += self.store_out("%v", "values", vshape, "i8")
        body += self.store_out("%s", "scales", sshape, selt)
        body += self.store_out("%d", "deq", list(shape), deq)
        outs = ["values", "scales", "deq"]
        if fmt == "nvfp4":
            body.append(f"%a = fp4.tensor_scale %q : {ty} -> f32")
            args.append(("alpha", [1], "f32", "out"))
            body += self.store_out("%a", "alpha", [1], "f32")
            outs.append("alpha")
        self.add(name, args, body, outs, "exact",
                 {"op": "quantize", "fmt": fmt, "rule": rule, "metric": metric,
                  "block": list(block)})

    def quantize_with_scales(self, name, shape, fmt="nvfp4"):
        block = (1, 32) if fmt == "mxfp4" else (1, 16)
        ty = fp4_type(shape, fmt, block)
        selt = "f8E8M0FNU" if fmt == "mxfp4" else "f8E4M3FN"
        vshape = list(shape[:-1]) + [shape[-1] // 2]
        sshape = scales_shape(shape, block)
        args = [("x", list(shape), "f32", "in"), ("sc", sshape, selt, "in")]
        body = [f"%sc_in = bufferization.to_tensor %sc restrict : memref<{shape_str(sshape)}x{selt}> to tensor<{shape_str(sshape)}x{selt}>"]
        if fmt == "nvfp4":
            args.append(("al", [1], "f32", "in"))
            body.append("%al_v = memref.load %al[%c0] : memref<1xf32>")
            body.append(f"%q = fp4.quantize %x_t scales(%sc_in, %al_v) : tensor<{shape_str(shape)}xf32>, tensor<{shape_str(sshape)}x{selt}>, f32 -> {ty}")
        else:
            body.append(f"%q = fp4.quantize %x_t scales(%sc_in) : tensor<{shape_str(shape)}xf32>, tensor<{shape_str(sshape)}x{selt}> -> {ty}")
        body.append(f"%v = fp4.values %q : {ty} -> tensor<{shape_str(vshape)}xi8>")
        args.append(("values", vshape, "i8", "out"))
        body += self.store_out("%v", "values", vshape, "i8")
        self.add(name, args, body, ["values"], "exact",
                 {"op": "quantize_with_scales", "fmt": fmt})

    def scale_select(self, name, shape, fmt="nvfp4", rule=None, metric=None,
                     block=None):
        block = tuple(block or ((1, 32) if fmt == "mxfp4" else (1, 16)))
        selt = "f8E8M0FNU" if fmt == "mxfp4" else "f8E4M3FN"
        sshape = scales_shape(shape, block)
        r = "" if not rule else f" {{rule = #fp4.rule<{rule if metric is None else rule + ', ' + metric}>}}"
        args = [("x", list(shape), "f32", "in"), ("scales", sshape, selt, "out")]
        res = f"tensor<{shape_str(sshape)}x{selt}>"
        if fmt == "nvfp4":
            body = [f"%s, %a = fp4.scale_select %x_t{r} : tensor<{shape_str(shape)}xf32> -> {res}, f32"]
        else:
            body = [f"%s = fp4.scale_select %x_t{r} : tensor<{shape_str(shape)}xf32> -> {res}"]
        body += self.store_out("%s", "scales", sshape, selt)
        outs = ["scales"]
        if fmt == "nvfp4":
            args.append(("alpha", [1], "f32", "out"))
            body += self.store_out("%a", "alpha", [1], "f32")
            outs.append("alpha")
        self.add(name, args, body, outs, "exact", {"op": "scale_select"})

    def hadamard(self, name, shape, size, signs=None, dtype="f32"):
        attrs = f"size = {size}"
        if signs:
            attrs += ", signs = array<i8: " + ", ".join(str(s) for s in signs) + ">"
        args = [("x", list(shape), dtype, "in"), ("y", list(shape), dtype, "out")]
        body = [f"%h = fp4.hadamard %x_t {{{attrs}}} : tensor<{shape_str(shape)}x{dtype}>"]
        body += self.store_out("%h", "y", list(shape), dtype)
        self.add(name, args, body, ["y"], "exact", {"op": "hadamard"})

    def matmul(self, name, m, n, k, fmt="nvfp4", block_b=None, result="f32"):
        block_b = tuple(block_b or ((1, 32) if fmt == "mxfp4" else (1, 16)))
        ta = fp4_type([m, k], fmt, (1, 32) if fmt == "mxfp4" else (1, 16))
        tb = fp4_type([n, k], fmt, block_b)
        args = [("a", [m, k], "f32", "in"), ("b", [n, k], "f32", "in"),
                ("c", [m, n], result, "out")]
        body = [f"%qa = fp4.quantize %a_t : tensor<{m}x{k}xf32> -> {ta}",
                f"%qb = fp4.quantize %b_t : tensor<{n}x{k}xf32> -> {tb}",
                f"%r = fp4.matmul %qa, %qb : {ta}, {tb} -> tensor<{m}x{n}x{result}>"]
        body += self.store_out("%r", "c", [m, n], result)
        self.add(name, args, body, ["c"], "rel1e-5", {"op": "matmul"})

    def matmul_fp64(self, name, m, n, k, fmt="nvfp4"):
        """A large matmul checked on the GPU alone against an fp64 product of
        its own dequantized operands (SPEC 2.5; the dequantization itself is
        proven byte-identical to the CPU path by the quantize cases)."""
        blk = (1, 32) if fmt == "mxfp4" else (1, 16)
        ta, tb = fp4_type([m, k], fmt, blk), fp4_type([n, k], fmt, blk)
        args = [("a", [m, k], "f32", "in"), ("b", [n, k], "f32", "in"),
                ("c", [m, n], "f32", "out"), ("da", [m, k], "f32", "out"),
                ("db", [n, k], "f32", "out")]
        body = [f"%qa = fp4.quantize %a_t : tensor<{m}x{k}xf32> -> {ta}",
                f"%qb = fp4.quantize %b_t : tensor<{n}x{k}xf32> -> {tb}",
                f"%r = fp4.matmul %qa, %qb : {ta}, {tb} -> tensor<{m}x{n}xf32>",
                f"%dqa = fp4.dequantize %qa : {ta} -> tensor<{m}x{k}xf32>",
                f"%dqb = fp4.dequantize %qb : {tb} -> tensor<{n}x{k}xf32>"]
        body += self.store_out("%r", "c", [m, n], "f32")
        body += self.store_out("%dqa", "da", [m, k], "f32")
        body += self.store_out("%dqb", "db", [n, k], "f32")
        self.add(name, args, body, ["c"], "fp64ref", {"op": "matmul", "gpu_only": True})

    def decode(self, name, m, n, k, fmt="nvfp4", deq="bf16"):
        """W4A16 decode: bf16 activations x fp4 weights (quantized in the
        graph) dequantized to `deq`, the contraction of bench/gen_bench.py
        with an f32 result (the mma.sync decode kernel where the shape fits,
        the emulated loops elsewhere)."""
        ty = fp4_type([n, k], fmt, (1, 32) if fmt == "mxfp4" else (1, 16))
        args = [("x", [m, k], "bf16", "in"), ("w", [n, k], "f32", "in"),
                ("y", [m, n], "f32", "out")]
        body = [f"%qw = fp4.quantize %w_t : tensor<{n}x{k}xf32> -> {ty}"]
        body += self._decode_body(m, n, k, ty, deq)
        body += self.store_out("%acc", "y", [m, n], "f32")
        self.add(name, args, body, ["y"], "rel1e-5", {"op": "decode"})

    def decode_packed(self, name, m, n, k):
        """Decode with packed nvfp4 weights given as codes, E4M3 scales (NaN
        and zero among them) and alpha: NaN scales must give NaN outputs."""
        ty = fp4_type([n, k], "nvfp4", (1, 16))
        args = [("x", [m, k], "bf16", "in"), ("wv", [n, k // 2], "i8", "in"),
                ("sc", [n, k // 16], "f8E4M3FN", "in"), ("al", [1], "f32", "in"),
                ("y", [m, n], "f32", "out")]
        body = [f"%sc_in = bufferization.to_tensor %sc restrict : memref<{n}x{k // 16}xf8E4M3FN> to tensor<{n}x{k // 16}xf8E4M3FN>",
                "%al_v = memref.load %al[%c0] : memref<1xf32>",
                f"%qw = fp4.pack %wv_t, %sc_in, %al_v : tensor<{n}x{k // 2}xi8>, tensor<{n}x{k // 16}xf8E4M3FN>, f32 -> {ty}"]
        body += self._decode_body(m, n, k, ty, "bf16")
        body += self.store_out("%acc", "y", [m, n], "f32")
        self.add(name, args, body, ["y"], "rel1e-5", {"op": "decode"})

    @staticmethod
    def _decode_body(m, n, k, ty, deq):
        ext = "%qf = arith.extf %q : bf16 to f32" if deq == "bf16" else None
        q = "%qf" if ext else "%q"
        return [f"%wd = fp4.dequantize %qw : {ty} -> tensor<{n}x{k}x{deq}>",
                f"%e = tensor.empty() : tensor<{m}x{n}xf32>",
                "%z = arith.constant 0.0 : f32",
                f"%f = linalg.fill ins(%z : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>",
                f"%acc = linalg.generic {{indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = [\"parallel\", \"parallel\", \"reduction\"]}} ins(%x_t, %wd : tensor<{m}x{k}xbf16>, tensor<{n}x{k}x{deq}>) outs(%f : tensor<{m}x{n}xf32>) {{",
                f"^bb0(%p: bf16, %q: {deq}, %o: f32):",
                "  %pf = arith.extf %p : bf16 to f32"] + (["  " + ext] if ext else []) + [
                f"  %pq = arith.mulf %pf, {q} : f32",
                "  %s = arith.addf %o, %pq : f32",
                "  linalg.yield %s : f32",
                f"}} -> tensor<{m}x{n}xf32>"]

    def text(self):
        return "\n\n".join(self.funcs) + "\n"


def build(rows, cols, mm, big=0):
    mod = Module()
    shape = [rows, cols]
    for rule, metric in NV_RULES:
        tag = rule + ("_" + metric if metric else "")
        mod.quantize(f"q_nv_{tag}", shape, "nvfp4", rule, metric)
        mod.scale_select(f"ss_nv_{tag}", shape, "nvfp4", rule, metric)
    mod.quantize("q_nv_amax", shape, "nvfp4", "four_over_six", amax=True)
    mod.quantize("q_nv_seed", shape, "nvfp4", "four_over_six", seed=True)
    mod.quantize("q_nv_static6_seed", shape, "nvfp4", "static6", seed=True)
    mod.quantize("q_nv_2d", shape, "nvfp4", "four_over_six", block=(16, 16))
    mod.quantize("q_nv_bf16", shape, "nvfp4", "static6", dtype="bf16", deq="bf16")
    mod.quantize("q_nv_f16", shape, "nvfp4", "four_over_six", "mae", dtype="f16", deq="f16")
    for rule in ["mx_ceil", "mx_floor"]:
        mod.quantize(f"q_mx_{rule}", shape, "mxfp4", rule)
        mod.scale_select(f"ss_mx_{rule}", shape, "mxfp4", rule)
    mod.quantize("q_mx_seed", shape, "mxfp4", "mx_ceil", seed=True)
    mod.quantize("q_mx_bf16", shape, "mxfp4", "mx_floor", dtype="bf16", deq="bf16")
    mod.quantize_with_scales("qs_nv", shape, "nvfp4")
    mod.quantize_with_scales("qs_mx", shape, "mxfp4")
    for size in [16, 32, 64, 128]:
        mod.hadamard(f"h_{size}", shape, size)
    mod.hadamard("h_16_signs_bf16", shape, 16,
                 [1, -1, 1, 1, -1, 1, 1, 1, -1, -1, 1, 1, 1, -1, 1, -1], "bf16")
    m, n, k = mm
    mod.matmul("mm_nv", m, n, k, "nvfp4")
    mod.matmul("mm_nv_2d_bf16", m, n, k, "nvfp4", (16, 16), "bf16")
    mod.matmul("mm_mx", m, n, k, "mxfp4")
    # The mma.sync kernels of sm_90a (docs/hopper-matmul.md): GEMM tiles
    # (M, N multiples of 128, K of 64 / 128) and a shape that falls back;
    # decode contractions with M = 1, 5, 16, K split over CTAs or not.
    mod.matmul("mm_nv_tiles", 256, 384, 512, "nvfp4")
    mod.matmul("mm_mx_tiles", 256, 256, 512, "mxfp4")
    mod.matmul("mm_nv_2d_tiles", 128, 256, 256, "nvfp4", (16, 16))
    mod.matmul("mm_nv_fallback", 200, 128, 256, "nvfp4")
    mod.decode("dec_nv_m1", 1, 512, 1024)
    mod.decode("dec_nv_m16", 16, 512, 1024)
    mod.decode("dec_nv_m5_k256", 5, 256, 256)
    mod.decode("dec_nv_m16_f32deq", 16, 256, 512, "nvfp4", "f32")
    mod.decode("dec_mx_m16", 16, 256, 1024, "mxfp4")
    mod.decode("dec_mx_m1", 1, 256, 512, "mxfp4")
    mod.decode("dec_fallback_k192", 4, 64, 192)
    mod.decode_packed("dec_nv_packed_nan", 16, 256, 512)
    if big:
        mod.matmul_fp64("mm_nv_fp64_4096", big, big, big, "nvfp4")
        mod.matmul_fp64("mm_mx_fp64_4096", big, big, big, "mxfp4")
    return mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mlir")
    ap.add_argument("json")
    ap.add_argument("--size", type=int, nargs=2, default=[4096, 4096])
    ap.add_argument("--matmul", type=int, nargs=3, default=[256, 512, 4096])
    ap.add_argument("--big-matmul", type=int, default=4096,
                    help="size of the GPU-only matmuls checked against fp64 (0: none)")
    args = ap.parse_args()
    mod = build(*args.size, args.matmul, args.big_matmul)
    open(args.mlir, "w").write(mod.text())
    json.dump(mod.cases, open(args.json, "w"), indent=1)
    print(f"{len(mod.cases)} cases")


if __name__ == "__main__":
    main()
