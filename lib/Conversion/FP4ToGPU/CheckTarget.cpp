//===- CheckTarget.cpp - reject unsupported GPU chips ---------------------===//

#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/IR/FP4.h"

#include "llvm/ADT/StringSwitch.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4CHECKTARGET
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

bool mlir::fp4::isSupportedGPUChip(StringRef chip, std::string *ptxFeatures) {
  // The minimum PTX ISA version for each chip (PTX ISA, "Release notes").
  std::optional<StringRef> ptx = llvm::StringSwitch<std::optional<StringRef>>(chip)
                                     .Cases({"sm_90", "sm_90a"}, "+ptx80")
                                     .Cases({"sm_100", "sm_100a"}, "+ptx88")
                                     .Case("sm_103a", "+ptx88")
                                     .Case("sm_120a", "+ptx87")
                                     .Default(std::nullopt);
  if (ptx && ptxFeatures)
    *ptxFeatures = ptx->str();
  return ptx.has_value();
}

namespace {
struct FP4CheckTargetPass
    : mlir::fp4::impl::FP4CheckTargetBase<FP4CheckTargetPass> {
  using Base::Base;
  void runOnOperation() override {
    if (fp4::isSupportedGPUChip(chip))
      return;
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
    anchor->emitError("fp4 GPU lowering does not support chip '")
        << chip
        << "' (supported: sm_90a, sm_90, sm_100a, sm_100, sm_103a, sm_120a)";
    signalPassFailure();
  }
};
} // namespace
