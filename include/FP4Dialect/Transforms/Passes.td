//===- Passes.td - fp4 transformation passes ---------------*- tablegen -*-===//

#ifndef FP4DIALECT_TRANSFORMS_PASSES_TD
#define FP4DIALECT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FP4FoldConstants : Pass<"fp4-fold-constants"> {
  let summary = "Fold fp4 ops on constant operands at compile time";
  let description = [{
    Evaluates `fp4.quantize`, `fp4.scale_select`, `fp4.hadamard`,
    `fp4.dequantize` and `fp4.matmul` whose tensor operands are constants
    (`dense` or `dense_resource`) and whose scalar operands (amax, seed,
    alpha) are constants, with the numerics core library (bit-identical to
    the CPU lowering). A quantized constant becomes
    `fp4.pack %values, %scales[, %alpha]` of constants, so every consumer
    (values/scales/tensor_scale, dequantize, matmul) sees the folded bytes.
    This is what quantizes weights ahead of time.

    Large results are emitted as `dense_resource` blobs (above
    `resource-threshold` bytes), so a model's weights stay compact in the IR.

    Example:

    ```mlir
    %w = arith.constant dense<...> : tensor<32x64xf32>
    %q = fp4.quantize %w : tensor<32x64xf32> -> !fp4.tensor<32x64, nvfp4>
    // becomes
    %v = arith.constant dense<...> : tensor<32x32xi8>
    %s = arith.constant dense<...> : tensor<32x4xf8E4M3FN>
    %a = arith.constant 0.00312 : f32
    %q = fp4.pack %v, %s, %a : ... -> !fp4.tensor<32x64, nvfp4>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let options = [
    Option<"resourceThreshold", "resource-threshold", "int64_t",
           /*default=*/"4096",
           "results larger than this many bytes become dense_resource blobs">,
    Option<"maxMatmulFlops", "max-matmul-flops", "int64_t",
           /*default=*/"(int64_t)1 << 30",
           "fold a constant fp4.matmul only up to this many multiply-adds">,
  ];
}

//===----------------------------------------------------------------------===//
// Post-training quantization of model IR (docs/ptq.md)
//===----------------------------------------------------------------------===//

def FP4QuantizeMatmuls : Pass<"fp4-quantize-matmuls", "::mlir::ModuleOp"> {
  let summary = "Rewrite the contractions of a model to fp4 quantize + fp4.matmul";
  let description = [{
    Finds the contractions of a model - `linalg.matmul` with any
    `indexing_maps` (transposed A or B), `linalg.batch_matmul` (also with a
    weight broadcast over the batch), `linalg.batch_reduce_matmul`,
    `linalg.contract` and `linalg.generic` contractions - recognized from
    their indexing maps and body (`out + a * b`, operands optionally
    extended/truncated) rather than their names, and rewrites each one that
    has exactly one **weight** operand into

    ```mlir
    %qa = fp4.quantize %act {rule = <activation-rule>}  // at run time
    %qw = fp4.quantize %w   {rule = <weight-rule>}      // [batch..., N, K]
    %c  = fp4.matmul %qa, %qw                           // A x W^T, f32 accumulate
    ```

    Loops are classified from the indexing maps into batch (in A, B and C),
    M (A and C), N (B and C) and K (A and B). Operands are brought to the
    `fp4.matmul` layout `[batch..., M, K]` x `[batch..., N, K]` (several K
    or N loops are flattened, several M loops kept as leading dimensions
    when there is no batch); a weight with no batch loop (a weight
    broadcast over the batch of a `batch_matmul`) stays a single `N x K`
    matrix. A missing M or N loop (`linalg.matvec`, `vecmat`, `dot`,
    `batch_matvec`) becomes a unit dimension. Constant weights are
    transposed at compile time (a new constant, `dense_resource` above
    `resource-threshold` bytes), run-time operands with `linalg.transpose` /
    `tensor.collapse_shape`. The product is reshaped and transposed back to
    the original result layout, rounded to the original element type
    (`fp4.matmul` gives bf16 directly; f16 via `arith.truncf`), and a
    non-zero accumulator (`outs` that is not a zero `linalg.fill`, zero
    splat or `tensor.empty`) is added in f32.

    **Weights** are tensor constants (`arith.constant` of `dense` or
    `dense_resource`) and function arguments with the `fp4.weight` argument
    attribute, also seen through `linalg.transpose`,
    `tensor.expand_shape`/`collapse_shape`/`cast`, `tensor.extract_slice`
    with static offsets (a fused QKV weight split in three),
    `arith.extf`/`truncf`, and pure copies that broadcast or permute them
    (`linalg.broadcast`, a `linalg.generic` that only yields its input):
    such a copy is folded into the contraction's indexing map, so the
    weight is quantized once, not once per batch. An `arith.extf` in front
    of an operand is dropped (exact: `fp4.quantize` reads bf16 and f16).
    The weight may be either input (`W x X` is rewritten as `(X^T W^T)^T`).
    Contractions of two activations (attention) are left alone unless
    `activation-matmuls` is set; contractions of two weights are left alone.

    **Exclusions** (`keep-high-precision`, a comma-separated list): a name
    pattern (glob, e.g. `lm_head`, `*.down_proj`, `layers.0.*`) matched
    against the op's `fp4.name` or `name` string attribute or its location
    name (`loc("layers.0.q_proj")`), or a position among the linear layers
    (contractions with one weight operand, counted in program order whether
    or not they can be quantized): `first`, `last`, `3`, `-2`.

    Every contraction that is not rewritten is left unchanged with a remark
    saying why, and the reason is recorded in its `fp4.high_precision`
    attribute (read by `--fp4-report`): no weight operand, two weights,
    kept by `keep-high-precision`, dynamic shapes or empty tensors,
    non-float (e.g. integer) or f64 element types, K not a multiple of the
    block width (16 nvfp4, 32 mxfp4), a body other than a multiply-add (for
    linalg ops shaped like a contraction), indexing maps that are not
    projected permutations. A
    weight whose N is not a multiple of 16 with `weight-block-2d` gets 1x16
    blocks and a remark. Ops that are not contraction-shaped (elementwise
    ops, convolutions) are not considered.

    The `fp4.matmul` carries `fp4.name` (if the contraction had a name),
    `fp4.layer` (its position among the linear layers) and
    `fp4.weight_type` (the weight's element type before quantization), read
    by `--fp4-report`.

    Example (`--fp4-quantize-matmuls="weight-rule=four_over_six"`):

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<16x256xf32>, tensor<256x768xbf16>)
        outs(%zero : tensor<16x768xf32>) -> tensor<16x768xf32>
    // becomes (the constant %w transposed at compile time)
    %wt = arith.constant dense_resource<fp4_weight> : tensor<768x256xbf16>
    %qa = fp4.quantize %x {rule = #fp4.rule<static6>}
        : tensor<16x256xf32> -> !fp4.tensor<16x256, nvfp4>
    %qw = fp4.quantize %wt {rule = #fp4.rule<four_over_six>}
        : tensor<768x256xbf16> -> !fp4.tensor<768x256, nvfp4>
    %y = fp4.matmul %qa, %qw {fp4.layer = 0 : i64, fp4.weight_type = bf16}
        : !fp4.tensor<16x256, nvfp4>, !fp4.tensor<768x256, nvfp4>
        -> tensor<16x768xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::fp4::FP4Dialect",
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"format", "format", "std::string", /*default=*/"\"nvfp4\"",
           "block-scaled format: nvfp4 or mxfp4">,
    Option<"weightRule", "weight-rule", "std::string", /*default=*/"\"\"",
           "scale rule of the weights: static6, static4, four_over_six[:mse|"
           ":mae|:absmax] (nvfp4), mx_ceil, mx_floor (mxfp4); empty: the "
           "format's default (static6, mx_ceil)">,
    Option<"activationRule", "activation-rule", "std::string",
           /*default=*/"\"\"",
           "scale rule of the activations (same values as weight-rule)">,
    Option<"weightBlock2D", "weight-block-2d", "bool", /*default=*/"false",
           "16x16 weight blocks (nvfp4 only; activations keep 1x16)">,
    ListOption<"keepHighPrecision", "keep-high-precision", "std::string",
               "contractions left in high precision: name globs, or "
               "positions among the linear layers (first, last, 0, -1, ...)">,
    Option<"activationMatmuls", "activation-matmuls", "bool",
           /*default=*/"false",
           "also quantize contractions of two activations (e.g. attention) "
           "with the activation rule">,
    Option<"resourceThreshold", "resource-threshold", "int64_t",
           /*default=*/"4096",
           "weights transposed at compile time become dense_resource blobs "
           "above this many bytes">,
  ];
}

def FP4FuseRotations : Pass<"fp4-fuse-rotations"> {
  let summary = "Insert block Hadamard rotations along K of quantized matmuls";
  let description = [{
    Rewrites `fp4.matmul(fp4.quantize(x), fp4.quantize(w))` into
    `fp4.matmul(fp4.quantize(H(x)), fp4.quantize(H(w)))`, `H` the block
    Hadamard transform of SPEC 2.3 along K (the last dimension of both
    operands) with `size` and optional random `signs`. Because `H` is
    orthonormal, `H(x) H(w)^T = x w^T`: the unquantized product is unchanged
    up to f32 rounding, while outliers are spread over each block before
    quantization (MR-GPTQ, papers/mr-gptq-microscaling-fp4.md).

    * A constant operand (the weight) is rotated at compile time with the
      numerics core into a new f32 constant (`dense_resource` above
      `resource-threshold` bytes) - the rotation is folded into the weight.
    * A run-time operand (the activation) gets `fp4.hadamard` in f32
      (after `arith.extf` when it is bf16/f16, so that no rounding to the
      narrow type happens between the rotation and the quantization); it
      fuses into the quantize kernel of the GPU paths.
    * `hadamard(hadamard(x))` with the same size and no signs (all +1) is
      removed: `H` is symmetric and `H H = I`. With signs `s` the transform
      `x -> (x * s) H c` is not an involution, so such pairs are kept.

    Left alone with a remark: operands not produced by `fp4.quantize`,
    quantizes with `amax(...)` or `scales(...)` operands (a rotation
    changes the values they were computed for), K not a multiple of
    `size`. Matmuls already rotated (attribute `fp4.rotation`, set by this
    pass) are skipped, so the pass is idempotent.

    Example (`size=16`):

    ```mlir
    %qa = fp4.quantize %x : tensor<4x64xbf16> -> !fp4.tensor<4x64, nvfp4>
    %qw = fp4.quantize %w : tensor<32x64xf32> -> !fp4.tensor<32x64, nvfp4>
    %c = fp4.matmul %qa, %qw : ... -> tensor<4x32xf32>
    // becomes
    %xf = arith.extf %x : tensor<4x64xbf16> to tensor<4x64xf32>
    %hx = fp4.hadamard %xf {size = 16 : i64} : tensor<4x64xf32>
    %qa = fp4.quantize %hx : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
    %hw = arith.constant dense_resource<fp4_rotated> : tensor<32x64xf32>
    %qw = fp4.quantize %hw : tensor<32x64xf32> -> !fp4.tensor<32x64, nvfp4>
    %c = fp4.matmul %qa, %qw {fp4.rotation = 16 : i64} : ...
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::fp4::FP4Dialect"
  ];
  let options = [
    Option<"size", "size", "int64_t", /*default=*/"0",
           "Hadamard block size (16, 32, 64, 128); 0: the format's block "
           "width (16 nvfp4, 32 mxfp4)">,
    Option<"randomSigns", "random-signs", "bool", /*default=*/"false",
           "random +-1 signs (a randomized Hadamard transform), drawn from "
           "`seed`">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "seed of the signs: sign i is -1 iff bit 0 of the SPEC 2.4 "
           "generator output for (seed, i) is set">,
    Option<"resourceThreshold", "resource-threshold", "int64_t",
           /*default=*/"4096",
           "rotated weights become dense_resource blobs above this many "
           "bytes">,
  ];
}

