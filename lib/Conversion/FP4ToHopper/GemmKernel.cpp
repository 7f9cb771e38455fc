//===- GemmKernel.cpp - the W4A4 GEMM mma.sync kernel ---------------------===//
//
// C = deq(A) * deq(B)^T for fp4 A (M x K) and B (N x K) on bf16 tensor cores.
//
//   grid:  N / 128 x M / 128 CTAs of 256 threads (8 warps, 2 along M x 4
//          along N); warp (wm, wn) computes rows 64 wm .. + 63 and columns
//          32 wn .. + 31 of the CTA tile: 4 x 4 m16n8k16 MMAs per 16 values
//          of K, 64 f32 accumulators per lane.
//   K tiles of 64 values go through a ring of `stages` shared-memory
//          buffers filled with cp.async (16-byte code chunks: 128 rows x 32
//          bytes of A and of B; 4-byte scale chunks); `stages - 1` tiles
//          are in flight while one is consumed.
//   K permutation: lane t decodes the 16 values 16t .. 16t + 15 of the tile
//          (8 code bytes, one LDS.64 per row, conflict-free) as 8 bf16x2
//          pairs (values j, j + 4 of each 8); MMA s = 2q + u takes pairs 2u,
//          2u + 1 of word q, in A and in B alike, so no shuffles are needed.
//   numerics: values are decoded exactly to bf16 (nvfp4: e2m1 * sf * 2^-8,
//          mxfp4: e2m1 * 2^(E - 127)), products are exact in the f32
//          accumulators; the epilogue multiplies by 2^16 * alpha_a * alpha_b
//          (nvfp4) and stores (or adds to) C.
//
//===----------------------------------------------------------------------===//

#include "MmaEmitter.h"
#include "MmaKernels.h"

#include "FP4Dialect/Conversion/MmaMatmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::fp4;
using namespace mlir::fp4::mma;

namespace {
constexpr int64_t kTileM = MmaGemmConfig::kTileM;
constexpr int64_t kTileN = MmaGemmConfig::kTileN;
constexpr int64_t kTileK = MmaGemmConfig::kTileK;
constexpr int64_t kRowBytes = kTileK / 2;          // 32 code bytes
constexpr int64_t kCodeBytes = kTileM * kRowBytes; // 4 KiB per operand
constexpr int64_t kScaleRowBytes = 4;              // per row and tile
constexpr int64_t kScaleBytes = kTileM * kScaleRowBytes;
constexpr int64_t kStageBytes = 2 * kCodeBytes + 2 * kScaleBytes;
constexpr int64_t kWarpRows = 64, kWarpCols = 32;
constexpr int64_t kMTiles = kWarpRows / 16, kNTiles = kWarpCols / 8;

class GemmKernelBuilder {
public:
  GemmKernelBuilder(ImplicitLocOpBuilder &b, const GemmOperands &ops)
      : b(b), e(b), ops(ops) {}
  void build(gpu::LaunchOp launch);

private:
  Value stageBase(Value stage) {
    return e.add(smem, e.mul(stage, e.i32(kStageBytes)));
  }
  /// Issues the cp.async copies of K tile `kt` (i32) into `stage` (i32).
  void loadTile(Value kt, Value stage);
  /// The MMAs of the K tile in `stage`; returns the new accumulators.
  SmallVector<Value> computeTile(Value kt, Value stage, ValueRange acc);

