//===- ExpandF8Conversions.cpp - arith.extf/truncf on f8E4M3FN ------------===//

#include "FP4Dialect/Conversion/FP4ToArith.h"
#include "FP4Dialect/Conversion/NumericsBuilder.h"
#include "FP4Dialect/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4EXPANDF8CONVERSIONS
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;

namespace {

bool isE4M3(Type t) { return isa<Float8E4M3FNType>(getElementTypeOrSelf(t)); }

/// `t` with its (scalar or vector) element type replaced.
Type withElementType(Type t, Type elt) {
  if (auto vt = dyn_cast<VectorType>(t))
    return vt.clone(elt);
  return elt;
}

struct ExpandExtF : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    Type inType = op.getIn().getType();
    if (!isE4M3(inType) || isa<TensorType>(inType))
      return failure();
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    NumericsBuilder nb(b);
    Value bytes = arith::BitcastOp::create(
        b, withElementType(inType, b.getI8Type()), op.getIn());
    Value f = nb.e4m3Decode(bytes);
    if (!getElementTypeOrSelf(op.getType()).isF32())
      f = arith::TruncFOp::create(b, op.getType(), f); // exact
    rewriter.replaceOp(op, f);
    return success();
  }
};

struct ExpandTruncF : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    Type outType = op.getType();
    if (!isE4M3(outType) || isa<TensorType>(outType))
      return failure();
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    NumericsBuilder nb(b);
    Value in = op.getIn();
    Type inElt = getElementTypeOrSelf(in.getType());
    if (!inElt.isF32())
      in = arith::ExtFOp::create(
          b, withElementType(in.getType(), b.getF32Type()), in);
    Value code = nb.e4m3Encode(in);
    // APFloat semantics: out of range (beyond the 448/480 midpoint) is NaN.
    Value overflow = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                           nb.absf(in),
                                           nb.f32(464.0f, in.getType()));
    code = nb.select(overflow, nb.int8(0x7F, in.getType()), code);
    rewriter.replaceOp(op, arith::BitcastOp::create(b, outType, code));
    return success();
  }
};

struct FP4ExpandF8ConversionsPass
    : mlir::fp4::impl::FP4ExpandF8ConversionsBase<FP4ExpandF8ConversionsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateExpandF8ConversionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::fp4::populateExpandF8ConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ExpandExtF, ExpandTruncF>(patterns.getContext());
}
