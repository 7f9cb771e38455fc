//===- LegalizeGPUHost.cpp - host code of the GPU path on device memory ---===//
//
// After fp4-parallel-loops-to-gpu, kernels (gpu.launch) read and write the
// function's buffers directly, so every buffer must be device memory. This
// pass rewrites what remains on the host: allocations, copies, constants and
// the few scalar loads/stores. Scalars that kernels need (the tensor amax and
// what is computed from it, e.g. the NVFP4 tensor scale) are recomputed in
// the kernels that use them instead of being read back to the host: a host
// read costs a synchronization of the stream per call.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4LEGALIZEGPUHOST
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {

bool onHost(Operation *op) { return !op->getParentOfType<gpu::LaunchOp>(); }

/// A one-thread kernel whose body `body` builds; returns after the launch.
void buildSingleThreadKernel(ImplicitLocOpBuilder &b,
                             function_ref<void(ImplicitLocOpBuilder &)> body) {
  Value one = arith::ConstantIndexOp::create(b, 1);
  auto launch = gpu::LaunchOp::create(b, one, one, one, one, one, one);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  body(b);
  gpu::TerminatorOp::create(b);
}

Value deviceAlloc(ImplicitLocOpBuilder &b, MemRefType type,
                  ValueRange dynamicSizes = {}) {
  return gpu::AllocOp::create(b, type, /*asyncToken=*/Type(), ValueRange{},
                              dynamicSizes, ValueRange{})
      .getMemref();
}

void deviceFree(ImplicitLocOpBuilder &b, Value memref) {
  gpu::DeallocOp::create(b, /*asyncToken=*/Type(), ValueRange{}, memref);
}

void copy(ImplicitLocOpBuilder &b, Value dst, Value src) {
  gpu::MemcpyOp::create(b, /*asyncToken=*/Type(), ValueRange{}, dst, src);
}

/// Frees `memref` before every return of `func`.
void freeAtReturns(func::FuncOp func, Value memref) {
  func.walk([&](func::ReturnOp ret) {
    ImplicitLocOpBuilder b(ret.getLoc(), ret);
    deviceFree(b, memref);
  });
}

/// The buffer a memref value views (through subviews and casts).
Value rootBuffer(Value memref) {
  while (Operation *def = memref.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      memref = view.getViewSource();
    else
      break;
  }
  return memref;
}

/// Whether `buffer` is a distinct buffer: a function argument (arguments do
/// not alias, as one-shot bufferization assumes) or an allocation.
bool isDistinctBuffer(Value buffer) {
  if (auto arg = dyn_cast<BlockArgument>(buffer))
    return isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
  return isa_and_nonnull<memref::AllocOp, memref::AllocaOp, gpu::AllocOp>(
      buffer.getDefiningOp());
}

/// Whether `op` (with what it contains) may write `buffer`. Writes to other
/// distinct buffers do not count; writes whose target is unknown do.
bool mayWrite(Operation *op, Value buffer) {
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
      Value target = effect.getValue() ? rootBuffer(effect.getValue()) : Value();
      if (!target || target == buffer || !isDistinctBuffer(target))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return r.wasInterrupted();
}

/// Whether the host load `load` reads the same value when it is moved into
/// `launch`: the loaded buffer is distinct and nothing between the two, nor
/// the kernel itself, may write it.
bool loadIsStable(memref::LoadOp load, gpu::LaunchOp launch) {
  Value buffer = rootBuffer(load.getMemref());
  if (!isDistinctBuffer(buffer))
    return false;
  Block *block = load->getBlock();
  Operation *ancestor = block->findAncestorOpInBlock(*launch);
  if (!ancestor || !load->isBeforeInBlock(ancestor))
    return false;
  for (Operation *op = load->getNextNode(); op != ancestor;
       op = op->getNextNode())
    if (mayWrite(op, buffer))
      return false;
  for (Operation *op = launch; op != ancestor; op = op->getParentOp())
    for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode())
      if (mayWrite(prev, buffer))
        return false;
  return !mayWrite(launch, buffer);
}

/// Whether the host op `op` can be recomputed inside `launch`: a pure scalar
/// op (no regions) or a scalar load that reads the same value there.
bool canRecompute(Operation *op, gpu::LaunchOp launch) {
  if (op->getNumRegions() != 0 || op->getNumResults() != 1)
    return false;
  Type type = op->getResult(0).getType();
  if (!type.isIntOrIndexOrFloat())
    return false;
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return loadIsStable(load, launch);
  return isPure(op);
}

