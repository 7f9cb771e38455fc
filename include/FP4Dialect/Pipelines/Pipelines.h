//===- Pipelines.h - fp4 pass pipelines and registration ---------*- C++ -*-===//
//
// The entry points that embedding compilers call: pipeline builders that add
// the fp4 passes to an OpPassManager, and registration of everything fp4
// contributes to an mlir-opt-like tool.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_PIPELINES_PIPELINES_H
#define FP4DIALECT_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;
class OpPassManager;
namespace fp4 {

struct FP4LowerToCPUOptions
    : public PassPipelineOptions<FP4LowerToCPUOptions> {};

/// `--fp4-lower-to-cpu`: fp4 ops together with upstream tensor, linalg,
/// arith, func, bufferization and memref ops to the LLVM dialect, runnable
/// with mlir-runner and the two runner-utils libraries (SPEC section 4).
void buildFP4LowerToCPUPipeline(OpPassManager &pm,
                                const FP4LowerToCPUOptions &options = {});

/// Registers the fp4 dialect in `registry`.
void registerFP4Dialect(DialectRegistry &registry);
/// Registers every fp4 pass and pipeline with the global pass registry.
void registerFP4PassesAndPipelines();

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_PIPELINES_PIPELINES_H
