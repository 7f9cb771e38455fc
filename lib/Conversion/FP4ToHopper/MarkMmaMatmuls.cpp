//===- MarkMmaMatmuls.cpp - fp4 contractions -> marked reference generics -===//
//
// The first step of the mma.sync lowering (MmaMatmul.h): on tensors, before
// convert-fp4-to-arith, each fp4 contraction the kernels can compute becomes
// a `linalg.generic` over the packed components of its fp4 operands
// (`fp4.values`, `fp4.scales`, `fp4.tensor_scale`), marked `fp4.mma_matmul`.
// The generic's body is the reference: it decodes and accumulates in the
// order of the IR it replaces, so a marked contraction that never meets
// fp4-build-mma-kernels (e.g. on the CPU) still computes the same result.
//
//   * `fp4.matmul` (W4A4): the GEMM kernel (M, N multiples of 128, K of 64
//     for nvfp4 and of 128 for mxfp4, 1x16 / 1x32 blocks; 16x16 nvfp4
//     weight blocks on the right-hand side);
//   * the W4A16 decode form: a contraction C[m,n] += ext(A[m,k]) *
//     ext(W[n,k]) (linalg.generic or linalg.matmul with these maps) with A
//     bf16 (M <= 16), C f32 and W = fp4.dequantize of an nvfp4/mxfp4 tensor
//     (bf16 or f32) with N a multiple of 16 and K a multiple of 128.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/MmaMatmul.h"
#include "FP4Dialect/Conversion/FP4ToArith.h"
#include "FP4Dialect/Conversion/NumericsBuilder.h"
#include "FP4Dialect/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4MARKMMAMATMULS
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;

//===----------------------------------------------------------------------===//
// Applicability
//===----------------------------------------------------------------------===//

static std::string multipleOf(StringRef what, int64_t v, int64_t of) {
  if (v % of == 0)
    return "";
  return ("mma.sync kernel needs " + what + " to be a multiple of " +
          Twine(of) + " (got " + Twine(v) + ")")
      .str();
}

/// Block shapes the kernels decode: 1x16 nvfp4, 1x32 mxfp4 and, where
/// `allow2D`, 16x16 nvfp4.
static bool supportedBlock(FP4TensorType t, bool allow2D) {
  if (t.isNVFP4())
    return t.getBlockCols() == 16 &&
           (t.getBlockRows() == 1 || (allow2D && t.getBlockRows() == 16));
  return t.getBlockRows() == 1 && t.getBlockCols() == 32;
}

std::string mlir::fp4::whyNotMmaGemm(MatmulOp op) {
  FP4TensorType lhs = op.getLhs().getType(), rhs = op.getRhs().getType();
  if (lhs.getRank() != 2 || rhs.getRank() != 2)
    return "mma.sync kernel needs 2-D operands (no batch dimensions)";
  if (!supportedBlock(lhs, /*allow2D=*/false))
    return ("mma.sync kernel does not support the lhs block shape " +
            Twine(lhs.getBlockRows()) + "x" + Twine(lhs.getBlockCols()))
        .str();
  if (!supportedBlock(rhs, /*allow2D=*/true))
    return ("mma.sync kernel does not support the rhs block shape " +
            Twine(rhs.getBlockRows()) + "x" + Twine(rhs.getBlockCols()))
        .str();
  int64_t m = lhs.getShape()[0], k = lhs.getShape()[1];
  int64_t n = rhs.getShape()[0];
  // K tiles of 64 values; an mxfp4 row's scales are read 4 bytes (128
  // values) at a time.
  int64_t kMultiple = lhs.isMXFP4() ? 2 * MmaGemmConfig::kTileK
                                    : MmaGemmConfig::kTileK;
  for (std::string why : {multipleOf("M", m, MmaGemmConfig::kTileM),
                          multipleOf("N", n, MmaGemmConfig::kTileN),
                          multipleOf("K", k, kMultiple)})
    if (!why.empty())
      return why;
  return "";
}

namespace {

/// The decode form of a contraction, if it has one.
struct DecodeMatch {
  Value activations;    // tensor<M x K x bf16>
  DequantizeOp weights; // fp4.dequantize of an N x K fp4 tensor
  Value init;           // tensor<M x N x f32>
  bool roundWeights;    // weights dequantized to bf16
};

/// `v` is block argument `arg`, or `arith.extf` of it to f32.
static bool isExtendedArg(Value v, BlockArgument arg) {
  if (v == arg)
    return arg.getType().isF32();
  auto ext = v.getDefiningOp<arith::ExtFOp>();
  return ext && ext.getIn() == arg && ext.getType().isF32();
}

/// Matches C[m,n] += ext(A[m,k]) * ext(W[n,k]) with W = fp4.dequantize.
static FailureOr<DecodeMatch> matchDecode(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op->getNumResults() != 1 ||
      op.getNumLoops() != 3)
    return failure();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  if (iters[0] != utils::IteratorType::parallel ||
      iters[1] != utils::IteratorType::parallel ||
      iters[2] != utils::IteratorType::reduction)
    return failure();
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> want = {AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                                 AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                                 AffineMap::get(3, 0, {d(0), d(1)}, ctx)};
  if (op.getIndexingMapsArray() != want)
    return failure();

