//===- SmemDescriptor.cpp - tcgen05 shared memory descriptor --------------===//

#include "FP4Dialect/Conversion/Tcgen05/SmemDescriptor.h"

#include <cassert>

using namespace mlir::fp4::tcgen05;

uint32_t SmemDescriptor::patternBytes(Swizzle s) {
  switch (s) {
  case Swizzle::None:
    return 0;
  case Swizzle::B128Atom32:
  case Swizzle::B128:
    return 1024;
  case Swizzle::B64:
    return 512;
  case Swizzle::B32:
    return 256;
  }
  return 0;
}

std::string SmemDescriptor::validate() const {
  if (startAddress % 16 || leadingByteOffset % 16 || strideByteOffset % 16)
    return "start address, LBO and SBO must be 16-byte aligned";
  if (startAddress >= (1u << 18) || strideByteOffset >= (1u << 18) ||
      leadingByteOffset >= (1u << 18))
    return "start address, LBO and SBO must be below 2^18 (14 bits >> 4)";
  if (baseOffset > 7)
    return "base offset is a 3-bit field";
  uint32_t s = uint32_t(swizzle);
  if (s == 3 || s == 5 || s == 7 || s > 7)
    return "swizzle modes 3, 5 and 7 are invalid";
  return "";
}

uint64_t SmemDescriptor::encodeWithoutStart() const {
  uint64_t d = 0;
  d |= encodeField(leadingByteOffset) << 16;
  d |= encodeField(strideByteOffset) << 32;
  d |= uint64_t(1) << 46; // fixed 0b001
  d |= uint64_t(baseOffset & 0x7) << 49;
  d |= uint64_t(leadingAbsolute) << 52;
  d |= uint64_t(swizzle) << 61;
  return d;
}

uint64_t SmemDescriptor::encode() const {
  assert(validate().empty() && "invalid tcgen05 shared memory descriptor");
  return encodeWithoutStart() | encodeField(startAddress);
}

uint32_t SwizzledKMajorTile::offset(uint32_t row, uint32_t byte) {
  uint32_t chunk = (byte / 16) ^ (row % kAtomRows);
  return row * kRowBytes + chunk * 16 + byte % 16;
}

SmemDescriptor SwizzledKMajorTile::descriptor(uint32_t tileAddr,
                                              uint32_t kByteOffset) {
  SmemDescriptor d;
  d.startAddress = tileAddr + kByteOffset;
  // K-major swizzled layouts do not use the leading byte offset: the whole
  // K extent of one step lies within a 128-byte row. 16 (encoded 1) is the
  // conventional value.
  d.leadingByteOffset = 16;
  d.strideByteOffset = kAtomBytes; // from one 8-row atom to the next
  d.baseOffset = 0;                // tiles are 1024-byte aligned
  d.swizzle = Swizzle::B128;
  return d;
}

SmemDescriptor ScaleChunkSource::descriptor(uint32_t chunkAddr) {
  SmemDescriptor d;
  d.startAddress = chunkAddr;
  d.leadingByteOffset = 128; // one 16-byte column only: unused
  d.strideByteOffset = 128;  // 8 rows x 16 bytes per core matrix
  d.swizzle = Swizzle::None;
  return d;
}
