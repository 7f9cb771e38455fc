//===- Tcgen05Matmul.cpp - fp4.matmul as a tcgen05 block-scaled kernel ----===//
//
// The kernel (one CTA of 128 threads = 4 warps per 128 x 128 tile of C):
//
//   shared memory (dynamic, 1024-byte aligned at run time):
//     header: full[S], done[S] mbarriers, the tensor-memory address slot
//     stage s (S of them, 36 KiB each):
//       A tile  128 rows x 128 B (256 E2M1 along K), 128B-swizzled, by TMA
//       B tile  128 rows x 128 B, likewise
//       SFA     4 chunks x 512 B: A's scales in the 128x4 chunk layout
//       SFB     4 chunks x 512 B
//   tensor memory (256 columns): the f32 accumulator (128 lanes x 128
//   columns) and, per stage, 16 + 16 columns of A/B scales.
//
//   prologue: thread 0 inits the mbarriers; warp 0 allocates tensor memory;
//             tiles 0..S-1 are requested.
//   tile kt in stage s = kt % S:
//     all threads: scale st.shared (requested with the tile), fence.proxy.async,
//                  bar.sync; wait full[s] (TMA bytes landed)
//     thread 0:    tcgen05.cp the scales to tensor memory, 4 x
//                  tcgen05.mma.block_scale (K = 64 each), tcgen05.commit ->
//                  done[s]
//     all threads: wait done[s'] of the previous tile and refill its stage
//                  with tile kt - 1 + S (TMA issued by thread 0, scales by
//                  all threads), so S - 1 tiles are in flight during an MMA
//   epilogue: wait for the last commit; each warp reads its 32 lanes (rows)
//             with tcgen05.ld.32x32b.x32 (4 x 32 columns), multiplies by the
//             nvfp4 tensor scales and stores its rows of C; warp 0
//             deallocates tensor memory.
//
// Layout decisions shared with the tested encoders (test/Blackwell):
// InstrDescriptor (the idesc), SwizzledKMajorTile / ScaleChunkSource (the
// shared-memory descriptors) and ScaleLayout (scale bytes -> chunk offsets,
// chunk and scale ID per MMA step).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Tcgen05Matmul.h"
#include "FP4Dialect/Conversion/FP4ToArith.h"
#include "FP4Dialect/Conversion/NumericsBuilder.h"
#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/Conversion/Tcgen05/InstrDescriptor.h"
#include "FP4Dialect/Conversion/Tcgen05/ScaleLayout.h"
#include "FP4Dialect/Conversion/Tcgen05/SmemDescriptor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

#include "llvm/ADT/StringSwitch.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4BUILDTCGEN05KERNELS
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;
using namespace mlir::fp4::tcgen05;

//===----------------------------------------------------------------------===//
// Configuration and applicability
//===----------------------------------------------------------------------===//

namespace {
constexpr int64_t kTileBytes = Tcgen05MatmulConfig::kTileM *
                               SwizzledKMajorTile::kRowBytes; // 16 KiB
constexpr int64_t kScaleChunks = 4; // per operand and K tile (nvfp4)
constexpr int64_t kScaleBytes = kScaleChunks * ScaleLayout::kChunkBytes;
constexpr int64_t kHeaderBytes = 256; // mbarriers + tensor-memory slot
constexpr int64_t kAccColumns = Tcgen05MatmulConfig::kTileN; // f32 columns
constexpr int64_t kScaleColumns = kScaleChunks * ScaleLayout::kChunkColumns;
} // namespace

int64_t Tcgen05MatmulConfig::stageBytes() {
  return 2 * kTileBytes + 2 * kScaleBytes;
}

int64_t Tcgen05MatmulConfig::sharedMemoryBytes() const {
  // 1024 bytes of slack to align the tiles at run time.
  return 1024 + kHeaderBytes + stages * stageBytes();
}

int64_t Tcgen05MatmulConfig::tensorMemoryColumns() const {
  int64_t cols = kAccColumns + stages * 2 * kScaleColumns;
  int64_t p = 32;
  while (p < cols)
    p *= 2;
  return p;
}

std::optional<MatmulMode> mlir::fp4::parseMatmulMode(StringRef mode) {
  return llvm::StringSwitch<std::optional<MatmulMode>>(mode)
      .Case("auto", MatmulMode::Auto)
      .Case("tcgen05", MatmulMode::Tcgen05)
      .Case("mma", MatmulMode::Mma)
      .Case("emulated", MatmulMode::Emulated)
      .Default(std::nullopt);
}

