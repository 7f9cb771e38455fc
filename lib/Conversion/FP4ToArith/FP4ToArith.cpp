//===- FP4ToArith.cpp - expand fp4 ops into tensor/scf/vector/arith -------===//
//
// Each fp4 op becomes a loop nest over its blocks (scf.for on tensors with
// the outputs as iteration arguments, so bufferization writes in place) whose
// body is one of the block kernels of NumericsBuilder. !fp4.tensor values are
// replaced 1:N by their components (codes, scales[, alpha]).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/FP4ToArith.h"
#include "FP4Dialect/Conversion/NumericsBuilder.h"
#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/IR/FP4.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>

namespace mlir::fp4 {
#define GEN_PASS_DEF_CONVERTFP4TOARITH
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;

//===----------------------------------------------------------------------===//
// Tensor plumbing: 2-D views, block loops, block reads and writes
//===----------------------------------------------------------------------===//

namespace {

/// Reassociation folding every dim but the last into one (rank >= 2), or the
/// unit-dim expansion of a 1-D tensor.
SmallVector<ReassociationIndices> rowsColsReassociation(int64_t rank) {
  if (rank == 1)
    return {{0, 1}};
  ReassociationIndices rows;
  for (int64_t i = 0; i + 1 < rank; ++i)
    rows.push_back(i);
  return {rows, {rank - 1}};
}

/// Views a ranked tensor as 2-D `rows x cols` (cols = last dimension).
Value to2D(ImplicitLocOpBuilder &b, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  int64_t rank = type.getRank();
  if (rank == 2)
    return t;
  int64_t rows = 1;
  for (int64_t d : type.getShape().drop_back())
    rows *= d;
  auto type2D =
      RankedTensorType::get({rows, type.getShape().back()},
                            type.getElementType());
  if (rank == 1)
    return tensor::ExpandShapeOp::create(b, type2D, t,
                                         rowsColsReassociation(1));
  return tensor::CollapseShapeOp::create(b, type2D, t,
                                         rowsColsReassociation(rank));
}

/// The inverse of to2D: reshapes a 2-D tensor to `type`'s shape.
Value from2D(ImplicitLocOpBuilder &b, Value t2D, RankedTensorType type) {
  int64_t rank = type.getRank();
  if (rank == 2)
    return t2D;
  if (rank == 1)
    return tensor::CollapseShapeOp::create(b, type, t2D,
                                           rowsColsReassociation(1));
  return tensor::ExpandShapeOp::create(b, type, t2D,
                                       rowsColsReassociation(rank));
}

RankedTensorType shape2D(RankedTensorType type) {
  int64_t rows = 1;
  for (int64_t d : type.getShape().drop_back())
    rows *= d;
  return RankedTensorType::get({rows, type.getShape().back()},
                               type.getElementType());
}

Value emptyTensor(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape,
                  Type elementType) {
  return tensor::EmptyOp::create(b, shape, elementType);
}

Value indexConst(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

Value mulIndex(ImplicitLocOpBuilder &b, Value v, int64_t c) {
  return arith::MulIOp::create(b, v, indexConst(b, c));
}

/// The geometry of one blocked operand, viewed in 2-D.
struct Blocking {
  int64_t rows, cols;           // the 2-D view
  int64_t blockRows, blockCols; // the block
  int64_t numBlockRows() const { return rows / blockRows; }
  int64_t numBlockCols() const { return cols / blockCols; }
  int64_t blockSize() const { return blockRows * blockCols; }
};

Blocking blockingOf(FP4TensorType type) {
  return {type.getNumRows(), type.getNumCols(), type.getBlockRows(),
          type.getBlockCols()};
}

/// One output tile of a block-loop iteration: `tile` is inserted into the
/// corresponding loop output at `offsets` (unit strides).
struct TileWrite {
  Value tile;
  SmallVector<OpFoldResult> offsets;
};

using BlockBody = function_ref<SmallVector<TileWrite>(
    ImplicitLocOpBuilder &b, Value blockRow, Value blockCol)>;

using ParallelBody = function_ref<SmallVector<TileWrite>(
    ImplicitLocOpBuilder &b, ValueRange ivs)>;

/// `scf.forall` over [0, ubs) with `inits` (the output tensors) as shared
/// outputs; each iteration inserts the tiles `body` returns into them, in
/// order. The CPU pipeline turns it into sequential loops, the GPU pipelines
/// into kernels (one thread per iteration).
SmallVector<Value> buildParallelLoop(ImplicitLocOpBuilder &b,
                                     ArrayRef<int64_t> ubs, ValueRange inits,
                                     ParallelBody body) {
  SmallVector<OpFoldResult> bounds;
  for (int64_t ub : ubs)
    bounds.push_back(b.getIndexAttr(ub));
  auto forall = scf::ForallOp::create(b, bounds, inits, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  SmallVector<TileWrite> writes = body(b, forall.getInductionVars());
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [write, out] : llvm::zip_equal(writes, forall.getRegionIterArgs())) {
    auto tileType = cast<RankedTensorType>(write.tile.getType());
    SmallVector<OpFoldResult> sizes, strides;
    for (int64_t d : tileType.getShape()) {
      sizes.push_back(b.getIndexAttr(d));
      strides.push_back(b.getIndexAttr(1));
    }
    tensor::ParallelInsertSliceOp::create(b, write.tile, out, write.offsets,
                                          sizes, strides);
  }
  return SmallVector<Value>(forall.getResults());
}

/// The parallel loop over the blocks of `bl` (block row, block column).
SmallVector<Value> buildBlockLoop(ImplicitLocOpBuilder &b, const Blocking &bl,
                                  ValueRange inits, BlockBody body) {
  return buildParallelLoop(
      b, {bl.numBlockRows(), bl.numBlockCols()}, inits,
      [&](ImplicitLocOpBuilder &ib, ValueRange ivs) {
        return body(ib, ivs[0], ivs[1]);
      });
}

/// A one-element tile holding scalar `v`.
Value scalarTile(ImplicitLocOpBuilder &b, Value v, int64_t rank) {
  Value zero = indexConst(b, 0);
  SmallVector<int64_t> shape(rank, 1);
  return tensor::InsertOp::create(b, v, emptyTensor(b, shape, v.getType()),
                                  SmallVector<Value>(rank, zero));
}

/// Writes `vec` (a vector shaped like `shape`) into a fresh tile tensor.
/// Bufferization (after empty-tensor elimination) writes it in place.
Value makeTile(ImplicitLocOpBuilder &b, Value vec, ArrayRef<int64_t> shape) {
  Type elt = cast<VectorType>(vec.getType()).getElementType();
  Value empty = emptyTensor(b, shape, elt);
  Value zero = indexConst(b, 0);
  SmallVector<Value> indices(shape.size(), zero);
  SmallVector<bool> inBounds(shape.size(), true);
  return vector::TransferWriteOp::create(b, vec, empty, indices, inBounds)
      .getResult();
}

/// Reads block (blockRow, blockCol) of the 2-D float tensor `src` as a flat
/// vector<N x f32> (exact conversion from bf16/f16).
Value readBlock(ImplicitLocOpBuilder &b, Value src, const Blocking &bl,
                Value blockRow, Value blockCol) {
  auto type = cast<RankedTensorType>(src.getType());
  Type elt = type.getElementType();
  auto tileType = VectorType::get({bl.blockRows, bl.blockCols}, elt);
  Value pad = arith::ConstantOp::create(b, b.getZeroAttr(elt));
  Value tile = vector::TransferReadOp::create(
      b, tileType, src,
      ValueRange{mulIndex(b, blockRow, bl.blockRows),
                 mulIndex(b, blockCol, bl.blockCols)},
      pad, ArrayRef<bool>{true, true});
  Value flat = vector::ShapeCastOp::create(
      b, VectorType::get({bl.blockSize()}, elt), tile);
  if (elt.isF32())
    return flat;
  return arith::ExtFOp::create(
      b, VectorType::get({bl.blockSize()}, b.getF32Type()), flat);
}

/// The tile of a flat vector<N x f32> block for a 2-D tensor of element type
/// `elt` (rounded nearest-even to it).
TileWrite blockTile(ImplicitLocOpBuilder &b, Value block, Type elt,
                    const Blocking &bl, Value blockRow, Value blockCol) {
  auto vt = VectorType::get({bl.blockSize()}, elt);
  if (!elt.isF32())
    block = arith::TruncFOp::create(b, vt, block);
  // NaN results are the canonical quiet NaN of the type: NaN payloads and
  // signs differ between CPUs and GPUs (x86 keeps the operand's NaN, NVIDIA
  // returns 0x7FFFFFFF), and every path must write the same bytes.
  Value isNan = arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, block,
                                      block);
  Value canonical = arith::ConstantOp::create(
      b, vt,
      DenseElementsAttr::get(
          vt, APFloat::getQNaN(cast<FloatType>(elt).getFloatSemantics())));
  block = arith::SelectOp::create(b, isNan, canonical, block);
  Value tile = vector::ShapeCastOp::create(
      b, VectorType::get({bl.blockRows, bl.blockCols}, elt), block);
  return {makeTile(b, tile, {bl.blockRows, bl.blockCols}),
          {mulIndex(b, blockRow, bl.blockRows),
           mulIndex(b, blockCol, bl.blockCols)}};
}

/// The tile of a block's codes (vector<N x i8>), packed two per byte.
TileWrite codesTile(ImplicitLocOpBuilder &b, NumericsBuilder &nb, Value codes,
                    const Blocking &bl, Value blockRow, Value blockCol) {
  Value bytes = nb.packNibbles(codes);
  Value tile = vector::ShapeCastOp::create(
      b, VectorType::get({bl.blockRows, bl.blockCols / 2}, b.getI8Type()),
      bytes);
  return {makeTile(b, tile, {bl.blockRows, bl.blockCols / 2}),
          {mulIndex(b, blockRow, bl.blockRows),
           mulIndex(b, blockCol, bl.blockCols / 2)}};
}

/// Reads a block's codes (vector<N x i8>) from the packed 2-D values.
Value readCodes(ImplicitLocOpBuilder &b, NumericsBuilder &nb, Value values,
                const Blocking &bl, Value blockRow, Value blockCol) {
  auto tileType =
      VectorType::get({bl.blockRows, bl.blockCols / 2}, b.getI8Type());
  Value pad = arith::ConstantOp::create(b, b.getI8IntegerAttr(0));
  Value tile = vector::TransferReadOp::create(
      b, tileType, values,
      ValueRange{mulIndex(b, blockRow, bl.blockRows),
                 mulIndex(b, blockCol, bl.blockCols / 2)},
      pad, ArrayRef<bool>{true, true});
  Value flat = vector::ShapeCastOp::create(
      b, VectorType::get({bl.blockSize() / 2}, b.getI8Type()), tile);
  return nb.unpackNibbles(flat);
}

/// Reads the scale byte (i8) of a block from the 2-D scales tensor.
Value readScaleByte(ImplicitLocOpBuilder &b, Value scales, Value blockRow,
                    Value blockCol) {
  Value s = tensor::ExtractOp::create(b, scales, ValueRange{blockRow, blockCol});
  return arith::BitcastOp::create(b, b.getI8Type(), s);
}

/// The 1x1 tile of a block's scale byte (i8) in the scales' f8 type.
TileWrite scaleTile(ImplicitLocOpBuilder &b, Value byte, Type scaleType,
                    Value blockRow, Value blockCol) {
  Value s = arith::BitcastOp::create(b, scaleType, byte);
  return {scalarTile(b, s, 2), {blockRow, blockCol}};
}

/// The random bits (vector<N x i32>) of a block for stochastic rounding:
/// element (r, c) of the 2-D view has index r * cols + c.
Value blockRandomBits(ImplicitLocOpBuilder &b, NumericsBuilder &nb, Value seed,
                      const Blocking &bl, Value blockRow, Value blockCol) {
  if (!seed)
    return {};
  Value row0 = mulIndex(b, blockRow, bl.blockRows);
  Value col0 = mulIndex(b, blockCol, bl.blockCols);
  Value base = arith::AddIOp::create(b, mulIndex(b, row0, bl.cols), col0);
  base = arith::IndexCastOp::create(b, b.getI64Type(), base);
  SmallVector<int64_t> offsets;
  for (int64_t r = 0; r < bl.blockRows; ++r)
    for (int64_t c = 0; c < bl.blockCols; ++c)
      offsets.push_back(r * bl.cols + c);
  auto vt = VectorType::get({bl.blockSize()}, b.getI64Type());
  Value offs = arith::ConstantOp::create(
      b, vt, DenseElementsAttr::get(vt, ArrayRef<int64_t>(offsets)));
  Value index = arith::AddIOp::create(
      b, vector::BroadcastOp::create(b, vt, base), offs);
  return nb.randomBits(seed, index);
}

/// A transform applied to every vector<N x f32> the block loops read from
/// their input (the fused Hadamard); null for none.
using BlockTransform =
    std::function<Value(ImplicitLocOpBuilder &, Value /*vector<N x f32>*/)>;

/// max |x| over the finite elements of a 2-D float tensor (SPEC 2.1 step
/// 1) as a tree of parallel stages, which run as CPU loops and as GPU
/// kernels alike (max is exact, so the order does not matter):
/// * stage 0 has at most kLanes iterations; iteration t reduces the chunks
///   t, t + kLanes, t + 2 kLanes, ... of `chunk` elements (row-major), one
///   vector read each, so that neighbouring iterations (GPU threads) read
///   neighbouring memory and the partial maxima stay small;
/// * each further stage reduces groups of kFanIn partial maxima until one is
///   left. The last stage (one iteration) carries a GPU mapping so that
///   canonicalization keeps it a loop: on a GPU it stays a kernel, and the
///   amax never travels to the host.
/// `transform`, if any, is applied to each chunk first.
Value tensorAmax(ImplicitLocOpBuilder &b, Value input, int64_t chunk,
                 const BlockTransform &transform = nullptr) {
  constexpr int64_t kLanes = 262144;
  constexpr int64_t kFanIn = 256;
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  int64_t chunksPerRow = cols / chunk;
  int64_t chunks = rows * chunksPerRow;
  Type elt = type.getElementType();
  Value zeroF = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0f));
  auto keepLoop = [&](Value result) {
    auto forall = result.getDefiningOp<scf::ForallOp>();
    forall.setMappingAttr(b.getArrayAttr(
        {gpu::GPUThreadMappingAttr::get(b.getContext(), gpu::MappingId::DimX)}));
  };

