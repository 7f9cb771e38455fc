//===- FuseRotations.cpp - --fp4-fuse-rotations ----------------------------===//
//
// Rotates both operands of a quantized matmul along K with the block
// Hadamard transform of SPEC 2.3: constant operands (weights) at compile
// time, run-time operands (activations) with an fp4.hadamard in f32 that the
// GPU paths fuse into the quantize kernel. H is orthonormal, so the
// unquantized product is unchanged; outliers are spread over the block.
//
//===----------------------------------------------------------------------===//

#include "PTQUtils.h"

#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Numerics/Numerics.h"
#include "FP4Dialect/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

#include <map>

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4FUSEROTATIONS
#include "FP4Dialect/Transforms/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;
using namespace mlir::fp4::ptq;
namespace num = ::fp4::num;

namespace {

/// The options in checked form.
struct RotationConfig {
  /// 0: the format's block width.
  int64_t size = 0;
  /// One sign per element of the largest block; the first `size` are used.
  SmallVector<int8_t> signs;
  bool randomSigns = false;
  int64_t resourceThreshold = 4096;

  int64_t sizeFor(FP4TensorType type) const {
    return size ? size : (type.isMXFP4() ? 32 : 16);
  }
  DenseI8ArrayAttr signsAttr(MLIRContext *ctx, int64_t n) const {
    if (!randomSigns)
      return nullptr;
    return DenseI8ArrayAttr::get(ctx, ArrayRef<int8_t>(signs).take_front(n));
  }
};

RotationConfig makeConfig(const FP4FuseRotationsOptions &options) {
  RotationConfig c;
  c.size = options.size;
  c.randomSigns = options.randomSigns;
  c.resourceThreshold = options.resourceThreshold;
  for (uint64_t i = 0; i < 128; ++i)
    c.signs.push_back((num::randomBits(options.seed, i) & 1) ? -1 : 1);
  return c;
}

/// Rotated constants, keyed by (constant, size, signs), so a weight shared
/// by several matmuls is rotated once.
using RotationCache = std::map<std::tuple<void *, int64_t, bool>, Value>;

/// Why `mm` cannot be rotated with blocks of `size`, or the empty string.
std::string whyNotRotatable(MatmulOp mm, int64_t size) {
  for (auto [i, operand] : llvm::enumerate(mm->getOperands())) {
    StringRef which = i == 0 ? "lhs" : "rhs";
    auto q = operand.getDefiningOp<QuantizeOp>();
    if (!q)
      return ("the " + which + " is not produced by fp4.quantize").str();
    if (q.getAmax() || q.getScales())
      return ("the " + which +
              " quantize has an amax or scales operand, chosen for the "
              "unrotated values")
          .str();
  }
  int64_t k = mm.getLhs().getType().getShape().back();
  if (k % size != 0)
    return "K (" + std::to_string(k) + ") is not a multiple of the Hadamard "
           "size (" + std::to_string(size) + ")";
  return "";
}

/// The quantize `q` applied to the rotated input.
Value rotateOperand(RewriterBase &rewriter, QuantizeOp q, int64_t size,
                    DenseI8ArrayAttr signs, int64_t threshold,
                    RotationCache *cache) {
  Value in = q.getInput();
  Location loc = q.getLoc();
  auto inType = cast<RankedTensorType>(in.getType());
  auto f32Type = RankedTensorType::get(inType.getShape(),
                                       rewriter.getF32Type());
  Value rotated;
  if (std::optional<ConstantView> view = matchFloatConstant(in)) {
    // Compile time: H(w) in f32 with the numerics core.
    auto key = std::make_tuple(in.getAsOpaquePointer(), size, bool(signs));
    if (cache && cache->count(key)) {
      rotated = (*cache)[key];
    } else {
      std::vector<float> x = readF32(*view), y(x.size());
      int64_t cols = inType.getShape().back();
      int64_t rows = static_cast<int64_t>(x.size()) / cols;
      num::hadamard(x.data(), y.data(), rows, cols, size,
                    signs ? signs.asArrayRef().data() : nullptr);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointAfter(view->op);
      rotated = createConstant(
          rewriter, in.getLoc(), f32Type,
          ArrayRef<char>(reinterpret_cast<const char *>(y.data()),
                         y.size() * sizeof(float)),
          "fp4_rotated", threshold);
      if (cache)
        (*cache)[key] = rotated;
    }
  } else {
    // Run time: fp4.hadamard in f32.
    rewriter.setInsertionPoint(q);
    Value f = in;
    if (!inType.getElementType().isF32())
      f = arith::ExtFOp::create(rewriter, loc, f32Type, in);
    rotated = HadamardOp::create(rewriter, loc, f32Type, f, size, signs);
  }
  rewriter.setInsertionPoint(q);
  auto rotatedQ = QuantizeOp::create(rewriter, loc, q.getResultType(), rotated,
                                     Value(), q.getSeed(), Value(), Value(),
                                     q.getRuleAttr());
  return rotatedQ;
}

/// Rotates both operands of `mm` (which `whyNotRotatable` accepted).
void rotateMatmul(RewriterBase &rewriter, MatmulOp mm, int64_t size,
                  DenseI8ArrayAttr signs, int64_t threshold,
                  RotationCache *cache) {
  auto lhsQ = mm.getLhs().getDefiningOp<QuantizeOp>();
  auto rhsQ = mm.getRhs().getDefiningOp<QuantizeOp>();
  Value lhs = rotateOperand(rewriter, lhsQ, size, signs, threshold, cache);
  Value rhs = rotateOperand(rewriter, rhsQ, size, signs, threshold, cache);
  rewriter.modifyOpInPlace(mm, [&] {
    mm.getLhsMutable().assign(lhs);
    mm.getRhsMutable().assign(rhs);
    mm->setAttr(kRotationAttr, rewriter.getI64IntegerAttr(size));
  });
  for (QuantizeOp q : {lhsQ, rhsQ})
    if (q->use_empty())
      rewriter.eraseOp(q);
}

bool hasUnitSigns(HadamardOp op) {
  std::optional<ArrayRef<int8_t>> signs = op.getSigns();
  return !signs || llvm::all_of(*signs, [](int8_t s) { return s == 1; });
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// H(H(x)) = x for the same size and all +1 signs (H symmetric, H H = I).
struct CancelHadamardPair : OpRewritePattern<HadamardOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HadamardOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<HadamardOp>();
    if (!inner || inner.getSize() != op.getSize() || !hasUnitSigns(op) ||
        !hasUnitSigns(inner))
      return rewriter.notifyMatchFailure(op, "no cancelling pair");
    rewriter.replaceOp(op, inner.getInput());
    return success();
  }
};