  ImplicitLocOpBuilder &b;
  MmaEmitter e;
  const GemmOperands &ops;
  bool mx = false;
  Value tid, g, t, wm, wn; // i32
  Value m0, n0;            // i64: first row of A / B of the CTA tile
  Value codesA, codesB, scalesA, scalesB, smem;
};

void GemmKernelBuilder::loadTile(Value kt, Value stage) {
  Value base = stageBase(stage);
  Value kt64 = arith::ExtUIOp::create(b, b.getI64Type(), kt);
  // Codes: thread i copies 16 bytes (half i % 2) of row i / 2 of A and B.
  Value row = e.shr(tid, 1), half = e.andi(tid, 1);
  Value row64 = arith::ExtUIOp::create(b, b.getI64Type(), row);
  Value colByte = e.add(e.mul(kt64, e.i64(kRowBytes)),
                        arith::ExtUIOp::create(b, b.getI64Type(),
                                               e.shl(half, 4)));
  Value dstOff = e.add(e.mul(row, e.i32(kRowBytes)), e.shl(half, 4));
  int64_t rowStride = ops.k / 2;
  e.copyAsync(e.add(base, dstOff),
              e.add(codesA, e.add(e.mul(e.add(m0, row64), e.i64(rowStride)),
                                  colByte)),
              16);
  e.copyAsync(e.add(base, e.add(e.i32(kCodeBytes), dstOff)),
              e.add(codesB, e.add(e.mul(e.add(n0, row64), e.i64(rowStride)),
                                  colByte)),
              16);
  // Scales: threads 0..127 copy the 4 bytes of row tid of A, threads
  // 128..255 those of B (mxfp4: the 4 bytes of tiles 2 (kt / 2) and
  // 2 (kt / 2) + 1; 16x16 nvfp4 blocks: 8 rows).
  int64_t perRowA = ops.k / ops.blockCols;
  Value chunk = mx ? e.shl(e.shr(kt64, 1), 2) : e.shl(kt64, 2);
  Value isA = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, tid,
                                    e.i32(kTileM));
  auto ifOp = scf::IfOp::create(b, isA, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Value r = arith::ExtUIOp::create(b, b.getI64Type(), tid);
    Value src = e.add(scalesA, e.add(e.mul(e.add(m0, r), e.i64(perRowA)),
                                     chunk));
    e.copyAsync(e.add(base, e.add(e.i32(2 * kCodeBytes),
                                  e.mul(tid, e.i32(kScaleRowBytes)))),
                src, 4);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    Value rb = arith::SubIOp::create(b, tid, e.i32(kTileM));
    auto copyB = [&]() {
      Value r64 = arith::ExtUIOp::create(b, b.getI64Type(), rb);
      Value scaleRow = e.add(n0, r64);
      if (ops.blockRowsB > 1)
        scaleRow = e.add(e.shr(n0, 4), r64);
      Value srcB = e.add(scalesB, e.add(e.mul(scaleRow, e.i64(perRowA)),
                                        chunk));
      e.copyAsync(e.add(base, e.add(e.i32(2 * kCodeBytes + kScaleBytes),
                                    e.mul(rb, e.i32(kScaleRowBytes)))),
                  srcB, 4);
    };
    if (ops.blockRowsB > 1) {
      Value few = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, rb,
                                        e.i32(kTileN / ops.blockRowsB));
      auto inner = scf::IfOp::create(b, few, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(&inner.getThenRegion().front());
      copyB();
    } else {
      copyB();
    }
  }
}