std::string mlir::fp4::whyNotTcgen05(MatmulOp op, const NVVMTargetInfo &target,
                                     const Tcgen05MatmulConfig &config) {
  if (!target.tcgen05BlockScalePTX())
    return "tcgen05 block-scaled MMA is not available on " + target.chip +
           " (the fp4 tcgen05 kernel targets sm_100a)";
  if (!target.hasTcgen05BlockScale())
    return "tcgen05.mma block_scale needs PTX ISA " +
           NVVMTargetInfo::ptxString(target.tcgen05BlockScalePTX()) +
           " (features=+ptx" + std::to_string(target.tcgen05BlockScalePTX()) +
           "); got +ptx" + std::to_string(target.ptx);
  if (config.stages < 1 || config.stages > 4)
    return "tcgen05 kernel supports 1 to 4 pipeline stages (got " +
           std::to_string(config.stages) + ")";
  FP4TensorType lhs = op.getLhs().getType(), rhs = op.getRhs().getType();
  if (lhs.getRank() != 2 || rhs.getRank() != 2)
    return "tcgen05 kernel needs 2-D operands (no batch dimensions)";
  int64_t m = lhs.getShape()[0], k = lhs.getShape()[1];
  int64_t n = rhs.getShape()[0];
  auto multiple = [](StringRef what, int64_t v, int64_t of) -> std::string {
    if (v % of == 0)
      return "";
    return ("tcgen05 kernel needs " + what + " to be a multiple of " +
            Twine(of) + " (got " + Twine(v) + ")")
        .str();
  };
  for (std::string why :
       {multiple("M", m, Tcgen05MatmulConfig::kTileM),
        multiple("N", n, Tcgen05MatmulConfig::kTileN),
        multiple("K", k, Tcgen05MatmulConfig::kTileK)})
    if (!why.empty())
      return why;
  auto checkBlock = [&](FP4TensorType t, StringRef which) -> std::string {
    if (t.getBlockCols() == 16 && (t.getBlockRows() == 1 || t.getBlockRows() == 16))
      return "";
    if (t.isMXFP4() && t.getBlockRows() == 1 && t.getBlockCols() == 32)
      return "";
    return ("tcgen05 kernel does not support the " + which +
            " block shape " + Twine(t.getBlockRows()) + "x" +
            Twine(t.getBlockCols()))
        .str();
  };
  if (std::string why = checkBlock(lhs, "lhs"); !why.empty())
    return why;
  if (std::string why = checkBlock(rhs, "rhs"); !why.empty())
    return why;
  return "";
}

//===----------------------------------------------------------------------===//
// Kernel body
//===----------------------------------------------------------------------===//

namespace {

/// The operands of the kernel as the launch body sees them.
struct KernelOperands {
  Value tmaA, tmaB;         // !llvm.ptr to the CUtensorMap of A and B codes
  Value scalesA, scalesB;   // memref<R x B x f8>, row-major
  Value alphaA, alphaB;     // f32 tensor scales (nvfp4) or null
  Value c;                  // memref<M x N x T>
  int64_t k;                // K (E2M1 values)
  int64_t blockRowsA, blockRowsB; // 1 or 16 (nvfp4 16x16 weights)
  int64_t blockCols;        // 16 (nvfp4) or 32 (mxfp4)
};

class KernelBuilder {
public:
  KernelBuilder(ImplicitLocOpBuilder &b, const KernelOperands &ops,
                const Tcgen05MatmulConfig &config)
      : b(b), ops(ops), config(config), ctx(b.getContext()) {}

