//===- SmemDescriptor.h - tcgen05 shared memory descriptor -------*- C++ -*-===//
//
// The 64-bit shared memory matrix descriptor of tcgen05.mma / tcgen05.cp
// (PTX ISA 9.7.16.4.1, "Shared memory descriptor layout"):
//
//   bits   field
//   0-13   encode(matrix start address)
//   16-29  encode(leading dimension byte offset, or absolute address)
//   32-45  encode(stride dimension byte offset)
//   46-48  fixed 0b001
//   49-51  matrix base offset
//   52     leading dimension stride mode: 0 relative offset, 1 absolute address
//   53-60  fixed 0
//   61-63  swizzling mode: 0 none, 1 128B with 32B atomic, 2 128B, 4 64B,
//          6 32B (3, 5, 7 invalid)
//   where encode(x) = (x & 0x3FFFF) >> 4
//
// Start address, LBO and SBO must be 16-byte aligned. The base offset is 0
// when the swizzle pattern starts on its repeat boundary (1024 B for 128B
// swizzling, 512 B for 64B, 256 B for 32B), else (start >> 7) & 7.
//
// The layouts fp4 uses (K-major, the only major-ness of kind::mxf4*):
//  * operand tiles: rows of 128 bytes (256 E2M1 values) in 8-row atoms of
//    1024 bytes with the 128-byte swizzle - exactly what a TMA copy with
//    CU_TENSOR_MAP_SWIZZLE_128B and a 128-byte inner box writes. SBO = 1024
//    (one atom), LBO unused (1 by convention). Step k of K = 64 starts 32
//    bytes further (`SwizzledKMajorTile::descriptor`).
//  * scale-factor chunks for `tcgen05.cp.32x128b`: 32 rows x 16 bytes,
//    no swizzle, core matrices of 8 rows x 16 bytes 128 bytes apart (SBO).
//
// No MLIR dependency: unit-tested in test/Blackwell/unittests.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_TCGEN05_SMEMDESCRIPTOR_H
#define FP4DIALECT_CONVERSION_TCGEN05_SMEMDESCRIPTOR_H

#include <cstdint>
#include <string>

namespace mlir::fp4::tcgen05 {

enum class Swizzle : uint32_t {
  None = 0,
  B128Atom32 = 1,
  B128 = 2,
  B64 = 4,
  B32 = 6,
};

struct SmemDescriptor {
  uint32_t startAddress = 0;      // shared::cta byte address
  uint32_t leadingByteOffset = 0; // LBO (bytes), or an address if absolute
  uint32_t strideByteOffset = 0;  // SBO (bytes)
  uint32_t baseOffset = 0;        // 0..7
  bool leadingAbsolute = false;
  Swizzle swizzle = Swizzle::None;

  /// (x & 0x3FFFF) >> 4.
  static uint64_t encodeField(uint32_t x) { return (x & 0x3FFFFu) >> 4; }
  /// The repeat boundary of a swizzle mode's pattern in bytes (0 for None).
  static uint32_t patternBytes(Swizzle s);

  /// Empty if valid; otherwise the violated constraint.
  std::string validate() const;
  /// The 64-bit descriptor.
  uint64_t encode() const;
  /// Bits 14-63: everything but the start address, for a descriptor whose
  /// start address is added at run time (start < 2^18, 16-byte aligned).
  uint64_t encodeWithoutStart() const;
};

/// A K-major operand tile of `rows` rows x 128 bytes with the 128-byte
/// swizzle (TMA SWIZZLE_128B, 128-byte inner box), based at a 1024-byte
/// aligned shared-memory address.
struct SwizzledKMajorTile {
  static constexpr uint32_t kRowBytes = 128;
  static constexpr uint32_t kAtomRows = 8;
  static constexpr uint32_t kAtomBytes = kRowBytes * kAtomRows; // 1024
  /// Byte offset in the tile of byte `byte` (0..127) of row `row`: 16-byte
  /// chunk c of row r lands in chunk c ^ (r % 8) (CUTLASS Swizzle<3,4,3>).
  static uint32_t offset(uint32_t row, uint32_t byte);
  /// The descriptor of the K-slice starting `kByteOffset` bytes into each
  /// row (a multiple of 32 for K = 64 E2M1 steps) of the tile at `tileAddr`.
  static SmemDescriptor descriptor(uint32_t tileAddr, uint32_t kByteOffset);
};

/// The shared-memory source of `tcgen05.cp.cta_group::1.32x128b`: 32 rows x
/// 16 bytes, row r at 16 * r.
struct ScaleChunkSource {
  static constexpr uint32_t kRows = 32, kRowBytes = 16, kBytes = 512;
  static SmemDescriptor descriptor(uint32_t chunkAddr);
};

} // namespace mlir::fp4::tcgen05

#endif // FP4DIALECT_CONVERSION_TCGEN05_SMEMDESCRIPTOR_H
