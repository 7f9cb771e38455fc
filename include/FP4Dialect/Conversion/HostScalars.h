//===- HostScalars.h - host scalars a GPU kernel can recompute --*- C++ -*-===//
//
// On the GPU path every buffer is device memory: a scalar the host reads
// from one (an amax or tensor-scale operand) costs a device-to-host copy and
// a synchronization per call. Kernels read such scalars themselves instead.
// These helpers decide when that is the same value: the buffer is distinct
// (a function argument or an allocation) and nothing between the host read
// and the kernel, nor the kernel itself, may write it.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_HOSTSCALARS_H
#define FP4DIALECT_CONVERSION_HOSTSCALARS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Operation.h"

namespace mlir::fp4 {

/// The buffer a memref value views (through subviews and casts).
Value rootBuffer(Value memref);

/// Whether `buffer` is a distinct buffer: a function argument (arguments do
/// not alias, as one-shot bufferization assumes) or an allocation.
bool isDistinctBuffer(Value buffer);

/// Whether `op` (with what it contains) may write `buffer`. Writes to other
/// distinct buffers do not count; writes whose target is unknown do.
bool mayWrite(Operation *op, Value buffer);

/// Whether the host load `load` reads the same value when it is repeated at
/// the start of `consumer` (a kernel, or an op that becomes one): the loaded
/// buffer is distinct and nothing between the two, nor `consumer` itself,
/// may write it.
bool loadIsStable(memref::LoadOp load, Operation *consumer);

/// Whether the host op `op` can be repeated at the start of `consumer`: a
/// pure scalar op (no regions) or a scalar load that reads the same value
/// there (loadIsStable). Its operands are not looked at.
bool canRecompute(Operation *op, Operation *consumer);

/// The host ops that compute the scalar `v`, in order, when all of them can
/// be repeated at the start of `consumer`: pure scalar ops and stable loads
/// (block arguments end the walk: they are passed in). Returns false, with
/// `slice` unspecified, when some op cannot.
bool recomputableSlice(Value v, Operation *consumer,
                       SmallVectorImpl<Operation *> &slice);

} // namespace mlir::fp4

#endif // FP4DIALECT_CONVERSION_HOSTSCALARS_H