  void build(gpu::LaunchOp launch);

private:
  // Constants and small helpers.
  Value i32(int64_t v) { return arith::ConstantIntOp::create(b, v, 32); }
  Value i64(int64_t v) { return arith::ConstantIntOp::create(b, v, 64); }
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value toI32(Value index) {
    return arith::IndexCastUIOp::create(b, b.getI32Type(), index);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value eq(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, x, y);
  }
  Type smemPtrType() { return LLVM::LLVMPointerType::get(ctx, 3); }
  Type tmemPtrType() { return LLVM::LLVMPointerType::get(ctx, 6); }
  /// Pointer to shared byte address `addr` (i32).
  Value smemPtr(Value addr) {
    return LLVM::IntToPtrOp::create(b, smemPtrType(), addr);
  }
  /// Pointer to tensor-memory address `addr` (i32: lane << 16 | column).
  Value tmemPtr(Value addr) {
    return LLVM::IntToPtrOp::create(b, tmemPtrType(), addr);
  }
  /// Runs `body` in thread 0 only.
  void ifThread0(function_ref<void()> body) { ifTrue(eq(tid, idx(0)), body); }
  void ifTrue(Value cond, function_ref<void()> body) {
    auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    body();
  }

  // Shared-memory map (byte addresses, i32).
  Value fullBarrier(Value stage) {
    return add(header, mul(toI32(stage), i32(8)));
  }
  Value doneBarrier(Value stage) {
    return add(header, add(i32(8 * config.stages), mul(toI32(stage), i32(8))));
  }
  Value stageBase(Value stage) {
    return add(tiles, mul(toI32(stage), i32(Tcgen05MatmulConfig::stageBytes())));
  }
  Value tileA(Value stage) { return stageBase(stage); }
  Value tileB(Value stage) { return add(stageBase(stage), i32(kTileBytes)); }
  Value scalesASmem(Value stage) {
    return add(stageBase(stage), i32(2 * kTileBytes));
  }
  Value scalesBSmem(Value stage) {
    return add(stageBase(stage), i32(2 * kTileBytes + kScaleBytes));
  }
  // Tensor-memory map (columns after the accumulator).
  Value scalesATmem(Value stage) {
    return add(tmem, add(i32(kAccColumns),
                         mul(toI32(stage), i32(2 * kScaleColumns))));
  }
  Value scalesBTmem(Value stage) {
    return add(scalesATmem(stage), i32(kScaleColumns));
  }

  void initBarriersAndTensorMemory();
  void requestTile(Value kt, Value stage);
  void stageScales(Value scales, int64_t blockRows, Value row0, Value kt,
                   Value dst);
  void issueMmas(Value kt, Value stage);
  void waitParity(Value barrier, Value useCount);
  void epilogue();

  Value smemDescriptor(Value startAddr, const SmemDescriptor &fields);

