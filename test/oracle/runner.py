"""Builds MLIR programs of fp4 ops on given inputs, runs them through
`fp4-opt --fp4-lower-to-cpu | mlir-runner` (optionally after
`--fp4-fold-constants`) and returns every output as raw bits.

Used by the CPU-path tests to compare the compiled numerics (and the constant
folder) with the independent Python oracle byte for byte.

A case is a small dict; `add_*` methods append one to a `Program`:

    p = Program()
    p.add_quantize("q0", x, fmt="nvfp4", rule="four_over_six", metric="mse",
                   block=(1, 16), amax=None, seed=None, dtype="f32")
    out = p.run(fp4_opt="fp4-opt", fold=False)
    out["q0.values"], out["q0.scales"], out["q0.alpha"], out["q0.deq"]

Outputs are numpy uint8 (codes/scales), uint32 (f32 bits) or uint16 (bf16/f16
bits) arrays, flattened in row-major order.
"""
import os
import re
import subprocess

import numpy as np

try:
    import ml_dtypes
except ImportError:  # pragma: no cover - the tests REQUIRE ml_dtypes
    ml_dtypes = None

_FLOAT_NP = {"f32": np.float32, "f16": np.float16}


def _np_dtype(dtype):
    if dtype == "bf16":
        return ml_dtypes.bfloat16
    return _FLOAT_NP[dtype]


def _shape_str(shape):
    return "x".join(str(d) for d in shape)


def _dense(arr, dtype):
    """A dense hex constant of `arr` (already of the right numpy dtype)."""
    raw = np.ascontiguousarray(arr).tobytes()
    return f'dense<"0x{raw.hex().upper()}"> : tensor<{_shape_str(arr.shape)}x{dtype}>'


def _fp4_type(shape, fmt, block):
    default = (1, 32) if fmt == "mxfp4" else (1, 16)
    b = "" if tuple(block) == default else f", block = {block[0]}x{block[1]}"
    return f"!fp4.tensor<{_shape_str(shape)}, {fmt}{b}>"


def _scales_shape(shape, block):
    s = list(shape)
    s[-1] //= block[1]
    if block[0] > 1:
        s[-2] //= block[0]
    return s


