//===- QuantizeMatmuls.cpp - --fp4-quantize-matmuls ------------------------===//
//
// Rewrites the contractions of a model (linalg.matmul in every transposed
// spelling, batch_matmul, contract, generic) into fp4.quantize + fp4.matmul:
// operands are brought to the [batch..., M, K] x [batch..., N, K] layout of
// fp4.matmul (constant weights at compile time), quantized with the rules of
// the options, multiplied, and the product is brought back to the original
// result layout, element type and accumulator.
//
//===----------------------------------------------------------------------===//

#include "PTQUtils.h"

#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/GlobPattern.h"

#include <map>

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4QUANTIZEMATMULS
#include "FP4Dialect/Transforms/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;
using namespace mlir::fp4::ptq;

namespace {

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

/// The options in checked form.
struct Config {
  Format format = Format::nvfp4;
  RuleAttr weightRule, activationRule;
  bool weightBlock2D = false;
  bool activationMatmuls = false;
  int64_t resourceThreshold = 4096;
  /// keep-high-precision entries that are names (globs). Kept as strings:
  /// a GlobPattern refers to its pattern's storage.
  std::vector<std::string> keepNames;
  /// keep-high-precision entries that are positions (negative: from the
  /// end), with their text.
  std::vector<std::pair<int64_t, std::string>> keepPositions;

  int64_t blockCols() const { return format == Format::nvfp4 ? 16 : 32; }

  /// The keep-high-precision pattern that matches `name`, or null.
  const std::string *keptBy(StringRef name) const {
    if (name.empty())
      return nullptr;
    for (const std::string &pattern : keepNames) {
      llvm::Expected<llvm::GlobPattern> glob =
          llvm::GlobPattern::create(pattern);
      if (!glob) {
        llvm::consumeError(glob.takeError());
        continue;
      }
      if (glob->match(name))
        return &pattern;
    }
    return nullptr;
  }
};

FailureOr<Config> parseConfig(MLIRContext *ctx,
                              const FP4QuantizeMatmulsOptions &options,
                              std::string &error) {
  Config c;
  FailureOr<Format> format = parseFormat(options.format);
  if (failed(format)) {
    error = "unknown format '" + options.format + "' (expected nvfp4 or mxfp4)";
    return failure();
  }
  c.format = *format;
  FailureOr<RuleAttr> weightRule =
      parseRule(ctx, options.weightRule, c.format, error);
  if (failed(weightRule)) {
    error = "weight-rule: " + error;
    return failure();
  }
  FailureOr<RuleAttr> activationRule =
      parseRule(ctx, options.activationRule, c.format, error);
  if (failed(activationRule)) {
    error = "activation-rule: " + error;
    return failure();
  }
  c.weightRule = *weightRule;
  c.activationRule = *activationRule;
  c.weightBlock2D = options.weightBlock2D;
  if (c.weightBlock2D && c.format != Format::nvfp4) {
    error = "weight-block-2d needs nvfp4 (mxfp4 has 1x32 blocks only)";
    return failure();
  }
  c.activationMatmuls = options.activationMatmuls;
  c.resourceThreshold = options.resourceThreshold;
  for (const std::string &entry : options.keepHighPrecision) {
    StringRef e = StringRef(entry).trim();
    int64_t position;
    if (e.empty())
      continue;
    if (e == "first") {
      c.keepPositions.push_back({0, e.str()});
    } else if (e == "last") {
      c.keepPositions.push_back({-1, e.str()});
    } else if (!e.getAsInteger(10, position)) {
      c.keepPositions.push_back({position, e.str()});
    } else {
      llvm::Expected<llvm::GlobPattern> glob = llvm::GlobPattern::create(e);
      if (!glob) {
        error = "keep-high-precision: invalid pattern '" + e.str() +
                "': " + llvm::toString(glob.takeError());
        return failure();
      }
      c.keepNames.push_back(e.str());
    }
  }
  return c;
}

//===----------------------------------------------------------------------===//
// Layout helpers
//===----------------------------------------------------------------------===//

/// Compile-time weights already brought to the fp4.matmul layout, keyed by
/// (operand, layout), so a weight used twice is transposed once.
using WeightCache = std::map<std::pair<void *, std::string>, Value>;

bool isIdentity(ArrayRef<int64_t> perm) {
  for (auto [i, p] : llvm::enumerate(perm))
    if (p != static_cast<int64_t>(i))
      return false;
  return true;
}

bool isTrivial(ArrayRef<ReassociationIndices> groups) {
  return llvm::all_of(groups, [](const ReassociationIndices &g) {
    return g.size() == 1;
  });
}

/// Position of every loop in the results of `map` (-1 if absent).
SmallVector<int64_t> positionsIn(AffineMap map, unsigned numLoops) {
  SmallVector<int64_t> pos(numLoops, -1);
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    pos[cast<AffineDimExpr>(e).getPosition()] = i;
  return pos;
}

/// `loops` sorted by their position in an operand.
SmallVector<unsigned> sortedBy(ArrayRef<unsigned> loops,
                               ArrayRef<int64_t> pos) {
  SmallVector<unsigned> r(loops);
  llvm::stable_sort(r, [&](unsigned a, unsigned b) { return pos[a] < pos[b]; });
  return r;
}

/// Groups `count` consecutive dims starting at `start`: one group if
/// `merge`, else one per dim.
void appendGroups(SmallVectorImpl<ReassociationIndices> &groups,
                  int64_t &start, size_t count, bool merge) {
  if (merge && count > 0) {
    ReassociationIndices g;
    for (size_t i = 0; i < count; ++i)
      g.push_back(start++);
    groups.push_back(g);
    return;
  }
  for (size_t i = 0; i < count; ++i)
    groups.push_back({start++});
}

SmallVector<int64_t> collapsedShape(ArrayRef<int64_t> shape,
                                    ArrayRef<ReassociationIndices> groups) {
  SmallVector<int64_t> r;
  for (const ReassociationIndices &g : groups) {
    int64_t n = 1;
    for (int64_t d : g)
      n *= shape[d];
    r.push_back(n);
  }
  return r;
}

Value transposeAtRunTime(OpBuilder &b, Location loc, Value v,
                         ArrayRef<int64_t> perm) {
  if (isIdentity(perm))
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm)->getResult(0);
}