/// Recomputes in each kernel the host scalars it uses (transitively), so that
/// scalars derived from device memory never go through the host.
void recomputeScalarsInKernels(func::FuncOp func) {
  SmallVector<gpu::LaunchOp> launches;
  func.walk([&](gpu::LaunchOp l) { launches.push_back(l); });
  for (gpu::LaunchOp launch : launches) {
    Region &body = launch.getBody();
    bool changed = true;
    while (changed) {
      changed = false;
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(body, captured);
      for (Value v : captured) {
        Operation *def = v.getDefiningOp();
        if (!def || !canRecompute(def, launch))
          continue;
        OpBuilder b = OpBuilder::atBlockBegin(&body.front());
        Operation *clone = b.clone(*def);
        replaceAllUsesInRegionWith(v, clone->getResult(0), body);
        changed = true;
      }
    }
  }
  // Host computations left without users (in reverse order, users first).
  SmallVector<Operation *> hostOps;
  func.walk([&](Operation *op) {
    if (onHost(op) && op->getNumRegions() == 0 && op->getNumResults() &&
        (isPure(op) || isa<memref::LoadOp>(op)))
      hostOps.push_back(op);
  });
  for (Operation *op : llvm::reverse(hostOps))
    if (op->use_empty())
      op->erase();
}

struct FP4LegalizeGPUHostPass
    : mlir::fp4::impl::FP4LegalizeGPUHostBase<FP4LegalizeGPUHostPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Host stores into device memory become one-thread kernels first, so
    // that the scalars they store are recomputed on the device as well.
    SmallVector<memref::StoreOp> stores;
    func.walk([&](memref::StoreOp store) {
      if (onHost(store) && !isa_and_nonnull<memref::AllocaOp>(
                               store.getMemref().getDefiningOp()))
        stores.push_back(store);
    });
    for (memref::StoreOp store : stores) {
      ImplicitLocOpBuilder b(store.getLoc(), store);
      buildSingleThreadKernel(b, [&](ImplicitLocOpBuilder &kb) {
        memref::StoreOp::create(kb, store.getValueToStore(), store.getMemref(),
                                store.getIndices());
      });
      store.erase();
    }
    recomputeScalarsInKernels(func);

    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      if (onHost(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      ImplicitLocOpBuilder b(op->getLoc(), op);
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        if (!alloc.getSymbolOperands().empty() ||
            !alloc.getType().getLayout().isIdentity()) {
          alloc.emitError("fp4 GPU path: cannot move this allocation to the "
                          "device (non-identity layout)");
          return signalPassFailure();
        }
        alloc.replaceAllUsesWith(
            deviceAlloc(b, alloc.getType(), alloc.getDynamicSizes()));
        alloc.erase();
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        deviceFree(b, dealloc.getMemref());
        dealloc.erase();
      } else if (auto copyOp = dyn_cast<memref::CopyOp>(op)) {
        copy(b, copyOp.getTarget(), copyOp.getSource());
        copyOp.erase();
      } else if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
        // Constants live in host memory: give the kernels a device copy.
        b.setInsertionPointAfter(global);
        Value device = deviceAlloc(b, global.getType());
        global.getResult().replaceAllUsesWith(device);
        copy(b, device, global.getResult());
        freeAtReturns(func, device);
      } else if (auto load = dyn_cast<memref::LoadOp>(op)) {
        // Device value -> one-element device buffer -> host.
        Type elt = load.getType();
        auto one = MemRefType::get({1}, elt);
        Value staging = deviceAlloc(b, one);
        buildSingleThreadKernel(b, [&](ImplicitLocOpBuilder &kb) {
          Value v = memref::LoadOp::create(kb, load.getMemref(),
                                           load.getIndices());
          Value zero = arith::ConstantIndexOp::create(kb, 0);
          memref::StoreOp::create(kb, v, staging, ValueRange{zero});
        });
        Value host = memref::AllocaOp::create(b, one);
        copy(b, host, staging);
        deviceFree(b, staging);
        Value zero = arith::ConstantIndexOp::create(b, 0);
        Value v = memref::LoadOp::create(b, host, ValueRange{zero});
        load.replaceAllUsesWith(v);
        load.erase();
      } else if (isa<vector::TransferReadOp, vector::TransferWriteOp,
                     vector::LoadOp, vector::StoreOp>(op)) {
        op->emitError("fp4 GPU path: vector memory access on the host is "
                      "not supported (it would read device memory)");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
