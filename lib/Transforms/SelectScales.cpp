//===- SelectScales.cpp - --fp4-select-scales ------------------------------===//
//
// Chooses the block scales of constant weights at compile time (Four Over
// Six: 4 or 6 per block, SPEC 2.1) with the numerics core and rewrites the
// quantize to its given-scales form, so that nothing is chosen at run time.
//
//===----------------------------------------------------------------------===//

#include "PTQUtils.h"

#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Numerics/Numerics.h"
#include "FP4Dialect/Transforms/Passes.h"
#include "NumericsBridge.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4SELECTSCALES
#include "FP4Dialect/Transforms/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;
using namespace mlir::fp4::ptq;
namespace num = ::fp4::num;

namespace {

struct SelectWeightScales : OpRewritePattern<QuantizeOp> {
  SelectWeightScales(MLIRContext *ctx, bool allRules, int64_t threshold)
      : OpRewritePattern(ctx), allRules(allRules), threshold(threshold) {}
  bool allRules;
  int64_t threshold;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getScales())
      return rewriter.notifyMatchFailure(op, "scales are given already");
    RuleAttr rule = op.getEffectiveRule();
    if (!allRules && rule.getKind() != RuleKind::four_over_six)
      return rewriter.notifyMatchFailure(op, "not four_over_six");
    std::optional<ConstantView> view = matchFloatConstant(op.getInput());
    if (!view)
      return rewriter.notifyMatchFailure(op, "input is not constant");
    FP4TensorType type = op.getResultType();
    num::QuantizeOptions options;
    options.format =
        toNum(type.getFormat());
    options.rule = toNum(rule);
    options.block = {type.getBlockRows(), type.getBlockCols()};
    if (Value amax = op.getAmax()) {
      FloatAttr a;
      if (!matchPattern(amax, m_Constant(&a)))
        return rewriter.notifyMatchFailure(op, "amax is not constant");
      options.amax = a.getValue().convertToFloat();
    }
    std::vector<float> x = readF32(*view);
    num::QuantizedTensor q = num::selectScales(x.data(), type.getNumRows(),
                                               type.getNumCols(), options);
    Location loc = op.getLoc();
    Value scales = createConstant(
        rewriter, loc, type.getScalesType(),
        ArrayRef<char>(reinterpret_cast<const char *>(q.scales.data()),
                       q.scales.size()),
        "fp4_scales", threshold);
    Value alpha;
    if (type.isNVFP4())
      alpha = arith::ConstantOp::create(rewriter, loc,
                                        rewriter.getF32FloatAttr(q.alpha));
    auto selected =
        QuantizeOp::create(rewriter, loc, type, op.getInput(), Value(),
                           op.getSeed(), scales, alpha, RuleAttr());
    selected->setAttr(kSelectedRuleAttr, rule);
    rewriter.replaceOp(op, selected);
    return success();
  }
};

struct FP4SelectScalesPass
    : mlir::fp4::impl::FP4SelectScalesBase<FP4SelectScalesPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    FP4SelectScalesOptions options;
    options.allRules = allRules;
    options.resourceThreshold = resourceThreshold;
    populateFP4SelectScalesPatterns(patterns, options);
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      signalPassFailure();
  }
};

} // namespace

void mlir::fp4::populateFP4SelectScalesPatterns(
    RewritePatternSet &patterns, const FP4SelectScalesOptions &options) {
  patterns.add<SelectWeightScales>(patterns.getContext(), options.allRules,
                                   options.resourceThreshold);
}
