//===- SmemDescriptorTest.cpp - tcgen05 shared memory descriptor ----------===//
//
// Checked against PTX ISA 9.7.16.4.1, "Shared memory descriptor layout",
// "Starting address of repeating pattern for various swizzling modes" and
// the canonical K-major layouts of 9.7.16.4 (128-byte swizzle: 8-row atoms,
// 16-byte chunk c of row r at c ^ (r % 8)).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Tcgen05/SmemDescriptor.h"

#include <gtest/gtest.h>

#include <set>

using namespace mlir::fp4::tcgen05;

namespace {
uint64_t field(uint64_t d, int lo, int bits) {
  return (d >> lo) & ((uint64_t(1) << bits) - 1);
}
} // namespace

TEST(SmemDescriptor, FieldPositions) {
  SmemDescriptor d;
  d.startAddress = 0x12340;
  d.leadingByteOffset = 0x80;
  d.strideByteOffset = 0x400;
  d.baseOffset = 5;
  d.leadingAbsolute = true;
  d.swizzle = Swizzle::B64;
  ASSERT_TRUE(d.validate().empty());
  uint64_t v = d.encode();
  EXPECT_EQ(field(v, 0, 14), 0x1234u);  // (addr & 0x3FFFF) >> 4
  EXPECT_EQ(field(v, 14, 2), 0u);       // reserved
  EXPECT_EQ(field(v, 16, 14), 0x8u);    // LBO >> 4
  EXPECT_EQ(field(v, 30, 2), 0u);       // reserved
  EXPECT_EQ(field(v, 32, 14), 0x40u);   // SBO >> 4
  EXPECT_EQ(field(v, 46, 3), 1u);       // fixed 0b001
  EXPECT_EQ(field(v, 49, 3), 5u);       // base offset
  EXPECT_EQ(field(v, 52, 1), 1u);       // absolute leading dimension
  EXPECT_EQ(field(v, 53, 8), 0u);       // fixed 0
  EXPECT_EQ(field(v, 61, 3), 4u);       // 64-byte swizzle
}

TEST(SmemDescriptor, SwizzleCodes) {
  EXPECT_EQ(uint32_t(Swizzle::None), 0u);
  EXPECT_EQ(uint32_t(Swizzle::B128Atom32), 1u);
  EXPECT_EQ(uint32_t(Swizzle::B128), 2u);
  EXPECT_EQ(uint32_t(Swizzle::B64), 4u);
  EXPECT_EQ(uint32_t(Swizzle::B32), 6u);
  EXPECT_EQ(SmemDescriptor::patternBytes(Swizzle::B128), 1024u);
  EXPECT_EQ(SmemDescriptor::patternBytes(Swizzle::B64), 512u);
  EXPECT_EQ(SmemDescriptor::patternBytes(Swizzle::B32), 256u);
  SmemDescriptor d;
  d.swizzle = Swizzle(3);
  EXPECT_FALSE(d.validate().empty());
}

TEST(SmemDescriptor, Alignment) {
  SmemDescriptor d;
  d.startAddress = 8;
  EXPECT_FALSE(d.validate().empty());
  d.startAddress = 16;
  d.strideByteOffset = 1000;
  EXPECT_FALSE(d.validate().empty());
  d.strideByteOffset = 1024;
  EXPECT_TRUE(d.validate().empty());
  d.startAddress = 1u << 18;
  EXPECT_FALSE(d.validate().empty());
}

// The same bits as MLIR's nvvm.tcgen05.mma_smem_desc builds for (start 0,
// LBO 1, SBO 64, base 0, relative, swizzle 2), translated to LLVM IR:
// 0x4000404000010000.
TEST(SmemDescriptor, MatchesUpstreamBuilder) {
  SmemDescriptor d = SwizzledKMajorTile::descriptor(0, 0);
  EXPECT_EQ(d.encode(), 0x4000404000010000ull);
  EXPECT_EQ(d.encodeWithoutStart(), 0x4000404000010000ull);
  EXPECT_EQ(SwizzledKMajorTile::descriptor(0x400, 64).encode(),
            0x4000404000010000ull | ((0x400 + 64) >> 4));
}

TEST(SwizzledKMajorTile, Layout) {
  // Row 0 is unswizzled; row r moves 16-byte chunk c to c ^ (r % 8).
  for (uint32_t byte = 0; byte < 128; ++byte)
    EXPECT_EQ(SwizzledKMajorTile::offset(0, byte), byte);
  EXPECT_EQ(SwizzledKMajorTile::offset(1, 0), 128u + 16u);
  EXPECT_EQ(SwizzledKMajorTile::offset(1, 16), 128u + 0u);
  EXPECT_EQ(SwizzledKMajorTile::offset(7, 5), 7 * 128u + 7 * 16u + 5u);
  EXPECT_EQ(SwizzledKMajorTile::offset(9, 16), 9 * 128u + 0u);
  // A bijection on every 1024-byte atom, and the pattern repeats per atom.
  std::set<uint32_t> seen;
  for (uint32_t row = 0; row < 8; ++row)
    for (uint32_t byte = 0; byte < 128; ++byte) {
      uint32_t off = SwizzledKMajorTile::offset(row, byte);
      EXPECT_LT(off, 1024u);
      seen.insert(off);
      EXPECT_EQ(SwizzledKMajorTile::offset(row + 8, byte), off + 1024u);
    }
  EXPECT_EQ(seen.size(), 1024u);
  // Equals the TMA SWIZZLE_128B address transform: bits [4:6] ^= bits [7:9].
  for (uint32_t row = 0; row < 128; ++row)
    for (uint32_t byte = 0; byte < 128; ++byte) {
      uint32_t linear = row * 128 + byte;
      uint32_t tma = linear ^ (((linear >> 7) & 7) << 4);
      EXPECT_EQ(SwizzledKMajorTile::offset(row, byte), tma);
    }
}

TEST(SwizzledKMajorTile, Descriptor) {
  // K = 64 E2M1 values = 32 bytes per MMA step; SBO = one 8-row atom.
  for (uint32_t step = 0; step < 4; ++step) {
    SmemDescriptor d = SwizzledKMajorTile::descriptor(0x8000, 32 * step);
    ASSERT_TRUE(d.validate().empty());
    EXPECT_EQ(d.startAddress, 0x8000 + 32 * step);
    EXPECT_EQ(d.strideByteOffset, 1024u);
    EXPECT_EQ(d.baseOffset, 0u);
    EXPECT_EQ(d.swizzle, Swizzle::B128);
  }
}

TEST(ScaleChunkSource, Descriptor) {
  SmemDescriptor d = ScaleChunkSource::descriptor(0x9000);
  ASSERT_TRUE(d.validate().empty());
  EXPECT_EQ(d.swizzle, Swizzle::None);
  EXPECT_EQ(d.strideByteOffset, 128u); // 8 rows x 16 bytes
  EXPECT_EQ(ScaleChunkSource::kBytes, 32u * 16u);
  uint64_t v = d.encode();
  EXPECT_EQ(field(v, 0, 14), 0x900u);
  EXPECT_EQ(field(v, 32, 14), 8u);
  EXPECT_EQ(field(v, 61, 3), 0u);
}
