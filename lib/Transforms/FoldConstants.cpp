//===- FoldConstants.cpp - --fp4-fold-constants ----------------------------===//
//
// Evaluates fp4 ops on constant operands with the numerics core (the same
// bytes as the CPU lowering; tests hold them identical). Quantized results
// become `fp4.pack` of constants so that every consumer sees folded data.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Numerics/Numerics.h"
#include "FP4Dialect/Transforms/Passes.h"
#include "NumericsBridge.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cstring>

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4FOLDCONSTANTS
#include "FP4Dialect/Transforms/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;
namespace num = ::fp4::num;

//===----------------------------------------------------------------------===//
// Reading and writing constant data
//===----------------------------------------------------------------------===//

namespace {

/// The raw bytes of a constant tensor and whether it is a splat (one
/// element stored). Works for dense and dense_resource attributes.
struct RawData {
  ArrayRef<char> bytes;
  bool splat = false;
};

std::optional<RawData> rawDataOf(Value v) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.getElementType().getIntOrFloatBitWidth() == 1)
      return std::nullopt;
    return RawData{dense.getRawData(), dense.isSplat()};
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    return RawData{blob->getData(), false};
  }
  return std::nullopt;
}

/// Reads a float tensor constant as f32 values (exact for f32/bf16/f16).
std::optional<std::vector<float>> readFloats(Value v) {
  std::optional<RawData> raw = rawDataOf(v);
  if (!raw)
    return std::nullopt;
  auto type = cast<ShapedType>(v.getType());
  int64_t n = type.getNumElements();
  Type elt = type.getElementType();
  if (!elt.isF32() && !elt.isBF16() && !elt.isF16())
    return std::nullopt;
  unsigned width = elt.isF32() ? 4 : 2;
  size_t stored = raw->splat ? 1 : n;
  if (raw->bytes.size() < stored * width)
    return std::nullopt;
  std::vector<float> out(n);
  const char *data = raw->bytes.data();
  if (raw->splat) {
    float value;
    if (elt.isF32()) {
      std::memcpy(&value, data, 4);
    } else {
      uint16_t bits;
      std::memcpy(&bits, data, 2);
      value = elt.isBF16() ? num::bf16ToFloat(bits) : num::f16ToFloat(bits);
    }
    std::fill(out.begin(), out.end(), value);
  } else if (elt.isF32()) {
    std::memcpy(out.data(), data, n * 4);
  } else if (elt.isBF16()) {
    // bf16 is the top half of an f32 (num::bf16ToFloat), in a loop that
    // vectorizes.
    for (int64_t i = 0; i < n; ++i) {
      uint16_t bits;
      std::memcpy(&bits, data + 2 * i, 2);
      uint32_t wide = uint32_t(bits) << 16;
      std::memcpy(&out[i], &wide, 4);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t bits;
      std::memcpy(&bits, data + 2 * i, 2);
      out[i] = num::f16ToFloat(bits);
    }
  }
  return out;
}

/// Reads a byte tensor constant (i8 codes or f8 scales).
std::optional<std::vector<uint8_t>> readBytes(Value v) {
  std::optional<RawData> raw = rawDataOf(v);
  if (!raw)
    return std::nullopt;
  int64_t n = cast<ShapedType>(v.getType()).getNumElements();
  if (raw->bytes.size() < size_t(raw->splat ? 1 : n))
    return std::nullopt;
  if (raw->splat)
    return std::vector<uint8_t>(n, static_cast<uint8_t>(raw->bytes[0]));
  const auto *begin = reinterpret_cast<const uint8_t *>(raw->bytes.data());
  return std::vector<uint8_t>(begin, begin + n);
}

std::optional<float> readF32(Value v) {
  FloatAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return attr.getValue().convertToFloat();
}

std::optional<uint64_t> readI64(Value v) {
  IntegerAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return attr.getValue().getZExtValue();
}

/// Creates a constant tensor of `type` from raw little-endian bytes: dense
/// below `threshold` bytes, a dense_resource blob above.
Value makeConstant(PatternRewriter &rewriter, Location loc, ShapedType type,
                   ArrayRef<char> bytes, int64_t threshold) {
  ElementsAttr attr;
  if (static_cast<int64_t>(bytes.size()) > threshold)
    attr = DenseResourceElementsAttr::get(
        type, "fp4_folded",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(bytes));
  else
    attr = DenseElementsAttr::getFromRawBuffer(type, bytes);
  return arith::ConstantOp::create(rewriter, loc, type, cast<TypedAttr>(attr));
}