def FP4SelectScales : Pass<"fp4-select-scales"> {
  let summary = "Choose the block scales of constant weights at compile time";
  let description = [{
    For every `fp4.quantize` of a constant (`dense` or `dense_resource`)
    with the `four_over_six` rule, chooses 4 or 6 per block exactly as
    SPEC 2.1 defines (the semantics of `fp4.scale_select`, computed with the
    numerics core) and rewrites the quantize to the given-scales form:

    ```mlir
    %q = fp4.quantize %w {rule = #fp4.rule<four_over_six>}
        : tensor<32x64xbf16> -> !fp4.tensor<32x64, nvfp4>
    // becomes
    %sc = arith.constant dense<...> : tensor<32x4xf8E4M3FN>
    %al = arith.constant 1.953125e-03 : f32
    %q = fp4.quantize %w scales(%sc, %al)
        {fp4.selected_rule = #fp4.rule<four_over_six>}
        : tensor<32x64xbf16>, tensor<32x4xf8E4M3FN>, f32
        -> !fp4.tensor<32x64, nvfp4>
    ```

    Encoding with these scales gives exactly the bytes of the original
    quantize (docs/numerics.md), so no weight pays for the 4/6 choice at
    run time, and `--fp4-fold-constants` then only encodes. With
    `all-rules` the scales of every rule (static6, static4, mx_ceil,
    mx_floor) are materialized too. An `amax(...)` operand must be constant;
    a `seed(...)` operand is kept (stochastic rounding with given scales).
    The attribute `fp4.selected_rule` records the rule for `--fp4-report`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::fp4::FP4Dialect"
  ];
  let options = [
    Option<"allRules", "all-rules", "bool", /*default=*/"false",
           "materialize the scales of every rule, not only four_over_six">,
    Option<"resourceThreshold", "resource-threshold", "int64_t",
           /*default=*/"4096",
           "scales become dense_resource blobs above this many bytes">,
  ];
}

def FP4Report : Pass<"fp4-report", "::mlir::ModuleOp"> {
  let summary = "Print what quantization did to each matmul and what it cost";
  let description = [{
    Prints one row per contraction of the module in program order: for each
    `fp4.matmul`, its name (`fp4.name` or location), M x N x K (and batch),
    format, weight and activation rules, Hadamard size, the weight's
    quantization error - relative MSE `sum((deq(q(w)) - w)^2) / sum(w^2)`
    and SQNR in dB - computed with the numerics core on constant weights,
    the fraction of 16-element blocks that chose scale 4 (four_over_six),
    and the weight bytes before (original element type) and after (codes,
    scales and alpha); for each contraction left in high precision, why.
    A totals row follows.

    Run it before `--fp4-fold-constants` (the PTQ pipeline does): it needs
    the weight before quantization. Weights rotated by
    `--fp4-fuse-rotations` are measured in the rotated basis, which has the
    same error as the original one (the rotation is orthonormal). Run-time
    weights (`fp4.weight` arguments) have no error columns.

    The table goes to `table-file` (`-`: stdout, empty: none), a JSON
    document with the same data to `json-file`. The IR is not changed.
  }];
  let options = [
    Option<"tableFile", "table-file", "std::string", /*default=*/"\"-\"",
           "where the table goes: a path, '-' for stdout, empty for none">,
    Option<"jsonFile", "json-file", "std::string", /*default=*/"\"\"",
           "where the JSON report goes: a path, '-' for stdout, empty for "
           "none">,
  ];
}

def FP4ForwardDestinations : Pass<"fp4-forward-destinations", "::mlir::func::FuncOp"> {
  let summary = "Write block-loop results straight into their destination buffers";
  let description = [{
    The block loops of `convert-fp4-to-arith` are `scf.forall` ops whose
    shared outputs start as `tensor.empty`. When such a result is only
    stored into a writable buffer with
    `bufferization.materialize_in_destination`, this pass makes the loop
    write into that buffer instead: the `tensor.empty` becomes
    `bufferization.to_tensor %dest restrict writable`, and one-shot
    bufferization then writes the loop in place (the store becomes a copy of
    the buffer onto itself, which canonicalization removes). Upstream
    empty-tensor elimination does not look through `scf.forall` results.

    The same holds for linalg ops (destination-style ops on tensors), whose
    results are written into their inits: e.g. the elementwise rounding of an
    f32 accumulator to a bf16 output.

    It applies only where it is safe: the chain from the stored value back
    to the `tensor.empty` goes through shared outputs of `scf.forall` ops
    and inits of destination-style ops only, every tensor on it has one use,
    the destination is a function argument of the enclosing function, and
    the destination has no use other than the store. Without it, each output is allocated, written and then
    copied (on a GPU: an allocation and a device-to-device copy per call).

    Example:

    ```mlir
    %e = tensor.empty() : tensor<4x32xi8>
    %r = scf.forall (%i, %j) in (4, 4) shared_outs(%o = %e) -> (tensor<4x32xi8>) { ... }
    bufferization.materialize_in_destination %r in writable %out : (tensor<4x32xi8>, memref<4x32xi8>) -> ()
    // becomes
    %e = bufferization.to_tensor %out restrict writable : memref<4x32xi8> to tensor<4x32xi8>
    %r = scf.forall (%i, %j) in (4, 4) shared_outs(%o = %e) -> (tensor<4x32xi8>) { ... }
    bufferization.materialize_in_destination %r in writable %out : (tensor<4x32xi8>, memref<4x32xi8>) -> ()
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

#endif // FP4DIALECT_TRANSFORMS_PASSES_TD
