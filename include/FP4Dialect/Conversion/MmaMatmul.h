//===- MmaMatmul.h - fp4 matmuls as mma.sync kernels (sm_80+) ----*- C++ -*-===//
//
// Chips without FP4 tensor cores (sm_90a Hopper, and sm_80-class chips) run
// fp4 contractions on bf16 tensor cores (docs/hopper-matmul.md). Two steps,
// like the tcgen05 kernel of sm_100a:
//
//  1. fp4-mark-mma-matmuls (on tensors, before convert-fp4-to-arith): an
//     `fp4.matmul` (W4A4 GEMM) and a W4A16 "decode" contraction (bf16
//     activations x `fp4.dequantize` of fp4 weights) become a reference
//     `linalg.generic` over the packed components (codes, scales, alpha),
//     marked `fp4.mma_matmul`;
//  2. fp4-build-mma-kernels (on buffers): each marked contraction becomes a
//     `gpu.launch` that dequantizes the E2M1 codes to bf16 in registers and
//     multiplies on tensor cores with `nvvm.mma.sync` m16n8k16 (f32
//     accumulation).
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_MMAMATMUL_H
#define FP4DIALECT_CONVERSION_MMAMATMUL_H

#include "FP4Dialect/IR/FP4.h"

#include <string>

namespace mlir {
class RewritePatternSet;
namespace linalg {
class LinalgOp;
} // namespace linalg
namespace fp4 {

/// The attribute that marks a reference contraction for fp4-build-mma-kernels:
/// a dictionary {kind = "gemm" | "decode", block_cols, lhs_block_rows,
/// rhs_block_rows, round_weights}.
constexpr llvm::StringLiteral kMmaMatmulMarker = "fp4.mma_matmul";

/// Tiles of the small-M ("decode", W4A16) kernel: each warp computes 16
/// weight rows x M (<= 16) activation rows over one K range, 128 K values per
/// step (16 code bytes per lane and row).
struct MmaDecodeConfig {
  static constexpr int64_t kMaxM = 16;
  static constexpr int64_t kRowsPerWarp = 16;
  static constexpr int64_t kStepK = 128;
};

/// Tiles of the GEMM (W4A4) kernel: a CTA of 8 warps (2 x 4) computes a
/// 128 x 128 tile of C; K tiles of 64 values go through a ring of `stages`
/// shared-memory buffers filled with cp.async.
struct MmaGemmConfig {
  static constexpr int64_t kTileM = 128;
  static constexpr int64_t kTileN = 128;
  static constexpr int64_t kTileK = 64;
  static constexpr int64_t kThreads = 256;
  int64_t stages = 4;
};

/// Why `op` cannot use the mma.sync GEMM kernel; empty if it can. The
/// messages are diagnostics ("mma.sync kernel needs M to be a multiple of
/// 128 (got 100)").
std::string whyNotMmaGemm(MatmulOp op);

/// Options of the marking patterns.
struct MmaMatmulOptions {
  /// Mark `fp4.matmul` (GEMM kernel).
  bool gemm = true;
  /// Mark W4A16 decode contractions (small-M kernel).
  bool decode = true;
  /// For a decode contraction whose weights are dequantized to bf16 (nvfp4):
  /// true reproduces the rounding of each dequantized weight to bf16 in the
  /// kernel (bit-exact weights, slower); false multiplies the accumulator by
  /// alpha instead (exact weights, the intermediate rounding is elided).
  bool exactDequantize = true;
};

/// Patterns rewriting each `fp4.matmul` that the GEMM kernel can compute and
/// each W4A16 decode contraction into a reference `linalg.generic` over the
/// fp4 components (`fp4.values`, `fp4.scales`, `fp4.tensor_scale`) marked
/// `kMmaMatmulMarker`. Contractions the kernels cannot compute are left
/// alone (the emulated lowering takes them).
void populateMmaMatmulMarkingPatterns(RewritePatternSet &patterns,
                                      const MmaMatmulOptions &options);

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_CONVERSION_MMAMATMUL_H
