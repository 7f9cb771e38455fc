//===- BuildMmaKernels.cpp - marked fp4 contractions -> mma.sync kernels --===//
//
// The second step of the mma.sync lowering (MmaMatmul.h): every contraction
// on buffers marked by fp4-mark-mma-matmuls becomes a gpu.launch built by
// DecodeKernel.cpp (kind "decode") or GemmKernel.cpp (kind "gemm").
//
//===----------------------------------------------------------------------===//

#include "MmaKernels.h"

#include "FP4Dialect/Conversion/FP4ToArith.h"
#include "FP4Dialect/Conversion/HostScalars.h"
#include "FP4Dialect/Conversion/MmaMatmul.h"
#include "FP4Dialect/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4BUILDMMAKERNELS
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;

namespace {

bool isContiguous(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity() &&
         !type.getMemorySpace();
}

/// The host computations of the scalar operands (tensor scales) of `op`
/// that the kernel replacing it can repeat on the device: a scalar read from
/// a device buffer on the host costs a copy and a synchronization per call.
using ScalarSlices = SmallVector<std::pair<Value, SmallVector<Operation *>>>;
ScalarSlices recomputableScalars(linalg::GenericOp op) {
  ScalarSlices slices;
  for (Value v : op.getDpsInputs()) {
    SmallVector<Operation *> slice;
    if (v.getType().isIntOrIndexOrFloat() &&
        recomputableSlice(v, op, slice) && !slice.empty())
      slices.push_back({v, std::move(slice)});
  }
  return slices;
}

/// Repeats `slices` at the start of `launch` for its uses there.
void recomputeInKernel(gpu::LaunchOp launch, const ScalarSlices &slices) {
  Region &body = launch.getBody();
  OpBuilder b = OpBuilder::atBlockBegin(&body.front());
  for (const auto &[value, slice] : slices) {
    IRMapping map;
    for (Operation *def : slice)
      b.clone(*def, map);
    replaceAllUsesInRegionWith(value, map.lookup(value), body);
  }
}

/// The elementwise rounding `out = truncf(c)` right after `op`, when `c` is
/// a temporary that nothing else reads: the decode kernel can write `out`
/// itself. Null otherwise.
linalg::GenericOp roundingConsumer(linalg::GenericOp op, Value c) {
  auto round = dyn_cast_or_null<linalg::GenericOp>(op->getNextNode());
  if (!round || !round.hasPureBufferSemantics() ||
      round.getNumDpsInputs() != 1 || round.getNumDpsInits() != 1 ||
      round.getDpsInputs()[0] != c ||
      round.getNumParallelLoops() != round.getNumLoops() ||
      !llvm::all_of(round.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return {};
  Block &body = round.getRegion().front();
  auto trunc = dyn_cast<arith::TruncFOp>(&body.front());
  if (!trunc || trunc.getIn() != body.getArgument(0) ||
      trunc.getRoundingmodeAttr() ||
      body.getTerminator()->getOperand(0) != trunc.getResult())
    return {};
  // C: an allocation that only the contraction, the rounding and
  // deallocations use; the output: a distinct buffer the contraction does
  // not read, with C's shape.
  Value out = round.getDpsInits()[0];
  if (!isa_and_nonnull<memref::AllocOp>(c.getDefiningOp()) ||
      !llvm::all_of(c.getUsers(),
                    [&](Operation *u) {
                      return u == op || u == round ||
                             isa<memref::DeallocOp>(u);
                    }) ||
      !isContiguous(out) || !isDistinctBuffer(rootBuffer(out)) ||
      cast<MemRefType>(out.getType()).getShape() !=
          cast<MemRefType>(c.getType()).getShape() ||
      llvm::any_of(op.getDpsInputs(), [&](Value in) {
        return isa<MemRefType>(in.getType()) &&
               rootBuffer(in) == rootBuffer(out);
      }))
    return {};
  return round;
}

LogicalResult buildKernel(linalg::GenericOp op) {
  auto marker = op->getAttrOfType<DictionaryAttr>(kMmaMatmulMarker);
  auto getInt = [&](StringRef name) -> int64_t {
    auto a = marker ? marker.getAs<IntegerAttr>(name) : IntegerAttr();
    return a ? a.getInt() : 0;
  };
  auto kind = marker ? marker.getAs<StringAttr>("kind") : StringAttr();
  auto round = marker ? marker.getAs<BoolAttr>("round_weights") : BoolAttr();
  int64_t blockCols = getInt("block_cols");
  if (!kind || !round || (blockCols != 16 && blockCols != 32))
    return op.emitWarning("malformed fp4.mma_matmul marker");
  SmallVector<Value> ins = op.getDpsInputs();
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
    return op.emitWarning("fp4.mma_matmul contraction not on buffers; left "
                          "as a loop nest");
  Value c = op.getDpsInits()[0];
  for (Value v : ins)
    if (isa<MemRefType>(v.getType()) && !isContiguous(v))
      return op.emitWarning("mma.sync kernel needs contiguous row-major "
                            "buffers; left as a loop nest");
  if (!isContiguous(c))
    return op.emitWarning("mma.sync kernel needs contiguous row-major "
                          "buffers; left as a loop nest");
  auto cType = cast<MemRefType>(c.getType());
  // The kernel's location names it (fp4-dump-kernels: <func>.fp4.mma_<kind>).
  MLIRContext *ctx = op.getContext();
  Location loc = FusedLoc::get(
      ctx, {op.getLoc()}, StringAttr::get(ctx, "fp4.mma_" + kind.getValue()));
  ImplicitLocOpBuilder b(loc, op);
  // Decided before the kernel exists: its raw-pointer stores hide what it
  // writes, the contraction's memory effects do not.
  ScalarSlices scalars = recomputableScalars(op);
  auto finish = [&] {
    if (auto launch = dyn_cast_or_null<gpu::LaunchOp>(op->getPrevNode()))
      recomputeInKernel(launch, scalars);
    op.erase();
    return success();
  };

  if (kind.getValue() == "decode") {
    bool nv = blockCols == 16;
    if (ins.size() != (nv ? 4u : 3u))
      return op.emitWarning("malformed fp4.mma_matmul decode contraction");
    mma::DecodeOperands ops;
    ops.a = ins[0];
    ops.codes = ins[1];
    ops.scales = ins[2];
    ops.alpha = nv ? ins[3] : Value();
    ops.c = c;
    ops.m = cType.getShape()[0];
    ops.n = cType.getShape()[1];
    ops.k = cast<MemRefType>(ins[0].getType()).getShape()[1];
    ops.blockCols = blockCols;
    ops.roundWeights = round.getValue();
    if (ops.m > MmaDecodeConfig::kMaxM || ops.n % 16 ||
        ops.k % MmaDecodeConfig::kStepK)
      return op.emitWarning("fp4.mma_matmul decode contraction does not fit "
                            "the kernel; left as a loop nest");
    // One CTA along K stores C; a dead zero fill is then erased, and a
    // rounding of C that follows is done by the kernel.
    bool split = mma::chooseDecodeShape(ops.n, ops.k).splits > 1;
    ops.accumulate = split || !eraseDeadFills(c, op);
    linalg::GenericOp round =
        ops.accumulate ? linalg::GenericOp() : roundingConsumer(op, c);
    if (round)
      ops.rounded = round.getDpsInits()[0];
    mma::buildDecodeKernel(b, ops);
    if (round) {
      round.erase();
      for (Operation *user : llvm::make_early_inc_range(c.getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
    }
    LogicalResult built = finish();
    if (round && c.use_empty())
      c.getDefiningOp()->erase();
    return built;
  }

  if (kind.getValue() == "gemm") {
    bool nv = blockCols == 16;
    if (ins.size() != (nv ? 6u : 4u))
      return op.emitWarning("malformed fp4.mma_matmul gemm contraction");
    mma::GemmOperands ops;
    ops.codesA = ins[0];
    ops.scalesA = ins[1];
    ops.codesB = ins[2];
    ops.scalesB = ins[3];
    if (nv) {
      ops.alphaA = ins[4];
      ops.alphaB = ins[5];
    }
    ops.c = c;
    ops.m = cType.getShape()[0];
    ops.n = cType.getShape()[1];
    ops.k = 2 * cast<MemRefType>(ins[0].getType()).getShape()[1];
    ops.blockCols = blockCols;
    ops.blockRowsB = getInt("rhs_block_rows");
    ops.stages = MmaGemmConfig().stages;
    if (getInt("lhs_block_rows") != 1 ||
        (ops.blockRowsB != 1 && ops.blockRowsB != 16) ||
        ops.m % MmaGemmConfig::kTileM || ops.n % MmaGemmConfig::kTileN ||
        ops.k % (nv ? MmaGemmConfig::kTileK : 2 * MmaGemmConfig::kTileK))
      return op.emitWarning("fp4.mma_matmul gemm contraction does not fit "
                            "the kernel; left as a loop nest");
    // The reference contraction accumulates into a zero fill; when that
    // fill is dead the kernel stores C instead of adding to it.
    ops.accumulate = !eraseDeadFills(c, op);
    mma::buildGemmKernel(b, ops);
    return finish();
  }
  return op.emitWarning("unknown fp4.mma_matmul kind '")
         << kind.getValue() << "'";
}

struct FP4BuildMmaKernelsPass
    : fp4::impl::FP4BuildMmaKernelsBase<FP4BuildMmaKernelsPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> marked;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->hasAttr(kMmaMatmulMarker))
        marked.push_back(op);
    });
    for (linalg::GenericOp op : marked)
      (void)buildKernel(op);
  }
};

} // namespace