  ImplicitLocOpBuilder &b;
  const KernelOperands &ops;
  const Tcgen05MatmulConfig &config;
  MLIRContext *ctx;
  int64_t numTiles = 0;
  Value tid, warp, m0, n0;
  Value header, tiles; // shared byte addresses
  Value tmem;          // tensor-memory base address (i32)
};

Value KernelBuilder::smemDescriptor(Value startAddr,
                                    const SmemDescriptor &fields) {
  // nvvm.tcgen05.mma_smem_desc takes the encoded 14-bit fields and sets the
  // fixed bits; the start address is only known at run time.
  Value start = arith::ShRUIOp::create(
      b, arith::AndIOp::create(b, startAddr, i32(0x3FFFF)), i32(4));
  Value lbo = i32(SmemDescriptor::encodeField(fields.leadingByteOffset));
  Value sbo = i32(SmemDescriptor::encodeField(fields.strideByteOffset));
  Value base = arith::ConstantIntOp::create(b, fields.baseOffset, 8);
  Value mode = arith::ConstantIntOp::create(b, fields.leadingAbsolute, 1);
  Value swizzle =
      arith::ConstantIntOp::create(b, uint32_t(fields.swizzle), 8);
  return NVVM::Tcgen05MmaSmemDescOp::create(b, b.getI64Type(), start, lbo,
                                            sbo, base, mode, swizzle);
}

void KernelBuilder::waitParity(Value barrier, Value useCount) {
  // The phase completed by the n-th use of a barrier has parity n & 1.
  Value parity = arith::AndIOp::create(b, toI32(useCount), i32(1));
  // Suspend-time hint of 10 ms per try (the nvgpu lowering's value); the op
  // loops until the phase has completed.
  NVVM::MBarrierTryWaitParityOp::create(b, smemPtr(barrier), parity,
                                        i32(0x989680));
}

void KernelBuilder::initBarriersAndTensorMemory() {
  ifThread0([&] {
    for (int64_t s = 0; s < config.stages; ++s) {
      NVVM::MBarrierInitOp::create(b, smemPtr(fullBarrier(idx(s))), i32(1),
                                   Value());
      NVVM::MBarrierInitOp::create(b, smemPtr(doneBarrier(idx(s))), i32(1),
                                   Value());
    }
    NVVM::FenceMbarrierInitOp::create(b);
    NVVM::FenceProxyOp::create(
        b, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
  });
  // Warp 0 allocates the tensor memory (a warp-wide instruction) and gives
  // up the right to allocate more, so that other CTAs on the SM can.
  Value slot = add(header, i32(16 * config.stages));
  ifTrue(eq(warp, idx(0)), [&] {
    NVVM::Tcgen05AllocOp::create(b, smemPtr(slot),
                                 i32(config.tensorMemoryColumns()));
    NVVM::Tcgen05RelinquishAllocPermitOp::create(b);
  });
  NVVM::Tcgen05FenceOp::create(b, NVVM::Tcgen05FenceKind::BEFORE_THREAD_SYNC);
  NVVM::Barrier0Op::create(b);
  NVVM::Tcgen05FenceOp::create(b, NVVM::Tcgen05FenceKind::AFTER_THREAD_SYNC);
  tmem = LLVM::LoadOp::create(b, b.getI32Type(), smemPtr(slot));
}

/// Copies this thread's row of the K tile's block scales into the stage's
/// chunks: row r's scales 4q..4q+3 form one 32-bit word, stored at
/// ScaleLayout::wordOffset(r) of chunk q.
void KernelBuilder::stageScales(Value scales, int64_t blockRows, Value row0,
                                Value kt, Value dst) {
  auto type = cast<MemRefType>(scales.getType());
  int64_t perTile = Tcgen05MatmulConfig::kTileK / ops.blockCols; // 16 or 8
  Value row = add(row0, tid);
  if (blockRows > 1)
    row = arith::DivUIOp::create(b, row, idx(blockRows));
  Value col = mul(kt, idx(perTile));
  auto vt = VectorType::get({perTile}, type.getElementType());
  auto load = vector::LoadOp::create(b, vt, scales, ValueRange{row, col});
  load.setAlignment(static_cast<uint64_t>(perTile));
  Value bytes = arith::BitcastOp::create(
      b, VectorType::get({perTile}, b.getI8Type()), load);
  Value words = vector::BitCastOp::create(
      b, VectorType::get({perTile / 4}, b.getI32Type()), bytes);
  // ScaleLayout::wordOffset(r) = (r % 32) * 16 + (r / 32) * 4 with r = tid.
  Value lane = arith::RemUIOp::create(b, toI32(tid), i32(32));
  Value quad = arith::DivUIOp::create(b, toI32(tid), i32(32));
  Value word = add(mul(lane, i32(16)), mul(quad, i32(4)));
  for (int64_t q = 0; q < perTile / 4; ++q) {
    Value w = vector::ExtractOp::create(b, words, ArrayRef<int64_t>{q});
    Value addr = add(dst, add(i32(q * ScaleLayout::kChunkBytes), word));
    LLVM::StoreOp::create(b, w, smemPtr(addr));
  }
}

/// Requests K tile `kt` into `stage`: thread 0 arms the stage's full barrier
/// with the tile bytes and issues the two TMA copies; every thread stages
/// one row of A's and of B's scales.
void KernelBuilder::requestTile(Value kt, Value stage) {
  ifThread0([&] {
    Value full = smemPtr(fullBarrier(stage));
    NVVM::MBarrierArriveExpectTxOp::create(b, Type(), full,
                                           i32(2 * kTileBytes),
                                           NVVM::MemScopeKind::CTA,
                                           /*relaxed=*/false, Value());
    // Coordinates innermost first: byte column in the row, then the row.
    Value x = toI32(mul(kt, idx(SwizzledKMajorTile::kRowBytes)));
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        b, smemPtr(tileA(stage)), ops.tmaA, ValueRange{x, toI32(m0)}, full,
        ValueRange{}, Value(), Value(), NVVM::TMALoadMode::TILE,
        /*isCTAOnly=*/true, NVVM::CTAGroupKindAttr(), Value());
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        b, smemPtr(tileB(stage)), ops.tmaB, ValueRange{x, toI32(n0)}, full,
        ValueRange{}, Value(), Value(), NVVM::TMALoadMode::TILE,
        /*isCTAOnly=*/true, NVVM::CTAGroupKindAttr(), Value());
  });
  stageScales(ops.scalesA, ops.blockRowsA, m0, kt, scalesASmem(stage));
  stageScales(ops.scalesB, ops.blockRowsB, n0, kt, scalesBSmem(stage));
}

