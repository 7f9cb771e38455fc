//===- InstrDescriptorTest.cpp - tcgen05 instruction descriptor -----------===//
//
// Checked against PTX ISA 9.7.16.4.2, "Instruction descriptor format for
// .kind::mxf4 and .kind::mxf4nvf4" (bit ranges below are the table's rows)
// and 9.7.16.2.1 (valid M/N for cta_group::1).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Tcgen05/InstrDescriptor.h"

#include <gtest/gtest.h>

using namespace mlir::fp4::tcgen05;

namespace {
uint32_t field(uint32_t d, int lo, int bits) {
  return (d >> lo) & ((1u << bits) - 1);
}
} // namespace

TEST(InstrDescriptor, NVFP4Tile128x128) {
  uint32_t d = InstrDescriptor::forNVFP4(128, 128).encode();
  EXPECT_EQ(field(d, 0, 2), 0u);   // reserved
  EXPECT_EQ(field(d, 2, 1), 0u);   // dense
  EXPECT_EQ(field(d, 3, 1), 0u);   // reserved
  EXPECT_EQ(field(d, 4, 2), 0u);   // B scale factor data ID
  EXPECT_EQ(field(d, 6, 1), 0u);   // reserved
  EXPECT_EQ(field(d, 7, 3), 1u);   // atype E2M1 = 1
  EXPECT_EQ(field(d, 10, 2), 1u);  // btype E2M1 = 1
  EXPECT_EQ(field(d, 12, 1), 0u);  // reserved
  EXPECT_EQ(field(d, 13, 2), 0u);  // no negation
  EXPECT_EQ(field(d, 15, 2), 0u);  // no transpose (K-major)
  EXPECT_EQ(field(d, 17, 6), 16u); // N >> 3
  EXPECT_EQ(field(d, 23, 1), 0u);  // scale type UE4M3
  EXPECT_EQ(field(d, 24, 3), 0u);  // reserved
  EXPECT_EQ(field(d, 27, 2), 1u);  // M >> 7
  EXPECT_EQ(field(d, 29, 2), 0u);  // A scale factor data ID
  EXPECT_EQ(field(d, 31, 1), 0u);  // K = 64 (dense)
  EXPECT_EQ(d, 0x08200480u);
}

TEST(InstrDescriptor, MXFP4UsesUE8M0) {
  InstrDescriptor desc = InstrDescriptor::forMXFP4(128, 128);
  EXPECT_EQ(desc.kind, BlockScaleKind::MXF4);
  uint32_t d = desc.encode();
  EXPECT_EQ(field(d, 23, 1), 1u); // UE8M0
  EXPECT_EQ(d, 0x08A00480u);
}

TEST(InstrDescriptor, ScaleDataIds) {
  InstrDescriptor desc = InstrDescriptor::forMXFP4(128, 128);
  desc.scaleAId = 2;
  desc.scaleBId = 2;
  uint32_t d = desc.encode();
  EXPECT_EQ(field(d, 4, 2), 2u);
  EXPECT_EQ(field(d, 29, 2), 2u);
  EXPECT_EQ(d, 0x48A004A0u);
  desc.scaleAId = 1; // only 0 or 2 for the mxf4 kinds
  EXPECT_FALSE(desc.validate().empty());
}

TEST(InstrDescriptor, ShapeFields) {
  for (uint32_t n = 8; n <= 256; n += 8) {
    InstrDescriptor desc = InstrDescriptor::forNVFP4(128, n);
    ASSERT_TRUE(desc.validate().empty()) << n;
    EXPECT_EQ(field(desc.encode(), 17, 6), n >> 3);
  }
  EXPECT_FALSE(InstrDescriptor::forNVFP4(64, 128).validate().empty());
  EXPECT_FALSE(InstrDescriptor::forNVFP4(256, 128).validate().empty());
  EXPECT_FALSE(InstrDescriptor::forNVFP4(128, 12).validate().empty());
  EXPECT_FALSE(InstrDescriptor::forNVFP4(128, 264).validate().empty());
  EXPECT_FALSE(InstrDescriptor::forNVFP4(128, 0).validate().empty());
}

TEST(InstrDescriptor, MXF4RejectsUE4M3) {
  InstrDescriptor desc = InstrDescriptor::forMXFP4(128, 128);
  desc.scaleType = ScaleType::UE4M3;
  EXPECT_FALSE(desc.validate().empty());
  // kind::mxf4nvf4 accepts both scale types.
  InstrDescriptor nv = InstrDescriptor::forNVFP4(128, 128);
  nv.scaleType = ScaleType::UE8M0;
  EXPECT_TRUE(nv.validate().empty());
}

TEST(InstrDescriptor, OneBitFields) {
  InstrDescriptor base = InstrDescriptor::forNVFP4(128, 128);
  uint32_t d0 = base.encode();
  auto differs = [&](InstrDescriptor d) { return d.encode() ^ d0; };
  InstrDescriptor d = base;
  d.sparse = true;
  EXPECT_EQ(differs(d), 1u << 2);
  d = base;
  d.negateA = true;
  EXPECT_EQ(differs(d), 1u << 13);
  d = base;
  d.negateB = true;
  EXPECT_EQ(differs(d), 1u << 14);
  d = base;
  d.k96 = true;
  EXPECT_EQ(differs(d), 1u << 31);
}

TEST(InstrDescriptor, DecodeRoundTrip) {
  for (BlockScaleKind kind : {BlockScaleKind::MXF4NVF4, BlockScaleKind::MXF4})
    for (uint32_t n = 8; n <= 256; n += 8)
      for (uint32_t id : {0u, 2u}) {
        InstrDescriptor d = kind == BlockScaleKind::MXF4
                                ? InstrDescriptor::forMXFP4(128, n)
                                : InstrDescriptor::forNVFP4(128, n);
        d.scaleAId = id;
        d.scaleBId = 2 - id;
        std::optional<InstrDescriptor> back =
            InstrDescriptor::decode(d.encode(), kind);
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(back->encode(), d.encode());
        EXPECT_EQ(back->n, n);
        EXPECT_EQ(back->m, 128u);
        EXPECT_EQ(back->scaleAId, id);
      }
}

TEST(InstrDescriptor, DecodeRejectsReservedBits) {
  uint32_t d = InstrDescriptor::forNVFP4(128, 128).encode();
  for (int bit : {0, 1, 3, 6, 12, 15, 16, 24, 25, 26})
    EXPECT_FALSE(InstrDescriptor::decode(d | (1u << bit),
                                         BlockScaleKind::MXF4NVF4))
        << bit;
  // atype E2M3 (the f8f6f4 encoding 3) is not an mxf4 type.
  EXPECT_FALSE(InstrDescriptor::decode((d & ~(7u << 7)) | (3u << 7),
                                       BlockScaleKind::MXF4NVF4));
}
