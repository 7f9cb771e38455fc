//===- Common.h - pieces shared by the fp4 pipelines -------------*- C++ -*-===//

#ifndef FP4DIALECT_LIB_PIPELINES_COMMON_H
#define FP4DIALECT_LIB_PIPELINES_COMMON_H

#include "mlir/Pass/Pass.h"

namespace mlir::fp4 {

/// The target-independent front of every fp4 pipeline: fp4 ops expanded into
/// tensor/scf/vector/arith/linalg, user code prepared, then bufferized with
/// function boundaries (identity layouts) and buffer deallocation.
void buildFP4ExpandAndBufferizePipeline(OpPassManager &pm);

} // namespace mlir::fp4

#endif // FP4DIALECT_LIB_PIPELINES_COMMON_H
