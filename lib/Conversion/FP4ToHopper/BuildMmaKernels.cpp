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
    // One CTA along K stores C; a dead zero fill is then erased.
    ops.accumulate = mma::chooseDecodeShape(ops.n, ops.k).splits > 1 ||
                     !eraseDeadFills(c, op);
    mma::buildDecodeKernel(b, ops);
    return finish();
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
