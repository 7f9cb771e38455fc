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
                     "sm_100a (Blackwell: native converts, tcgen05 matmul), "
                     "sm_90, sm_100, sm_103a, sm_120a"),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("LLVM NVPTX features, e.g. +ptx88 (empty: the chip's "
                     "default PTX ISA version)"),
      llvm::cl::init("")};
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
  PassOptions::Option<int64_t> assumeAlignment{
      *this, "assume-alignment",
      llvm::cl::desc("byte alignment that kernels assume for the function's "
                     "buffers (the calling convention; 16 allows 16-byte "
                     "vector loads, 0 assumes nothing)"),
      llvm::cl::init(16)};
  PassOptions::Option<bool> nativeConverts{
      *this, "native-converts",
      llvm::cl::desc("use the chip's E2M1/E4M3 conversion instructions "
                     "(sm_100a, sm_103a, sm_120a); false: the emulated "
                     "kernels of sm_90a"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> matmul{
      *this, "matmul",
      llvm::cl::desc("fp4.matmul kernel: auto (tcgen05 where the chip and "
                     "shape allow, else the mma.sync kernel where the shape "
                     "allows), tcgen05 (an error where not), mma (the "
                     "mma.sync kernel; an error where not), emulated"),
      llvm::cl::init("auto")};
  PassOptions::Option<bool> exactDequantize{
      *this, "exact-dequantize",
      llvm::cl::desc("W4A16 decode kernels reproduce the bf16 rounding of "
                     "dequantized nvfp4 weights (false: exact weights, alpha "
                     "applied to the f32 accumulator; faster)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> stages{
      *this, "stages",
      llvm::cl::desc("shared-memory pipeline stages of the tcgen05 matmul "
                     "(1-4)"),
      llvm::cl::init(4)};
  PassOptions::Option<std::string> dumpKernelsTo{
      *this, "dump-kernels-to",
      llvm::cl::desc("write every kernel as PTX (and cubin when ptxas is "
                     "found) into this directory, named after the fp4 op it "
                     "came from"),
      llvm::cl::init("")};
};

/// `--fp4-lower-to-nvvm`: fp4 ops with the tensor/linalg code around them to
/// kernels (NVVM, serialized for `chip`) and host code in the LLVM dialect
/// calling the mgpu* runtime (runtime/). Buffers are device memory.
void buildFP4LowerToNVVMPipeline(OpPassManager &pm,
                                 const FP4LowerToNVVMOptions &options);

/// Options of `--fp4-ptq-pipeline` (post-training quantization of model
/// IR, docs/ptq.md); each maps to an option of the pass it names.
struct FP4PTQPipelineOptions
    : public PassPipelineOptions<FP4PTQPipelineOptions> {
  PassOptions::Option<std::string> format{
      *this, "format", llvm::cl::desc("nvfp4 or mxfp4"),
      llvm::cl::init("nvfp4")};
  PassOptions::Option<std::string> weightRule{
      *this, "weight-rule",
      llvm::cl::desc("weight scale rule (fp4-quantize-matmuls), e.g. "
                     "four_over_six; empty: the format's default"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> activationRule{
      *this, "activation-rule",
      llvm::cl::desc("activation scale rule (fp4-quantize-matmuls)"),
      llvm::cl::init("")};
  PassOptions::Option<bool> weightBlock2D{
      *this, "weight-block-2d",
      llvm::cl::desc("16x16 weight blocks (nvfp4)"), llvm::cl::init(false)};
  PassOptions::ListOption<std::string> keepHighPrecision{
      *this, "keep-high-precision",
      llvm::cl::desc("contractions left in high precision: name globs or "
                     "positions among the linear layers (first, last, 0, "
                     "-1, ...)")};
  PassOptions::Option<bool> activationMatmuls{
      *this, "activation-matmuls",
      llvm::cl::desc("also quantize activation x activation contractions"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> rotate{
      *this, "rotate",
      llvm::cl::desc("block Hadamard rotation along K (fp4-fuse-rotations)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> rotationSize{
      *this, "rotation-size",
      llvm::cl::desc("Hadamard size; 0: the format's block width"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> randomSigns{
      *this, "random-signs",
      llvm::cl::desc("randomized Hadamard transform (signs from `seed`)"),
      llvm::cl::init(false)};
  PassOptions::Option<uint64_t> seed{
      *this, "seed", llvm::cl::desc("seed of the random signs"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> selectScales{
      *this, "select-scales",
      llvm::cl::desc("materialize four_over_six weight scales "
                     "(fp4-select-scales); with fold the folder then only "
                     "encodes"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fold{
      *this, "fold",
      llvm::cl::desc("quantize constant weights at compile time "
                     "(fp4-fold-constants)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> resourceThreshold{
      *this, "resource-threshold",
      llvm::cl::desc("constants above this many bytes become dense_resource "
                     "blobs"),
      llvm::cl::init(4096)};
  PassOptions::Option<bool> report{
      *this, "report",
      llvm::cl::desc("print the fp4-report table to stdout"),
      llvm::cl::init(false)};
  PassOptions::Option<std::string> reportJson{
      *this, "report-json",
      llvm::cl::desc("write the fp4-report JSON to this file"),
      llvm::cl::init("")};
};

/// `--fp4-ptq-pipeline`: fp4-quantize-matmuls, fp4-fuse-rotations (rotate),
/// fp4-select-scales (select-scales), fp4-report (report/report-json),
/// fp4-fold-constants (fold), canonicalize, cse.
void buildFP4PTQPipeline(OpPassManager &pm,
                         const FP4PTQPipelineOptions &options);

/// Registers the fp4 dialect in `registry`.
void registerFP4Dialect(DialectRegistry &registry);
/// Registers every fp4 pass and pipeline with the global pass registry.
void registerFP4PassesAndPipelines();

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_PIPELINES_PIPELINES_H
