//===- FP4Dialect.cpp - fp4 dialect registration --------------------------===//

#include "FP4Dialect/IR/FP4.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::fp4;

#include "FP4Dialect/IR/FP4Dialect.cpp.inc"
#include "FP4Dialect/IR/FP4Enums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "FP4Dialect/IR/FP4Attrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "FP4Dialect/IR/FP4Types.cpp.inc"

void FP4Dialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "FP4Dialect/IR/FP4Ops.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "FP4Dialect/IR/FP4Types.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "FP4Dialect/IR/FP4Attrs.cpp.inc"
      >();
}