  // Stage 0: the finite |x| maximum of every kLanes-th chunk.
  int64_t n = std::min(chunks, kLanes);
  Value partial = buildParallelLoop(
      b, {n}, {emptyTensor(b, {n}, b.getF32Type())},
      [&](ImplicitLocOpBuilder &ib, ValueRange ivs) {
        // Chunks t + j * n for j < ceil((chunks - t) / n).
        Value count = arith::DivUIOp::create(
            ib,
            arith::SubIOp::create(ib, indexConst(ib, chunks + n - 1), ivs[0]),
            indexConst(ib, n));
        auto loop = scf::ForOp::create(
            ib, indexConst(ib, 0), count, indexConst(ib, 1), ValueRange{zeroF},
            [&](OpBuilder &nested, Location loc, Value j, ValueRange acc) {
              ImplicitLocOpBuilder lb(loc, nested);
              NumericsBuilder nb(lb);
              Value flat = arith::AddIOp::create(lb, mulIndex(lb, j, n), ivs[0]);
              Value row = arith::DivUIOp::create(lb, flat,
                                                 indexConst(lb, chunksPerRow));
              Value col = mulIndex(
                  lb,
                  arith::RemUIOp::create(lb, flat, indexConst(lb, chunksPerRow)),
                  chunk);
              Value pad = arith::ConstantOp::create(lb, lb.getZeroAttr(elt));
              Value x = vector::TransferReadOp::create(
                  lb, VectorType::get({chunk}, elt), input,
                  ValueRange{row, col}, pad, ArrayRef<bool>{true});
              if (!elt.isF32())
                x = arith::ExtFOp::create(
                    lb, VectorType::get({chunk}, lb.getF32Type()), x);
              if (transform)
                x = transform(lb, x);
              Value a = nb.absf(x);
              a = arith::SelectOp::create(lb, nb.isNonFinite(x),
                                          nb.f32(0.0f, a.getType()), a);
              Value m = arith::MaxNumFOp::create(lb, acc[0], nb.maxReduce(a));
              scf::YieldOp::create(lb, m);
            });
        return SmallVector<TileWrite>{
            {scalarTile(ib, loop.getResult(0), 1), {ivs[0]}}};
      })[0];
  if (n == 1)
    keepLoop(partial);

