"""Generates the fp4 benchmark graphs (issue: Hopper performance) as MLIR
functions with memref arguments and C interfaces, plus bench.json that
bench_fp4.py reads on the GPU machine:

* quantize 8192x8192 bf16 -> NVFP4 (static6, four_over_six, 16-point
  Hadamard + four_over_six), with the amax as an operand and computed;
  MXFP4 (mx_ceil) - values + scales (+ alpha) written;
* decode W4A16: bf16 activations (M = 1, 16) x NVFP4 weights (N = K = 8192
  and the Llama-8B MLP down projection 4096 x 14336);
* W4A4 GEMM NVFP4 x NVFP4 at 4096^3 and 8192^3.

    python3 bench/gen_bench.py OUT.mlir OUT.json
"""
import json
import sys

R = C = 8192


def shape(s):
    return "x".join(map(str, s))


funcs, cases = [], []


def add(name, args, body, extra):
    sig = ", ".join(f"%{a}: memref<{shape(s)}x{t}>" for a, s, t in args)
    lines = [f"func.func @{name}({sig}) attributes {{llvm.emit_c_interface}} {{",
             "  %c0 = arith.constant 0 : index"]
    lines += ["  " + l for l in body] + ["  return", "}"]
    funcs.append("\n".join(lines))
    extra.update({"name": name, "args": [{"name": a, "shape": s, "dtype": t} for a, s, t in args]})
    cases.append(extra)


def to_tensor(a, s, t):
    return f"%{a}_t = bufferization.to_tensor %{a} restrict : memref<{shape(s)}x{t}> to tensor<{shape(s)}x{t}>"


def store(v, a, s, t):
    return f"bufferization.materialize_in_destination {v} in writable %{a} : (tensor<{shape(s)}x{t}>, memref<{shape(s)}x{t}>) -> ()"


