//===- ParallelLoopsToGPU.cpp - scf.parallel -> 1-D gpu.launch ------------===//
//
// One thread per iteration: the iteration space of a top-level parallel loop
// is linearized (row-major, last dimension fastest) and covered by a 1-D
// grid of fixed-size blocks.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4PARALLELLOOPSTOGPU
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {

/// True if `op` is nested in a parallel loop or a kernel.
bool isNested(Operation *op) {
  for (Operation *p = op->getParentOp(); p; p = p->getParentOp())
    if (isa<scf::ParallelOp, gpu::LaunchOp>(p))
      return true;
  return false;
}

LogicalResult convertToLaunch(scf::ParallelOp loop, int64_t threads) {
  if (loop.getNumReductions() != 0)
    return loop.emitRemark("parallel loop with reductions is not mapped to "
                           "the GPU by fp4-parallel-loops-to-gpu");
  ImplicitLocOpBuilder b(loop.getLoc(), loop);
  Value zero = arith::ConstantIndexOp::create(b, 0);
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value blockSize = arith::ConstantIndexOp::create(b, threads);

  // Trip count of each dimension and of the whole loop.
  SmallVector<Value> counts;
  Value total = one;
  for (auto [lb, ub, step] : llvm::zip_equal(
           loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value extent = arith::SubIOp::create(b, ub, lb);
    Value count = arith::CeilDivSIOp::create(b, extent, step);
    count = arith::MaxSIOp::create(b, count, zero);
    counts.push_back(count);
    total = arith::MulIOp::create(b, total, count);
  }
  Value blocks = arith::CeilDivSIOp::create(b, total, blockSize);
  // An empty loop launches nothing (a zero-size grid is a launch error).
  Value nonEmpty =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, total, zero);
  auto guard = scf::IfOp::create(b, nonEmpty, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&guard.getThenRegion().front());

  auto launch = gpu::LaunchOp::create(b, blocks, one, one, blockSize, one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&body);

  // id = blockIdx.x * threads + threadIdx.x; run iteration `id` if in range.
  Value id = arith::AddIOp::create(
      b, arith::MulIOp::create(b, launch.getBlockIds().x, blockSize),
      launch.getThreadIds().x);
  Value inRange = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, id,
                                        total);
  auto ifOp = scf::IfOp::create(b, inRange, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());

  // Delinearize, last dimension fastest.
  IRMapping mapping;
  Value rest = id;
  int64_t rank = counts.size();
  SmallVector<Value> ivs(rank);
  for (int64_t d = rank - 1; d >= 0; --d) {
    Value idx = d == 0 ? rest : arith::RemSIOp::create(b, rest, counts[d]);
    if (d > 0)
      rest = arith::DivSIOp::create(b, rest, counts[d]);
    ivs[d] = arith::AddIOp::create(
        b, loop.getLowerBound()[d],
        arith::MulIOp::create(b, idx, loop.getStep()[d]));
  }
  for (auto [iv, value] : llvm::zip_equal(loop.getInductionVars(), ivs))
    mapping.map(iv, value);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
  return success();
}

struct FP4ParallelLoopsToGPUPass
    : mlir::fp4::impl::FP4ParallelLoopsToGPUBase<FP4ParallelLoopsToGPUPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!isNested(loop))
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops)
      (void)convertToLaunch(loop, threadsPerBlock);
  }
};

} // namespace