  // Stages 1..: groups of kFanIn partial maxima.
  while (n > 1) {
    int64_t m = llvm::divideCeil(n, kFanIn);
    Value prev = partial;
    int64_t prevSize = n;
    partial = buildParallelLoop(
        b, {m}, {emptyTensor(b, {m}, b.getF32Type())},
        [&](ImplicitLocOpBuilder &ib, ValueRange ivs) {
          Value lo = mulIndex(ib, ivs[0], kFanIn);
          Value hi = arith::MinSIOp::create(
              ib, arith::AddIOp::create(ib, lo, indexConst(ib, kFanIn)),
              indexConst(ib, prevSize));
          auto loop = scf::ForOp::create(
              ib, lo, hi, indexConst(ib, 1), ValueRange{zeroF},
              [&](OpBuilder &nested, Location loc, Value k, ValueRange acc) {
                ImplicitLocOpBuilder lb(loc, nested);
                Value v = tensor::ExtractOp::create(lb, prev, k);
                scf::YieldOp::create(
                    lb, arith::MaxNumFOp::create(lb, acc[0], v).getResult());
              });
          return SmallVector<TileWrite>{
              {scalarTile(ib, loop.getResult(0), 1), {ivs[0]}}};
        })[0];
    if (m == 1)
      keepLoop(partial);
    n = m;
  }
  return tensor::ExtractOp::create(b, partial, ValueRange{indexConst(b, 0)});
}