Value collapseAtRunTime(OpBuilder &b, Location loc, Value v,
                        ArrayRef<ReassociationIndices> groups) {
  if (isTrivial(groups))
    return v;
  return tensor::CollapseShapeOp::create(b, loc, v, groups);
}

/// `v` ([d0, ..., dn]) with a unit dimension inserted before the last one:
/// [d0, ..., 1, dn] (a vector becomes a 1 x K matrix).
Value insertUnitBeforeLast(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i + 1 < rank; ++i)
    groups.push_back({i});
  groups.push_back({rank - 1, rank});
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.end() - 1, 1);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, groups);
}

/// `v` without the unit dimensions at `drop` (a collapse_shape; rank 0 when
/// every dimension is dropped).
Value dropUnitDims(OpBuilder &b, Location loc, Value v,
                   ArrayRef<int64_t> drop) {
  if (drop.empty())
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> shape;
  ReassociationIndices pending;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    pending.push_back(i);
    if (llvm::is_contained(drop, i))
      continue;
    groups.push_back(pending);
    shape.push_back(type.getDimSize(i));
    pending.clear();
  }
  if (!pending.empty() && !groups.empty())
    groups.back().append(pending.begin(), pending.end());
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, groups);
}

/// `v` without the `arith.extf` ops in front of it (exact: fp4.quantize
/// reads bf16 and f16 as well, and converts them exactly to f32).
Value stripExtF(Value v) {
  while (auto ext = v.getDefiningOp<arith::ExtFOp>()) {
    auto in = dyn_cast<RankedTensorType>(ext.getIn().getType());
    if (!in || !isSupportedFloat(in.getElementType()))
      break;
    v = ext.getIn();
  }
  return v;
}

