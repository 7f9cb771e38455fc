//===- Passes.td - fp4 conversion passes -------------------*- tablegen -*-===//

#ifndef FP4DIALECT_CONVERSION_PASSES_TD
#define FP4DIALECT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertFP4ToArith : Pass<"convert-fp4-to-arith", "ModuleOp"> {
  let summary = "Expand fp4 ops into tensor, scf, vector and arith code";
  let description = [{
    Expands every fp4 op into target-independent IR that computes SPEC
    section 2 bit-exactly: parallel loops over blocks (`scf.forall` on
    tensors, one iteration per block, tiles inserted with
    `tensor.parallel_insert_slice`), the per-block numerics as
    `arith`/`vector` integer and f32 code (see `NumericsBuilder.h`), the
    tensor amax as two parallel stages (row maxima, then their maximum) and
    a `linalg.generic` contraction for `fp4.matmul`. The same output feeds
    the CPU pipeline (sequential loops) and the GPU pipelines (kernels).

    `!fp4.tensor` values are split into their components: packed codes
    (`tensor<...xi8>`), block scales (`tensor<...xf8E4M3FN>` or
    `tensor<...xf8E8M0FNU>`) and, for nvfp4, the f32 alpha. Function
    signatures, calls, returns and structured control flow (`scf`) carrying
    `!fp4.tensor` are converted accordingly (one fp4 argument becomes two or
    three).

    The output feeds upstream bufferization and lowering; `--fp4-lower-to-cpu`
    is the full pipeline for the CPU.

    Example:

    ```mlir
    %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xf32>
    ```
    becomes a loop nest whose body reads 8 bytes of codes and one scale,
    decodes them with integer ops and writes 16 f32 values.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def FP4ExpandF8Conversions : Pass<"fp4-expand-f8-conversions"> {
  let summary = "Expand arith.extf/truncf on f8E4M3FN into integer code";
  let description = [{
    LLVM has no E4M3 type, so `arith.extf` from and `arith.truncf` to
    `f8E4M3FN` (scalars and vectors) are rewritten with the E4M3 code of
    `NumericsBuilder`: `extf` decodes exactly; `truncf` rounds to
    nearest-even and, like APFloat (and so like constant folding), turns
    values beyond the E4M3 range (|v| > 464) and infinities into NaN. Lets a
    program print or compute with the block scales (`fp4.scales`) of NVFP4
    tensors. f8E8M0FNU and f4E2M1FN are covered by upstream `arith-expand`.

    Example:

    ```mlir
    %f = arith.extf %s : f8E4M3FN to f32
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // FP4DIALECT_CONVERSION_PASSES_TD