/// Rounds f32 results to `elt` (f32, bf16 or f16) as raw bytes.
std::vector<char> encodeFloats(ArrayRef<float> values, Type elt) {
  std::vector<char> out;
  if (elt.isF32()) {
    out.resize(values.size() * 4);
    std::memcpy(out.data(), values.data(), out.size());
    return out;
  }
  out.resize(values.size() * 2);
  for (size_t i = 0; i < values.size(); ++i) {
    uint16_t bits = elt.isBF16() ? num::floatToBF16(values[i])
                                 : num::floatToF16(values[i]);
    std::memcpy(out.data() + 2 * i, &bits, 2);
  }
  return out;
}

ArrayRef<char> asChars(const std::vector<uint8_t> &v) {
  return {reinterpret_cast<const char *>(v.data()), v.size()};
}

//===----------------------------------------------------------------------===//
// Materializing folded results
//===----------------------------------------------------------------------===//

/// A folded quantized tensor as `fp4.pack` of constants.
Value materialize(PatternRewriter &rewriter, Location loc, FP4TensorType type,
                  const num::QuantizedTensor &q, int64_t threshold) {
  Value values = makeConstant(rewriter, loc, type.getValuesType(),
                              asChars(q.values), threshold);
  Value scales = makeConstant(rewriter, loc, type.getScalesType(),
                              asChars(q.scales), threshold);
  Value alpha;
  if (type.isNVFP4())
    alpha = arith::ConstantOp::create(rewriter, loc,
                                      rewriter.getF32FloatAttr(q.alpha));
  return PackOp::create(rewriter, loc, type, values, scales, alpha);
}

/// The constant components of an fp4 value defined by `fp4.pack`.
std::optional<num::QuantizedTensor> readQuantized(Value v) {
  auto pack = v.getDefiningOp<PackOp>();
  if (!pack)
    return std::nullopt;
  auto type = cast<FP4TensorType>(v.getType());
  num::QuantizedTensor q;
  q.rows = type.getNumRows();
  q.cols = type.getNumCols();
  q.format = toNum(type.getFormat());
  q.block = {type.getBlockRows(), type.getBlockCols()};
  std::optional<std::vector<uint8_t>> values = readBytes(pack.getValues());
  std::optional<std::vector<uint8_t>> scales = readBytes(pack.getScales());
  if (!values || !scales)
    return std::nullopt;
  q.values = std::move(*values);
  q.scales = std::move(*scales);
  if (type.isNVFP4()) {
    std::optional<float> alpha = readF32(pack.getAlpha());
    if (!alpha)
      return std::nullopt;
    q.alpha = *alpha;
  }
  return q;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct FoldPattern {
  int64_t threshold;
};

struct FoldQuantize : OpRewritePattern<QuantizeOp>, FoldPattern {
  FoldQuantize(MLIRContext *ctx, int64_t threshold)
      : OpRewritePattern(ctx), FoldPattern{threshold} {}
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<std::vector<float>> x = readFloats(op.getInput());
    if (!x)
      return rewriter.notifyMatchFailure(op, "input is not constant");
    std::optional<uint64_t> seed;
    if (op.getSeed() && !(seed = readI64(op.getSeed())))
      return rewriter.notifyMatchFailure(op, "seed is not constant");
    FP4TensorType type = op.getResultType();
    int64_t rows = type.getNumRows(), cols = type.getNumCols();
    num::BlockShape block{type.getBlockRows(), type.getBlockCols()};
    num::QuantizedTensor q;
    if (op.getScales()) {
      std::optional<std::vector<uint8_t>> scales = readBytes(op.getScales());
      std::optional<float> alpha =
          op.getAlpha() ? readF32(op.getAlpha()) : std::optional<float>(1.0f);
      if (!scales || !alpha)
        return rewriter.notifyMatchFailure(op, "scales are not constant");
      q = num::quantizeWithScales(x->data(), rows, cols,
                                  toNum(type.getFormat()), block,
                                  scales->data(), *alpha, seed);
    } else {
      num::QuantizeOptions options;
      options.format = toNum(type.getFormat());
      options.rule = toNum(op.getEffectiveRule());
      options.block = block;
      options.seed = seed;
      if (op.getAmax()) {
        options.amax = readF32(op.getAmax());
        if (!options.amax)
          return rewriter.notifyMatchFailure(op, "amax is not constant");
      }
      q = num::quantize(x->data(), rows, cols, options);
    }
    rewriter.replaceOp(op, materialize(rewriter, op.getLoc(), type, q,
                                       threshold));
    return success();
  }
};