/// The constant operand `operand`, permuted by `perm` and reshaped to
/// `shape`, as a constant placed next to the original one; null if its
/// data cannot be read.
Value materializeWeight(OpBuilder &b, Value operand, ArrayRef<int64_t> perm,
                        ArrayRef<int64_t> shape, int64_t threshold,
                        WeightCache *cache) {
  auto type = cast<RankedTensorType>(operand.getType());
  if (matchFloatConstant(operand) && isIdentity(perm) &&
      type.getShape() == shape)
    return operand;
  std::string key;
  llvm::raw_string_ostream os(key);
  llvm::interleaveComma(perm, os);
  os << ';';
  llvm::interleaveComma(shape, os);
  if (cache) {
    auto it = cache->find({operand.getAsOpaquePointer(), key});
    if (it != cache->end())
      return it->second;
  }
  std::optional<HostTensor> host = evaluateConstant(operand);
  if (!host)
    return Value(); // E.g. a dense_resource without its blob.
  HostTensor t = transposeHost(*host, perm);
  // Place the new constant next to the root constant of the chain, which
  // dominates every use of the operand.
  Value root = operand;
  while (!matchFloatConstant(root))
    root = root.getDefiningOp()->getOperand(0);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(root.getDefiningOp());
  auto newType = RankedTensorType::get(shape, t.elementType);
  Value c = createConstant(b, root.getLoc(), newType, t.bytes, "fp4_weight",
                           threshold);
  if (cache)
    (*cache)[{operand.getAsOpaquePointer(), key}] = c;
  return c;
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

/// Rewrites `m` with input `weightIdx` (0 or 1) as the weight, or as a
/// contraction of two activations when `weightIdx` is empty.
void rewriteContraction(RewriterBase &rewriter, const ContractionMatch &m,
                        std::optional<unsigned> weightIdx,
                        const Config &config, WeightCache *cache,
                        StringRef name, std::optional<int64_t> layer) {
  linalg::LinalgOp op = m.op;
  MLIRContext *ctx = op->getContext();
  Location loc = op.getLoc();
  unsigned numLoops = op.getNumLoops();
  ArrayRef<AffineMap> maps = m.maps;

  // X becomes the fp4.matmul lhs (the activation), Y the rhs (the weight).
  unsigned xIdx = weightIdx == 0u ? 1 : 0, yIdx = 1 - xIdx;
  Value x = stripExtF(m.inputs[xIdx]), y = stripExtF(m.inputs[yIdx]);
  ArrayRef<unsigned> xFreeLoops = xIdx == 0 ? m.lhsFree : m.rhsFree;
  ArrayRef<unsigned> yFreeLoops = xIdx == 0 ? m.rhsFree : m.lhsFree;
  SmallVector<int64_t> xPos = positionsIn(maps[xIdx], numLoops);
  SmallVector<int64_t> yPos = positionsIn(maps[yIdx], numLoops);

  // Loop orders: batch and K as in the activation (no run-time transpose
  // for the usual layouts), free loops as in their own operand.
  SmallVector<unsigned> batch = sortedBy(m.batch, xPos);
  SmallVector<unsigned> kLoops = sortedBy(m.reduction, xPos);
  SmallVector<unsigned> xFree = sortedBy(xFreeLoops, xPos);
  SmallVector<unsigned> yFree = sortedBy(yFreeLoops, yPos);

  auto permFor = [&](ArrayRef<int64_t> pos, ArrayRef<unsigned> free) {
    SmallVector<int64_t> perm;
    for (ArrayRef<unsigned> part : {ArrayRef<unsigned>(batch), free,
                                    ArrayRef<unsigned>(kLoops)})
      for (unsigned d : part)
        perm.push_back(pos[d]);
    return perm;
  };
  SmallVector<int64_t> xPerm = permFor(xPos, xFree);
  SmallVector<int64_t> yPerm = permFor(yPos, yFree);

  // fp4.matmul: lhs [batch..., M, K] (or [M..., K] without batch), rhs
  // [batch..., N, K]. A missing M or N (matrix-vector products) is a unit
  // dimension.
  SmallVector<ReassociationIndices> xGroups, yGroups;
  int64_t start = 0;
  appendGroups(xGroups, start, batch.size(), false);
  appendGroups(xGroups, start, xFree.size(), !batch.empty());
  appendGroups(xGroups, start, kLoops.size(), true);
  start = 0;
  appendGroups(yGroups, start, batch.size(), false);
  appendGroups(yGroups, start, yFree.size(), true);
  appendGroups(yGroups, start, kLoops.size(), true);

  auto permutedShape = [&](ArrayRef<int64_t> perm, Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> s;
    for (int64_t p : perm)
      s.push_back(type.getDimSize(p));
    return s;
  };
  bool xUnit = xFree.empty(), yUnit = yFree.empty();
  SmallVector<int64_t> xShape = collapsedShape(permutedShape(xPerm, x), xGroups);
  SmallVector<int64_t> yShape = collapsedShape(permutedShape(yPerm, y), yGroups);
  if (xUnit)
    xShape.insert(xShape.end() - 1, 1);
  if (yUnit)
    yShape.insert(yShape.end() - 1, 1);
  int64_t nSize = yShape[yShape.size() - 2];

  rewriter.setInsertionPoint(op);
  Value xv = collapseAtRunTime(
      rewriter, loc, transposeAtRunTime(rewriter, loc, x, xPerm), xGroups);
  if (xUnit)
    xv = insertUnitBeforeLast(rewriter, loc, xv);
  Value yv;
  if (weightIdx && classifyWeight(y) == WeightKind::Constant)
    yv = materializeWeight(rewriter, y, yPerm, yShape,
                           config.resourceThreshold, cache);
  if (!yv) {
    yv = collapseAtRunTime(
        rewriter, loc, transposeAtRunTime(rewriter, loc, y, yPerm), yGroups);
    if (yUnit)
      yv = insertUnitBeforeLast(rewriter, loc, yv);
  }

  // Quantize both operands.
  bool block2D = weightIdx && config.weightBlock2D;
  if (block2D && nSize % 16 != 0) {
    op->emitRemark() << "weight N (" << nSize
                     << ") is not a multiple of 16: 1x16 weight blocks "
                        "instead of 16x16";
    block2D = false;
  }
  int64_t cols = config.blockCols();
  auto xType = FP4TensorType::get(ctx, xShape, config.format, 1, cols);
  auto yType = FP4TensorType::get(ctx, yShape, config.format,
                                  block2D ? 16 : 1, block2D ? 16 : cols);
  RuleAttr yRule = weightIdx ? config.weightRule : config.activationRule;
  Value qx = QuantizeOp::create(rewriter, loc, xType, xv, Value(), Value(),
                                Value(), Value(), config.activationRule);
  Value qy = QuantizeOp::create(rewriter, loc, yType, yv, Value(), Value(),
                                Value(), Value(), yRule);

  // The product, in the element type of the result when that saves a
  // conversion (bf16), else f32.
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  Type outElt = outType.getElementType();
  bool zeroInit = hasZeroInit(op);
  Type prodElt = zeroInit && outElt.isBF16() ? outElt : rewriter.getF32Type();
  SmallVector<int64_t> mmShape(xShape.begin(), xShape.end() - 1);
  mmShape.push_back(nSize);
  auto mm = MatmulOp::create(rewriter, loc,
                             RankedTensorType::get(mmShape, prodElt), qx, qy);
  if (!name.empty())
    mm->setAttr(kNameAttr, rewriter.getStringAttr(name));
  if (layer)
    mm->setAttr(kLayerAttr, rewriter.getI64IntegerAttr(*layer));
  if (weightIdx)
    mm->setAttr(kWeightTypeAttr,
                TypeAttr::get(cast<ShapedType>(y.getType()).getElementType()));

  // Back to [batch..., xFree..., yFree...] (without the unit dimensions of a
  // matrix-vector product), then to the result layout.
  SmallVector<unsigned> order(batch);
  order.append(xFree.begin(), xFree.end());
  order.append(yFree.begin(), yFree.end());
  SmallVector<int64_t> expandedShape;
  for (unsigned d : order)
    expandedShape.push_back(m.loopSizes[d]);
  SmallVector<ReassociationIndices> outGroups;
  start = 0;
  appendGroups(outGroups, start, batch.size(), false);
  appendGroups(outGroups, start, xFree.size(), !batch.empty());
  appendGroups(outGroups, start, yFree.size(), true);
  SmallVector<int64_t> units;
  if (xUnit)
    units.push_back(mmShape.size() - 2);
  if (yUnit)
    units.push_back(mmShape.size() - 1);
  Value prod = dropUnitDims(rewriter, loc, mm, units);
  if (!isTrivial(outGroups))
    prod = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(expandedShape, prodElt), prod,
        outGroups);
  SmallVector<int64_t> outPerm;
  for (AffineExpr e : maps[2].getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    outPerm.push_back(llvm::find(order, d) - order.begin());
  }
  prod = transposeAtRunTime(rewriter, loc, prod, outPerm);

  // The accumulator and the result element type.
  Value result;
  if (zeroInit) {
    result = prodElt == outElt
                 ? prod
                 : arith::TruncFOp::create(rewriter, loc, outType, prod)
                       .getResult();
  } else {
    Value init = op.getDpsInits()[0];
    AffineMap id = rewriter.getMultiDimIdentityMap(outType.getRank());
    SmallVector<utils::IteratorType> par(outType.getRank(),
                                         utils::IteratorType::parallel);
    result = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{outType}, ValueRange{prod, init},
                 ValueRange{init}, ArrayRef<AffineMap>{id, id, id}, par,
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   Value acc = args[1];
                   Type f32 = b.getF32Type();
                   if (!outElt.isF32())
                     acc = arith::ExtFOp::create(b, l, f32, acc);
                   Value sum = arith::AddFOp::create(b, l, acc, args[0]);
                   if (!outElt.isF32())
                     sum = arith::TruncFOp::create(b, l, outElt, sum);
                   linalg::YieldOp::create(b, l, sum);
                 })
                 ->getResult(0);
  }
  rewriter.replaceOp(op, result);
}

