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

#include <string>

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

struct FP4LowerToNVVMOptions
    : public PassPipelineOptions<FP4LowerToNVVMOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("target GPU: sm_90a (Hopper, emulated E2M1/E4M3/E8M0), "
                     "sm_100a, ..."),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("kernel object embedded in the host code: fatbin, bin "
                     "(cubin) or isa (PTX)"),
      llvm::cl::init("fatbin")};
  PassOptions::Option<int> optLevel{
      *this, "opt-level", llvm::cl::desc("LLVM/ptxas optimization level"),
      llvm::cl::init(3)};
  PassOptions::Option<int64_t> threadsPerBlock{
      *this, "threads-per-block",
      llvm::cl::desc("threads per block of the generated kernels"),
      llvm::cl::init(256)};
};

/// `--fp4-lower-to-nvvm`: fp4 ops with the tensor/linalg code around them to
/// kernels (NVVM, serialized for `chip`) and host code in the LLVM dialect
/// calling the mgpu* runtime (runtime/). Buffers are device memory.
void buildFP4LowerToNVVMPipeline(OpPassManager &pm,
                                 const FP4LowerToNVVMOptions &options);

/// Registers the fp4 dialect in `registry`.
void registerFP4Dialect(DialectRegistry &registry);
/// Registers every fp4 pass and pipeline with the global pass registry.
void registerFP4PassesAndPipelines();

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_PIPELINES_PIPELINES_H
