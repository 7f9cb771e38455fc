//===- ScaleLayoutTest.cpp - block scales in the tcgen05 128x4 layout -----===//
//
// Checked against the 128x4 tiled scale layout of the cuBLAS/cuDNN block
// scaling documentation (its worked example: for a 128 x 128 NVFP4 matrix,
// the scale of elements (5, 32..47) is at offset 82 and that of (5, 80..95)
// at 593) and the tcgen05 scale-factor rules of PTX ISA 9.7.16.10.7
// (scale_vec::4X: 4 scales per row per K = 64, ID 0; scale_vec::2X: 2 per
// row, half word selected by ID 0 or 2).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Tcgen05/ScaleLayout.h"

#include <gtest/gtest.h>

#include <set>

using namespace mlir::fp4::tcgen05;

TEST(ScaleLayout, DocumentedExample) {
  // 128 x 128 NVFP4 -> 128 x 8 scales, two chunks per row block.
  EXPECT_EQ(ScaleLayout::tiledOffset(5, 2, 8), 82u);
  EXPECT_EQ(ScaleLayout::tiledOffset(5, 5, 8), 593u);
}

TEST(ScaleLayout, ChunkIsABijection) {
  std::set<uint32_t> seen;
  for (uint32_t r = 0; r < 128; ++r)
    for (uint32_t c = 0; c < 4; ++c) {
      uint32_t off = ScaleLayout::offset(r, c);
      EXPECT_LT(off, 512u);
      seen.insert(off);
    }
  EXPECT_EQ(seen.size(), 512u);
}

TEST(ScaleLayout, RowsOfTheCopy) {
  // tcgen05.cp.32x128b copies 32 rows of 16 bytes; row i holds the four
  // scales of rows i, 32 + i, 64 + i, 96 + i (one 32-bit column each).
  for (uint32_t i = 0; i < 32; ++i)
    for (uint32_t q = 0; q < 4; ++q)
      for (uint32_t c = 0; c < 4; ++c)
        EXPECT_EQ(ScaleLayout::offset(32 * q + i, c), 16 * i + 4 * q + c);
  EXPECT_EQ(ScaleLayout::wordOffset(33), 16u + 4u);
}

TEST(ScaleLayout, TiledGrid) {
  // 256 rows x 12 blocks: 2 x 3 chunks, row-major.
  EXPECT_EQ(ScaleLayout::tiledOffset(0, 4, 12), 512u);
  EXPECT_EQ(ScaleLayout::tiledOffset(128, 0, 12), 3 * 512u);
  EXPECT_EQ(ScaleLayout::tiledOffset(200, 9, 12),
            (1 * 3 + 2) * 512u + ScaleLayout::offset(72, 1));
  // Blocks padded to a multiple of 4.
  EXPECT_EQ(ScaleLayout::tiledOffset(128, 0, 6), 2 * 512u);
}

TEST(ScaleLayout, StepsOfAKTile) {
  // NVFP4 (block 16): each K = 64 step reads its own chunk with ID 0.
  for (uint32_t s = 0; s < 4; ++s) {
    EXPECT_EQ(ScaleLayout::forStep(s, 16).chunk, s);
    EXPECT_EQ(ScaleLayout::forStep(s, 16).id, 0u);
  }
  // MXFP4 (block 32): two steps share a chunk, low then high half word.
  EXPECT_EQ(ScaleLayout::forStep(0, 32).chunk, 0u);
  EXPECT_EQ(ScaleLayout::forStep(0, 32).id, 0u);
  EXPECT_EQ(ScaleLayout::forStep(1, 32).chunk, 0u);
  EXPECT_EQ(ScaleLayout::forStep(1, 32).id, 2u);
  EXPECT_EQ(ScaleLayout::forStep(2, 32).chunk, 1u);
  EXPECT_EQ(ScaleLayout::forStep(3, 32).id, 2u);
}

TEST(ScaleLayout, StepScalesCoverTheirK) {
  // Step s covers K = [64 s, 64 s + 64); the bytes it reads must be exactly
  // the scales of those K blocks for every row.
  for (uint32_t blockCols : {16u, 32u})
    for (uint32_t s = 0; s < 4; ++s) {
      ScaleLayout::StepScales st = ScaleLayout::forStep(s, blockCols);
      uint32_t perStep = 64 / blockCols; // 4 or 2 scales per row
      for (uint32_t r = 0; r < 128; ++r)
        for (uint32_t j = 0; j < perStep; ++j) {
          uint32_t block = s * perStep + j; // K block within the 256 tile
          uint32_t expected = (block / 4) * 512 + ScaleLayout::offset(r, block % 4);
          uint32_t actual = st.chunk * 512 + ScaleLayout::wordOffset(r) +
                            st.id + j;
          EXPECT_EQ(actual, expected) << blockCols << " " << s << " " << r;
        }
    }
}