/// The weight input of a contraction (0 or 1), or std::nullopt when none
/// or both are weights.
std::optional<unsigned> weightInput(linalg::LinalgOp op, bool &bothWeights) {
  ContractionInputs inputs = getEffectiveInputs(op);
  WeightKind k0 = classifyWeight(inputs.values[0]);
  WeightKind k1 = classifyWeight(inputs.values[1]);
  bothWeights = k0 != WeightKind::None && k1 != WeightKind::None;
  if (k1 != WeightKind::None && k0 == WeightKind::None)
    return 1u;
  if (k0 != WeightKind::None && k1 == WeightKind::None)
    return 0u;
  return std::nullopt;
}

/// Checks the block divisibility of K; on failure `reason` says why.
bool checkK(const ContractionMatch &m, const Config &config,
            std::string &reason) {
  int64_t k = 1;
  for (unsigned d : m.reduction)
    k *= m.loopSizes[d];
  if (k % config.blockCols() == 0)
    return true;
  reason = "K (" + std::to_string(k) + ") is not a multiple of the " +
           stringifyFormat(config.format).str() + " block width (" +
           std::to_string(config.blockCols()) + ")";
  return false;
}

/// Erases `ops` and the ops feeding them once they have no uses.
void eraseDeadOps(RewriterBase &rewriter, llvm::SetVector<Operation *> ops) {
  while (!ops.empty()) {
    Operation *op = ops.pop_back_val();
    if (!isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        ops.insert(def);
    rewriter.eraseOp(op);
  }
}

//===----------------------------------------------------------------------===//
// Pattern (for embedders) and pass
//===----------------------------------------------------------------------===//

/// Why the contraction-like `op` stays in high precision, or the empty
/// string with `match` filled in when it is rewritten. `keptBy` is the
/// positional keep-high-precision entry that selects it, if any.
std::string whyLeftAlone(linalg::LinalgOp op, const Config &config,
                         std::optional<unsigned> weight, bool bothWeights,
                         StringRef name, const std::string *keptBy,
                         FailureOr<ContractionMatch> &match) {
  if (bothWeights)
    return "both operands are weights";
  if (!weight && !config.activationMatmuls)
    return "no weight operand (activation x activation: quantized only "
           "with activation-matmuls)";
  if (!keptBy)
    keptBy = config.keptBy(name);
  if (keptBy)
    return "kept in high precision by keep-high-precision '" + *keptBy + "'";
  std::string reason;
  match = matchContraction(op, reason);
  if (failed(match) || !checkK(*match, config, reason))
    return reason;
  return "";
}

struct QuantizeContraction
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  QuantizeContraction(MLIRContext *ctx, Config config)
      : OpInterfaceRewritePattern(ctx), config(std::move(config)) {}
  Config config;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!isContractionLike(op))
      return rewriter.notifyMatchFailure(op, "not a contraction");
    bool both = false;
    std::optional<unsigned> weight = weightInput(op, both);
    std::string name = ptq::getOpName(op);
    FailureOr<ContractionMatch> m = failure();
    std::string reason =
        whyLeftAlone(op, config, weight, both, name, nullptr, m);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(op, reason);
    rewriteContraction(rewriter, *m, weight, config, nullptr, name,
                       std::nullopt);
    return success();
  }
};

