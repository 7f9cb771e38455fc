//===- FP4Ops.td - fp4 operations --------------------------*- tablegen -*-===//

#ifndef FP4DIALECT_IR_FP4OPS_TD
#define FP4DIALECT_IR_FP4OPS_TD

include "FP4Dialect/IR/FP4Base.td"
include "FP4Dialect/IR/FP4Attrs.td"
include "FP4Dialect/IR/FP4Types.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"

class FP4_Op<string mnemonic, list<Trait> traits = []>
    : Op<FP4_Dialect, mnemonic, traits>;

/// High-precision tensors the fp4 ops read and write (converted exactly to
/// f32 internally).
def FP4_FloatTensor : RankedTensorOf<[F32, BF16, F16]> {
  let summary = "ranked tensor of f32, bf16 or f16";
}
def FP4_ScalesTensor : RankedTensorOf<[F8E4M3FN, F8E8M0FNU]> {
  let summary = "ranked tensor of f8E4M3FN or f8E8M0FNU";
}
def FP4_MatmulResultTensor : RankedTensorOf<[F32, BF16]> {
  let summary = "ranked tensor of f32 or bf16";
}
def FP4_CodesTensor : RankedTensorOf<[I8]> {
  let summary = "ranked tensor of i8";
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

def FP4_QuantizeOp : FP4_Op<"quantize", [Pure, AttrSizedOperandSegments]> {
  let summary = "Quantizes a tensor to a block-scaled 4-bit tensor";
  let description = [{
    Quantizes `input` (f32, bf16 or f16, converted exactly to f32) to the
    format and block shape of the result type, bit-exactly as SPEC 2.1
    (NVFP4) and 2.2 (MXFP4) define:

    * `rule` chooses the block scales (default: `static6` for nvfp4,
      `mx_ceil` for mxfp4).
    * `amax(%a)` (nvfp4 only) supplies the tensor amax instead of reducing
      over the input; NVFP4 training recipes share one amax across ops.
    * `seed(%s)` (i64) rounds stochastically with the counter-based generator
      keyed by (seed, row-major element index) of SPEC 2.4 / docs/numerics.md;
      without it values round to nearest-even.
    * `scales(%sc, %alpha)` (nvfp4) or `scales(%sc)` (mxfp4) encodes with
      given block scales, e.g. those of `fp4.scale_select`; scale bytes pass
      through and `rule`/`amax` are not allowed.

    Blocks holding NaN or Inf get the NaN scale (0x7F for E4M3, 0xFF for
    E8M0) and zero codes.

    Example:

    ```mlir
    %q  = fp4.quantize %x {rule = #fp4.rule<four_over_six>}
        : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
    %q2 = fp4.quantize %x amax(%a) {rule = #fp4.rule<static6>}
        : tensor<4x64xbf16>, f32 -> !fp4.tensor<4x64, nvfp4>
    %q3 = fp4.quantize %x seed(%s) {rule = #fp4.rule<mx_ceil>}
        : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, mxfp4>
    %q4 = fp4.quantize %x scales(%sc, %al)
        : tensor<4x64xf32>, tensor<4x4xf8E4M3FN>, f32
        -> !fp4.tensor<4x64, nvfp4>
    ```
  }];
  let arguments = (ins
    FP4_FloatTensor:$input,
    Optional<F32>:$amax,
    Optional<I64>:$seed,
    Optional<FP4_ScalesTensor>:$scales,
    Optional<F32>:$alpha,
    OptionalAttr<FP4_RuleAttr>:$rule);
  let results = (outs FP4_TensorType:$result);
  // The optional operands' types follow the input type in operand order, so
  // the type list is parsed by hand (ODS optional groups cannot tell
  // `, i64` of a seed from `, f32` of an amax).
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::fp4::FP4TensorType getResultType() {
      return ::llvm::cast<::mlir::fp4::FP4TensorType>(getResult().getType());
    }
    /// The rule in effect: the attribute, or the format's default.
    ::mlir::fp4::RuleAttr getEffectiveRule();
  }];
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

