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

#include "FP4Dialect/Conversion/HostScalars.h"
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
using namespace mlir::fp4;

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