/// The fusion of an `fp4.hadamard` into the `fp4.quantize` that is its only
/// user: the quantize's block loops read the Hadamard's input and apply the
/// transform (SPEC 2.3, rounded to the Hadamard's element type as the
/// unfused op would store it) to every block they read. Only when each
/// quantize block row holds whole Hadamard blocks (size <= block width).
HadamardOp fusableHadamard(QuantizeOp op) {
  auto h = op.getInput().getDefiningOp<HadamardOp>();
  if (!h || !h->hasOneUse())
    return {};
  if (static_cast<int64_t>(h.getSize()) > op.getResultType().getBlockCols())
    return {};
  return h;
}

/// The BlockTransform of a fused Hadamard: each row of `cols` values of a
/// block is split into Hadamard blocks of `size`.
BlockTransform hadamardTransform(HadamardOp h) {
  int64_t size = h.getSize();
  SmallVector<int8_t> signs;
  if (std::optional<ArrayRef<int8_t>> s = h.getSigns())
    signs.assign(s->begin(), s->end());
  Type elt = h.getResult().getType().getElementType();
  return [size, signs, elt](ImplicitLocOpBuilder &b, Value x) -> Value {
    NumericsBuilder nb(b);
    auto vt = cast<VectorType>(x.getType());
    int64_t n = vt.getNumElements();
    Value out = arith::ConstantOp::create(b, vt, b.getZeroAttr(vt));
    for (int64_t off = 0; off < n; off += size) {
      Value part = vector::ExtractStridedSliceOp::create(
          b, x, ArrayRef<int64_t>{off}, ArrayRef<int64_t>{size},
          ArrayRef<int64_t>{1});
      Value y = nb.hadamardBlock(part, signs);
      if (!elt.isF32()) {
        auto rt = VectorType::get({size}, elt);
        Value rounded = arith::TruncFOp::create(b, rt, y);
        y = arith::ExtFOp::create(b, y.getType(), rounded);
      }
      out = vector::InsertStridedSliceOp::create(b, y, out,
                                                 ArrayRef<int64_t>{off},
                                                 ArrayRef<int64_t>{1});
    }
    return out;
  };
}

/// Flattens the converted operands of a 1:N adaptor.
SmallVector<Value> flatten(ArrayRef<ValueRange> ranges) {
  SmallVector<Value> out;
  for (ValueRange r : ranges)
    llvm::append_range(out, r);
  return out;
}