/// Thread 0: copies the stage's scales to tensor memory and issues the four
/// K = 64 MMAs of the tile, then commits them to the stage's done barrier.
void KernelBuilder::issueMmas(Value kt, Value stage) {
  bool nv = ops.blockCols == 16;
  int64_t chunks = Tcgen05MatmulConfig::kTileK / ops.blockCols / 4; // 4 or 2
  for (int64_t q = 0; q < chunks; ++q) {
    for (auto [src, dst] :
         {std::pair(scalesASmem(stage), scalesATmem(stage)),
          std::pair(scalesBSmem(stage), scalesBTmem(stage))}) {
      Value chunk = add(src, i32(q * ScaleLayout::kChunkBytes));
      Value desc = smemDescriptor(chunk, ScaleChunkSource::descriptor(0));
      NVVM::Tcgen05CpOp::create(
          b, NVVM::Tcgen05CpShape::SHAPE_32x128b, NVVM::CTAGroupKind::CTA_1,
          NVVM::Tcgen05CpMulticast::WARPX4, NVVM::Tcgen05CpSrcFormatAttr(),
          tmemPtr(add(dst, i32(q * ScaleLayout::kChunkColumns))), desc);
    }
  }
  Value first = eq(kt, idx(0));
  Value isTrue = arith::ConstantIntOp::create(b, 1, 1);
  for (int64_t step = 0;
       step < Tcgen05MatmulConfig::kTileK / Tcgen05MatmulConfig::kMmaK;
       ++step) {
    // K = 64 E2M1 values are 32 bytes of each 128-byte row.
    int64_t kBytes = step * Tcgen05MatmulConfig::kMmaK / 2;
    Value adesc = smemDescriptor(add(tileA(stage), i32(kBytes)),
                                 SwizzledKMajorTile::descriptor(0, 0));
    Value bdesc = smemDescriptor(add(tileB(stage), i32(kBytes)),
                                 SwizzledKMajorTile::descriptor(0, 0));
    ScaleLayout::StepScales sc = ScaleLayout::forStep(step, ops.blockCols);
    InstrDescriptor id =
        nv ? InstrDescriptor::forNVFP4(Tcgen05MatmulConfig::kTileM,
                                       Tcgen05MatmulConfig::kTileN)
           : InstrDescriptor::forMXFP4(Tcgen05MatmulConfig::kTileM,
                                       Tcgen05MatmulConfig::kTileN);
    id.scaleAId = id.scaleBId = sc.id;
    Value idesc = i32(static_cast<int32_t>(id.encode()));
    Value sfa = tmemPtr(
        add(scalesATmem(stage), i32(sc.chunk * ScaleLayout::kChunkColumns)));
    Value sfb = tmemPtr(
        add(scalesBTmem(stage), i32(sc.chunk * ScaleLayout::kChunkColumns)));
    // The first MMA of the first tile overwrites the accumulator.
    Value enableD = step == 0
                        ? arith::XOrIOp::create(b, first, isTrue).getResult()
                        : isTrue;
    NVVM::Tcgen05MMABlockScaleOp::create(
        b,
        nv ? NVVM::MMABlockScaleKind::MXF4NVF4 : NVVM::MMABlockScaleKind::MXF4,
        NVVM::CTAGroupKind::CTA_1,
        nv ? NVVM::Tcgen05MMABlockScale::BLOCK16
           : NVVM::Tcgen05MMABlockScale::BLOCK32,
        NVVM::Tcgen05MMACollectorOp::DISCARD, tmemPtr(tmem), adesc, bdesc,
        idesc, enableD, sfa, sfb);
  }
  NVVM::Tcgen05CommitOp::create(b, smemPtr(doneBarrier(stage)), Value());
}

