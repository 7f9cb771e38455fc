"""Execution test of --fp4-quantize-matmuls / --fp4-ptq-pipeline on every
contraction spelling the pass claims to handle, on the CPU path.

Every case is a function holding one contraction (weights as constants,
`dense_resource` blobs or `fp4.weight` arguments, activations as arguments)
that @main calls on fixed inputs. Inputs are drawn from {0, +-1, +-2, +-4}:
such values are exactly representable by NVFP4 (static6, static4 and Four
Over Six, 1x16 and 16x16 blocks) and MXFP4 for any block maximum, so the
quantized program must reproduce the exact product (up to the f32 rounding of
alpha) - any layout, transpose, batch, accumulator or type mistake of the
rewrite shows up as a large error. Cases the pass must leave alone are
checked to be left alone (and still to compute the right values), and the
remark that says why is checked in fp4-opt's diagnostics.

Each configuration of the pipeline is compiled and run once; every output is
compared with numpy (float64, rounded to the output type).

    python3 check_ptq_spellings.py [--keep DIR]

Prints one line per (configuration, case) and `failures: N`.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

import fp4_oracle as ora
import runner

F32, BF16, F16, F64 = "f32", "bf16", "f16", "f64"


def cast(x, dtype):
    if dtype == BF16:
        return ora.to_bf16(x)
    if dtype == F16:
        return ora.to_f16(x)
    if dtype == F64:
        return x.astype(np.float64)
    return x.astype(np.float32)


def np_dtype(dtype):
    return np.float64 if dtype == F64 else runner._np_dtype(dtype)


def shape_str(shape):
    return "x".join(str(d) for d in shape)


def ttype(shape, dtype):
    if len(shape) == 0:
        return f"tensor<{dtype}>"
    return f"tensor<{shape_str(shape)}x{dtype}>"


def dense(arr, dtype):
    raw = np.ascontiguousarray(arr.astype(np_dtype(dtype))).tobytes()
    return f'dense<"0x{raw.hex().upper()}"> : {ttype(arr.shape, dtype)}'


class Case:
    """One contraction. `body` is MLIR text using %x (activation), %w (weight
    argument, if `weight_arg`), %acc (accumulator argument, if given) and
    `{W}` for the weight constant's SSA name; it defines %r."""

    def __init__(self, name, body, x, w, out_shape, out_dtype, ref,
                 x_dtype=F32, w_dtype=F32, weight="const", acc=None,
                 acc_dtype=None, quantized=True, remark=None, blob=None):
        self.name, self.body, self.x, self.w = name, body, x, w
        self.out_shape, self.out_dtype, self.ref = out_shape, out_dtype, ref
        self.x_dtype, self.w_dtype, self.weight = x_dtype, w_dtype, weight
        self.acc, self.acc_dtype = acc, acc_dtype or out_dtype
        # True: must be rewritten; False: must be left alone (with `remark`
        # in fp4-opt's diagnostics, if given); None: activation x activation,
        # rewritten only with activation-matmuls.
        self.quantized, self.remark = quantized, remark
        # Name of the dense_resource blob (cases may share one).
        self.blob = blob or f"w_{name}"

    def func(self, resources):
        args = [f"%x: {ttype(self.x.shape, self.x_dtype)}"]
        pre = []
        if self.weight == "arg":
            args.append(f"%w: {ttype(self.w.shape, self.w_dtype)} {{fp4.weight}}")
            wname = "%w"
        elif self.weight == "act":
            args.append(f"%w: {ttype(self.w.shape, self.w_dtype)}")
            wname = "%w"
        elif self.weight == "resource":
            key = self.blob
            raw = np.ascontiguousarray(self.w.astype(np_dtype(self.w_dtype))).tobytes()
            resources[key] = "0x04000000" + raw.hex().upper()
            pre.append(f"  %wc = arith.constant dense_resource<{key}> : {ttype(self.w.shape, self.w_dtype)}")
            wname = "%wc"
        else:
            pre.append(f"  %wc = arith.constant {dense(self.w, self.w_dtype)}")
            wname = "%wc"
        if self.acc is not None:
            # A copy: a function returning (an alias of) its argument needs a
            # bufferization.clone, which --fp4-lower-to-cpu does not lower.
            t = ttype(self.out_shape, self.acc_dtype)
            args.append(f"%acc_in: {t}")
            pre.append(f"  %acc_e = tensor.empty() : {t}")
            pre.append(f"  %acc = linalg.copy ins(%acc_in : {t}) outs(%acc_e : {t}) -> {t}")
        else:
            pre.append(f"  %zero = arith.constant 0.0 : {self.out_dtype}")
            pre.append(f"  %empty = tensor.empty() : {ttype(self.out_shape, self.out_dtype)}")
            pre.append(f"  %acc = linalg.fill ins(%zero : {self.out_dtype}) outs(%empty : {ttype(self.out_shape, self.out_dtype)}) -> {ttype(self.out_shape, self.out_dtype)}")
        body = self.body.replace("{W}", wname)
        return (f"func.func @{self.name}({', '.join(args)}) -> {ttype(self.out_shape, self.out_dtype)} {{\n"
                + "\n".join(pre) + "\n" + body + f"\n  return %r : {ttype(self.out_shape, self.out_dtype)}\n}}\n")

    def call(self, lines, n):
        ops = [f"%x{n}"]
        types = [ttype(self.x.shape, self.x_dtype)]
        lines.append(f"  %x{n} = arith.constant {dense(self.x, self.x_dtype)}")
        if self.weight in ("arg", "act"):
            lines.append(f"  %w{n} = arith.constant {dense(self.w, self.w_dtype)}")
            ops.append(f"%w{n}")
            types.append(ttype(self.w.shape, self.w_dtype))
        if self.acc is not None:
            lines.append(f"  %a{n} = arith.constant {dense(self.acc, self.acc_dtype)}")
            ops.append(f"%a{n}")
            types.append(ttype(self.out_shape, self.acc_dtype))
        out = ttype(self.out_shape, self.out_dtype)
        lines.append(f"  %r{n} = func.call @{self.name}({', '.join(ops)}) : ({', '.join(types)}) -> {out}")
        v = f"%r{n}"
        if self.out_dtype == F64:
            lines.append(f"  %e{n} = arith.truncf {v} : {out} to {ttype(self.out_shape, F32)}")
            v = f"%e{n}"
        elif self.out_dtype != F32:
            lines.append(f"  %e{n} = arith.extf {v} : {out} to {ttype(self.out_shape, F32)}")
            v = f"%e{n}"
        rank = len(self.out_shape)
        total = int(np.prod(self.out_shape))
        lines.append(f'  vector.print str "@@{self.name}\\n"')
        if rank == 0:
            lines.append(f"  %c{n} = tensor.expand_shape {v} [] output_shape [1] : {ttype(self.out_shape, F32)} into tensor<1xf32>")
        else:
            assoc = "[[" + ", ".join(str(i) for i in range(rank)) + "]]"
            lines.append(f"  %c{n} = tensor.collapse_shape {v} {assoc} : {ttype(self.out_shape, F32)} into tensor<{total}xf32>")
        lines.append(f"  %i{n} = arith.bitcast %c{n} : tensor<{total}xf32> to tensor<{total}xi32>")
        lines.append(f"  %u{n} = tensor.cast %i{n} : tensor<{total}xi32> to tensor<*xi32>")
        lines.append(f"  call @printMemrefI32(%u{n}) : (tensor<*xi32>) -> ()")

    def expected(self):
        x = cast(self.x, self.x_dtype).astype(np.float64)
        w = cast(self.w, self.w_dtype).astype(np.float64)
        r = self.ref(x, w)
        if self.acc is not None:
            r = r + cast(self.acc, self.acc_dtype).astype(np.float64)
        return r