class Program:
    def __init__(self):
        self.lines = []
        self.n = 0

    def _tmp(self):
        self.n += 1
        return f"%t{self.n}"

    # -- printing -----------------------------------------------------------
    def _print_tensor(self, tag, value, shape, elt):
        """Prints a tensor's raw bits flattened as i32 after a tag line."""
        n = int(np.prod(shape))
        self.lines.append(f'  vector.print str "@@{tag}\\n"')
        flat = self._tmp()
        if len(shape) == 1:
            self.lines.append(f"  {flat} = tensor.cast {value} : tensor<{n}x{elt}> to tensor<{n}x{elt}>")
        else:
            assoc = "[[" + ", ".join(str(i) for i in range(len(shape))) + "]]"
            self.lines.append(f"  {flat} = tensor.collapse_shape {value} {assoc} : tensor<{_shape_str(shape)}x{elt}> into tensor<{n}x{elt}>")
        ints = {"i8": "i8", "f8E4M3FN": "i8", "f8E8M0FNU": "i8", "f32": "i32", "bf16": "i16", "f16": "i16"}[elt]
        cur = flat
        if ints != elt:
            b = self._tmp()
            self.lines.append(f"  {b} = arith.bitcast {cur} : tensor<{n}x{elt}> to tensor<{n}x{ints}>")
            cur = b
        if ints != "i32":
            e = self._tmp()
            self.lines.append(f"  {e} = arith.extui {cur} : tensor<{n}x{ints}> to tensor<{n}xi32>")
            cur = e
        u = self._tmp()
        self.lines.append(f"  {u} = tensor.cast {cur} : tensor<{n}xi32> to tensor<*xi32>")
        self.lines.append(f"  call @printMemrefI32({u}) : (tensor<*xi32>) -> ()")

    def _print_f32(self, tag, value):
        self.lines.append(f'  vector.print str "@@{tag}\\n"')
        b = self._tmp()
        self.lines.append(f"  {b} = arith.bitcast {value} : f32 to i32")
        self.lines.append(f"  vector.print {b} : i32")

    def _print_fp4(self, tag, q, shape, fmt, block, deq_dtype="f32"):
        ty = _fp4_type(shape, fmt, block)
        vshape = list(shape[:-1]) + [shape[-1] // 2]
        v = self._tmp()
        self.lines.append(f"  {v} = fp4.values {q} : {ty} -> tensor<{_shape_str(vshape)}xi8>")
        self._print_tensor(f"{tag}.values", v, vshape, "i8")
        selt = "f8E8M0FNU" if fmt == "mxfp4" else "f8E4M3FN"
        sshape = _scales_shape(shape, block)
        s = self._tmp()
        self.lines.append(f"  {s} = fp4.scales {q} : {ty} -> tensor<{_shape_str(sshape)}x{selt}>")
        self._print_tensor(f"{tag}.scales", s, sshape, selt)
        if fmt == "nvfp4":
            a = self._tmp()
            self.lines.append(f"  {a} = fp4.tensor_scale {q} : {ty} -> f32")
            self._print_f32(f"{tag}.alpha", a)
        d = self._tmp()
        self.lines.append(f"  {d} = fp4.dequantize {q} : {ty} -> tensor<{_shape_str(shape)}x{deq_dtype}>")
        self._print_tensor(f"{tag}.deq", d, shape, deq_dtype)

    # -- cases --------------------------------------------------------------
    def _const(self, arr, dtype):
        c = self._tmp()
        self.lines.append(f"  {c} = arith.constant {_dense(arr.astype(_np_dtype(dtype)), dtype)}")
        return c

    def _scalar(self, value, ty):
        c = self._tmp()
        if ty == "f32":
            bits = int(np.array(value, dtype=np.float32).view(np.uint32))
            self.lines.append(f"  {c} = arith.constant 0x{bits:08X} : f32")
        else:
            self.lines.append(f"  {c} = arith.constant {int(np.int64(np.uint64(value)))} : {ty}")
        return c

    def add_quantize(self, tag, x, fmt="nvfp4", rule=None, metric=None,
                     block=None, amax=None, seed=None, dtype="f32",
                     deq_dtype="f32"):
        block = tuple(block or ((1, 32) if fmt == "mxfp4" else (1, 16)))
        xin = self._const(x, dtype)
        operands, types = [], [f"tensor<{_shape_str(x.shape)}x{dtype}>"]
        text = f"fp4.quantize {xin}"
        if amax is not None:
            text += f" amax({self._scalar(amax, 'f32')})"
            types.append("f32")
        if seed is not None:
            text += f" seed({self._scalar(seed, 'i64')})"
            types.append("i64")
        if rule is not None:
            r = rule if metric in (None, "mse") else f"{rule}, {metric}"
            text += f" {{rule = #fp4.rule<{r}>}}"
        q = self._tmp()
        self.lines.append(f"  {q} = {text} : {', '.join(types)} -> {_fp4_type(x.shape, fmt, block)}")
        self._print_fp4(tag, q, list(x.shape), fmt, block, deq_dtype)

    def add_quantize_with_scales(self, tag, x, scales, alpha, fmt="nvfp4",
                                 block=None, seed=None, dtype="f32"):
        block = tuple(block or ((1, 32) if fmt == "mxfp4" else (1, 16)))
        xin = self._const(x, dtype)
        selt = "f8E8M0FNU" if fmt == "mxfp4" else "f8E4M3FN"
        sc = self._tmp()
        sarr = np.ascontiguousarray(scales.astype(np.uint8))
        self.lines.append(f'  {sc} = arith.constant dense<"0x{sarr.tobytes().hex().upper()}"> : tensor<{_shape_str(sarr.shape)}x{selt}>')
        types = [f"tensor<{_shape_str(x.shape)}x{dtype}>"]
        text = f"fp4.quantize {xin}"
        if seed is not None:
            text += f" seed({self._scalar(seed, 'i64')})"
            types.append("i64")
        types.append(f"tensor<{_shape_str(sarr.shape)}x{selt}>")
        if fmt == "nvfp4":
            text += f" scales({sc}, {self._scalar(alpha, 'f32')})"
            types.append("f32")
        else:
            text += f" scales({sc})"
        q = self._tmp()
        self.lines.append(f"  {q} = {text} : {', '.join(types)} -> {_fp4_type(x.shape, fmt, block)}")
        self._print_fp4(tag, q, list(x.shape), fmt, block)

    def add_scale_select(self, tag, x, fmt="nvfp4", rule=None, metric=None,
                         block=None, amax=None, dtype="f32"):
        block = tuple(block or ((1, 32) if fmt == "mxfp4" else (1, 16)))
        xin = self._const(x, dtype)
        selt = "f8E8M0FNU" if fmt == "mxfp4" else "f8E4M3FN"
        sshape = _scales_shape(list(x.shape), block)
        types = [f"tensor<{_shape_str(x.shape)}x{dtype}>"]
        text = f"fp4.scale_select {xin}"
        if amax is not None:
            text += f" amax({self._scalar(amax, 'f32')})"
            types.append("f32")
        if rule is not None:
            r = rule if metric in (None, "mse") else f"{rule}, {metric}"
            text += f" {{rule = #fp4.rule<{r}>}}"
        res = f"tensor<{_shape_str(sshape)}x{selt}>"
        s = self._tmp()
        if fmt == "nvfp4":
            a = self._tmp()
            self.lines.append(f"  {s}, {a} = {text} : {', '.join(types)} -> {res}, f32")
            self._print_f32(f"{tag}.alpha", a)
        else:
            self.lines.append(f"  {s} = {text} : {', '.join(types)} -> {res}")
        self._print_tensor(f"{tag}.scales", s, sshape, selt)

    def add_hadamard(self, tag, x, size, signs=None, dtype="f32"):
        xin = self._const(x, dtype)
        attrs = f"size = {size}"
        if signs is not None:
            attrs += ", signs = array<i8: " + ", ".join(str(int(s)) for s in signs) + ">"
        h = self._tmp()
        self.lines.append(f"  {h} = fp4.hadamard {xin} {{{attrs}}} : tensor<{_shape_str(x.shape)}x{dtype}>")
        self._print_tensor(f"{tag}.out", h, list(x.shape), dtype)

    def add_matmul(self, tag, a, b, fmt="nvfp4", rule_a=None, rule_b=None,
                   block_a=None, block_b=None, result="f32"):
        """matmul(quantize(a), quantize(b)) with a: [..., M, K], b: [N, K]."""
        qs = []
        for x, rule, block in ((a, rule_a, block_a), (b, rule_b, block_b)):
            blk = tuple(block or ((1, 32) if fmt == "mxfp4" else (1, 16)))
            xin = self._const(x, "f32")
            q = self._tmp()
            r = f" {{rule = #fp4.rule<{rule}>}}" if rule else ""
            ty = _fp4_type(x.shape, fmt, blk)
            self.lines.append(f"  {q} = fp4.quantize {xin}{r} : tensor<{_shape_str(x.shape)}xf32> -> {ty}")
            qs.append((q, ty))
        out_shape = list(a.shape[:-1]) + [b.shape[-2]]
        c = self._tmp()
        self.lines.append(f"  {c} = fp4.matmul {qs[0][0]}, {qs[1][0]} : {qs[0][1]}, {qs[1][1]} -> tensor<{_shape_str(out_shape)}x{result}>")
        self._print_tensor(f"{tag}.out", c, out_shape, result)

    # -- running ------------------------------------------------------------
    def text(self):
        body = "\n".join(self.lines)
        return ("func.func private @printMemrefI32(tensor<*xi32>)\n"
                "func.func @main() {\n" + body + "\n  return\n}\n")

    def run(self, fp4_opt="fp4-opt", runner="mlir-runner", libs=None,
            fold=False, keep=None):
        libs = libs or os.environ.get("FP4_RUNNER_LIBS")
        src = self.text()
        if keep:
            with open(keep, "w") as f:
                f.write(src)
        passes = (["--fp4-fold-constants"] if fold else []) + ["--fp4-lower-to-cpu"]
        llvm = subprocess.run([fp4_opt, "-", *passes], input=src.encode(),
                              capture_output=True, check=False)
        if llvm.returncode != 0:
            raise RuntimeError("fp4-opt failed:\n" + llvm.stderr.decode()[-4000:])
        out = subprocess.run([runner, "-e", "main", "-entry-point-result=void",
                              f"-shared-libs={libs}"], input=llvm.stdout,
                             capture_output=True, check=False)
        if out.returncode != 0:
            raise RuntimeError("mlir-runner failed:\n" + out.stderr.decode()[-4000:])
        return parse_output(out.stdout.decode())


def parse_output(text):
    """Splits runner output into {tag: np.ndarray of uint32 bits}."""
    results = {}
    for chunk in text.split("@@")[1:]:
        tag, _, rest = chunk.partition("\n")
        if "data =" in rest:
            rest = rest.split("data =", 1)[1]
        nums = [int(v) for v in re.findall(r"-?\d+", rest)]
        results[tag.strip()] = np.array(nums, dtype=np.int64).astype(np.uint32)
    return results