//===----------------------------------------------------------------------===//
// Shared expansions
//===----------------------------------------------------------------------===//

/// Components (values, scales, alpha-or-null) of a converted !fp4.tensor.
struct Components {
  Value values, scales, alpha;
};

Components componentsOf(ValueRange converted) {
  return {converted[0], converted[1],
          converted.size() > 2 ? converted[2] : Value()};
}

/// Dequantizes converted components of `type` to a tensor of `resultType`.
Value dequantizeComponents(ImplicitLocOpBuilder &b, const Components &c,
                           FP4TensorType type, RankedTensorType resultType,
                           const NativeConversions *native) {
  NumericsBuilder nb(b, native);
  Blocking bl = blockingOf(type);
  Value values = to2D(b, c.values);
  Value scales = to2D(b, c.scales);
  RankedTensorType out2DType = shape2D(resultType);
  Value init = emptyTensor(b, out2DType.getShape(),
                           out2DType.getElementType());
  SmallVector<Value> results = buildBlockLoop(
      b, bl, {init},
      [&](ImplicitLocOpBuilder &ib, Value i, Value j) {
        NumericsBuilder inb(ib, native);
        Value codes = readCodes(ib, inb, values, bl, i, j);
        Value byte = readScaleByte(ib, scales, i, j);
        Value block =
            inb.dequantizeBlock(codes, byte, c.alpha, type.getFormat());
        return SmallVector<TileWrite>{blockTile(ib, block, out2DType.getElementType(), bl, i, j)};
      });
  return from2D(b, results[0], resultType);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// A lowering that builds numerics: it carries the FP4ToArithOptions (the
/// target's native conversions, if any).
template <typename OpTy>
struct NumericsLowering : OpConversionPattern<OpTy> {
  NumericsLowering(const TypeConverter &typeConverter, MLIRContext *ctx,
                   const FP4ToArithOptions &options)
      : OpConversionPattern<OpTy>(typeConverter, ctx), options(options) {}
  FP4ToArithOptions options;
};

struct QuantizeOpLowering : NumericsLowering<QuantizeOp> {
  using NumericsLowering::NumericsLowering;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    NumericsBuilder nb(b, options.native);
    FP4TensorType type = op.getResultType();
    Blocking bl = blockingOf(type);
    HadamardOp fused = options.fuseHadamard ? fusableHadamard(op) : HadamardOp();
    BlockTransform transform = fused ? hadamardTransform(fused) : nullptr;
    Value input = to2D(b, fused ? fused.getInput() : op.getInput());
    auto read = [&](ImplicitLocOpBuilder &ib, Value i, Value j) {
      Value x = readBlock(ib, input, bl, i, j);
      return transform ? transform(ib, x) : x;
    };
    // The fused Hadamard disappears with its only user.
    auto eraseFused = [&] {
      if (fused)
        rewriter.eraseOp(fused);
    };
    Value seed = op.getSeed();
    Value values = emptyTensor(b, {bl.rows, bl.cols / 2}, b.getI8Type());

    // Explicit scales: encode only; the scales (and alpha) pass through.
    if (Value givenScales = op.getScales()) {
      Value scales2D = to2D(b, givenScales);
      Value alpha = op.getAlpha();
      SmallVector<Value> results = buildBlockLoop(
          b, bl, {values},
          [&](ImplicitLocOpBuilder &ib, Value i, Value j) {
            NumericsBuilder inb(ib, options.native);
            Value x = read(ib, i, j);
            Value rbits = blockRandomBits(ib, inb, seed, bl, i, j);
            Value codes = inb.encodeWithScale(
                x, readScaleByte(ib, scales2D, i, j), alpha, type.getFormat(),
                rbits);
            return SmallVector<TileWrite>{
                codesTile(ib, inb, codes, bl, i, j)};
          });
      SmallVector<Value> parts = {from2D(b, results[0], type.getValuesType()),
                                  givenScales};
      if (alpha)
        parts.push_back(alpha);
      rewriter.replaceOpWithMultiple(op, {parts});
      eraseFused();
      return success();
    }

    RuleAttr rule = op.getEffectiveRule();
    NumericsBuilder::TensorScale ts;
    if (type.isNVFP4()) {
      Value amax = op.getAmax()
                       ? op.getAmax()
                       : tensorAmax(b, input, bl.blockCols, transform);
      ts = nb.nvfp4TensorScale(amax, rule.getKind());
    }
    Value scales = emptyTensor(b, {bl.numBlockRows(), bl.numBlockCols()},
                               type.getScaleElementType());
    SmallVector<Value> results = buildBlockLoop(
        b, bl, {values, scales},
        [&](ImplicitLocOpBuilder &ib, Value i, Value j) {
          NumericsBuilder inb(ib, options.native);
          Value x = read(ib, i, j);
          Value rbits = blockRandomBits(ib, inb, seed, bl, i, j);
          NumericsBuilder::BlockResult r =
              type.isNVFP4()
                  ? inb.quantizeNVFP4Block(x, ts, rule, rbits)
                  : inb.quantizeMXFP4Block(x, rule.getKind(), rbits);
          return SmallVector<TileWrite>{
              codesTile(ib, inb, r.codes, bl, i, j),
              scaleTile(ib, r.scaleByte, type.getScaleElementType(), i, j)};
        });
    SmallVector<Value> parts = {from2D(b, results[0], type.getValuesType()),
                                from2D(b, results[1], type.getScalesType())};
    if (type.isNVFP4())
      parts.push_back(ts.resultAlpha);
    rewriter.replaceOpWithMultiple(op, {parts});
    eraseFused();
    return success();
  }
};

