//===- AssumeKernelAlignment.cpp - aligned buffers inside kernels ---------===//
//
// Every pointer parameter of a kernel is marked llvm.align, so that LLVM can
// vectorize the block reads and writes (the calling convention of the GPU
// path, Passes.td).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "llvm/Support/MathExtras.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4ASSUMEKERNELALIGNMENT
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {

struct FP4AssumeKernelAlignmentPass
    : fp4::impl::FP4AssumeKernelAlignmentBase<FP4AssumeKernelAlignmentPass> {
  using Base::Base;

  void runOnOperation() override {
    if (alignment == 0)
      return;
    if (alignment < 0 || !llvm::isPowerOf2_64(alignment)) {
      getOperation()->emitError("fp4-assume-kernel-alignment: alignment must "
                                "be a power of two (got ")
          << static_cast<int64_t>(alignment) << ")";
      return signalPassFailure();
    }
    getOperation()->walk([&](LLVM::LLVMFuncOp func) {
      if (!func->hasAttr("gpu.kernel") && !func->hasAttr("nvvm.kernel"))
        return;
      Builder b(func.getContext());
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        if (isa<LLVM::LLVMPointerType>(func.getArgument(i).getType()) &&
            !func.getArgAttr(i, LLVM::LLVMDialect::getAlignAttrName()))
          func.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                          b.getI64IntegerAttr(alignment));
    });
  }
};

} // namespace
