//===- DecodeKernel.cpp - the small-M (W4A16 decode) mma.sync kernel ------===//
//
// C[m, n] (+)= sum_k A[m, k] * W[n, k] for M <= 16 bf16 activation rows and
// fp4 weights W (N x K), swapped onto m16n8k16: the weights are the MMA's A
// operand (16 rows), the activations its B operand (8 columns, rows of A
// past M repeat the last one and their results are dropped).
//
//   grid:  N / (16 * R) CTAs along N  x  `splits` CTAs along K
//   CTA:   `warps` warps = R row groups x G k-groups. Warp w owns weight
//          rows n0 + 16 (w % R) .. + 15 and, in each super-step of G * 128
//          K values, the step w / R of it. The G partial sums of a row group
//          are added in shared memory at the end (fixed order).
//   step:  128 values of K. Lane (g = lane / 4, t = lane % 4) loads the 16
//          code bytes k0 + 32t .. k0 + 32t + 31 of rows g and g + 8 (one
//          16-byte ld.global.nc each, kPrefetch super-steps ahead) and their
//          2 (nvfp4) or 1 (mxfp4) scale bytes. The activations of a
//          super-step (G x M x 128 bf16) are copied into shared memory by
//          cp.async, double buffered, 16-byte chunks XOR-swizzled so that the
//          fragment reads are free of bank conflicts.
//   K permutation: within the step, lane t's MMA k slots 2t, 2t + 1 (and
//          2t + 8, 2t + 9) of MMA s = 2q + u hold the physical values
//          k0 + 32t + 8q + 2u + {0, 4} (and + 1); the weights decode to
//          exactly these pairs (MmaEmitter::e2m1Pair), the activations are
//          permuted to match when read from shared memory.
//   epilogue: the f32 accumulators (times 2^8 * alpha for nvfp4 weights
//          with the tensor scale applied here) are stored into C (or, when
//          C is only rounded to bf16/f16 afterwards, rounded and stored into
//          that output), added to C (a non-zero init), or, with several
//          CTAs along K, added with atomics.
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

#include <algorithm>
#include <optional>

using namespace mlir;
using namespace mlir::fp4;
using namespace mlir::fp4::mma;

namespace {
constexpr int64_t kStepK = MmaDecodeConfig::kStepK;
constexpr int64_t kRowBytes = kStepK * 2; // one activation row of a step
/// CTAs that keep an H100 (132 SMs) busy with two CTAs per SM.
constexpr int64_t kTargetCTAs = 264;
/// K steps a CTA runs at least when K is split (prologue amortization).
constexpr int64_t kMinSteps = 4;
/// Steps of weights each warp has in flight (registers): one step, 1 KiB
/// per warp (~16 KiB per SM), is too little to cover DRAM latency at full
/// bandwidth (Little's law estimate; docs/hopper-matmul.md).
constexpr int64_t kPrefetch = 3;
/// Values loadWeights returns per step: 2 code vectors, 2 scale words.
constexpr int64_t kWeightValues = 4;
/// Warps per CTA (row groups x k-groups).
constexpr int64_t kWarps = 8;
} // namespace

DecodeShape mlir::fp4::mma::chooseDecodeShape(int64_t n, int64_t k) {
  constexpr int64_t kRows = MmaDecodeConfig::kRowsPerWarp;
  // Row groups per CTA: the fewest that keep the CTAs to one wave.
  int64_t rowGroups = 1;
  for (int64_t r : {1, 2, 4, 8}) {
    if (n % (kRows * r))
      break;
    rowGroups = r;
    if (n / (kRows * r) <= kTargetCTAs)
      break;
  }
  // The other warps of 8 split K within the CTA (they share no weights, only
  // the shared-memory activations of a super-step).
  int64_t steps = k / kStepK;
  int64_t kGroups = kWarps / rowGroups;
  while (kGroups > 1 && steps % kGroups)
    kGroups /= 2;
  DecodeShape s{rowGroups * kGroups, kGroups, 1};
  // Split K across CTAs too while CTAs are missing, keeping at least
  // kMinSteps super-steps per CTA.
  int64_t ctas = n / (kRows * rowGroups);
  int64_t superSteps = steps / kGroups;
  for (int64_t split = 1; split * kMinSteps <= superSteps; ++split)
    if (superSteps % split == 0 && ctas * split <= kTargetCTAs)
      s.splits = split;
  return s;
}

