//===- InstrDescriptor.h - tcgen05.mma instruction descriptor ----*- C++ -*-===//
//
// The 32-bit instruction descriptor (`idesc`) of the block-scaled
// `tcgen05.mma ... kind::mxf4nvf4` / `kind::mxf4` (PTX ISA 9.7.16.4.2,
// "Instruction descriptor format for .kind::mxf4 and .kind::mxf4nvf4"):
//
//   bits   field                                   values
//   0-1    reserved                                0
//   2      sparsity                                dense 0, sparse 1
//   3      reserved                                0
//   4-5    matrix B scale factor data ID           0 or 2
//   6      reserved                                0
//   7-9    atype                                   E2M1 = 1
//   10-11  btype                                   E2M1 = 1
//   12     reserved                                0
//   13     negate A                                0/1
//   14     negate B                                0/1
//   15     transpose A                             0 (K-major only)
//   16     transpose B                             0 (K-major only)
//   17-22  N >> 3
//   23     scale type (scale_A and scale_B)        UE4M3 = 0 (mxf4nvf4 only),
//                                                  UE8M0 = 1
//   24-26  reserved                                0
//   27-28  M >> 7
//   29-30  matrix A scale factor data ID           0 or 2
//   31     K dimension                             dense K=64 / sparse K=128: 0,
//                                                  dense K=96 (sm_103a): 1
//
// Valid shapes (PTX ISA 9.7.16.2.1, cta_group::1, dense): M = 128,
// N = 8..256 in steps of 8, K = 64.
//
// No MLIR dependency: unit-tested in test/Blackwell/unittests.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_TCGEN05_INSTRDESCRIPTOR_H
#define FP4DIALECT_CONVERSION_TCGEN05_INSTRDESCRIPTOR_H

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::fp4::tcgen05 {

/// `.kind::mxf4nvf4` (E2M1 with UE4M3 or UE8M0 scales, block 16 or 32) or
/// `.kind::mxf4` (E2M1 with UE8M0 scales, block 32).
enum class BlockScaleKind { MXF4NVF4, MXF4 };
enum class ScaleType : uint32_t { UE4M3 = 0, UE8M0 = 1 };

struct InstrDescriptor {
  BlockScaleKind kind = BlockScaleKind::MXF4NVF4;
  ScaleType scaleType = ScaleType::UE4M3;
  uint32_t m = 128, n = 128;
  bool sparse = false;
  bool negateA = false, negateB = false;
  /// Which sub-column of each 32-bit tensor-memory word the scales come
  /// from: 0 or 2 (the half word) for 2 scales per row (block32); must be 0
  /// for 4 scales per row (block16).
  uint32_t scaleAId = 0, scaleBId = 0;
  /// K = 96 (block32 with 3 scales / block16 with 6; sm_103a only).
  bool k96 = false;

  /// The descriptor for `kind` with `m` x `n` and the scale type the fp4
  /// format implies: nvfp4 -> mxf4nvf4 + UE4M3, mxfp4 -> mxf4 + UE8M0.
  static InstrDescriptor forNVFP4(uint32_t m, uint32_t n);
  static InstrDescriptor forMXFP4(uint32_t m, uint32_t n);

  /// Empty if the fields describe a valid cta_group::1 instruction;
  /// otherwise the violated constraint.
  std::string validate() const;
  /// The 32-bit value (asserts validate() is empty).
  uint32_t encode() const;
  /// The fields of an encoded descriptor (nullopt if reserved bits are set
  /// or a type field is not E2M1).
  static std::optional<InstrDescriptor> decode(uint32_t bits,
                                               BlockScaleKind kind);
};

} // namespace mlir::fp4::tcgen05

#endif // FP4DIALECT_CONVERSION_TCGEN05_INSTRDESCRIPTOR_H