def grid(rng, shape):
    """Values exactly representable by every fp4 format and rule."""
    return rng.choice(np.array([0, 1, -1, 2, -2, 4, -4], np.float32), size=shape)


def cases(rng):
    g = lambda *s: grid(rng, s)
    mm = "affine_map<(m, n, k) -> ({})>"
    c = []
    # linalg.matmul, B = K x N constant (transposed at compile time).
    c.append(Case("matmul_kn", "  %r = linalg.matmul ins(%x, {W} : tensor<8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 64), g(64, 32), [8, 32], F32, lambda x, w: x @ w))
    # transposed B ("matmul_transpose_b"), bf16 dense_resource weight.
    c.append(Case("matmul_nk_resource", "  %r = linalg.matmul indexing_maps = [" + ", ".join(mm.format(s) for s in ["m, k", "n, k", "m, n"]) + "] ins(%x, {W} : tensor<8x64xbf16>, tensor<48x64xbf16>) outs(%acc : tensor<8x48xf32>) -> tensor<8x48xf32>",
                  g(8, 64), g(48, 64), [8, 48], F32, lambda x, w: x @ w.T,
                  x_dtype=BF16, w_dtype=BF16, weight="resource"))
    # transposed A, marked weight argument, non-zero accumulator.
    c.append(Case("matmul_ta_arg_acc", "  %r = linalg.matmul indexing_maps = [" + ", ".join(mm.format(s) for s in ["k, m", "k, n", "m, n"]) + "] ins(%x, {W} : tensor<64x8xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(64, 8), g(64, 32), [8, 32], F32, lambda x, w: x.T @ w,
                  weight="arg", acc=g(8, 32)))
    # bf16 result with a bf16 accumulator argument.
    c.append(Case("matmul_bf16_acc", "  %r = linalg.matmul ins(%x, {W} : tensor<8x64xbf16>, tensor<64x32xbf16>) outs(%acc : tensor<8x32xbf16>) -> tensor<8x32xbf16>",
                  g(8, 64), g(64, 32), [8, 32], BF16, lambda x, w: x @ w,
                  x_dtype=BF16, w_dtype=BF16, acc=g(8, 32)))
    # batch_matmul with per-batch weights (argument).
    c.append(Case("batch_matmul_arg", "  %r = linalg.batch_matmul ins(%x, {W} : tensor<2x8x64xf32>, tensor<2x64x32xf32>) outs(%acc : tensor<2x8x32xf32>) -> tensor<2x8x32xf32>",
                  g(2, 8, 64), g(2, 64, 32), [2, 8, 32], F32, lambda x, w: x @ w, weight="arg"))
    # batch_matmul with a weight broadcast over the batch.
    bm = "affine_map<(b, m, n, k) -> ({})>"
    c.append(Case("batch_matmul_bcast", "  %r = linalg.batch_matmul indexing_maps = [" + ", ".join(bm.format(s) for s in ["b, m, k", "k, n", "b, m, n"]) + "] ins(%x, {W} : tensor<3x8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<3x8x32xf32>) -> tensor<3x8x32xf32>",
                  g(3, 8, 64), g(64, 32), [3, 8, 32], F32, lambda x, w: x @ w))
    # linalg.contract with the weight on the left: W x X.
    c.append(Case("contract_wx", "  %r = linalg.contract indexing_maps = [" + ", ".join(mm.format(s) for s in ["m, k", "k, n", "m, n"]) + "] ins({W}, %x : tensor<32x64xf32>, tensor<64x8xf32>) outs(%acc : tensor<32x8xf32>) -> tensor<32x8xf32>",
                  g(64, 8), g(32, 64), [32, 8], F32, lambda x, w: w @ x))
    # linalg.generic on a 3-D activation, bf16 throughout.
    gm = "affine_map<(b, s, n, k) -> ({})>"
    c.append(Case("generic_3d_bf16", "  %r = linalg.generic {indexing_maps = [" + ", ".join(gm.format(s) for s in ["b, s, k", "n, k", "b, s, n"]) + "], iterator_types = [\"parallel\", \"parallel\", \"parallel\", \"reduction\"]} ins(%x, {W} : tensor<2x8x64xbf16>, tensor<48x64xbf16>) outs(%acc : tensor<2x8x48xbf16>) {\n  ^bb0(%a: bf16, %b: bf16, %o: bf16):\n    %p = arith.mulf %a, %b : bf16\n    %s = arith.addf %o, %p : bf16\n    linalg.yield %s : bf16\n  } -> tensor<2x8x48xbf16>",
                  g(2, 8, 64), g(48, 64), [2, 8, 48], BF16, lambda x, w: x @ w.T,
                  x_dtype=BF16, w_dtype=BF16))
    # einsum bshd,hdn->bsn: two K loops, f16 result.
    em = "affine_map<(b, s, n, h, d) -> ({})>"
    c.append(Case("einsum_two_k_f16", "  %r = linalg.generic {indexing_maps = [" + ", ".join(em.format(s) for s in ["b, s, h, d", "h, d, n", "b, s, n"]) + "], iterator_types = [\"parallel\", \"parallel\", \"parallel\", \"reduction\", \"reduction\"]} ins(%x, {W} : tensor<2x4x2x32xf32>, tensor<2x32x16xf32>) outs(%acc : tensor<2x4x16xf16>) {\n  ^bb0(%a: f32, %b: f32, %o: f16):\n    %p = arith.mulf %a, %b : f32\n    %t = arith.truncf %p : f32 to f16\n    %s = arith.addf %o, %t : f16\n    linalg.yield %s : f16\n  } -> tensor<2x4x16xf16>",
                  g(2, 4, 2, 32), g(2, 32, 16), [2, 4, 16], F16,
                  lambda x, w: np.einsum("bshd,hdn->bsn", x, w)))
    # batch_reduce_matmul: the batch loop is a second K loop.
    c.append(Case("batch_reduce_arg", "  %r = linalg.batch_reduce_matmul ins(%x, {W} : tensor<2x8x32xf32>, tensor<2x32x16xf32>) outs(%acc : tensor<8x16xf32>) -> tensor<8x16xf32>",
                  g(2, 8, 32), g(2, 32, 16), [8, 16], F32,
                  lambda x, w: np.einsum("bmk,bkn->mn", x, w), weight="arg"))
    # weight through linalg.transpose of a constant (torch-mlir style).
    c.append(Case("transposed_const", "  %te = tensor.empty() : tensor<64x32xf32>\n  %wt = linalg.transpose ins({W} : tensor<32x64xf32>) outs(%te : tensor<64x32xf32>) permutation = [1, 0]\n  %r = linalg.matmul ins(%x, %wt : tensor<8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 64), g(32, 64), [8, 32], F32, lambda x, w: x @ w.T))
    # Left alone: attention-like product of two activations (quantized only
    # with activation-matmuls).
    c.append(Case("act_x_act", "  %r = linalg.batch_matmul indexing_maps = [" + ", ".join(bm.format(s) for s in ["b, m, k", "b, n, k", "b, m, n"]) + "] ins(%x, {W} : tensor<2x8x64xf32>, tensor<2x16x64xf32>) outs(%acc : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>",
                  g(2, 8, 64), g(2, 16, 64), [2, 8, 16], F32,
                  lambda x, w: x @ np.swapaxes(w, 1, 2), weight="act", quantized=None))
    # Left alone: K = 24 is not a multiple of the block.
    c.append(Case("odd_k", "  %r = linalg.matmul ins(%x, {W} : tensor<8x24xf32>, tensor<24x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 24), g(24, 32), [8, 32], F32, lambda x, w: x @ w, quantized=False))
    # Left alone: keep-high-precision by name (the configurations keep
    # "lm_head").
    c.append(Case("named_lm_head", "  %r = linalg.matmul {fp4.name = \"lm_head\"} ins(%x, {W} : tensor<8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 64), g(64, 32), [8, 32], F32, lambda x, w: x @ w, quantized=False,
                  remark="kept in high precision by keep-high-precision 'lm_head'"))
    c += adversarial_cases(g)
    return c


def generic(maps, iterators, ins, types, out_type, body, dims):
    """A linalg.generic over loops `dims` (e.g. "b, m, n, k")."""
    m = ", ".join(f"affine_map<({dims}) -> ({x})>" for x in maps)
    it = ", ".join(f'"{i}"' for i in iterators)
    return (f"  %r = linalg.generic {{indexing_maps = [{m}], iterator_types = [{it}]}} "
            f"ins({ins} : {types}) outs(%acc : {out_type}) {{\n{body}\n  }} -> {out_type}")


MULADD_F32 = ("  ^bb0(%a: f32, %b: f32, %o: f32):\n    %p = arith.mulf %a, %b : f32\n"
              "    %s = arith.addf %o, %p : f32\n    linalg.yield %s : f32")


def adversarial_cases(g):
    """Spellings a model exporter may produce beyond the common ones: batch
    dimensions in odd places, transposed and broadcast operands, shared and
    sliced weights, matrix-vector products, and contractions that must be
    left alone."""
    mm = "affine_map<(m, n, k) -> ({})>"
    bm = "affine_map<(b, m, n, k) -> ({})>"
    maps3 = lambda *r: "[" + ", ".join(mm.format(x) for x in r) + "]"
    maps4 = lambda *r: "[" + ", ".join(bm.format(x) for x in r) + "]"
    c = []
    # Both operands transposed: C = A^T B^T.
    c.append(Case("matmul_both_t", "  %r = linalg.matmul indexing_maps = " + maps3("k, m", "n, k", "m, n") + " ins(%x, {W} : tensor<64x8xf32>, tensor<32x64xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(64, 8), g(32, 64), [8, 32], F32, lambda x, w: x.T @ w.T))
    # Batch dimension on both operands, 3-D constant weight (b, n, k).
    c.append(Case("generic_batch_const", generic(["b, m, k", "b, n, k", "b, m, n"], ["parallel"] * 3 + ["reduction"],
                                                  "%x, {W}", "tensor<2x8x64xf32>, tensor<2x32x64xf32>", "tensor<2x8x32xf32>", MULADD_F32, "b, m, n, k"),
                  g(2, 8, 64), g(2, 32, 64), [2, 8, 32], F32, lambda x, w: np.einsum("bmk,bnk->bmn", x, w)))
    # Batch in the middle of the activation, weight (k, b, n) argument,
    # transposed output (b, n, m), non-zero accumulator.
    c.append(Case("generic_batch_permuted", generic(["m, b, k", "k, b, n", "b, n, m"], ["parallel"] * 3 + ["reduction"],
                                                     "%x, {W}", "tensor<8x2x64xf32>, tensor<64x2x16xf32>", "tensor<2x16x8xf32>", MULADD_F32, "b, m, n, k"),
                  g(8, 2, 64), g(64, 2, 16), [2, 16, 8], F32, lambda x, w: np.einsum("mbk,kbn->bnm", x, w),
                  weight="arg", acc=g(2, 16, 8)))
    # linalg.contract with batch dimensions on both operands.
    c.append(Case("contract_batch", "  %r = linalg.contract indexing_maps = " + maps4("b, m, k", "b, k, n", "b, m, n") + " ins(%x, {W} : tensor<2x8x64xf32>, tensor<2x64x16xf32>) outs(%acc : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>",
                  g(2, 8, 64), g(2, 64, 16), [2, 8, 16], F32, lambda x, w: x @ w))
    # batch_matmul with the weight (argument) on the left: W[b] X[b].
    c.append(Case("batch_matmul_wx", "  %r = linalg.batch_matmul ins({W}, %x : tensor<2x16x64xf32>, tensor<2x64x8xf32>) outs(%acc : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>",
                  g(2, 64, 8), g(2, 16, 64), [2, 16, 8], F32, lambda x, w: w @ x, weight="arg"))
    # A bf16 constant broadcast over the batch by linalg.broadcast, then
    # batch_matmul with transposed B.
    c.append(Case("broadcast_const", "  %be = tensor.empty() : tensor<3x32x64xbf16>\n  %wb = linalg.broadcast ins({W} : tensor<32x64xbf16>) outs(%be : tensor<3x32x64xbf16>) dimensions = [0]\n"
                  "  %r = linalg.batch_matmul indexing_maps = " + maps4("b, m, k", "b, n, k", "b, m, n") + " ins(%x, %wb : tensor<3x8x64xf32>, tensor<3x32x64xbf16>) outs(%acc : tensor<3x8x32xf32>) -> tensor<3x8x32xf32>",
                  g(3, 8, 64), g(32, 64), [3, 8, 32], F32, lambda x, w: x @ w.T, w_dtype=BF16))
    # torch-mlir style: a linalg.generic broadcast of a weight argument.
    bc = "affine_map<(b, k, n) -> ({})>"
    c.append(Case("broadcast_generic_arg", "  %be = tensor.empty() : tensor<2x64x32xf32>\n"
                  "  %wb = linalg.generic {indexing_maps = [" + bc.format("k, n") + ", " + bc.format("b, k, n") + "], iterator_types = [\"parallel\", \"parallel\", \"parallel\"]} ins({W} : tensor<64x32xf32>) outs(%be : tensor<2x64x32xf32>) {\n  ^bb0(%a: f32, %o: f32):\n    linalg.yield %a : f32\n  } -> tensor<2x64x32xf32>\n"
                  "  %r = linalg.batch_matmul ins(%x, %wb : tensor<2x8x64xf32>, tensor<2x64x32xf32>) outs(%acc : tensor<2x8x32xf32>) -> tensor<2x8x32xf32>",
                  g(2, 8, 64), g(64, 32), [2, 8, 32], F32, lambda x, w: x @ w, weight="arg"))
    # linalg.matmul with a `cast` attribute, bf16 operands, f32 result.
    c.append(Case("matmul_cast_attr", "  %r = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%x, {W} : tensor<8x64xbf16>, tensor<64x32xbf16>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 64), g(64, 32), [8, 32], F32, lambda x, w: x @ w, x_dtype=BF16, w_dtype=BF16))
    # Matrix-vector products: no M, no N, neither, and batched.
    c.append(Case("matvec_const", "  %r = linalg.matvec ins({W}, %x : tensor<32x64xf32>, tensor<64xf32>) outs(%acc : tensor<32xf32>) -> tensor<32xf32>",
                  g(64), g(32, 64), [32], F32, lambda x, w: w @ x))
    c.append(Case("vecmat_arg_acc", "  %r = linalg.vecmat ins(%x, {W} : tensor<64xf32>, tensor<64x16xf32>) outs(%acc : tensor<16xf32>) -> tensor<16xf32>",
                  g(64), g(64, 16), [16], F32, lambda x, w: x @ w, weight="arg", acc=g(16)))
    c.append(Case("dot_arg", "  %r = linalg.dot ins(%x, {W} : tensor<64xf32>, tensor<64xf32>) outs(%acc : tensor<f32>) -> tensor<f32>",
                  g(64), g(64), [], F32, lambda x, w: np.array(x @ w), weight="arg"))
    c.append(Case("batch_matvec_const", "  %r = linalg.batch_matvec ins({W}, %x : tensor<2x16x64xf32>, tensor<2x64xf32>) outs(%acc : tensor<2x16xf32>) -> tensor<2x16xf32>",
                  g(2, 64), g(2, 16, 64), [2, 16], F32, lambda x, w: np.einsum("bnk,bk->bn", w, x)))
    # One constant used by two contractions (same layout: one transposed
    # copy), summed.
    c.append(Case("shared_weight", "  %r1 = linalg.matmul ins(%x, {W} : tensor<8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>\n"
                  "  %r2 = linalg.contract indexing_maps = " + maps3("m, k", "k, n", "m, n") + " ins(%x, {W} : tensor<8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>\n"
                  "  %se = tensor.empty() : tensor<8x32xf32>\n  %r = linalg.add ins(%r1, %r2 : tensor<8x32xf32>, tensor<8x32xf32>) outs(%se : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 64), g(64, 32), [8, 32], F32, lambda x, w: 2 * (x @ w)))
    # One dense_resource blob read by two functions, in two layouts.
    wsq = g(64, 64)
    c.append(Case("blob_user_a", "  %r = linalg.matmul ins(%x, {W} : tensor<8x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<8x64xf32>) -> tensor<8x64xf32>",
                  g(8, 64), wsq, [8, 64], F32, lambda x, w: x @ w, weight="resource", blob="shared_blob"))
    c.append(Case("blob_user_b", "  %r = linalg.matmul indexing_maps = " + maps3("m, k", "n, k", "m, n") + " ins(%x, {W} : tensor<8x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<8x64xf32>) -> tensor<8x64xf32>",
                  g(8, 64), wsq, [8, 64], F32, lambda x, w: x @ w.T, weight="resource", blob="shared_blob"))
    # A bf16 constant extended to f32 before an f32 matmul.
    c.append(Case("weight_extf", "  %wf = arith.extf {W} : tensor<32x64xbf16> to tensor<32x64xf32>\n"
                  "  %r = linalg.matmul indexing_maps = " + maps3("m, k", "n, k", "m, n") + " ins(%x, %wf : tensor<8x64xf32>, tensor<32x64xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 64), g(32, 64), [8, 32], F32, lambda x, w: x @ w.T, w_dtype=BF16))
    # A fused QKV constant split with tensor.extract_slice (rows 32..63).
    c.append(Case("fused_qkv_slice", "  %ws = tensor.extract_slice {W}[32, 0] [32, 64] [1, 1] : tensor<96x64xf32> to tensor<32x64xf32>\n"
                  "  %r = linalg.matmul indexing_maps = " + maps3("m, k", "n, k", "m, n") + " ins(%x, %ws : tensor<8x64xf32>, tensor<32x64xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 64), g(96, 64), [8, 32], F32, lambda x, w: x @ w[32:64].T))
    # Strided, rank-reducing slice of a 3-D constant: every other head.
    c.append(Case("strided_slice", "  %ws = tensor.extract_slice {W}[1, 0, 0] [1, 16, 64] [1, 2, 1] : tensor<2x32x64xf32> to tensor<16x64xf32>\n"
                  "  %r = linalg.matmul indexing_maps = " + maps3("m, k", "n, k", "m, n") + " ins(%x, %ws : tensor<8x64xf32>, tensor<16x64xf32>) outs(%acc : tensor<8x16xf32>) -> tensor<8x16xf32>",
                  g(8, 64), g(2, 32, 64), [8, 16], F32, lambda x, w: x @ w[1, ::2].T))
    # mmt4d with a weight argument (two M, two N and two K loops).
    c.append(Case("mmt4d_arg", "  %r = linalg.mmt4d ins(%x, {W} : tensor<2x2x4x16xf32>, tensor<3x2x8x16xf32>) outs(%acc : tensor<2x3x4x8xf32>) -> tensor<2x3x4x8xf32>",
                  g(2, 2, 4, 16), g(3, 2, 8, 16), [2, 3, 4, 8], F32,
                  lambda x, w: np.einsum("mkab,nkcb->mnac", x, w), weight="arg"))
    # Multiply-add with the operands of both ops swapped, bf16 result in
    # transposed (n, m) layout.
    c.append(Case("generic_swapped_bf16_t", generic(["m, k", "n, k", "n, m"], ["parallel", "parallel", "reduction"],
                                                     "%x, {W}", "tensor<8x64xf32>, tensor<32x64xf32>", "tensor<32x8xbf16>",
                                                     "  ^bb0(%a: f32, %b: f32, %o: bf16):\n    %p = arith.mulf %b, %a : f32\n    %t = arith.truncf %p : f32 to bf16\n"
                                                     "    %s = arith.addf %t, %o : bf16\n    linalg.yield %s : bf16", "m, n, k"),
                  g(8, 64), g(32, 64), [32, 8], BF16, lambda x, w: (x @ w.T).T))
    # bf16 in and out, accumulated in f32 inside the body (extf of the
    # accumulator, truncf of the sum), non-zero bf16 accumulator.
    c.append(Case("generic_wide_acc", generic(["m, k", "n, k", "m, n"], ["parallel", "parallel", "reduction"],
                                                       "%x, {W}", "tensor<8x64xbf16>, tensor<16x64xbf16>", "tensor<8x16xbf16>",
                                                       "  ^bb0(%a: bf16, %b: bf16, %o: bf16):\n    %a32 = arith.extf %a : bf16 to f32\n    %b32 = arith.extf %b : bf16 to f32\n"
                                                       "    %o32 = arith.extf %o : bf16 to f32\n    %p = arith.mulf %a32, %b32 : f32\n    %s = arith.addf %o32, %p : f32\n"
                                                       "    %t = arith.truncf %s : f32 to bf16\n    linalg.yield %t : bf16", "m, n, k"),
                  g(8, 64), g(16, 64), [8, 16], BF16, lambda x, w: x @ w.T,
                  x_dtype=BF16, w_dtype=BF16, acc=g(8, 16)))
    # The activation shared by every batch, a per-batch weight argument: the
    # batch loop is an N loop.
    c.append(Case("batch_shared_act", "  %r = linalg.batch_matmul indexing_maps = " + maps4("m, k", "b, k, n", "b, m, n") + " ins(%x, {W} : tensor<8x64xf32>, tensor<2x64x16xf32>) outs(%acc : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>",
                  g(8, 64), g(2, 64, 16), [2, 8, 16], F32, lambda x, w: np.einsum("mk,bkn->bmn", x, w), weight="arg"))
    # An argument not marked fp4.weight is an activation.
    c.append(Case("unmarked_arg", "  %r = linalg.matmul ins(%x, {W} : tensor<8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>",
                  g(8, 64), g(64, 32), [8, 32], F32, lambda x, w: x @ w, weight="act", quantized=None,
                  remark="no weight operand"))
    # Left alone: f64.
    c.append(Case("f64_matmul", "  %r = linalg.matmul ins(%x, {W} : tensor<8x64xf64>, tensor<64x32xf64>) outs(%acc : tensor<8x32xf64>) -> tensor<8x32xf64>",
                  g(8, 64), g(64, 32), [8, 32], F64, lambda x, w: x @ w, x_dtype=F64, w_dtype=F64,
                  quantized=False, remark="(f64, f64 -> f64) are not f32, bf16 or f16"))
    # Left alone: a contraction-shaped generic that subtracts.
    c.append(Case("generic_sub", generic(["m, k", "k, n", "m, n"], ["parallel", "parallel", "reduction"],
                                          "%x, {W}", "tensor<8x64xf32>, tensor<64x32xf32>", "tensor<8x32xf32>",
                                          MULADD_F32.replace("arith.addf %o, %p", "arith.subf %o, %p"), "m, n, k"),
                  g(8, 64), g(64, 32), [8, 32], F32, lambda x, w: -(x @ w),
                  quantized=False, remark="the body is not a float multiply-add"))
    # Left alone: an elementwise multiply-add (no reduction), no remark.
    c.append(Case("elementwise_fma", generic(["m, k", "m, k", "m, k"], ["parallel", "parallel"],
                                              "%x, {W}", "tensor<8x64xf32>, tensor<8x64xf32>", "tensor<8x64xf32>", MULADD_F32, "m, k"),
                  g(8, 64), g(8, 64), [8, 64], F32, lambda x, w: x * w, quantized=False))
    return c


CONFIGS = [
    ("original", []),
    ("nvfp4", ["--fp4-ptq-pipeline=weight-rule=four_over_six keep-high-precision=lm_head"]),
    ("nvfp4-2d-nofold", ["--fp4-ptq-pipeline=weight-rule=static4 activation-rule=four_over_six weight-block-2d=1 activation-matmuls=1 fold=0 select-scales=0 keep-high-precision=lm_head"]),
    ("mxfp4", ["--fp4-ptq-pipeline=format=mxfp4 weight-rule=mx_floor keep-high-precision=lm_head"]),
]


def build(case_list):
    resources = {}
    funcs = [c.func(resources) for c in case_list]
    lines = []
    for n, c in enumerate(case_list):
        c.call(lines, n)
    text = "func.func private @printMemrefI32(tensor<*xi32>)\n" + "".join(funcs)
    text += "func.func @main() {\n" + "\n".join(lines) + "\n  return\n}\n"
    if resources:
        text += "{-#\n  dialect_resources: {\n    builtin: {\n"
        text += ",\n".join(f'      {k}: "{v}"' for k, v in resources.items())
        text += "\n    }\n  }\n#-}\n"
    return text


def run(src, passes, libs, keep=None, tag=""):
    opt = subprocess.run(["fp4-opt", "-", *passes, "--mlir-print-op-on-diagnostic=false"],
                         input=src.encode(), capture_output=True)
    if opt.returncode:
        raise RuntimeError("fp4-opt failed:\n" + opt.stderr.decode()[-3000:])
    quantized_ir = opt.stdout.decode()
    diagnostics = opt.stderr.decode()
    if keep:
        with open(os.path.join(keep, f"{tag}.mlir"), "w") as f:
            f.write(quantized_ir)
    llvm = subprocess.run(["fp4-opt", "-", "--fp4-lower-to-cpu"], input=opt.stdout,
                          capture_output=True)
    if llvm.returncode:
        raise RuntimeError("lowering failed:\n" + llvm.stderr.decode()[-3000:])
    out = subprocess.run(["mlir-runner", "-e", "main", "-entry-point-result=void",
                          f"-shared-libs={libs}"], input=llvm.stdout, capture_output=True)
    if out.returncode:
        raise RuntimeError("mlir-runner failed:\n" + out.stderr.decode()[-3000:])
    return quantized_ir, diagnostics, runner.parse_output(out.stdout.decode())


def func_body(ir, name):
    m = re.search(r"func\.func @" + name + r"\(.*?\n  \}\n", ir, re.S)
    return m.group(0) if m else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="directory for the compiled programs")
    args = ap.parse_args()
    libs = os.environ.get("FP4_RUNNER_LIBS")
    rng = np.random.default_rng(2026)
    case_list = cases(rng)
    src = build(case_list)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        with open(os.path.join(args.keep, "input.mlir"), "w") as f:
            f.write(src)
    failures = 0
    for tag, passes in CONFIGS:
        ir, diagnostics, out = run(src, passes, libs, args.keep, tag)
        for c in case_list:
            body = func_body(ir, c.name)
            has_fp4 = "fp4.matmul" in body
            expect = c.quantized
            if c.quantized is None:  # activation x activation
                expect = "activation-matmuls=1" in " ".join(passes)
            if tag == "original":
                expect = False
            got = out[c.name].view(np.float32).reshape(c.out_shape).astype(np.float64)
            ref = c.expected()
            ref_cast = cast(ref, c.out_dtype).astype(np.float64)
            scale = max(np.abs(ref).max(), 1.0)
            # The original bf16/f16 programs accumulate in the narrow type.
            tol = {F32: 1e-5, BF16: 2 ** -8, F16: 2 ** -11, F64: 1e-7}[c.out_dtype]
            if tag == "original" and c.out_dtype != F32:
                tol = 2 ** -5
            err = np.abs(got - ref_cast).max() / scale
            ok = err <= tol and has_fp4 == expect
            # A contraction left alone says why.
            if tag != "original" and not has_fp4 and c.remark:
                ok = ok and c.remark in diagnostics
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {tag:16s} {c.name:22s} "
                  f"{'quantized' if has_fp4 else 'left alone':10s} max rel err {err:.2e}")
    print(f"failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