  // Body: yield(acc + ext(a) * ext(w)), in either operand order.
  Block *body = op.getBlock();
  if (!body || body->getNumArguments() != 3)
    return failure();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield->getNumOperands() != 1)
    return failure();
  auto add = yield->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return failure();
  BlockArgument a = body->getArgument(0), w = body->getArgument(1),
                acc = body->getArgument(2);
  Value product = add.getLhs() == acc   ? add.getRhs()
                  : add.getRhs() == acc ? add.getLhs()
                                        : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul || !acc.getType().isF32())
    return failure();
  if (!((isExtendedArg(mul.getLhs(), a) && isExtendedArg(mul.getRhs(), w)) ||
        (isExtendedArg(mul.getLhs(), w) && isExtendedArg(mul.getRhs(), a))))
    return failure();
  // Nothing else in the body (the extensions, the product and the sum).
  for (Operation &inner : body->without_terminator())
    if (!isa<arith::ExtFOp, arith::MulFOp, arith::AddFOp>(inner))
      return failure();

  DecodeMatch match;
  match.activations = op.getDpsInputs()[0];
  match.weights = op.getDpsInputs()[1].getDefiningOp<DequantizeOp>();
  match.init = op.getDpsInits()[0];
  if (!match.weights)
    return failure();
  auto aType = cast<RankedTensorType>(match.activations.getType());
  auto cType = cast<RankedTensorType>(match.init.getType());
  RankedTensorType wType = match.weights.getResult().getType();
  FP4TensorType qType = match.weights.getInput().getType();
  if (!aType.getElementType().isBF16() || !cType.getElementType().isF32() ||
      !(wType.getElementType().isBF16() || wType.getElementType().isF32()) ||
      !aType.hasStaticShape() || !cType.hasStaticShape() ||
      qType.getRank() != 2 || !supportedBlock(qType, /*allow2D=*/false))
    return failure();
  int64_t m = aType.getDimSize(0), k = aType.getDimSize(1);
  int64_t n = qType.getShape()[0];
  if (m > MmaDecodeConfig::kMaxM || n % MmaDecodeConfig::kRowsPerWarp ||
      k % MmaDecodeConfig::kStepK)
    return failure();
  // Exact in bf16 for mxfp4 (powers of two); nvfp4 rounds x * sf * alpha.
  match.roundWeights = wType.getElementType().isBF16() && qType.isNVFP4();
  return match;
}

//===----------------------------------------------------------------------===//
// Reference bodies
//===----------------------------------------------------------------------===//

static Value nibbleOf(ImplicitLocOpBuilder &b, Value byte, Value high) {
  NumericsBuilder nb(b);
  Type i8 = b.getI8Type();
  Value hi = arith::ShRUIOp::create(b, byte, nb.int8(4, i8));
  Value lo = arith::AndIOp::create(b, byte, nb.int8(0xF, i8));
  return arith::SelectOp::create(b, high, hi, lo);
}

static DictionaryAttr markerAttr(Builder &b, StringRef kind, int64_t blockCols,
                                 int64_t lhsBlockRows, int64_t rhsBlockRows,
                                 bool roundWeights) {
  return b.getDictionaryAttr(
      {b.getNamedAttr("kind", b.getStringAttr(kind)),
       b.getNamedAttr("block_cols", b.getI64IntegerAttr(blockCols)),
       b.getNamedAttr("lhs_block_rows", b.getI64IntegerAttr(lhsBlockRows)),
       b.getNamedAttr("rhs_block_rows", b.getI64IntegerAttr(rhsBlockRows)),
       b.getNamedAttr("round_weights", b.getBoolAttr(roundWeights))});
}

/// The components of an fp4 value: codes, scales and (nvfp4) alpha.
static SmallVector<Value> componentsOf(ImplicitLocOpBuilder &b, Value q) {
  auto type = cast<FP4TensorType>(q.getType());
  SmallVector<Value> parts = {ValuesOp::create(b, type.getValuesType(), q),
                              ScalesOp::create(b, type.getScalesType(), q)};
  if (type.isNVFP4())
    parts.push_back(TensorScaleOp::create(b, b.getF32Type(), q));
  return parts;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// fp4.matmul -> the reference generic over (m, n, code byte j) of the
/// components, as the tcgen05 lowering builds it.
struct MarkGemm : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op->hasAttr(kMmaMatmulMarker))
      return failure();
    std::string why = whyNotMmaGemm(op);
    if (!why.empty())
      return rewriter.notifyMatchFailure(op, why);
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    FP4TensorType lhsType = op.getLhs().getType();
    FP4TensorType rhsType = op.getRhs().getType();
    int64_t blockCols = lhsType.getBlockCols();
    linalg::GenericOp generic = buildComponentMatmul(
        b, op, componentsOf(b, op.getLhs()), componentsOf(b, op.getRhs()));
    generic->setAttr(kMmaMatmulMarker,
                     markerAttr(b, "gemm", blockCols, lhsType.getBlockRows(),
                                rhsType.getBlockRows(), false));
    rewriter.replaceOp(op, roundAccumulator(b, generic.getResult(0),
                                            op.getResult().getType()));
    return success();
  }
};