struct FuseRotation : OpRewritePattern<MatmulOp> {
  FuseRotation(MLIRContext *ctx, RotationConfig config)
      : OpRewritePattern(ctx), config(std::move(config)) {}
  RotationConfig config;

  LogicalResult matchAndRewrite(MatmulOp mm,
                                PatternRewriter &rewriter) const override {
    if (mm->hasAttr(kRotationAttr))
      return rewriter.notifyMatchFailure(mm, "already rotated");
    int64_t size = config.sizeFor(mm.getLhs().getType());
    std::string reason = whyNotRotatable(mm, size);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(mm, reason);
    rotateMatmul(rewriter, mm, size, config.signsAttr(getContext(), size),
                 config.resourceThreshold, nullptr);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

struct FP4FuseRotationsPass
    : mlir::fp4::impl::FP4FuseRotationsBase<FP4FuseRotationsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (size != 0 && (size < 16 || size > 128 || !llvm::isPowerOf2_64(size))) {
      getOperation()->emitError("fp4-fuse-rotations: size must be 0, 16, "
                                "32, 64 or 128, got ")
          << static_cast<int64_t>(size);
      return signalPassFailure();
    }
    FP4FuseRotationsOptions options;
    options.size = size;
    options.randomSigns = randomSigns;
    options.seed = seed;
    options.resourceThreshold = resourceThreshold;
    RotationConfig config = makeConfig(options);
    SmallVector<MatmulOp> matmuls;
    getOperation()->walk([&](MatmulOp mm) {
      if (!mm->hasAttr(kRotationAttr))
        matmuls.push_back(mm);
    });
    IRRewriter rewriter(&getContext());
    RotationCache cache;
    llvm::SetVector<Operation *> rotatedConstants;
    for (MatmulOp mm : matmuls) {
      int64_t n = config.sizeFor(mm.getLhs().getType());
      std::string reason = whyNotRotatable(mm, n);
      if (!reason.empty()) {
        mm->emitRemark("not rotated: ") << reason;
        continue;
      }
      for (Value operand : mm->getOperands())
        if (Operation *c = operand.getDefiningOp<QuantizeOp>()
                               .getInput()
                               .getDefiningOp<arith::ConstantOp>())
          rotatedConstants.insert(c);
      rotateMatmul(rewriter, mm, n, config.signsAttr(&getContext(), n),
                   config.resourceThreshold, &cache);
    }
    // Drop the constants that were rotated and are no longer used (only
    // now: the cache is keyed by them).
    for (Operation *c : rotatedConstants)
      if (c->use_empty())
        rewriter.eraseOp(c);

    RewritePatternSet patterns(&getContext());
    populateFP4CancelRotationsPatterns(patterns);
    GreedyRewriteConfig greedy;
    greedy.enableFolding(false).enableConstantCSE(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     greedy)))
      signalPassFailure();
  }
};

} // namespace

void mlir::fp4::populateFP4CancelRotationsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CancelHadamardPair>(patterns.getContext());
}

void mlir::fp4::populateFP4FuseRotationsPatterns(
    RewritePatternSet &patterns, const FP4FuseRotationsOptions &options) {
  patterns.add<FuseRotation>(patterns.getContext(), makeConfig(options));
  populateFP4CancelRotationsPatterns(patterns);
}