void KernelBuilder::epilogue() {
  Value last = idx(numTiles - 1);
  Value lastStage = idx((numTiles - 1) % config.stages);
  waitParity(doneBarrier(lastStage),
             arith::DivUIOp::create(b, last, idx(config.stages)));
  NVVM::Tcgen05FenceOp::create(b, NVVM::Tcgen05FenceKind::AFTER_THREAD_SYNC);

  auto cType = cast<MemRefType>(ops.c.getType());
  Type outElt = cType.getElementType();
  Value row = add(m0, tid);
  // Warp w reads tensor-memory lanes 32w..32w+31 = rows of C.
  Value laneBase = arith::ShLIOp::create(b, mul(toI32(warp), i32(32)), i32(16));
  constexpr int64_t kCols = 32;
  auto i32x = VectorType::get({kCols}, b.getI32Type());
  auto f32x = VectorType::get({kCols}, b.getF32Type());
  for (int64_t c = 0; c < kAccColumns / kCols; ++c) {
    Value addr = add(tmem, add(laneBase, i32(c * kCols)));
    Value bits = NVVM::Tcgen05LdOp::create(
        b, i32x, /*pack=*/false, NVVM::Tcgen05LdStShape::SHAPE_32X32B,
        tmemPtr(addr), Value());
    NVVM::Tcgen05WaitOp::create(b, NVVM::Tcgen05WaitKind::LOAD);
    Value acc = arith::BitcastOp::create(b, f32x, bits);
    if (ops.alphaA) {
      acc = arith::MulFOp::create(
          b, acc, vector::BroadcastOp::create(b, f32x, ops.alphaA));
      acc = arith::MulFOp::create(
          b, acc, vector::BroadcastOp::create(b, f32x, ops.alphaB));
    }
    if (!outElt.isF32())
      acc = arith::TruncFOp::create(b, VectorType::get({kCols}, outElt), acc);
    auto store = vector::StoreOp::create(b, acc, ops.c,
                                         ValueRange{row, add(n0, idx(c * kCols))});
    store.setAlignment(uint64_t(16));
  }
  NVVM::Tcgen05FenceOp::create(b, NVVM::Tcgen05FenceKind::BEFORE_THREAD_SYNC);
  NVVM::Barrier0Op::create(b);
  ifTrue(eq(warp, idx(0)), [&] {
    NVVM::Tcgen05DeallocOp::create(b, tmemPtr(tmem),
                                   i32(config.tensorMemoryColumns()));
  });
}

void KernelBuilder::build(gpu::LaunchOp launch) {
  numTiles = ops.k / Tcgen05MatmulConfig::kTileK;
  int64_t stages = config.stages;
  tid = launch.getThreadIds().x;
  warp = arith::DivUIOp::create(b, tid, idx(32));
  n0 = mul(launch.getBlockIds().x, idx(Tcgen05MatmulConfig::kTileN));
  m0 = mul(launch.getBlockIds().y, idx(Tcgen05MatmulConfig::kTileM));

  // Dynamic shared memory: the header at its base, the stages at the next
  // 1024-byte boundary (128-byte swizzled tiles repeat every 1024 bytes).
  auto wgSpace = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Value dyn = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), AffineMap(),
                         wgSpace));
  Value baseIndex =
      memref::ExtractAlignedPointerAsIndexOp::create(b, dyn);
  header = toI32(baseIndex);
  Value unaligned = add(header, i32(kHeaderBytes + 1023));
  tiles = arith::AndIOp::create(b, unaligned, i32(~int64_t(1023)));

  initBarriersAndTensorMemory();

  // Prologue: the first min(S, tiles) tiles.
  for (int64_t t = 0; t < std::min(stages, numTiles); ++t)
    requestTile(idx(t), idx(t));

  // Lag 1 with two or more stages: the stage of the previous tile is
  // refilled while the current tile's MMAs run.
  int64_t lag = stages >= 2 ? 1 : 0;
  auto loop = scf::ForOp::create(b, idx(0), idx(numTiles), idx(1));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value kt = loop.getInductionVar();
    Value stage = arith::RemUIOp::create(b, kt, idx(stages));
    Value use = arith::DivUIOp::create(b, kt, idx(stages));
    // This tile's scales (written by every thread) become visible to the
    // async proxy (tcgen05.cp), its TMA bytes have landed.
    NVVM::FenceProxyOp::create(
        b, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    NVVM::Barrier0Op::create(b);
    waitParity(fullBarrier(stage), use);
    NVVM::Tcgen05FenceOp::create(b, NVVM::Tcgen05FenceKind::AFTER_THREAD_SYNC);
    ifThread0([&] { issueMmas(kt, stage); });

    // Refill: tile r = kt - lag + S into the stage of tile kt - lag, once
    // that tile's MMAs (and scale copies) are done.
    Value prev = arith::SubIOp::create(b, kt, idx(lag));
    Value refill = add(prev, idx(stages));
    Value can = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, refill,
                                      idx(numTiles));
    if (lag)
      can = arith::AndIOp::create(
          b, can,
          arith::CmpIOp::create(b, arith::CmpIPredicate::uge, kt, idx(lag)));
    ifTrue(can, [&] {
      Value prevStage = arith::RemUIOp::create(b, prev, idx(stages));
      waitParity(doneBarrier(prevStage),
                 arith::DivUIOp::create(b, prev, idx(stages)));
      requestTile(refill, prevStage);
    });
  }
  epilogue();
}

