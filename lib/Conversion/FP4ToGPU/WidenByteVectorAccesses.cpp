//===- WidenByteVectorAccesses.cpp - byte vectors as 32-bit words ---------===//
//
// LLVM-dialect loads/stores of vector<4|8|16 x i8> become i32 / vector<2|4 x
// i32> accesses (Passes.td): NVPTX would otherwise access them byte by byte.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4WIDENBYTEVECTORACCESSES
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {

/// The 32-bit word type of the same size as a byte vector type; null for
/// other types.
Type wordType(Type type) {
  auto vec = dyn_cast<VectorType>(type);
  if (!vec || vec.getRank() != 1 || vec.isScalable() ||
      !vec.getElementType().isInteger(8))
    return {};
  Type i32 = IntegerType::get(type.getContext(), 32);
  switch (vec.getNumElements()) {
  case 4:
    return i32;
  case 8:
  case 16:
    return VectorType::get({vec.getNumElements() / 4}, i32);
  default:
    return {};
  }
}

struct FP4WidenByteVectorAccessesPass
    : fp4::impl::FP4WidenByteVectorAccessesBase<
          FP4WidenByteVectorAccessesPass> {
  void runOnOperation() override {
    getOperation()->walk([](Operation *op) {
      OpBuilder b(op);
      if (auto store = dyn_cast<LLVM::StoreOp>(op)) {
        Type word = wordType(store.getValue().getType());
        if (!word)
          return;
        Value w = LLVM::BitcastOp::create(b, store.getLoc(), word,
                                          store.getValue());
        store.getValueMutable().assign(w);
      } else if (auto load = dyn_cast<LLVM::LoadOp>(op)) {
        Type bytes = load.getType();
        Type word = wordType(bytes);
        if (!word)
          return;
        auto wide = cast<LLVM::LoadOp>(b.clone(*load));
        wide.getResult().setType(word);
        b.setInsertionPointAfter(wide);
        Value v = LLVM::BitcastOp::create(b, load.getLoc(), bytes, wide);
        load.replaceAllUsesWith(v);
        load.erase();
      }
    });
  }
};

} // namespace