namespace {

class DecodeKernelBuilder {
public:
  DecodeKernelBuilder(ImplicitLocOpBuilder &b, const DecodeOperands &ops,
                      DecodeShape shape)
      : b(b), e(b), ops(ops), shape(shape) {}
  void build(gpu::LaunchOp launch);

private:
  /// Shared byte address of activation row `m` (i32), chunk `c` (16 bytes,
  /// i32) of step `sub` (i32) of a super-step in buffer `buf` (i32): chunks
  /// are XOR-swizzled per row.
  Value activationChunk(Value buf, Value sub, Value m, Value c);
  /// Stages the activations of super-step `step` into buffer `buf`
  /// (cp.async).
  void stageActivations(Value step, Value buf);
  /// This lane's codes (2 x vector<4xi32>) and scale bits of its step of
  /// super-step `step`.
  SmallVector<Value> loadWeights(Value step);
  /// Writes the final accumulators of tile `tile` into C.
  void storeTile(int64_t tile, Value dv);

  ImplicitLocOpBuilder &b;
  MmaEmitter e;
  const DecodeOperands &ops;
  DecodeShape shape;
  int64_t nTiles = 0; // 8-column MMA tiles covering M
  Value tid, g, t;    // i32
  Value warp, kGroup; // i32
  Value row0;         // i64: weight row g of this warp
  Value kBegin;       // i64: first K value of this CTA
  Value aBase, codesBase, scalesBase, smem;
};

Value DecodeKernelBuilder::activationChunk(Value buf, Value sub, Value m,
                                           Value c) {
  // Chunk c of row m lives at c ^ (c / 8 * 2) ^ (m & 1): for a fixed
  // quarter q the lanes of a phase (rows g, g + 1, t = 0..3, chunks 4t + q)
  // hit eight different 16-byte bank groups.
  Value swz = arith::XOrIOp::create(
      b, arith::XOrIOp::create(b, c, e.shl(e.shr(c, 3), 1)), e.andi(m, 1));
  int64_t stepBytes = ops.m * kRowBytes;
  Value rowAddr =
      e.add(e.add(e.mul(buf, e.i32(shape.kGroups * stepBytes)),
                  e.mul(sub, e.i32(stepBytes))),
            e.mul(m, e.i32(kRowBytes)));
  return e.add(smem, e.add(rowAddr, e.shl(swz, 4)));
}

void DecodeKernelBuilder::stageActivations(Value step, Value buf) {
  // Chunk i < 16 M G of the super-step: chunk i % 16 of activation row
  // i / 16 % M of its step i / (16 M); thread tid copies chunks tid,
  // tid + threads, ...
  int64_t chunks = 16 * ops.m * shape.kGroups;
  int64_t threads = 32 * shape.warps;
  for (int64_t first = 0; first < chunks; first += threads) {
    Value i = e.add(tid, e.i32(first));
    std::optional<OpBuilder::InsertionGuard> guard;
    if (first + threads > chunks) {
      Value active = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, i,
                                           e.i32(chunks));
      auto ifOp = scf::IfOp::create(b, active, /*withElseRegion=*/false);
      guard.emplace(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    }
    Value row = e.shr(i, 4), c = e.andi(i, 15);
    Value sub = arith::DivUIOp::create(b, row, e.i32(ops.m));
    Value m = arith::RemUIOp::create(b, row, e.i32(ops.m));
    Value stepK = e.add(e.mul(step, e.i64(shape.kGroups)),
                        arith::ExtUIOp::create(b, b.getI64Type(), sub));
    Value k = e.add(e.add(kBegin, e.mul(stepK, e.i64(kStepK))),
                    arith::ExtUIOp::create(b, b.getI64Type(), e.shl(c, 3)));
    Value elem = e.add(e.mul(arith::ExtUIOp::create(b, b.getI64Type(), m),
                             e.i64(ops.k)),
                       k);
    Value src = e.add(aBase, e.shl(elem, 1));
    e.copyAsync(activationChunk(buf, sub, m, c), src, 16);
  }
}

SmallVector<Value> DecodeKernelBuilder::loadWeights(Value step) {
  SmallVector<Value> out;
  Value stepK = e.add(e.mul(step, e.i64(shape.kGroups)),
                      arith::ExtUIOp::create(b, b.getI64Type(), kGroup));
  Value k0 = e.add(kBegin, e.mul(stepK, e.i64(kStepK)));
  Value tt = arith::ExtUIOp::create(b, b.getI64Type(), t);
  auto vecType = VectorType::get({4}, b.getI32Type());
  SmallVector<Value> scales;
  for (int64_t r = 0; r < 2; ++r) {
    Value row = e.add(row0, e.i64(8 * r));
    // Codes: bytes k0/2 + 16t .. + 15 of the row.
    Value byte = e.add(e.add(e.mul(row, e.i64(ops.k / 2)), e.shr(k0, 1)),
                       e.shl(tt, 4));
    out.push_back(e.loadGlobal(vecType, e.add(codesBase, byte), 16));
    // Scales of K values k0 + 32t .. + 31: blocks (k0 + 32t) / B, 2 of them
    // for nvfp4 (one 16-bit load), 1 for mxfp4.
    int64_t perRow = ops.k / ops.blockCols;
    Value block = e.shr(e.add(k0, e.shl(tt, 5)), ops.blockCols == 16 ? 4 : 5);
    Value addr = e.add(scalesBase, e.add(e.mul(row, e.i64(perRow)), block));
    if (ops.blockCols == 16)
      scales.push_back(e.loadGlobal(b.getI16Type(), addr, 2));
    else
      scales.push_back(e.loadGlobal(b.getI8Type(), addr, 1));
  }
  out.append(scales);
  return out;
}

void DecodeKernelBuilder::build(gpu::LaunchOp launch) {
  bool mx = ops.blockCols == 32;
  nTiles = (ops.m + 7) / 8;
  int64_t kPerCTA = ops.k / shape.splits;
  // Super-steps: each warp of the CTA runs one step of each.
  int64_t steps = kPerCTA / (kStepK * shape.kGroups);
  int64_t rowGroups = shape.warps / shape.kGroups;

  tid = e.toI32(launch.getThreadIds().x);
  Value lane = e.andi(tid, 31);
  warp = e.shr(tid, 5);
  Value rowGroup = arith::RemUIOp::create(b, warp, e.i32(rowGroups));
  kGroup = arith::DivUIOp::create(b, warp, e.i32(rowGroups));
  g = e.shr(lane, 2);
  t = e.andi(lane, 3);
  Value bx = e.toI64(launch.getBlockIds().x);
  Value by = e.toI64(launch.getBlockIds().y);
  Value warpRow = e.add(
      e.mul(bx, e.i64(16 * rowGroups)),
      e.mul(arith::ExtUIOp::create(b, b.getI64Type(), rowGroup), e.i64(16)));
  row0 = e.add(warpRow, arith::ExtUIOp::create(b, b.getI64Type(), g));
  kBegin = e.mul(by, e.i64(kPerCTA));
  aBase = e.baseAddress(ops.a);
  codesBase = e.baseAddress(ops.codes);
  scalesBase = e.baseAddress(ops.scales);
  smem = e.sharedBase();
  Value alphaShifted;
  if (ops.roundWeights)
    alphaShifted = arith::MulFOp::create(
        b, ops.alpha, e.f32(static_cast<float>(1 << kNVValueShift)));

  // Prologue: the activations of step 0 and the weights of steps
  // 0 .. kPrefetch - 1 in flight (steps past the last reload the last one).
  stageActivations(e.i64(0), e.i32(0));
  e.commitAsync();
  SmallVector<Value> first;
  for (int64_t p = 0; p < kPrefetch; ++p)
    llvm::append_range(first, loadWeights(e.i64(std::min(p, steps - 1))));

  auto f32x4 = VectorType::get({4}, b.getF32Type());
  SmallVector<Value> inits;
  for (int64_t i = 0; i < nTiles; ++i)
    inits.push_back(arith::ConstantOp::create(
        b, f32x4, DenseElementsAttr::get(f32x4, b.getF32FloatAttr(0))));
  llvm::append_range(inits, first);
  auto loop = scf::ForOp::create(b, e.idx(0), e.idx(steps), e.idx(1), inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value i = e.toI64(loop.getInductionVar());
    ValueRange carried = loop.getRegionIterArgs();
    SmallVector<Value> acc(carried.begin(), carried.begin() + nTiles);
    Value codes[2] = {carried[nTiles], carried[nTiles + 1]};
    Value scaleBits[2] = {carried[nTiles + 2], carried[nTiles + 3]};

    // Next step's activations into the other buffer; the weights of step
    // i + kPrefetch into registers (past the last step, the last one again,
    // harmlessly).
    Value next = e.add(i, e.i64(1));
    Value hasNext = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, next,
                                          e.i64(steps));
    {
      auto ifOp = scf::IfOp::create(b, hasNext, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      stageActivations(next, arith::TruncIOp::create(b, b.getI32Type(),
                                                     e.andi(next, 1)));
    }
    e.commitAsync();
    Value ahead = e.add(i, e.i64(kPrefetch));
    SmallVector<Value> prefetched = loadWeights(arith::MinUIOp::create(
        b, ahead, e.i64(steps - 1)).getResult());
    e.waitAsync(1);
    e.barrier();

    // Activation fragments: lane (g, t) reads row min(8 tile + g, M - 1),
    // chunks 4t + q, and pairs elements (j, j + 4) of each chunk.
    Value buf = arith::TruncIOp::create(b, b.getI32Type(), e.andi(i, 1));
    auto bf16x8 = VectorType::get({8}, b.getBF16Type());
    auto i32x4 = VectorType::get({4}, b.getI32Type());
    // x[tile][q][j]: i32 (bf16x2) for MMA k slots of pair j of chunk q.
    SmallVector<std::array<std::array<Value, 4>, 4>> x(nTiles);
    for (int64_t tile = 0; tile < nTiles; ++tile) {
      Value m = arith::MinUIOp::create(b, e.add(g, e.i32(8 * tile)),
                                       e.i32(ops.m - 1));
      for (int64_t q = 0; q < 4; ++q) {
        Value c = e.add(e.shl(t, 2), e.i32(q));
        Value v = e.loadShared(bf16x8, activationChunk(buf, kGroup, m, c), 16);
        Value paired = vector::ShuffleOp::create(
            b, v, v, ArrayRef<int64_t>{0, 4, 1, 5, 2, 6, 3, 7});
        Value words = vector::BitCastOp::create(b, i32x4, paired);
        for (int64_t j = 0; j < 4; ++j)
          x[tile][q][j] = vector::ExtractOp::create(b, words, j);
      }
    }

    // Weight fragments: w[r][q][j] for rows g (r = 0) and g + 8 (r = 1).
    std::array<std::array<std::array<Value, 4>, 4>, 2> w;
    for (int64_t r = 0; r < 2; ++r) {
      SmallVector<Value> scaleWords;
      if (mx) {
        scaleWords.push_back(e.mxfp4ScaleWord(scaleBits[r]));
      } else {
        for (int64_t h = 0; h < 2; ++h) // block 2t + h covers chunks 2h, 2h+1
          scaleWords.push_back(e.nvfp4ScaleWord(arith::TruncIOp::create(
              b, b.getI8Type(), e.shr(scaleBits[r], 8 * h))));
      }
      for (int64_t q = 0; q < 4; ++q) {
        Value word = vector::ExtractOp::create(b, codes[r], q);
        Value sw = mx ? scaleWords[0] : scaleWords[q / 2];
        for (int64_t j = 0; j < 4; ++j) {
          Value p = e.dequantizePair(word, j, sw, mx);
          if (ops.roundWeights)
            p = e.roundWeights(p, alphaShifted);
          w[r][q][j] = p;
        }
      }
    }

    // 8 MMAs per tile: MMA s = 2q + u takes pairs 2u and 2u + 1 of chunk q.
    SmallVector<std::array<Value, 4>> d(nTiles);
    for (int64_t tile = 0; tile < nTiles; ++tile)
      for (int64_t r = 0; r < 4; ++r)
        d[tile][r] = vector::ExtractOp::create(b, acc[tile], r);
    for (int64_t q = 0; q < 4; ++q)
      for (int64_t u = 0; u < 2; ++u) {
        Value a[4] = {w[0][q][2 * u], w[1][q][2 * u], w[0][q][2 * u + 1],
                      w[1][q][2 * u + 1]};
        for (int64_t tile = 0; tile < nTiles; ++tile) {
          Value bo[2] = {x[tile][q][2 * u], x[tile][q][2 * u + 1]};
          d[tile] = e.mma(a, bo, d[tile]);
        }
      }
    // The buffer read here is refilled by the next iteration.
    e.barrier();

    SmallVector<Value> yielded;
    for (int64_t tile = 0; tile < nTiles; ++tile)
      yielded.push_back(vector::FromElementsOp::create(b, f32x4, d[tile]));
    // The weight sets move up by one step; the new one goes last.
    llvm::append_range(yielded, carried.drop_front(nTiles + kWeightValues));
    llvm::append_range(yielded, prefetched);
    scf::YieldOp::create(b, yielded);
  }

  // Epilogue: the k-groups' partial sums added in shared memory, then C.
  SmallVector<Value> acc;
  for (int64_t tile = 0; tile < nTiles; ++tile)
    acc.push_back(loop.getResult(tile));
  if (shape.kGroups == 1) {
    for (int64_t tile = 0; tile < nTiles; ++tile)
      storeTile(tile, acc[tile]);
    return;
  }
  // Warp w's tile i goes to slot (w * nTiles + i) * 32 + lane (16 bytes
  // each); k-group 0 adds those of k-groups 1 .. G - 1 of its row group in
  // order. The activation buffers are free: every warp has passed the
  // main loop's last barrier, the last copies are waited for.
  auto slot = [&](Value w, int64_t tile) {
    Value index = e.add(e.mul(e.add(e.mul(w, e.i32(nTiles)), e.i32(tile)),
                              e.i32(32)),
                        lane);
    return e.add(smem, e.shl(index, 4));
  };
  e.waitAsync(0);
  for (int64_t tile = 0; tile < nTiles; ++tile)
    e.storeShared(acc[tile], slot(warp, tile), 16);
  e.barrier();
  Value firstGroup = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                           kGroup, e.i32(0));
  auto ifOp = scf::IfOp::create(b, firstGroup, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  for (int64_t kg = 1; kg < shape.kGroups; ++kg) {
    Value other = e.add(warp, e.i32(kg * rowGroups));
    for (int64_t tile = 0; tile < nTiles; ++tile)
      acc[tile] = arith::AddFOp::create(
          b, acc[tile], e.loadShared(f32x4, slot(other, tile), 16));
  }
  for (int64_t tile = 0; tile < nTiles; ++tile)
    storeTile(tile, acc[tile]);
}

void DecodeKernelBuilder::storeTile(int64_t tile, Value dv) {
  // D[tile] element r is (weight row g + 8 (r / 2), activation row
  // 8 tile + 2t + r % 2).
  bool mx = ops.blockCols == 32;
  auto f32x4 = VectorType::get({4}, b.getF32Type());
  if (!mx && !ops.roundWeights) {
    // (acc * 2^8) * alpha: exact rescaling, then the tensor scale.
    dv = arith::MulFOp::create(
        b, dv,
        vector::BroadcastOp::create(
            b, f32x4, e.f32(static_cast<float>(1 << kNVValueShift))));
    dv = arith::MulFOp::create(b, dv,
                               vector::BroadcastOp::create(b, f32x4, ops.alpha));
  }
  for (int64_t r = 0; r < 4; ++r) {
    Value m = e.add(e.i32(8 * tile + r % 2), e.shl(t, 1));
    Value inRange = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, m,
                                          e.i32(ops.m));
    auto ifOp = scf::IfOp::create(b, inRange, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Value val = vector::ExtractOp::create(b, dv, r);
    Value mi = arith::IndexCastUIOp::create(b, b.getIndexType(), m);
    Value ni = arith::IndexCastUIOp::create(b, b.getIndexType(),
                                            e.add(row0, e.i64(8 * (r / 2))));
    if (shape.splits > 1) {
      memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addf, val, ops.c,
                                  ValueRange{mi, ni});
    } else if (ops.rounded) {
      Type elt = cast<MemRefType>(ops.rounded.getType()).getElementType();
      memref::StoreOp::create(b, arith::TruncFOp::create(b, elt, val),
                              ops.rounded, ValueRange{mi, ni});
    } else if (ops.accumulate) {
      Value old = memref::LoadOp::create(b, ops.c, ValueRange{mi, ni});
      memref::StoreOp::create(b, arith::AddFOp::create(b, old, val), ops.c,
                              ValueRange{mi, ni});
    } else {
      memref::StoreOp::create(b, val, ops.c, ValueRange{mi, ni});
    }
  }
}

} // namespace

void mlir::fp4::mma::buildDecodeKernel(ImplicitLocOpBuilder &b,
                                       const DecodeOperands &ops) {
  DecodeShape shape = chooseDecodeShape(ops.n, ops.k);
  Value one = arith::ConstantIndexOp::create(b, 1);
  int64_t rowGroups = shape.warps / shape.kGroups;
  int64_t ctasN = ops.n / (MmaDecodeConfig::kRowsPerWarp * rowGroups);
  // Two buffers of a super-step's activations; the k-group sums reuse them.
  int64_t nTiles = (ops.m + 7) / 8;
  int64_t smemBytes = 2 * shape.kGroups * ops.m * kRowBytes;
  if (shape.kGroups > 1)
    smemBytes = std::max(smemBytes, shape.warps * nTiles * 32 * 16);
  auto launch = gpu::LaunchOp::create(
      b, arith::ConstantIndexOp::create(b, ctasN),
      arith::ConstantIndexOp::create(b, shape.splits), one,
      arith::ConstantIndexOp::create(b, 32 * shape.warps), one, one,
      arith::ConstantIntOp::create(b, smemBytes, 32));
  OpBuilder::InsertionGuard guard(b);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&body);
  DecodeKernelBuilder(b, ops, shape).build(launch);
}
