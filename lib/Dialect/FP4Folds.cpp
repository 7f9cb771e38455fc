//===- FP4Folds.cpp - folders of the component ops ------------------------===//
//
// values/scales/tensor_scale of a pack forward the packed component, and a
// pack of the components of one tensor is that tensor. Folding fp4 ops on
// constant data lives in the --fp4-fold-constants pass (it may be large).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/IR/FP4.h"

using namespace mlir;
using namespace mlir::fp4;

OpFoldResult ValuesOp::fold(FoldAdaptor) {
  if (auto pack = getInput().getDefiningOp<PackOp>())
    return pack.getValues();
  return {};
}

OpFoldResult ScalesOp::fold(FoldAdaptor) {
  if (auto pack = getInput().getDefiningOp<PackOp>())
    return pack.getScales();
  return {};
}

OpFoldResult TensorScaleOp::fold(FoldAdaptor) {
  if (auto pack = getInput().getDefiningOp<PackOp>())
    return pack.getAlpha();
  return {};
}

OpFoldResult PackOp::fold(FoldAdaptor) {
  auto values = getValues().getDefiningOp<ValuesOp>();
  auto scales = getScales().getDefiningOp<ScalesOp>();
  if (!values || !scales || values.getInput() != scales.getInput() ||
      values.getInput().getType() != getResult().getType())
    return {};
  if (Value alpha = getAlpha()) {
    auto ts = alpha.getDefiningOp<TensorScaleOp>();
    if (!ts || ts.getInput() != values.getInput())
      return {};
  }
  return values.getInput();
}
