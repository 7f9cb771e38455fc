//===- InstrDescriptor.cpp - tcgen05.mma instruction descriptor -----------===//

#include "FP4Dialect/Conversion/Tcgen05/InstrDescriptor.h"

#include <cassert>

using namespace mlir::fp4::tcgen05;

namespace {
constexpr uint32_t kE2M1 = 1; // atype/btype value of E2M1 (mxf4 kinds)
// Bits that must be zero: 0-1, 3, 6, 12, 15 and 16 (no transpose for
// mxf4 kinds), 24-26.
constexpr uint32_t kZeroMask = 0x3u | (1u << 3) | (1u << 6) | (1u << 12) |
                               (1u << 15) | (1u << 16) | (0x7u << 24);
} // namespace

InstrDescriptor InstrDescriptor::forNVFP4(uint32_t m, uint32_t n) {
  InstrDescriptor d;
  d.kind = BlockScaleKind::MXF4NVF4;
  d.scaleType = ScaleType::UE4M3;
  d.m = m;
  d.n = n;
  return d;
}

InstrDescriptor InstrDescriptor::forMXFP4(uint32_t m, uint32_t n) {
  InstrDescriptor d;
  d.kind = BlockScaleKind::MXF4;
  d.scaleType = ScaleType::UE8M0;
  d.m = m;
  d.n = n;
  return d;
}

std::string InstrDescriptor::validate() const {
  if (m != 128)
    return "M must be 128 for cta_group::1 (got " + std::to_string(m) + ")";
  if (n < 8 || n > 256 || n % 8 != 0)
    return "N must be 8..256 in steps of 8 (got " + std::to_string(n) + ")";
  if (kind == BlockScaleKind::MXF4 && scaleType != ScaleType::UE8M0)
    return "kind::mxf4 takes UE8M0 scales only";
  if ((scaleAId != 0 && scaleAId != 2) || (scaleBId != 0 && scaleBId != 2))
    return "scale factor data IDs must be 0 or 2";
  if (sparse && k96)
    return "K = 96 is dense only";
  return "";
}

uint32_t InstrDescriptor::encode() const {
  assert(validate().empty() && "invalid tcgen05 instruction descriptor");
  uint32_t d = 0;
  d |= uint32_t(sparse) << 2;
  d |= scaleBId << 4;
  d |= kE2M1 << 7;
  d |= kE2M1 << 10;
  d |= uint32_t(negateA) << 13;
  d |= uint32_t(negateB) << 14;
  d |= (n >> 3) << 17;
  d |= uint32_t(scaleType) << 23;
  d |= (m >> 7) << 27;
  d |= scaleAId << 29;
  d |= uint32_t(k96) << 31;
  return d;
}

std::optional<InstrDescriptor> InstrDescriptor::decode(uint32_t bits,
                                                       BlockScaleKind kind) {
  if (bits & kZeroMask)
    return std::nullopt;
  if (((bits >> 7) & 0x7) != kE2M1 || ((bits >> 10) & 0x3) != kE2M1)
    return std::nullopt;
  InstrDescriptor d;
  d.kind = kind;
  d.sparse = (bits >> 2) & 1;
  d.scaleBId = (bits >> 4) & 0x3;
  d.negateA = (bits >> 13) & 1;
  d.negateB = (bits >> 14) & 1;
  d.n = ((bits >> 17) & 0x3F) << 3;
  d.scaleType = ScaleType((bits >> 23) & 1);
  d.m = ((bits >> 27) & 0x3) << 7;
  d.scaleAId = (bits >> 29) & 0x3;
  d.k96 = (bits >> 31) & 1;
  return d;
}
