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

#endif // FP4DIALECT_TRANSFORMS_PASSES_TD
