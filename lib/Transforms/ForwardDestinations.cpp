//===- ForwardDestinations.cpp - block loops write into their outputs ------===//
//
// `tensor.empty` -> scf.forall shared_outs / linalg inits -> ... ->
// materialize_in_destination
// into a writable function argument: the empty tensor becomes that argument,
// so bufferization writes the loops in place (Passes.td has the conditions).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4FORWARDDESTINATIONS
#include "FP4Dialect/Transforms/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {

/// The destination a result is written into: the shared output of an
/// scf.forall, the init of a destination-style op (linalg); null otherwise.
Value tiedDestination(OpResult result) {
  Operation *owner = result.getOwner();
  if (auto forall = dyn_cast<scf::ForallOp>(owner))
    return forall.getOutputs()[result.getResultNumber()];
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(owner))
    return dps.hasPureTensorSemantics() ? dps.getTiedOpOperand(result)->get()
                                        : Value();
  return nullptr;
}

/// The `tensor.empty` that `value` is built from through the shared outputs
/// of scf.forall loops and the inits of linalg ops, each tensor on the way
/// used once; null otherwise.
tensor::EmptyOp findEmptyOrigin(Value value) {
  while (value && value.hasOneUse()) {
    if (auto empty = value.getDefiningOp<tensor::EmptyOp>())
      return empty;
    auto result = dyn_cast<OpResult>(value);
    value = result ? tiedDestination(result) : Value();
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
      // The loop (or linalg op) must hand back the value that is stored (a
      // tensor result with one use, the store), and it must start from an
      // empty tensor.
      auto source = dyn_cast<OpResult>(store.getSource());
      if (!source || !tiedDestination(source))
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
