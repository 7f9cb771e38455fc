//===- MmaKernels.h - the mma.sync kernels of fp4-build-mma-kernels -*- C++ -*-===//

#ifndef FP4_LIB_CONVERSION_FP4TOHOPPER_MMAKERNELS_H
#define FP4_LIB_CONVERSION_FP4TOHOPPER_MMAKERNELS_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::fp4::mma {

/// Launch shape of the decode kernel for M x N x K.
struct DecodeShape {
  int64_t warps;   // warps per CTA: warps / kGroups row groups of 16 rows
  int64_t kGroups; // warps along K within a CTA (summed in shared memory)
  int64_t splits;  // CTAs along K (partial sums added with atomics if > 1)
};
DecodeShape chooseDecodeShape(int64_t n, int64_t k);

/// Buffers of a decode contraction C[m, n] += A[m, k] * W[n, k].
struct DecodeOperands {
  Value a;      // memref<M x K x bf16>
  Value codes;  // memref<N x K/2 x i8>
  Value scales; // memref<N x K/B x f8>
  Value alpha;  // f32 (nvfp4) or null
  Value c;      // memref<M x N x f32>
  /// With splits == 1 and !accumulate: C's rounding to a narrower float
  /// (memref<M x N x bf16/f16>) that the kernel writes instead of C.
  Value rounded;
  int64_t m, n, k, blockCols;
  bool roundWeights;
  bool accumulate; // C += product (else C = product; needs splits == 1)
};
/// Builds the gpu.launch of the decode kernel at the builder's position.
void buildDecodeKernel(ImplicitLocOpBuilder &b, const DecodeOperands &ops);

/// Buffers of a GEMM C[m, n] (+)= deq(A)[m, k] * deq(B)[n, k].
struct GemmOperands {
  Value codesA, scalesA, alphaA; // alpha null for mxfp4
  Value codesB, scalesB, alphaB;
  Value c;                       // memref<M x N x f32>
  int64_t m, n, k, blockCols, blockRowsB;
  int64_t stages;
  bool accumulate; // C += product (else C = product)
};
void buildGemmKernel(ImplicitLocOpBuilder &b, const GemmOperands &ops);

} // namespace mlir::fp4::mma

#endif // FP4_LIB_CONVERSION_FP4TOHOPPER_MMAKERNELS_H