SmallVector<Value> GemmKernelBuilder::computeTile(Value kt, Value stage,
                                                  ValueRange acc) {
  Value base = stageBase(stage);
  Value aCodes = base, bCodes = e.add(base, e.i32(kCodeBytes));
  Value aScales = e.add(base, e.i32(2 * kCodeBytes));
  Value bScales = e.add(base, e.i32(2 * kCodeBytes + kScaleBytes));
  auto i32x2 = VectorType::get({2}, b.getI32Type());
  // Lane t's scale byte within a row's 4 bytes: nvfp4 block t of the tile;
  // mxfp4 block t / 2 of the tile, tiles kt and kt ^ 1 sharing the chunk.
  Value scaleByte = mx ? e.add(e.shl(e.andi(kt, 1), 1), e.shr(t, 1)) : t;

  // A rows 64 wm + 16 i + g + 8 h, B rows 32 wn + 8 j + g.
  auto rowA = [&](int64_t i, int64_t h) {
    return e.add(e.mul(wm, e.i32(kWarpRows)), e.add(g, e.i32(16 * i + 8 * h)));
  };
  auto rowB = [&](int64_t j) {
    return e.add(e.mul(wn, e.i32(kWarpCols)), e.add(g, e.i32(8 * j)));
  };
  auto loadCodes = [&](Value codes, Value row) {
    return e.loadShared(
        i32x2, e.add(codes, e.add(e.mul(row, e.i32(kRowBytes)), e.shl(t, 3))),
        8);
  };
  auto scaleWord = [&](Value scales, Value row) {
    Value byte = e.loadShared(
        b.getI8Type(),
        e.add(scales, e.add(e.mul(row, e.i32(kScaleRowBytes)), scaleByte)), 1);
    return mx ? e.mxfp4ScaleWord(byte) : e.nvfp4ScaleWord(byte);
  };

  Value aWords[kMTiles][2], aScale[kMTiles][2];
  for (int64_t i = 0; i < kMTiles; ++i)
    for (int64_t h = 0; h < 2; ++h) {
      aWords[i][h] = loadCodes(aCodes, rowA(i, h));
      aScale[i][h] = scaleWord(aScales, rowA(i, h));
    }
  Value bWords[kNTiles], bScale[kNTiles];
  for (int64_t j = 0; j < kNTiles; ++j) {
    bWords[j] = loadCodes(bCodes, rowB(j));
    Value sRow = rowB(j);
    if (ops.blockRowsB > 1)
      sRow = e.shr(sRow, 4);
    bScale[j] = scaleWord(bScales, sRow);
  }

  SmallVector<std::array<Value, 4>> d(kMTiles * kNTiles);
  for (int64_t i = 0; i < kMTiles * kNTiles; ++i)
    for (int64_t r = 0; r < 4; ++r)
      d[i][r] = vector::ExtractOp::create(b, acc[i], r);
  for (int64_t q = 0; q < 2; ++q) {
    // Decode word q of every row: pairs p = 0..3.
    Value aq[kMTiles][2][4], bq[kNTiles][4];
    for (int64_t i = 0; i < kMTiles; ++i)
      for (int64_t h = 0; h < 2; ++h) {
        Value w = vector::ExtractOp::create(b, aWords[i][h], q);
        for (int64_t p = 0; p < 4; ++p)
          aq[i][h][p] = e.dequantizePair(w, p, aScale[i][h], mx);
      }
    for (int64_t j = 0; j < kNTiles; ++j) {
      Value w = vector::ExtractOp::create(b, bWords[j], q);
      for (int64_t p = 0; p < 4; ++p)
        bq[j][p] = e.dequantizePair(w, p, bScale[j], mx);
    }
    for (int64_t u = 0; u < 2; ++u)
      for (int64_t i = 0; i < kMTiles; ++i) {
        Value a[4] = {aq[i][0][2 * u], aq[i][1][2 * u], aq[i][0][2 * u + 1],
                      aq[i][1][2 * u + 1]};
        for (int64_t j = 0; j < kNTiles; ++j) {
          Value bo[2] = {bq[j][2 * u], bq[j][2 * u + 1]};
          d[i * kNTiles + j] = e.mma(a, bo, d[i * kNTiles + j]);
        }
      }
  }
  auto f32x4 = VectorType::get({4}, b.getF32Type());
  SmallVector<Value> out;
  for (auto &v : d)
    out.push_back(vector::FromElementsOp::create(b, f32x4, v));
  return out;
}

