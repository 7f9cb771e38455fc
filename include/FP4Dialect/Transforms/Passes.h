//===- Passes.h - fp4 transformation passes ----------------------*- C++ -*-===//

#ifndef FP4DIALECT_TRANSFORMS_PASSES_H
#define FP4DIALECT_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace fp4 {

#define GEN_PASS_DECL
#include "FP4Dialect/Transforms/Passes.h.inc"

/// Patterns that replace fp4 ops on constant operands by their folded values
/// (computed with the numerics core). `resourceThreshold` is the byte size
/// above which results become dense_resource blobs.
void populateFP4FoldConstantsPatterns(RewritePatternSet &patterns,
                                      int64_t resourceThreshold = 4096,
                                      int64_t maxMatmulFlops = 1 << 30);

/// Patterns of `--fp4-quantize-matmuls`: every contraction with one weight
/// operand that is supported and not excluded by a name in
/// `keep-high-precision` becomes fp4.quantize + fp4.matmul. Positional
/// selectors (first, last, indices) and remarks belong to the pass; the
/// options must be valid (the pass checks them).
void populateFP4QuantizeMatmulsPatterns(
    RewritePatternSet &patterns, const FP4QuantizeMatmulsOptions &options);

/// Patterns of `--fp4-fuse-rotations`: the rotation of quantized matmuls
/// along K and the removal of cancelling Hadamard pairs.
void populateFP4FuseRotationsPatterns(RewritePatternSet &patterns,
                                      const FP4FuseRotationsOptions &options);
/// `fp4.hadamard(fp4.hadamard(x))` with the same size and no signs -> `x`.
void populateFP4CancelRotationsPatterns(RewritePatternSet &patterns);

/// Patterns of `--fp4-select-scales`: four_over_six (or, with `all-rules`,
/// every rule) quantizes of constants become quantizes with constant scales.
void populateFP4SelectScalesPatterns(RewritePatternSet &patterns,
                                     const FP4SelectScalesOptions &options);

#define GEN_PASS_REGISTRATION
#include "FP4Dialect/Transforms/Passes.h.inc"

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_TRANSFORMS_PASSES_H