//===----------------------------------------------------------------------===//
// On tensors: the marked reference contraction
//===----------------------------------------------------------------------===//

constexpr StringLiteral kMarker = "fp4.tcgen05_matmul";

/// fp4.matmul -> a linalg.generic over the components (codes, scales,
/// tensor scales) that decodes each element as the emulated path does
/// (SPEC 2.5: deq = (e2m1(q) * sf) * alpha, f32 products accumulated in
/// ascending k), marked for fp4-build-tcgen05-kernels. The kernel needs the
/// packed components in memory, so the contraction keeps them as operands
/// until bufferization has given them buffers.
struct Tcgen05MatmulLowering : OpConversionPattern<MatmulOp> {
  Tcgen05MatmulLowering(const TypeConverter &typeConverter, MLIRContext *ctx,
                        const NVVMTargetInfo &target,
                        const Tcgen05MatmulConfig &config)
      : OpConversionPattern<MatmulOp>(typeConverter, ctx, /*benefit=*/2),
        target(target), config(config) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::string why = whyNotTcgen05(op, target, config);
    if (!why.empty())
      return rewriter.notifyMatchFailure(op, why);
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    FP4TensorType lhsType = op.getLhs().getType();
    FP4TensorType rhsType = op.getRhs().getType();
    int64_t blockCols = lhsType.getBlockCols();
    linalg::GenericOp generic =
        buildComponentMatmul(b, op, adaptor.getLhs(), adaptor.getRhs());
    generic->setAttr(
        kMarker,
        DictionaryAttr::get(
            ctx, {b.getNamedAttr("block_cols", b.getI64IntegerAttr(blockCols)),
                  b.getNamedAttr("lhs_block_rows",
                                 b.getI64IntegerAttr(lhsType.getBlockRows())),
                  b.getNamedAttr("rhs_block_rows",
                                 b.getI64IntegerAttr(rhsType.getBlockRows())),
                  b.getNamedAttr("stages",
                                 b.getI64IntegerAttr(config.stages))}));
    Value acc =
        roundAccumulator(b, generic.getResult(0), op.getResult().getType());
    rewriter.replaceOp(op, acc);
    return success();
  }

  NVVMTargetInfo target;
  Tcgen05MatmulConfig config;
};

//===----------------------------------------------------------------------===//
// On buffers: the kernel
//===----------------------------------------------------------------------===//

bool isContiguous(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity() &&
         !type.getMemorySpace();
}