struct ScaleSelectOpLowering : NumericsLowering<ScaleSelectOp> {
  using NumericsLowering::NumericsLowering;
  LogicalResult
  matchAndRewrite(ScaleSelectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    NumericsBuilder nb(b, options.native);
    auto [blockRows, blockCols] = op.getBlockShape();
    RankedTensorType inputType = op.getInput().getType();
    Value input = to2D(b, op.getInput());
    auto in2D = cast<RankedTensorType>(input.getType());
    Blocking bl{in2D.getDimSize(0), in2D.getDimSize(1), blockRows, blockCols};
    RuleAttr rule = op.getEffectiveRule();
    bool nvfp4 = op.getFormat() == Format::nvfp4;
    NumericsBuilder::TensorScale ts;
    if (nvfp4) {
      Value amax = op.getAmax() ? op.getAmax() : tensorAmax(b, input, bl.blockCols);
      ts = nb.nvfp4TensorScale(amax, rule.getKind());
    }
    RankedTensorType scalesType = op.getScales().getType();
    Value scales = emptyTensor(b, {bl.numBlockRows(), bl.numBlockCols()},
                               scalesType.getElementType());
    SmallVector<Value> results = buildBlockLoop(
        b, bl, {scales},
        [&](ImplicitLocOpBuilder &ib, Value i, Value j) {
          NumericsBuilder inb(ib, options.native);
          Value x = readBlock(ib, input, bl, i, j);
          NumericsBuilder::BlockResult r =
              nvfp4 ? inb.quantizeNVFP4Block(x, ts, rule, Value())
                    : inb.quantizeMXFP4Block(x, rule.getKind(), Value());
          return SmallVector<TileWrite>{
              scaleTile(ib, r.scaleByte, scalesType.getElementType(), i, j)};
        });
    SmallVector<Value> replacements = {from2D(b, results[0], scalesType)};
    if (nvfp4)
      replacements.push_back(ts.resultAlpha);
    (void)inputType;
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

struct DequantizeOpLowering : NumericsLowering<DequantizeOp> {
  using NumericsLowering::NumericsLowering;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value result = dequantizeComponents(
        b, componentsOf(adaptor.getInput()), op.getInput().getType(),
        op.getResult().getType(), options.native);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct HadamardOpLowering : NumericsLowering<HadamardOp> {
  using NumericsLowering::NumericsLowering;
  LogicalResult
  matchAndRewrite(HadamardOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    RankedTensorType type = op.getInput().getType();
    Value input = to2D(b, op.getInput());
    auto in2D = cast<RankedTensorType>(input.getType());
    Blocking bl{in2D.getDimSize(0), in2D.getDimSize(1), 1,
                static_cast<int64_t>(op.getSize())};
    SmallVector<int8_t> signs;
    if (std::optional<ArrayRef<int8_t>> s = op.getSigns())
      signs.assign(s->begin(), s->end());
    Value init = emptyTensor(b, in2D.getShape(), in2D.getElementType());
    SmallVector<Value> results = buildBlockLoop(
        b, bl, {init},
        [&](ImplicitLocOpBuilder &ib, Value i, Value j) {
          NumericsBuilder inb(ib, options.native);
          Value y = inb.hadamardBlock(readBlock(ib, input, bl, i, j), signs);
          return SmallVector<TileWrite>{
              blockTile(ib, y, in2D.getElementType(), bl, i, j)};
        });
    rewriter.replaceOp(op, from2D(b, results[0], type));
    return success();
  }
};

struct MatmulOpLowering : NumericsLowering<MatmulOp> {
  using NumericsLowering::NumericsLowering;
  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    FP4TensorType lhsType = op.getLhs().getType(), rhsType = op.getRhs().getType();
    auto f32Like = [&](FP4TensorType t) {
      return RankedTensorType::get(t.getShape(), b.getF32Type());
    };
    Value lhs = dequantizeComponents(b, componentsOf(adaptor.getLhs()),
                                     lhsType, f32Like(lhsType), options.native);
    Value rhs = dequantizeComponents(b, componentsOf(adaptor.getRhs()),
                                     rhsType, f32Like(rhsType), options.native);
    RankedTensorType resultType = op.getResult().getType();
    auto accType = RankedTensorType::get(resultType.getShape(), b.getF32Type());

    // C[batch..., m, n] += A[batch..., m, k] * B[(batch...,) n, k].
    int64_t batch = lhsType.getRank() - 2;
    int64_t numDims = batch + 3;
    MLIRContext *ctx = b.getContext();
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> aExprs, bExprs, cExprs;
    for (int64_t i = 0; i < batch; ++i) {
      aExprs.push_back(dim(i));
      cExprs.push_back(dim(i));
      if (rhsType.getRank() == lhsType.getRank())
        bExprs.push_back(dim(i));
    }
    AffineExpr m = dim(batch), n = dim(batch + 1), k = dim(batch + 2);
    aExprs.append({m, k});
    bExprs.append({n, k});
    cExprs.append({m, n});
    SmallVector<AffineMap> maps = {AffineMap::get(numDims, 0, aExprs, ctx),
                                   AffineMap::get(numDims, 0, bExprs, ctx),
                                   AffineMap::get(numDims, 0, cExprs, ctx)};
    SmallVector<utils::IteratorType> iters(numDims - 1,
                                           utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value init = buildZeroAccumulator(b, accType.getShape());
    Value acc =
        linalg::GenericOp::create(
            b, TypeRange{accType}, ValueRange{lhs, rhs}, ValueRange{init},
            maps, iters,
            [&](OpBuilder &nested, Location loc, ValueRange args) {
              Value p = arith::MulFOp::create(nested, loc, args[0], args[1]);
              Value s = arith::AddFOp::create(nested, loc, args[2], p);
              linalg::YieldOp::create(nested, loc, s);
            })
            .getResult(0);
    acc = roundAccumulator(b, acc, resultType);
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// values/scales/tensor_scale project one component.
template <typename OpTy, int Index>
struct ComponentOpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpConversionPattern<OpTy>::OneToNOpAdaptor
                               adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange parts = adaptor.getInput();
    if (static_cast<int64_t>(parts.size()) <= Index)
      return rewriter.notifyMatchFailure(op, "missing component");
    rewriter.replaceOp(op, parts[Index]);
    return success();
  }
};

struct PackOpLowering : OpConversionPattern<PackOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PackOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithMultiple(op, {flatten(adaptor.getOperands())});
    return success();
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Population and the pass
//===----------------------------------------------------------------------===//

void mlir::fp4::populateFP4TypeConversion(TypeConverter &typeConverter) {
  typeConverter.addConversion(
      [](FP4TensorType type, SmallVectorImpl<Type> &results)
          -> std::optional<LogicalResult> {
        results.push_back(type.getValuesType());
        results.push_back(type.getScalesType());
        if (type.isNVFP4())
          results.push_back(Float32Type::get(type.getContext()));
        return success();
      });
}

void mlir::fp4::populateFP4ToArithConversionPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns,
    const FP4ToArithOptions &options) {
  patterns.add<QuantizeOpLowering, ScaleSelectOpLowering, DequantizeOpLowering,
               HadamardOpLowering, MatmulOpLowering>(
      typeConverter, patterns.getContext(), options);
  patterns.add<ComponentOpLowering<ValuesOp, 0>,
               ComponentOpLowering<ScalesOp, 1>,
               ComponentOpLowering<TensorScaleOp, 2>, PackOpLowering>(
      typeConverter, patterns.getContext());
}

void mlir::fp4::configureFP4ToArithConversionTarget(ConversionTarget &target) {
  target.addIllegalDialect<FP4Dialect>();
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         scf::SCFDialect, tensor::TensorDialect,
                         vector::VectorDialect>();
}

LogicalResult mlir::fp4::applyFP4ToArithConversion(
    Operation *root, const FP4ToArithOptions &options,
    function_ref<void(TypeConverter &, RewritePatternSet &, ConversionTarget &)>
        extend) {
  MLIRContext *ctx = root->getContext();
  TypeConverter typeConverter;
  typeConverter.addConversion([](Type t) { return t; });
  populateFP4TypeConversion(typeConverter);

  ConversionTarget target(*ctx);
  configureFP4ToArithConversionTarget(target);
  RewritePatternSet patterns(ctx);
  populateFP4ToArithConversionPatterns(typeConverter, patterns, options);

  // Function boundaries and structured control flow carrying !fp4.tensor.
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(
      patterns, typeConverter);
  populateCallOpTypeConversionPattern(patterns, typeConverter);
  populateReturnOpTypeConversionPattern(patterns, typeConverter);
  target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
    return typeConverter.isSignatureLegal(op.getFunctionType()) &&
           typeConverter.isLegal(&op.getBody());
  });
  target.addDynamicallyLegalOp<func::CallOp, func::ReturnOp>(
      [&](Operation *op) { return typeConverter.isLegal(op); });
  scf::populateSCFStructuralTypeConversionsAndLegality(typeConverter,
                                                       patterns, target);
  target.markUnknownOpDynamicallyLegal(
      [&](Operation *op) { return typeConverter.isLegal(op); });
  // A Hadamard fused into its quantize is erased by the quantize's lowering.
  if (options.fuseHadamard)
    target.addDynamicallyLegalOp<HadamardOp>([](HadamardOp h) {
      if (!h->hasOneUse())
        return false;
      auto q = dyn_cast<QuantizeOp>(*h->user_begin());
      return q && fusableHadamard(q) == h;
    });
  if (extend)
    extend(typeConverter, patterns, target);

