//===- Passes.h - fp4 transformation passes ----------------------*- C++ -*-===//

#ifndef FP4DIALECT_TRANSFORMS_PASSES_H
#define FP4DIALECT_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
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

#define GEN_PASS_REGISTRATION
#include "FP4Dialect/Transforms/Passes.h.inc"

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_TRANSFORMS_PASSES_H
