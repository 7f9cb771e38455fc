//===- Registration.cpp - register fp4 dialect, passes, pipelines ---------===//

#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Pipelines/Pipelines.h"
#include "FP4Dialect/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void mlir::fp4::registerFP4Dialect(DialectRegistry &registry) {
  registry.insert<fp4::FP4Dialect>();
}

void mlir::fp4::registerFP4PassesAndPipelines() {
  fp4::registerFP4ConversionPasses();
  fp4::registerFP4TransformsPasses();
  PassPipelineRegistration<FP4LowerToCPUOptions>(
      "fp4-lower-to-cpu",
      "Lower fp4 ops with tensor/linalg/arith/func/bufferization/memref ops "
      "to the LLVM dialect (runnable with mlir-runner)",
      buildFP4LowerToCPUPipeline);
  PassPipelineRegistration<FP4PTQPipelineOptions>(
      "fp4-ptq-pipeline",
      "Post-training quantization of model IR: quantize the contractions, "
      "optionally rotate them, choose and fold the weight scales, report",
      buildFP4PTQPipeline);
  PassPipelineRegistration<FP4LowerToNVVMOptions>(
      "fp4-lower-to-nvvm",
      "Lower fp4 ops with the tensor/linalg code around them to GPU kernels "
      "(NVVM, serialized for the chip) and host code calling the mgpu* "
      "runtime",
      buildFP4LowerToNVVMPipeline);
}
