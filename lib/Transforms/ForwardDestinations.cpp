//===- ForwardDestinations.cpp - block loops write into their outputs ------===//
//
// `tensor.empty` -> scf.forall shared_outs -> ... -> materialize_in_destination
// into a writable function argument: the empty tensor becomes that argument,
// so bufferization writes the loops in place (Passes.td has the conditions).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4FORWARDDESTINATIONS
#include "FP4Dialect/Transforms/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {

/// The `tensor.empty` that `value` is built from through the shared outputs
/// of scf.forall loops, each tensor on the way used once; null otherwise.
tensor::EmptyOp findEmptyOrigin(Value value) {
  while (value && value.hasOneUse()) {
    if (auto empty = value.getDefiningOp<tensor::EmptyOp>())
      return empty;
    auto result = dyn_cast<OpResult>(value);
    auto forall = result ? dyn_cast<scf::ForallOp>(result.getOwner()) : nullptr;
    if (!forall)
      return nullptr;
    value = forall.getOutputs()[result.getResultNumber()];
  }
  return nullptr;
}

struct FP4ForwardDestinationsPass
    : fp4::impl::FP4ForwardDestinationsBase<FP4ForwardDestinationsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &entry = func.getBody().front();
    SmallVector<bufferization::MaterializeInDestinationOp> stores;
    func.walk([&](bufferization::MaterializeInDestinationOp op) {
      stores.push_back(op);
    });
    for (bufferization::MaterializeInDestinationOp store : stores) {
      auto dest = dyn_cast<BlockArgument>(store.getDest());
      if (!dest || dest.getOwner() != &entry || !store.getWritable() ||
          !isa<MemRefType>(dest.getType()) || !dest.hasOneUse())
        continue;
      // The loop must hand back the value that is stored (a tensor result
      // with one use, the store), and it must start from an empty tensor.
      if (!isa_and_nonnull<scf::ForallOp>(store.getSource().getDefiningOp()))
        continue;
      tensor::EmptyOp empty = findEmptyOrigin(store.getSource());
      if (!empty || empty.getType() != store.getSource().getType())
        continue;
      OpBuilder b(empty);
      auto tensor = bufferization::ToTensorOp::create(
          b, empty.getLoc(), empty.getType(), dest, /*restrict=*/true,
          /*writable=*/true);
      empty.replaceAllUsesWith(tensor.getResult());
      empty.erase();
    }
  }
};

} // namespace
