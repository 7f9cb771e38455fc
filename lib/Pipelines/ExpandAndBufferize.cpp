//===- ExpandAndBufferize.cpp - the front of every fp4 pipeline -----------===//

#include "Common.h"
#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
/// Prepares user code around the fp4 ops for bufferization:
/// * marks the tensor arguments of the runner-utils print functions
///   (`printMemrefF32(tensor<*xf32>)`, ...) read-only, so printing a tensor
///   that is used again needs no copy (they only read);
/// * rewrites `tensor.bitcast` (which has no bufferization) into the
///   equivalent elementwise `arith.bitcast`, e.g. to read scale bytes.
struct PrepareBufferizationPass
    : PassWrapper<PrepareBufferizationPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(PrepareBufferizationPass)
  StringRef getArgument() const override {
    return "fp4-prepare-bufferization";
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func.isExternal() || !func.getName().starts_with("printMemref"))
        continue;
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        if (isa<TensorType>(func.getArgumentTypes()[i]) &&
            !func.getArgAttr(i, "bufferization.access"))
          func.setArgAttr(i, "bufferization.access",
                          StringAttr::get(&getContext(), "read"));
    }
    module.walk([](tensor::BitcastOp op) {
      OpBuilder b(op);
      Value cast = arith::BitcastOp::create(b, op.getLoc(), op.getType(),
                                            op.getSource());
      op.replaceAllUsesWith(cast);
      op.erase();
    });
  }
};
} // namespace

void mlir::fp4::buildFP4ExpandAndBufferizePipeline(OpPassManager &pm) {
  // fp4 ops -> tensor/scf/vector/arith/linalg (SPEC section 2 as IR).
  pm.addPass(fp4::createConvertFP4ToArith());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(std::make_unique<PrepareBufferizationPass>());
  // Elementwise arith on tensors (e.g. a user's arith.bitcast of scales).
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  // E4M3 conversions (e.g. a user's arith.extf of NVFP4 scales) as integer
  // code: LLVM has no E4M3 type.
  pm.addPass(fp4::createFP4ExpandF8Conversions());

  // Tensors -> buffers.
  bufferization::OneShotBufferizePassOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.allowReturnAllocsFromLoops = true;
  bufferization.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Block-loop tiles are written straight into their outputs (the fp4 block
  // loops through fp4-forward-destinations, linalg ops through upstream
  // empty-tensor elimination).
  pm.addNestedPass<func::FuncOp>(fp4::createFP4ForwardDestinations());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  bufferization::buildBufferDeallocationPipeline(pm);
}