/// The decode form -> a reference generic over (m, n, k) of (A, codes,
/// scales[, alpha]) that dequantizes each weight as fp4.dequantize does
/// (rounded to bf16 where the dequantized tensor is bf16) and accumulates
/// like the contraction it replaces.
struct MarkDecode : OpInterfaceRewritePattern<linalg::LinalgOp> {
  MarkDecode(MLIRContext *ctx, bool exactDequantize)
      : OpInterfaceRewritePattern<linalg::LinalgOp>(ctx),
        exactDequantize(exactDequantize) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (op->hasAttr(kMmaMatmulMarker))
      return failure();
    FailureOr<DecodeMatch> match = matchDecode(op);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, "not a W4A16 decode contraction");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    FP4TensorType qType = match->weights.getInput().getType();
    bool nv = qType.isNVFP4();
    int64_t blockCols = qType.getBlockCols();
    Type wElt = match->weights.getResult().getType().getElementType();
    SmallVector<Value> w = componentsOf(b, match->weights.getInput());

    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto map = [&](ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(3, 0, exprs, ctx);
    };
    SmallVector<Value> ins = {match->activations, w[0], w[1]};
    SmallVector<AffineMap> maps = {map({d(0), d(2)}),
                                   map({d(1), d(2).floorDiv(2)}),
                                   map({d(1), d(2).floorDiv(blockCols)})};
    if (nv) {
      ins.push_back(w[2]);
      maps.push_back(map({}));
    }
    maps.push_back(map({d(0), d(1)}));
    SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
    auto generic = linalg::GenericOp::create(
        b, TypeRange{match->init.getType()}, ins, ValueRange{match->init},
        maps, iters, [&](OpBuilder &nested, Location loc, ValueRange args) {
          ImplicitLocOpBuilder lb(loc, nested);
          Value k = linalg::IndexOp::create(lb, 2);
          Value odd = arith::TruncIOp::create(
              lb, lb.getI1Type(),
              arith::IndexCastUIOp::create(lb, lb.getI64Type(), k));
          Value wv = dequantizeElement(lb, nibbleOf(lb, args[1], odd), args[2],
                                       nv ? args[3] : Value());
          if (!wElt.isF32())
            wv = arith::ExtFOp::create(
                lb, lb.getF32Type(),
                arith::TruncFOp::create(lb, wElt, wv).getResult());
          Value av = arith::ExtFOp::create(lb, lb.getF32Type(), args[0]);
          Value acc = arith::AddFOp::create(lb, args.back(),
                                            arith::MulFOp::create(lb, av, wv));
          linalg::YieldOp::create(lb, acc);
        });
    bool round = match->roundWeights && exactDequantize;
    generic->setAttr(kMmaMatmulMarker,
                     markerAttr(b, "decode", blockCols, 1, 1, round));
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }

  bool exactDequantize;
};

struct FP4MarkMmaMatmulsPass
    : fp4::impl::FP4MarkMmaMatmulsBase<FP4MarkMmaMatmulsPass> {
  using Base::Base;

  void runOnOperation() override {
    // required: every fp4.matmul must fit the GEMM kernel.
    if (required) {
      bool failedRequirement = false;
      getOperation()->walk([&](MatmulOp op) {
        std::string why = whyNotMmaGemm(op);
        if (!why.empty()) {
          op.emitOpError(why);
          failedRequirement = true;
        }
      });
      if (failedRequirement)
        return signalPassFailure();
    }
    MmaMatmulOptions options;
    options.gemm = gemm;
    options.decode = decode;
    options.exactDequantize = exactDequantize;
    RewritePatternSet patterns(&getContext());
    populateMmaMatmulMarkingPatterns(patterns, options);
    // Only the rewritten ops: no folding of the surrounding code.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    config.enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      signalPassFailure();
  }
};

} // namespace

void mlir::fp4::populateMmaMatmulMarkingPatterns(
    RewritePatternSet &patterns, const MmaMatmulOptions &options) {
  if (options.gemm)
    patterns.add<MarkGemm>(patterns.getContext());
  if (options.decode)
    patterns.add<MarkDecode>(patterns.getContext(), options.exactDequantize);
}