void GemmKernelBuilder::build(gpu::LaunchOp launch) {
  mx = ops.blockCols == 32;
  int64_t stages = ops.stages;
  int64_t tiles = ops.k / kTileK;
  tid = e.toI32(launch.getThreadIds().x);
  Value lane = e.andi(tid, 31), warp = e.shr(tid, 5);
  g = e.shr(lane, 2);
  t = e.andi(lane, 3);
  wm = e.shr(warp, 2);
  wn = e.andi(warp, 3);
  n0 = e.mul(e.toI64(launch.getBlockIds().x), e.i64(kTileN));
  m0 = e.mul(e.toI64(launch.getBlockIds().y), e.i64(kTileM));
  codesA = e.baseAddress(ops.codesA);
  codesB = e.baseAddress(ops.codesB);
  scalesA = e.baseAddress(ops.scalesA);
  scalesB = e.baseAddress(ops.scalesB);
  smem = e.sharedBase();

  // Prologue: tiles 0 .. stages - 2 (one commit group each, maybe empty).
  for (int64_t s = 0; s < stages - 1; ++s) {
    if (s < tiles)
      loadTile(e.i32(s), e.i32(s));
    e.commitAsync();
  }
  auto f32x4 = VectorType::get({4}, b.getF32Type());
  SmallVector<Value> inits(
      kMTiles * kNTiles,
      arith::ConstantOp::create(
          b, f32x4, DenseElementsAttr::get(f32x4, b.getF32FloatAttr(0))));
  auto loop = scf::ForOp::create(b, e.idx(0), e.idx(tiles), e.idx(1), inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value kt = e.toI32(loop.getInductionVar());
    // Tile kt has landed (this thread's copies), then everyone's; the
    // barrier also retires the reads of the stage refilled below.
    e.waitAsync(stages - 2);
    e.barrier();
    Value refill = e.add(kt, e.i32(stages - 1));
    Value can = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, refill,
                                      e.i32(tiles));
    {
      auto ifOp = scf::IfOp::create(b, can, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      loadTile(refill, arith::RemUIOp::create(b, refill, e.i32(stages)));
    }
    e.commitAsync();
    SmallVector<Value> acc = computeTile(
        kt, arith::RemUIOp::create(b, kt, e.i32(stages)),
        loop.getRegionIterArgs());
    scf::YieldOp::create(b, acc);
  }

  // Epilogue: accumulator (i, j) element r is row 16 i + g + 8 (r / 2),
  // column 8 j + 2t + r % 2 of the warp tile.
  auto f32x2 = VectorType::get({2}, b.getF32Type());
  Value shift;
  if (!mx)
    shift = vector::BroadcastOp::create(
        b, f32x2, e.f32(static_cast<float>(1 << (2 * kNVValueShift))));
  for (int64_t i = 0; i < kMTiles; ++i)
    for (int64_t j = 0; j < kNTiles; ++j) {
      Value dv = loop.getResult(i * kNTiles + j);
      for (int64_t h = 0; h < 2; ++h) {
        Value v = vector::ExtractStridedSliceOp::create(
            b, dv, ArrayRef<int64_t>{2 * h}, ArrayRef<int64_t>{2},
            ArrayRef<int64_t>{1});
        if (!mx) {
          // (acc * 2^16) * alpha_a * alpha_b, the rescaling exact.
          v = arith::MulFOp::create(b, v, shift);
          v = arith::MulFOp::create(
              b, v, vector::BroadcastOp::create(b, f32x2, ops.alphaA));
          v = arith::MulFOp::create(
              b, v, vector::BroadcastOp::create(b, f32x2, ops.alphaB));
        }
        Value row = e.add(m0, arith::ExtUIOp::create(
                                  b, b.getI64Type(),
                                  e.add(e.mul(wm, e.i32(kWarpRows)),
                                        e.add(g, e.i32(16 * i + 8 * h)))));
        Value col = e.add(n0, arith::ExtUIOp::create(
                                  b, b.getI64Type(),
                                  e.add(e.mul(wn, e.i32(kWarpCols)),
                                        e.add(e.shl(t, 1), e.i32(8 * j)))));
        Value ri = arith::IndexCastUIOp::create(b, b.getIndexType(), row);
        Value ci = arith::IndexCastUIOp::create(b, b.getIndexType(), col);
        if (ops.accumulate) {
          Value old = vector::LoadOp::create(b, f32x2, ops.c,
                                             ValueRange{ri, ci});
          v = arith::AddFOp::create(b, old, v);
        }
        auto store = vector::StoreOp::create(b, v, ops.c, ValueRange{ri, ci});
        store.setAlignment(uint64_t(8));
      }
    }
}

} // namespace

void mlir::fp4::mma::buildGemmKernel(ImplicitLocOpBuilder &b,
                                     const GemmOperands &ops) {
  Value one = arith::ConstantIndexOp::create(b, 1);
  auto launch = gpu::LaunchOp::create(
      b, arith::ConstantIndexOp::create(b, ops.n / kTileN),
      arith::ConstantIndexOp::create(b, ops.m / kTileM), one,
      arith::ConstantIndexOp::create(b, MmaGemmConfig::kThreads), one, one,
      arith::ConstantIntOp::create(b, ops.stages * kStageBytes, 32));
  OpBuilder::InsertionGuard guard(b);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&body);
  GemmKernelBuilder(b, ops).build(launch);
}