struct FoldScaleSelect : OpRewritePattern<ScaleSelectOp>, FoldPattern {
  FoldScaleSelect(MLIRContext *ctx, int64_t threshold)
      : OpRewritePattern(ctx), FoldPattern{threshold} {}
  LogicalResult matchAndRewrite(ScaleSelectOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<std::vector<float>> x = readFloats(op.getInput());
    if (!x)
      return rewriter.notifyMatchFailure(op, "input is not constant");
    auto inType = op.getInput().getType();
    auto [blockRows, blockCols] = op.getBlockShape();
    num::QuantizeOptions options;
    options.format = toNum(op.getFormat());
    options.rule = toNum(op.getEffectiveRule());
    options.block = {blockRows, blockCols};
    if (op.getAmax() && !(options.amax = readF32(op.getAmax())))
      return rewriter.notifyMatchFailure(op, "amax is not constant");
    int64_t cols = inType.getShape().back();
    int64_t rows = inType.getNumElements() / cols;
    num::QuantizedTensor q =
        num::selectScales(x->data(), rows, cols, options);
    SmallVector<Value> results = {makeConstant(
        rewriter, op.getLoc(), op.getScales().getType(), asChars(q.scales),
        threshold)};
    if (op.getAlpha())
      results.push_back(arith::ConstantOp::create(
          rewriter, op.getLoc(), rewriter.getF32FloatAttr(q.alpha)));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct FoldHadamard : OpRewritePattern<HadamardOp>, FoldPattern {
  FoldHadamard(MLIRContext *ctx, int64_t threshold)
      : OpRewritePattern(ctx), FoldPattern{threshold} {}
  LogicalResult matchAndRewrite(HadamardOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<std::vector<float>> x = readFloats(op.getInput());
    if (!x)
      return rewriter.notifyMatchFailure(op, "input is not constant");
    auto type = op.getInput().getType();
    int64_t cols = type.getShape().back();
    int64_t rows = type.getNumElements() / cols;
    std::vector<float> y(x->size());
    std::optional<ArrayRef<int8_t>> signs = op.getSigns();
    num::hadamard(x->data(), y.data(), rows, cols, op.getSize(),
                  signs ? signs->data() : nullptr);
    std::vector<char> bytes = encodeFloats(y, type.getElementType());
    rewriter.replaceOp(op, makeConstant(rewriter, op.getLoc(), type, bytes,
                                        threshold));
    return success();
  }
};

struct FoldDequantize : OpRewritePattern<DequantizeOp>, FoldPattern {
  FoldDequantize(MLIRContext *ctx, int64_t threshold)
      : OpRewritePattern(ctx), FoldPattern{threshold} {}
  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<num::QuantizedTensor> q = readQuantized(op.getInput());
    if (!q)
      return rewriter.notifyMatchFailure(op, "input is not a constant pack");
    std::vector<float> out(q->rows * q->cols);
    num::dequantize(*q, out.data());
    auto type = op.getResult().getType();
    std::vector<char> bytes = encodeFloats(out, type.getElementType());
    rewriter.replaceOp(op, makeConstant(rewriter, op.getLoc(), type, bytes,
                                        threshold));
    return success();
  }
};

struct FoldMatmul : OpRewritePattern<MatmulOp>, FoldPattern {
  FoldMatmul(MLIRContext *ctx, int64_t threshold, int64_t maxFlops)
      : OpRewritePattern(ctx), FoldPattern{threshold}, maxFlops(maxFlops) {}
  int64_t maxFlops;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    FP4TensorType lhsType = op.getLhs().getType(), rhsType = op.getRhs().getType();
    if (lhsType.getRank() != 2 || rhsType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "batched matmul is not folded");
    int64_t m = lhsType.getShape()[0], k = lhsType.getShape()[1],
            n = rhsType.getShape()[0];
    if (m * n * k > maxFlops)
      return rewriter.notifyMatchFailure(op, "too large to fold");
    std::optional<num::QuantizedTensor> a = readQuantized(op.getLhs());
    std::optional<num::QuantizedTensor> b = readQuantized(op.getRhs());
    if (!a || !b)
      return rewriter.notifyMatchFailure(op, "operands are not constant");
    std::vector<float> c(m * n);
    num::matmul(*a, *b, c.data());
    auto type = op.getResult().getType();
    std::vector<char> bytes = encodeFloats(c, type.getElementType());
    rewriter.replaceOp(op, makeConstant(rewriter, op.getLoc(), type, bytes,
                                        threshold));
    return success();
  }
};

struct FP4FoldConstantsPass
    : mlir::fp4::impl::FP4FoldConstantsBase<FP4FoldConstantsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFP4FoldConstantsPatterns(patterns, resourceThreshold,
                                     maxMatmulFlops);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::fp4::populateFP4FoldConstantsPatterns(RewritePatternSet &patterns,
                                                 int64_t resourceThreshold,
                                                 int64_t maxMatmulFlops) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<FoldQuantize, FoldScaleSelect, FoldHadamard, FoldDequantize>(
      ctx, resourceThreshold);
  patterns.add<FoldMatmul>(ctx, resourceThreshold, maxMatmulFlops);
}
