//===- Passes.h - fp4 conversion passes --------------------------*- C++ -*-===//

#ifndef FP4DIALECT_CONVERSION_PASSES_H
#define FP4DIALECT_CONVERSION_PASSES_H

#include "FP4Dialect/Conversion/FP4ToArith.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fp4 {

#define GEN_PASS_DECL
#include "FP4Dialect/Conversion/Passes.h.inc"

/// True for the chips the fp4 GPU lowering supports; `ptxFeatures` is set
/// to the chip's default PTX version feature (e.g. "+ptx80"; see
/// NVVMTargetInfo for the full capability table).
bool isSupportedGPUChip(llvm::StringRef chip, std::string *ptxFeatures = nullptr);

#define GEN_PASS_REGISTRATION
#include "FP4Dialect/Conversion/Passes.h.inc"

} // namespace mlir::fp4

#endif // FP4DIALECT_CONVERSION_PASSES_H