/// Replaces a marked contraction on buffers by TMA descriptors and the
/// kernel launch.
LogicalResult buildKernel(linalg::GenericOp op) {
  auto marker = op->getAttrOfType<DictionaryAttr>(kMarker);
  auto get = [&](StringRef name) -> int64_t {
    auto a = marker ? marker.getAs<IntegerAttr>(name) : IntegerAttr();
    return a ? a.getInt() : 0;
  };
  SmallVector<Value> ins = op.getDpsInputs();
  if (!op.hasPureBufferSemantics() || (ins.size() != 4 && ins.size() != 6) ||
      op.getNumDpsInits() != 1)
    return op.emitWarning("fp4.tcgen05_matmul contraction not in the expected "
                          "form; left as a loop nest");
  Value c = op.getDpsInits()[0];
  for (Value v : {ins[0], ins[1], ins[2], ins[3], c})
    if (!isContiguous(v))
      return op.emitWarning("tcgen05 kernel needs contiguous row-major "
                            "buffers; left as a loop nest");
  Tcgen05MatmulConfig config;
  config.stages = get("stages");
  KernelOperands ops;
  ops.blockCols = get("block_cols");
  ops.blockRowsA = get("lhs_block_rows");
  ops.blockRowsB = get("rhs_block_rows");
  if (config.stages < 1 || config.stages > 4 ||
      (ops.blockCols != 16 && ops.blockCols != 32) || ops.blockRowsA < 1 ||
      ops.blockRowsB < 1)
    return op.emitWarning("malformed fp4.tcgen05_matmul marker");

  // The kernel overwrites C (the first MMA does not read the accumulator):
  // the zero fill of the reference contraction's init is dead.
  eraseDeadFills(c, op);
  ImplicitLocOpBuilder b(op.getLoc(), op);
  MLIRContext *ctx = b.getContext();
  auto cType = cast<MemRefType>(c.getType());
  int64_t m = cType.getShape()[0], n = cType.getShape()[1];
  ops.k = 2 * cast<MemRefType>(ins[0].getType()).getShape()[1];
  if (m % Tcgen05MatmulConfig::kTileM || n % Tcgen05MatmulConfig::kTileN ||
      ops.k % Tcgen05MatmulConfig::kTileK)
    return op.emitWarning("fp4.tcgen05_matmul contraction does not fit the "
                          "kernel's tiles; left as a loop nest");

  // TMA descriptors of the packed codes: 128 rows x 128-byte boxes with the
  // 128-byte swizzle (SwizzledKMajorTile).
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto boxType = MemRefType::get(
      {Tcgen05MatmulConfig::kTileM, SwizzledKMajorTile::kRowBytes},
      b.getI8Type(), AffineMap(), wg);
  auto descType = nvgpu::TensorMapDescriptorType::get(
      ctx, boxType, nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
      nvgpu::TensorMapL2PromoKind::L2PROMO_NONE,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
  Type ptrType = LLVM::LLVMPointerType::get(ctx);
  auto tensorMap = [&](Value codes) -> Value {
    Value unranked = memref::CastOp::create(
        b, UnrankedMemRefType::get(b.getI8Type(), 0), codes);
    Value box[] = {
        arith::ConstantIndexOp::create(b, Tcgen05MatmulConfig::kTileM),
        arith::ConstantIndexOp::create(b, SwizzledKMajorTile::kRowBytes)};
    Value desc =
        nvgpu::TmaCreateDescriptorOp::create(b, descType, unranked, box);
    // The kernel takes the descriptor's device address as a pointer.
    return UnrealizedConversionCastOp::create(b, ptrType, desc).getResult(0);
  };
  ops.tmaA = tensorMap(ins[0]);
  ops.tmaB = tensorMap(ins[2]);
  ops.scalesA = ins[1];
  ops.scalesB = ins[3];
  if (ins.size() == 6) {
    ops.alphaA = ins[4];
    ops.alphaB = ins[5];
  }
  ops.c = c;

  Value one = arith::ConstantIndexOp::create(b, 1);
  auto launch = gpu::LaunchOp::create(
      b, arith::ConstantIndexOp::create(b, n / Tcgen05MatmulConfig::kTileN),
      arith::ConstantIndexOp::create(b, m / Tcgen05MatmulConfig::kTileM), one,
      arith::ConstantIndexOp::create(b, Tcgen05MatmulConfig::kThreads), one,
      one, arith::ConstantIntOp::create(b, config.sharedMemoryBytes(), 32));
  {
    OpBuilder::InsertionGuard guard(b);
    Block &body = launch.getBody().front();
    b.setInsertionPointToStart(&body);
    gpu::TerminatorOp::create(b);
    b.setInsertionPointToStart(&body);
    KernelBuilder(b, ops, config).build(launch);
  }
  op.erase();
  return success();
}

struct FP4BuildTcgen05KernelsPass
    : fp4::impl::FP4BuildTcgen05KernelsBase<FP4BuildTcgen05KernelsPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> marked;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->hasAttr(kMarker))
        marked.push_back(op);
    });
    for (linalg::GenericOp op : marked)
      (void)buildKernel(op);
  }
};

} // namespace

void mlir::fp4::populateTcgen05MatmulPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns,
    const NVVMTargetInfo &target, const Tcgen05MatmulConfig &config) {
  patterns.add<Tcgen05MatmulLowering>(typeConverter, patterns.getContext(),
                                      target, config);
}