def FP4_DequantizeOp : FP4_Op<"dequantize", [Pure]> {
  let summary = "Expands a block-scaled 4-bit tensor to a float tensor";
  let description = [{
    Computes every element as `(e2m1(q) * sf) * alpha` (nvfp4) or
    `e2m1(q) * 2^(E - 127)` (mxfp4) in f32 and rounds it to nearest-even to
    the result element type (f32, bf16 or f16). NaN-scaled blocks give NaN.

    Example:

    ```mlir
    %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xf32>
    ```
  }];
  let arguments = (ins FP4_TensorType:$input);
  let results = (outs FP4_FloatTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// HadamardOp
//===----------------------------------------------------------------------===//

def FP4_HadamardOp : FP4_Op<"hadamard",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Block Hadamard rotation along the last dimension";
  let description = [{
    Maps every `size`-element block of the last dimension to
    `((x * signs) H_n) * f32(1/sqrt(n))`, `H_n` the Sylvester Hadamard
    matrix, in the canonical f32 butterfly order of SPEC 2.3, then rounds to
    the element type. `size` is 16, 32, 64 or 128; `signs` (default all +1)
    holds `size` values of +1 or -1 (a random Hadamard transform). The
    transform is orthonormal, so `matmul(x R, (w R)^T) = matmul(x, w^T)`.

    Example:

    ```mlir
    %h = fp4.hadamard %x {size = 16, signs = array<i8: 1,-1,1,1,-1,1,1,1,
                                                     -1,-1,1,1,1,-1,1,-1>}
        : tensor<4x64xbf16>
    ```
  }];
  let arguments = (ins FP4_FloatTensor:$input, I64Attr:$size,
                       OptionalAttr<DenseI8ArrayAttr>:$signs);
  let results = (outs FP4_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ScaleSelectOp
//===----------------------------------------------------------------------===//

def FP4_ScaleSelectOp : FP4_Op<"scale_select", [Pure]> {
  let summary = "Chooses block scales without encoding the values";
  let description = [{
    Computes the block scales (and, for NVFP4, the tensor scale) that
    `fp4.quantize` with the same rule would choose, so that they can be
    materialized ahead of time (e.g. Four Over Six on weights) and passed to
    `fp4.quantize ... scales(...)`. The format comes from the rule (default
    from the scale element type: E4M3 -> static6, E8M0 -> mx_ceil), the
    block shape from the scales' shape: for an input `R x C`, scales
    `R x C/16` (1x16), `R/16 x C/16` (16x16) or `R x C/32` (mxfp4). An
    optional `amax(%a)` (nvfp4) supplies the tensor amax.

    Example:

    ```mlir
    %sc, %al = fp4.scale_select %x {rule = #fp4.rule<four_over_six, mae>}
        : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, f32
    %e = fp4.scale_select %x {rule = #fp4.rule<mx_ceil>}
        : tensor<4x64xf32> -> tensor<4x2xf8E8M0FNU>
    ```
  }];
  let arguments = (ins FP4_FloatTensor:$input, Optional<F32>:$amax,
                       OptionalAttr<FP4_RuleAttr>:$rule);
  let results = (outs FP4_ScalesTensor:$scales, Optional<F32>:$alpha);
  let assemblyFormat = [{
    $input (`amax` `(` $amax^ `)`)? attr-dict `:` type($input)
    (`,` type($amax)^)? `->` type($scales) (`,` type($alpha)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The rule in effect: the attribute, or the default of the format the
    /// scale element type implies.
    ::mlir::fp4::RuleAttr getEffectiveRule();
    ::mlir::fp4::Format getFormat();
    /// The block shape implied by input and scales shapes (valid after
    /// verification).
    std::pair<int64_t, int64_t> getBlockShape();
  }];
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

def FP4_MatmulOp : FP4_Op<"matmul", [Pure]> {
  let summary = "Block-scaled 4-bit matrix multiplication, B transposed";
  let description = [{
    `C[m, n] = sum_k deq(lhs)[m, k] * deq(rhs)[n, k]`, accumulated in f32
    (order free), result f32 or bf16 (SPEC 2.5). Both operands block along K
    and have the same format; their block shapes may differ (16x16 weights
    against 1x16 activations is the NVFP4 training recipe). Leading batch
    dimensions of `lhs` are kept; `rhs` either has the same batch dimensions
    or is a single `N x K` matrix shared by every batch.

    Example:

    ```mlir
    %c = fp4.matmul %a, %w : !fp4.tensor<4x64, nvfp4>,
        !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<4x32xf32>
    ```
  }];
  let arguments = (ins FP4_TensorType:$lhs, FP4_TensorType:$rhs);
  let results = (outs FP4_MatmulResultTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs))
    `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Component access: ValuesOp, ScalesOp, TensorScaleOp, PackOp
//===----------------------------------------------------------------------===//

def FP4_ValuesOp : FP4_Op<"values", [Pure]> {
  let summary = "The packed E2M1 codes of a block-scaled tensor";
  let description = [{
    Returns the codes, two per byte along the last dimension: element `2j`
    in bits 0-3 of byte `j`, element `2j+1` in bits 4-7; bit 3 of a code is
    the sign.

    Example:

    ```mlir
    %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
    ```
  }];
  let arguments = (ins FP4_TensorType:$input);
  let results = (outs FP4_CodesTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def FP4_ScalesOp : FP4_Op<"scales", [Pure]> {
  let summary = "The block scales of a block-scaled tensor";
  let description = [{
    Returns the block scales in logical row-major order: `R x C/16` for 1x16
    blocks, `R/16 x C/16` for 16x16 blocks (E4M3), `R x C/32` for mxfp4
    (E8M0). Hardware-specific swizzles are a lowering detail.

    Example:

    ```mlir
    %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
    ```
  }];
  let arguments = (ins FP4_TensorType:$input);
  let results = (outs FP4_ScalesTensor:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def FP4_TensorScaleOp : FP4_Op<"tensor_scale", [Pure]> {
  let summary = "The f32 tensor scale (alpha) of an NVFP4 tensor";
  let description = [{
    Returns `alpha`, the per-tensor f32 scale of an NVFP4 tensor
    (`1 / enc`, SPEC 2.1). MXFP4 tensors have none.

    Example:

    ```mlir
    %t = fp4.tensor_scale %q : !fp4.tensor<4x64, nvfp4> -> f32
    ```
  }];
  let arguments = (ins FP4_TensorType:$input);
  let results = (outs F32:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def FP4_PackOp : FP4_Op<"pack", [Pure]> {
  let summary = "Builds a block-scaled tensor from its components";
  let description = [{
    The inverse of `fp4.values`, `fp4.scales` and `fp4.tensor_scale`: takes
    the packed codes, the block scales and (nvfp4 only) alpha.

    Example:

    ```mlir
    %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32
        -> !fp4.tensor<4x64, nvfp4>
    %m = fp4.pack %v, %e : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>
        -> !fp4.tensor<4x64, mxfp4>
    ```
  }];
  let arguments = (ins FP4_CodesTensor:$values, FP4_ScalesTensor:$scales,
                       Optional<F32>:$alpha);
  let results = (outs FP4_TensorType:$result);
  let assemblyFormat = [{
    $values `,` $scales (`,` $alpha^)? attr-dict `:` type($values) `,`
    type($scales) (`,` type($alpha)^)? `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // FP4DIALECT_IR_FP4OPS_TD