struct FP4QuantizeMatmulsPass
    : mlir::fp4::impl::FP4QuantizeMatmulsBase<FP4QuantizeMatmulsPass> {
  using Base::Base;

  FP4QuantizeMatmulsOptions currentOptions() const {
    FP4QuantizeMatmulsOptions o;
    o.format = format;
    o.weightRule = weightRule;
    o.activationRule = activationRule;
    o.weightBlock2D = weightBlock2D;
    o.keepHighPrecision.assign(keepHighPrecision.begin(),
                               keepHighPrecision.end());
    o.activationMatmuls = activationMatmuls;
    o.resourceThreshold = resourceThreshold;
    return o;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    FailureOr<Config> config =
        parseConfig(&getContext(), currentOptions(), error);
    if (failed(config)) {
      module.emitError("fp4-quantize-matmuls: ") << error;
      return signalPassFailure();
    }

    // Contractions in program order; the linear layers (one weight operand)
    // are numbered for the positional selectors.
    struct Candidate {
      linalg::LinalgOp op;
      std::optional<unsigned> weight;
      bool bothWeights = false;
      std::optional<int64_t> layer;
    };
    SmallVector<Candidate> candidates;
    int64_t numLayers = 0;
    module.walk([&](linalg::LinalgOp op) {
      if (!isContractionLike(op))
        return;
      Candidate c{op};
      c.weight = weightInput(op, c.bothWeights);
      if (c.weight)
        c.layer = numLayers++;
      candidates.push_back(c);
    });
    std::map<int64_t, const std::string *> keptLayers;
    for (const auto &[p, entry] : config->keepPositions) {
      int64_t index = p < 0 ? numLayers + p : p;
      if (index >= 0 && index < numLayers)
        keptLayers.emplace(index, &entry);
      else
        module.emitWarning("fp4-quantize-matmuls: keep-high-precision "
                           "position '")
            << entry << "' is out of range: the module has " << numLayers
            << " linear layers";
    }

    IRRewriter rewriter(&getContext());
    WeightCache cache;
    llvm::SetVector<Operation *> maybeDead;
    for (Candidate &c : candidates) {
      std::string name = ptq::getOpName(c.op);
      const std::string *keptBy = nullptr;
      if (c.layer)
        if (auto it = keptLayers.find(*c.layer); it != keptLayers.end())
          keptBy = it->second;
      FailureOr<ContractionMatch> m = failure();
      std::string reason = whyLeftAlone(c.op, *config, c.weight,
                                        c.bothWeights, name, keptBy, m);
      if (!reason.empty()) {
        c.op->emitRemark("not quantized: ") << reason;
        c.op->setAttr(kHighPrecisionAttr, rewriter.getStringAttr(reason));
        continue;
      }
      for (Value operand : c.op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          maybeDead.insert(def);
      rewriteContraction(rewriter, *m, c.weight, *config, &cache, name,
                         c.layer);
    }
    eraseDeadOps(rewriter, std::move(maybeDead));
  }
};

} // namespace

void mlir::fp4::populateFP4QuantizeMatmulsPatterns(
    RewritePatternSet &patterns, const FP4QuantizeMatmulsOptions &options) {
  std::string error;
  FailureOr<Config> config =
      parseConfig(patterns.getContext(), options, error);
  if (failed(config))
    return;
  config->keepPositions.clear();
  patterns.add<QuantizeContraction>(patterns.getContext(), std::move(*config));
}
