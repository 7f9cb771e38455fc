//===- Inline.h - inline element conversions for the numerics core -*- C++ -*-===//
//
// The element conversions that the tensor loops of Quantize.cpp run once or
// several times per element, in a form the compiler can inline and
// vectorize: nearest-even E2M1 rounding as a sum of comparisons, E2M1 and
// E4M3 decoding by table. They compute exactly what the public functions of
// Conversions.cpp compute (which call them, or are checked against them by
// the unit tests); the tables are built from the public decoders.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_LIB_NUMERICS_INLINE_H
#define FP4DIALECT_LIB_NUMERICS_INLINE_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace fp4::num::detail {

/// E2M1 values indexed by the 4-bit code (bit 3 the sign; code 8 is -0).
constexpr float kE2M1Values[16] = {0.0f,  0.5f,  1.0f,  1.5f,  2.0f,  3.0f,
                                   4.0f,  6.0f,  -0.0f, -0.5f, -1.0f, -1.5f,
                                   -2.0f, -3.0f, -4.0f, -6.0f};

inline float e2m1Value(uint8_t code) { return kE2M1Values[code & 0xF]; }

/// SPEC 2 nearest-even E2M1 rounding: the magnitude index is the number of
/// rounding boundaries |v| lies above. At the midpoints 0.25, 1.25, 2.5 and
/// 5 the lower neighbour has the even code (>), at 0.75, 1.75 and 3.5 the
/// upper one (>=); above 5 (also +-Inf) it saturates to 6. NaN gives +0
/// (the sign of a NaN is dropped). The comparisons are made on the bit
/// pattern of |v|, which orders non-negative floats like their values, so
/// that the loops calling this vectorize.
inline uint8_t e2m1Round(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  uint32_t a = bits & 0x7FFFFFFFu;
  unsigned magnitude = unsigned(a > 0x3E800000u) +  // 0.25
                       unsigned(a >= 0x3F400000u) + // 0.75
                       unsigned(a > 0x3FA00000u) +  // 1.25
                       unsigned(a >= 0x3FE00000u) + // 1.75
                       unsigned(a > 0x40200000u) +  // 2.5
                       unsigned(a >= 0x40600000u) + // 3.5
                       unsigned(a > 0x40A00000u);   // 5
  unsigned sign = (bits >> 28) & 0x8u;
  return static_cast<uint8_t>(a > 0x7F800000u ? 0u : (sign | magnitude));
}

/// The 256 E4M3FN values (0x7F and 0xFF: the canonical NaN), built once
/// from `e4m3ToFloat`.
const float *e4m3Table();

inline float e4m3Value(uint8_t bits) { return e4m3Table()[bits]; }

} // namespace fp4::num::detail

#endif // FP4DIALECT_LIB_NUMERICS_INLINE_H