  return applyPartialConversion(root, target, std::move(patterns));
}

namespace {
struct ConvertFP4ToArithPass
    : fp4::impl::ConvertFP4ToArithBase<ConvertFP4ToArithPass> {
  void runOnOperation() override {
    if (failed(applyFP4ToArithConversion(getOperation(), {})))
      signalPassFailure();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Shared matmul pieces
//===----------------------------------------------------------------------===//

Value mlir::fp4::buildZeroAccumulator(ImplicitLocOpBuilder &b,
                                      ArrayRef<int64_t> shape) {
  return linalg::FillOp::create(
             b, ValueRange{arith::ConstantOp::create(b, b.getF32FloatAttr(0))},
             ValueRange{tensor::EmptyOp::create(b, shape, b.getF32Type())})
      .getResult(0);
}

Value mlir::fp4::dequantizeElement(ImplicitLocOpBuilder &b, Value nibble,
                                   Value scale, Value alpha) {
  NumericsBuilder nb(b);
  Value v = nb.e2m1Decode(nibble);
  Value s = arith::BitcastOp::create(b, b.getI8Type(), scale);
  if (!alpha)
    return arith::MulFOp::create(b, v, nb.e8m0Decode(s));
  Value vs = arith::MulFOp::create(b, v, nb.e4m3Decode(s));
  return arith::MulFOp::create(b, vs, alpha);
}

linalg::GenericOp mlir::fp4::buildComponentMatmul(ImplicitLocOpBuilder &b,
                                                  MatmulOp op, ValueRange lhs,
                                                  ValueRange rhs) {
  MLIRContext *ctx = b.getContext();
  FP4TensorType lhsType = op.getLhs().getType();
  FP4TensorType rhsType = op.getRhs().getType();
  bool nv = lhsType.isNVFP4();
  // (m, n, j) over the code bytes: byte j holds elements 2j (low nibble)
  // and 2j + 1, both in block (row / blockRows, j / (blockCols / 2)).
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(3, 0, exprs, ctx);
  };
  int64_t blockBytes = lhsType.getBlockCols() / 2;
  SmallVector<Value> ins = {lhs[0], lhs[1], rhs[0], rhs[1]};
  SmallVector<AffineMap> maps = {
      map({d(0), d(2)}),
      map({d(0).floorDiv(lhsType.getBlockRows()), d(2).floorDiv(blockBytes)}),
      map({d(1), d(2)}),
      map({d(1).floorDiv(rhsType.getBlockRows()), d(2).floorDiv(blockBytes)})};
  if (nv) {
    ins.append({lhs[2], rhs[2]});
    maps.append({map({}), map({})});
  }
  maps.push_back(map({d(0), d(1)}));
  ArrayRef<int64_t> shape = op.getResult().getType().getShape();
  auto accType = RankedTensorType::get(shape, b.getF32Type());
  SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel,
                                            utils::IteratorType::parallel,
                                            utils::IteratorType::reduction};
  return linalg::GenericOp::create(
      b, TypeRange{accType}, ins, ValueRange{buildZeroAccumulator(b, shape)},
      maps, iters, [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder lb(loc, nested);
        NumericsBuilder nb(lb);
        Type i8 = lb.getI8Type();
        auto nibble = [&](Value byte, bool high) -> Value {
          if (high)
            return arith::ShRUIOp::create(lb, byte, nb.int8(4, i8));
          return arith::AndIOp::create(lb, byte, nb.int8(0xF, i8));
        };
        Value alphaA = nv ? args[4] : Value(), alphaB = nv ? args[5] : Value();
        // Ascending k: element 2j, then 2j + 1.
        Value acc = args.back();
        for (bool high : {false, true}) {
          Value a = dequantizeElement(lb, nibble(args[0], high), args[1],
                                      alphaA);
          Value w = dequantizeElement(lb, nibble(args[2], high), args[3],
                                      alphaB);
          acc = arith::AddFOp::create(lb, acc, arith::MulFOp::create(lb, a, w));
        }
        linalg::YieldOp::create(lb, acc);
      });
}

bool mlir::fp4::eraseDeadFills(Value c, Operation *op) {
  bool erased = false;
  for (Operation *user : llvm::make_early_inc_range(c.getUsers())) {
    auto fill = dyn_cast<linalg::FillOp>(user);
    if (!fill || fill->getBlock() != op->getBlock() ||
        !fill->isBeforeInBlock(op))
      continue;
    // Only a +0 init is the reference's: any other value is part of C.
    FloatAttr value;
    if (!matchPattern(fill.getInputs()[0], m_Constant(&value)) ||
        !value.getValue().isPosZero())
      continue;
    bool untouched = true;
    for (Operation *it = fill->getNextNode(); it && it != op;
         it = it->getNextNode())
      if (it->getNumRegions() || llvm::is_contained(it->getOperands(), c))
        untouched = false;
    if (untouched) {
      fill.erase();
      erased = true;
    }
  }
  return erased;
}

Value mlir::fp4::roundAccumulator(ImplicitLocOpBuilder &b, Value acc,
                                  RankedTensorType resultType) {
  Type elt = resultType.getElementType();
  if (elt.isF32())
    return acc;
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> par(rank, utils::IteratorType::parallel);
  Value out = tensor::EmptyOp::create(b, resultType.getShape(), elt);
  return linalg::GenericOp::create(
             b, TypeRange{resultType}, ValueRange{acc}, ValueRange{out}, maps,
             par,
             [&](OpBuilder &nested, Location loc, ValueRange args) {
               Value t = arith::TruncFOp::create(nested, loc, elt, args[0]);
               linalg::YieldOp::create(nested, loc, t);
             })
      .getResult(0);
}