def quantize(name, fmt, rule, amax, hadamard):
    ty = f"!fp4.tensor<{R}x{C}, {fmt}>"
    bc = 32 if fmt == "mxfp4" else 16
    selt = "f8E8M0FNU" if fmt == "mxfp4" else "f8E4M3FN"
    args = [("x", [R, C], "bf16")]
    body = [to_tensor("x", [R, C], "bf16")]
    src = "%x_t"
    if hadamard:
        body.append(f"%h = fp4.hadamard %x_t {{size = 16}} : tensor<{R}x{C}xbf16>")
        src = "%h"
    types = [f"tensor<{R}x{C}xbf16>"]
    text = f"fp4.quantize {src}"
    if amax:
        args.append(("amax", [1], "f32"))
        body.append("%a = memref.load %amax[%c0] : memref<1xf32>")
        text += " amax(%a)"
        types.append("f32")
    text += f" {{rule = #fp4.rule<{rule}>}}"
    body.append(f"%q = {text} : {', '.join(types)} -> {ty}")
    body.append(f"%v = fp4.values %q : {ty} -> tensor<{R}x{C // 2}xi8>")
    body.append(f"%s = fp4.scales %q : {ty} -> tensor<{R}x{C // bc}x{selt}>")
    args += [("values", [R, C // 2], "i8"), ("scales", [R, C // bc], selt)]
    body += [store("%v", "values", [R, C // 2], "i8"), store("%s", "scales", [R, C // bc], selt)]
    if fmt == "nvfp4":
        args.append(("alpha", [1], "f32"))
        body.append(f"%al = fp4.tensor_scale %q : {ty} -> f32")
        body.append("memref.store %al, %alpha[%c0] : memref<1xf32>")
    nbytes = R * C * 2 + R * C // 2 + R * C // bc
    add(name, args, body, {"kind": "quantize", "bytes": nbytes, "fmt": fmt,
                           "rule": rule, "amax": amax, "hadamard": hadamard})


def pack_args(prefix, n, k):
    return [(f"{prefix}v", [n, k // 2], "i8"), (f"{prefix}s", [n, k // 16], "f8E4M3FN"),
            (f"{prefix}a", [1], "f32")]


def pack_body(prefix, n, k):
    ty = f"!fp4.tensor<{n}x{k}, nvfp4>"
    return [to_tensor(f"{prefix}v", [n, k // 2], "i8"),
            to_tensor(f"{prefix}s", [n, k // 16], "f8E4M3FN"),
            f"%{prefix}al = memref.load %{prefix}a[%c0] : memref<1xf32>",
            f"%{prefix}q = fp4.pack %{prefix}v_t, %{prefix}s_t, %{prefix}al : tensor<{n}x{k // 2}xi8>, tensor<{n}x{k // 16}xf8E4M3FN>, f32 -> {ty}"], ty


def decode(name, m, n, k):
    args = [("x", [m, k], "bf16")] + pack_args("w", n, k) + [("y", [m, n], "bf16")]
    wb, ty = pack_body("w", n, k)
    body = [to_tensor("x", [m, k], "bf16")] + wb
    body += [f"%wd = fp4.dequantize %wq : {ty} -> tensor<{n}x{k}xbf16>",
             f"%e = tensor.empty() : tensor<{m}x{n}xf32>",
             "%z = arith.constant 0.0 : f32",
             f"%f = linalg.fill ins(%z : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>",
             f"%acc = linalg.generic {{indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = [\"parallel\", \"parallel\", \"reduction\"]}} ins(%x_t, %wd : tensor<{m}x{k}xbf16>, tensor<{n}x{k}xbf16>) outs(%f : tensor<{m}x{n}xf32>) {{",
             "^bb0(%p: bf16, %q: bf16, %o: f32):",
             "  %pf = arith.extf %p : bf16 to f32",
             "  %qf = arith.extf %q : bf16 to f32",
             "  %pq = arith.mulf %pf, %qf : f32",
             "  %s = arith.addf %o, %pq : f32",
             "  linalg.yield %s : f32",
             f"}} -> tensor<{m}x{n}xf32>",
             f"%yb = arith.truncf %acc : tensor<{m}x{n}xf32> to tensor<{m}x{n}xbf16>",
             store("%yb", "y", [m, n], "bf16")]
    add(name, args, body, {"kind": "decode", "m": m, "n": n, "k": k,
                           "bytes": m * k * 2 + n * k // 2 + n * k // 16 + m * n * 2,
                           "flops": 2 * m * n * k})


def gemm(name, m, n, k):
    args = pack_args("a", m, k) + pack_args("b", n, k) + [("c", [m, n], "bf16")]
    ab, ta = pack_body("a", m, k)
    bb, tb = pack_body("b", n, k)
    body = ab + bb + [f"%r = fp4.matmul %aq, %bq : {ta}, {tb} -> tensor<{m}x{n}xbf16>",
                      store("%r", "c", [m, n], "bf16")]
    add(name, args, body, {"kind": "gemm", "m": m, "n": n, "k": k, "flops": 2 * m * n * k})


for rule in ["static6", "four_over_six"]:
    for amax in [True, False]:
        quantize(f"q_{rule}_{'amax' if amax else 'reduce'}", "nvfp4", rule, amax, False)
for amax in [True, False]:
    quantize(f"q_h16_four_over_six_{'amax' if amax else 'reduce'}", "nvfp4", "four_over_six", amax, True)
quantize("q_mxfp4_mx_ceil", "mxfp4", "mx_ceil", False, False)
for m in [1, 16]:
    decode(f"decode_{m}x8192x8192", m, 8192, 8192)
    decode(f"decode_{m}x4096x14336", m, 4096, 14336)
gemm("gemm_4096", 4096, 4096, 4096)
gemm("gemm_8192", 8192, 8192, 8192)

open(sys.argv[1], "w").write("\n\n".join(funcs) + "\n")
json.dump(cases, open(sys.argv[2], "w"), indent=1)
print(f"{len(cases)} benchmark graphs")
