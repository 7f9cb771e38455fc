//===- CheckTarget.cpp - reject targets and ops the chip cannot compile ---===//
//
// Everything that would make LLVM's NVPTX backend abort is reported here as
// an error on an fp4 op (NVVMTarget.h has the capability table).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/NVVMTarget.h"
#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/Conversion/Tcgen05Matmul.h"
#include "FP4Dialect/IR/FP4.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4CHECKTARGET
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

bool mlir::fp4::isSupportedGPUChip(StringRef chip, std::string *ptxFeatures) {
  int ptx = NVVMTargetInfo::defaultPTX(chip);
  if (ptx && ptxFeatures)
    *ptxFeatures = "+ptx" + std::to_string(ptx);
  return ptx != 0;
}

namespace {
struct FP4CheckTargetPass
    : mlir::fp4::impl::FP4CheckTargetBase<FP4CheckTargetPass> {
  using Base::Base;
  void runOnOperation() override {
    // Point at the first fp4 op when there is one: that is what cannot be
    // compiled.
    Operation *anchor = getOperation();
    getOperation().walk([&](Operation *op) {
      if (isa<fp4::FP4Dialect>(op->getDialect())) {
        anchor = op;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    std::string error;
    std::optional<fp4::NVVMTargetInfo> target =
        fp4::NVVMTargetInfo::get(chip, features, &error);
    if (!target) {
      anchor->emitError(error);
      return signalPassFailure();
    }
    std::optional<fp4::MatmulMode> mode = fp4::parseMatmulMode(matmul);
    if (!mode) {
      anchor->emitError("unknown matmul mode '")
          << matmul << "' (expected auto, tcgen05, mma or emulated)";
      return signalPassFailure();
    }
    if (*mode != fp4::MatmulMode::Tcgen05)
      return;
    // matmul=tcgen05: every fp4.matmul must fit the kernel.
    fp4::Tcgen05MatmulConfig config;
    bool failed = false;
    getOperation().walk([&](fp4::MatmulOp op) {
      std::string why = fp4::whyNotTcgen05(op, *target, config);
      if (!why.empty()) {
        op.emitOpError(why);
        failed = true;
      }
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
