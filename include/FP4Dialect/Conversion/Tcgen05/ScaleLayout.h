//===- ScaleLayout.h - block scales in the tcgen05 128x4 layout --*- C++ -*-===//
//
// fp4 keeps block scales row-major (`fp4.scales`: one byte per block, rows x
// blocks). The block-scaled tcgen05.mma reads them from tensor memory, where
// `tcgen05.cp.cta_group::1.32x128b.warpx4` places a 512-byte chunk: the
// scales of 128 rows x 4 consecutive blocks. The chunk's bytes are ordered
// as the "128x4 tiled" layout of the cuBLAS/cuDNN block-scaling docs:
//
//   offset(r, c) = (r % 32) * 16 + (r / 32) * 4 + c      r < 128, c < 4
//
// i.e. 32 rows of 16 bytes; row i of the chunk holds, for the four row
// quadrants q, the four scales of row 32q + i. The copy writes chunk row i
// to tensor-memory lane i (and, .warpx4, to lanes 32 + i, 64 + i, 96 + i),
// as four 32-bit columns: column q holds row 32q + i's four scales, so the
// MMA finds row r's scales in lane r, column r / 32 of the chunk.
//
// One K = 64 MMA step consumes 4 scales per row with block16 (nvfp4,
// `scale_vec::4X`: one chunk per step, scale data ID 0) and 2 with block32
// (mxfp4, `scale_vec::2X`: one chunk per two steps, the low half word with
// ID 0, the high half word with ID 2).
//
// A whole R x B scale matrix in this layout (what cuBLASLt takes, used here
// for testing the chunk order) is a row-major grid of chunks, 128 rows x 4
// blocks each, padded to whole chunks:
//
//   tiledOffset(r, c) = ((r / 128) * ceil(B / 4) + c / 4) * 512 + offset(r % 128, c % 4)
//
// No MLIR dependency: unit-tested in test/Blackwell/unittests.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_TCGEN05_SCALELAYOUT_H
#define FP4DIALECT_CONVERSION_TCGEN05_SCALELAYOUT_H

#include <cstdint>

namespace mlir::fp4::tcgen05 {

struct ScaleLayout {
  static constexpr uint32_t kChunkRows = 128;
  static constexpr uint32_t kChunkBlocks = 4;
  static constexpr uint32_t kChunkBytes = 512;
  /// Tensor-memory columns one chunk occupies (4 x 32 bits per lane).
  static constexpr uint32_t kChunkColumns = 4;

  /// Byte offset of the scale of row `r` (< 128), block `c` (< 4) in a chunk.
  static uint32_t offset(uint32_t r, uint32_t c) {
    return (r % 32) * 16 + (r / 32) * 4 + c;
  }
  /// Byte offset of the 32-bit word holding row `r`'s four scales.
  static uint32_t wordOffset(uint32_t r) { return offset(r, 0); }
  /// Byte offset of scale (r, c) of an R x `blocks` matrix in the tiled
  /// layout (chunks row-major, `blocks` padded to a multiple of 4).
  static uint64_t tiledOffset(uint64_t r, uint64_t c, uint64_t blocks) {
    uint64_t chunksPerRow = (blocks + kChunkBlocks - 1) / kChunkBlocks;
    return ((r / kChunkRows) * chunksPerRow + c / kChunkBlocks) * kChunkBytes +
           offset(r % kChunkRows, c % kChunkBlocks);
  }

  /// For the MMA step `step` (K = 64 each) of a K tile: which chunk of the
  /// tile's scales it reads and the scale data ID (instruction descriptor
  /// bits 4-5 / 29-30). `blockCols` is 16 (nvfp4) or 32 (mxfp4).
  struct StepScales {
    uint32_t chunk;
    uint32_t id;
  };
  static StepScales forStep(uint32_t step, uint32_t blockCols) {
    if (blockCols == 16)
      return {step, 0};
    return {step / 2, (step % 2) * 2};
  }
};

} // namespace mlir::fp4::tcgen05

#endif // FP4DIALECT_CONVERSION_TCGEN05_SCALELAYOUT_H
