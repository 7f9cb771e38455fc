//===- ConvertFP4ToNVVM.cpp - fp4 ops with an NVIDIA chip's instructions --===//
//
// convert-fp4-to-arith with the target-specific pieces of FP4ToNVVM.h: the
// native conversion hooks, the tcgen05 matmul pattern (benefit 2, ahead of
// the emulated one) and the Hadamard -> quantize fusion.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/FP4ToNVVM.h"
#include "FP4Dialect/Conversion/FP4ToArith.h"
#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/Conversion/Tcgen05Matmul.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_CONVERTFP4TONVVM
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;

namespace {

struct ConvertFP4ToNVVMPass
    : fp4::impl::ConvertFP4ToNVVMBase<ConvertFP4ToNVVMPass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registerNativeConversionEffects(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    std::optional<NVVMTargetInfo> target =
        NVVMTargetInfo::get(chip, features, &error);
    if (!target) {
      module.emitError(error);
      return signalPassFailure();
    }
    std::optional<MatmulMode> mode = parseMatmulMode(matmul);
    if (!mode) {
      module.emitError("unknown matmul mode '")
          << matmul << "' (expected auto, tcgen05, mma or emulated)";
      return signalPassFailure();
    }
    Tcgen05MatmulConfig config;
    config.stages = stages;
    if ((stages < 1 || stages > 4) &&
        (*mode == MatmulMode::Auto || *mode == MatmulMode::Tcgen05)) {
      // Only a matmul can use the stages: report it there.
      bool bad = false;
      module.walk([&](MatmulOp op) {
        op.emitOpError("the tcgen05 kernel supports 1 to 4 pipeline stages "
                       "(got ")
            << static_cast<int64_t>(stages) << ")";
        bad = true;
        return WalkResult::interrupt();
      });
      if (bad)
        return signalPassFailure();
    }

    // matmul=tcgen05 is a requirement: every fp4.matmul must fit.
    bool failedRequirement = false;
    if (*mode == MatmulMode::Tcgen05)
      module.walk([&](MatmulOp op) {
        std::string why = whyNotTcgen05(op, *target, config);
        if (!why.empty()) {
          op.emitOpError(why);
          failedRequirement = true;
        }
      });
    if (failedRequirement)
      return signalPassFailure();

    NVVMNativeConversions native(*target);
    FP4ToArithOptions options;
    if (nativeConverts &&
        (target->hasE2M1Convert() || target->hasE4M3Convert()))
      options.native = &native;
    options.fuseHadamard = fuseHadamard;

    auto extend = [&](TypeConverter &typeConverter, RewritePatternSet &patterns,
                      ConversionTarget &) {
      if (*mode == MatmulMode::Auto || *mode == MatmulMode::Tcgen05)
        populateTcgen05MatmulPatterns(typeConverter, patterns, *target,
                                      config);
    };
    if (failed(applyFP4ToArithConversion(module, options, extend)))
      signalPassFailure();
  }
};

} // namespace
