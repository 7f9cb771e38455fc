//===- FP4.h - fp4 dialect, types, attributes and ops ------------*- C++ -*-===//

#ifndef FP4DIALECT_IR_FP4_H
#define FP4DIALECT_IR_FP4_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "FP4Dialect/IR/FP4Enums.h.inc"
#include "FP4Dialect/IR/FP4Dialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "FP4Dialect/IR/FP4Attrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "FP4Dialect/IR/FP4Types.h.inc"

#define GET_OP_CLASSES
#include "FP4Dialect/IR/FP4Ops.h.inc"

#endif // FP4DIALECT_IR_FP4_H
