//===- Tcgen05Matmul.h - fp4.matmul as a tcgen05 block-scaled kernel -*- C++ -*-===//
//
// The sm_100a kernel for `fp4.matmul` (docs/blackwell.md): one CTA of 128
// threads per 128 x 128 output tile, the accumulator in tensor memory,
// operand tiles of 128 rows x 256 E2M1 values brought into shared memory by
// TMA (128-byte swizzle) in a ring of `stages` buffers tracked by mbarriers,
// block scales staged through shared memory in the 128x4 chunk layout and
// copied to tensor memory with tcgen05.cp, four
// `tcgen05.mma.cta_group::1.kind::{mxf4nvf4,mxf4}.block_scale` per K tile.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_TCGEN05MATMUL_H
#define FP4DIALECT_CONVERSION_TCGEN05MATMUL_H

#include "FP4Dialect/Conversion/NVVMTarget.h"
#include "FP4Dialect/IR/FP4.h"

#include <string>

namespace mlir {
class RewritePatternSet;
class TypeConverter;
namespace fp4 {

struct Tcgen05MatmulConfig {
  static constexpr int64_t kTileM = 128; // MMA M (cta_group::1)
  static constexpr int64_t kTileN = 128; // MMA N, one CTA's columns
  static constexpr int64_t kTileK = 256; // E2M1 values per operand row and K tile
  static constexpr int64_t kMmaK = 64;   // K of one tcgen05.mma
  static constexpr int64_t kThreads = 128;
  /// Shared-memory stages of the TMA/MMA pipeline (1..4).
  int64_t stages = 4;

  /// Bytes of one stage: A and B tiles (16 KiB each) and their scales.
  static int64_t stageBytes();
  /// Dynamic shared memory the kernel is launched with.
  int64_t sharedMemoryBytes() const;
  /// Tensor-memory columns allocated (a power of two >= 32).
  int64_t tensorMemoryColumns() const;
};

/// How `fp4.matmul` is lowered on an NVIDIA chip.
/// (Mma: the bf16 tensor-core kernels of MmaMatmul.h.)
enum class MatmulMode { Auto, Tcgen05, Mma, Emulated };
/// Parses "auto", "tcgen05", "mma", "emulated".
std::optional<MatmulMode> parseMatmulMode(llvm::StringRef mode);

/// Why `op` cannot use the tcgen05 kernel on `target` with `config`; empty
/// if it can. The messages are diagnostics ("tcgen05 kernel needs M to be a
/// multiple of 128 (got 4)").
std::string whyNotTcgen05(MatmulOp op, const NVVMTargetInfo &target,
                          const Tcgen05MatmulConfig &config);

/// A pattern (benefit 2, ahead of the emulated lowering) that rewrites each
/// `fp4.matmul` for which `whyNotTcgen05` is empty into a reference
/// `linalg.generic` over its components marked `fp4.tcgen05_matmul`;
/// `fp4-build-tcgen05-kernels` turns the marked contraction into the kernel
/// once it operates on buffers (GPU ops must not meet bufferization and
/// buffer deallocation).
void populateTcgen05MatmulPatterns(const TypeConverter &typeConverter,
                                   RewritePatternSet &patterns,
                                   const NVVMTargetInfo &target,
                                   const Tcgen05MatmulConfig &config);

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_CONVERSION_TCGEN05MATMUL_H
