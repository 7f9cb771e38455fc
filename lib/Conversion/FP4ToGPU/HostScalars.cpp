//===- HostScalars.cpp - host scalars a GPU kernel can recompute ----------===//

#include "FP4Dialect/Conversion/HostScalars.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

Value fp4::rootBuffer(Value memref) {
  while (Operation *def = memref.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      memref = view.getViewSource();
    else
      break;
  }
  return memref;
}

bool fp4::isDistinctBuffer(Value buffer) {
  if (auto arg = dyn_cast<BlockArgument>(buffer))
    return isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
  return isa_and_nonnull<memref::AllocOp, memref::AllocaOp, gpu::AllocOp>(
      buffer.getDefiningOp());
}

bool fp4::mayWrite(Operation *op, Value buffer) {
  WalkResult r = op->walk([&](Operation *o) {
    auto iface = dyn_cast<MemoryEffectOpInterface>(o);
    if (!iface)
      return o->hasTrait<OpTrait::HasRecursiveMemoryEffects>()
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    for (auto &effect : effects) {
      if (!isa<MemoryEffects::Write>(effect.getEffect()))
        continue;
      Value target =
          effect.getValue() ? rootBuffer(effect.getValue()) : Value();
      if (!target || target == buffer || !isDistinctBuffer(target))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return r.wasInterrupted();
}

bool fp4::loadIsStable(memref::LoadOp load, Operation *consumer) {
  Value buffer = rootBuffer(load.getMemref());
  if (!isDistinctBuffer(buffer))
    return false;
  Block *block = load->getBlock();
  Operation *ancestor = block->findAncestorOpInBlock(*consumer);
  if (!ancestor || !load->isBeforeInBlock(ancestor))
    return false;
  for (Operation *op = load->getNextNode(); op != ancestor;
       op = op->getNextNode())
    if (mayWrite(op, buffer))
      return false;
  for (Operation *op = consumer; op != ancestor; op = op->getParentOp())
    for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode())
      if (mayWrite(prev, buffer))
        return false;
  return !mayWrite(consumer, buffer);
}

bool fp4::canRecompute(Operation *op, Operation *consumer) {
  if (op->getNumRegions() != 0 || op->getNumResults() != 1 ||
      !op->getResult(0).getType().isIntOrIndexOrFloat())
    return false;
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return loadIsStable(load, consumer);
  return isPure(op);
}

bool fp4::recomputableSlice(Value v, Operation *consumer,
                            SmallVectorImpl<Operation *> &slice) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return true; // a block argument: passed in as it is
  if (llvm::is_contained(slice, def))
    return true;
  if (!canRecompute(def, consumer))
    return false;
  // A load's memref is passed in; its indices and a pure op's operands are
  // recomputed too.
  ValueRange operands = def->getOperands();
  if (auto load = dyn_cast<memref::LoadOp>(def))
    operands = load.getIndices();
  for (Value operand : operands)
    if (!recomputableSlice(operand, consumer, slice))
      return false;
  slice.push_back(def);
  return true;
}
