//===- Conversions.cpp - E2M1/E4M3/E8M0/bf16/f16 conversions --------------===//
//
// Scalar element conversions of SPEC sections 1 and 2. Every narrowing
// conversion rounds to nearest-even with integer arithmetic on the f32 bit
// pattern, so the result does not depend on the floating-point environment.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Numerics/Numerics.h"

#include "Inline.h"

#include <cmath>
#include <cstring>

using namespace fp4::num;

//===----------------------------------------------------------------------===//
// Bit helpers
//===----------------------------------------------------------------------===//

namespace {

uint32_t bitsOf(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits;
}

float floatOf(uint32_t bits) {
  float v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

/// The canonical quiet NaN (+qNaN, 0x7FC00000) that the decoders return for
/// NaN encodings, as the IR lowering does, so all paths agree bit for bit.
float canonicalNaN() { return floatOf(0x7FC00000u); }

/// Rounds the low `dropBits` bits of `value` away, to nearest, ties to an even
/// result. The carry may propagate into higher bits (the exponent field of an
/// encoding), which is exactly the IEEE behaviour.
uint32_t roundShiftRightEven(uint32_t value, unsigned dropBits) {
  uint32_t kept = value >> dropBits;
  uint32_t rest = value & ((1u << dropBits) - 1u);
  uint32_t half = 1u << (dropBits - 1);
  if (rest > half || (rest == half && (kept & 1u)))
    ++kept;
  return kept;
}

/// Rounds a non-negative f32 that holds a value below 2^23 to the nearest
/// integer, ties to even. Used for the subnormal ranges of the narrow formats,
/// where `v` is the input scaled (exactly) by a power of two.
uint32_t roundToIntegerEven(float v) {
  uint32_t whole = static_cast<uint32_t>(v);  // Truncation: v is non-negative.
  float rest = v - static_cast<float>(whole); // Exact (Sterbenz).
  if (rest > 0.5f || (rest == 0.5f && (whole & 1u)))
    ++whole;
  return whole;
}

/// The E2M1 magnitudes indexed by the 3-bit code (SPEC section 1).
constexpr float kE2M1Magnitudes[8] = {0.0f, 0.5f, 1.0f, 1.5f,
                                      2.0f, 3.0f, 4.0f, 6.0f};

} // namespace

//===----------------------------------------------------------------------===//
// E2M1
//===----------------------------------------------------------------------===//

float fp4::num::e2m1ToFloat(uint8_t code) { return detail::e2m1Value(code); }

uint8_t fp4::num::floatToE2M1(float v) {
  // NaN -> code 0x0: the sign of a NaN is not portable (0 * Inf is a negative
  // NaN on x86, a positive one on NVIDIA GPUs), so it is dropped. At the
  // midpoints 0.25, 1.25, 2.5 and 5 the lower neighbour has the even code, at
  // 0.75, 1.75 and 3.5 the upper one (detail::e2m1Round).
  return detail::e2m1Round(v);
}

uint8_t fp4::num::floatToE2M1Stochastic(float v, uint32_t rbits) {
  if (std::isnan(v))
    return 0x0; // As for nearest rounding: the sign of a NaN is dropped.
  uint8_t sign = (bitsOf(v) >> 31) ? 0x8 : 0x0;
  float a = std::fabs(v);
  if (a >= 6.0f)
    return sign | 0x7;
  // Lower neighbour lo = kE2M1Magnitudes[lower] <= a < hi.
  uint8_t lower = 0;
  while (kE2M1Magnitudes[lower + 1] <= a)
    ++lower;
  float lo = kE2M1Magnitudes[lower];
  float hi = kE2M1Magnitudes[lower + 1];
  // Both operations are exact: hi <= 2 * lo (or lo == 0) makes a - lo exact,
  // and hi - lo is a power of two.
  float frac = (a - lo) / (hi - lo);
  // rbits < 2^24, so both the conversion and the scaling are exact.
  float threshold = static_cast<float>(rbits & 0xFFFFFFu) * 0x1p-24f;
  return sign | (threshold < frac ? lower + 1 : lower);
}

//===----------------------------------------------------------------------===//
// E4M3FN
//===----------------------------------------------------------------------===//

float fp4::num::e4m3ToFloat(uint8_t bits) {
  bool negative = bits & 0x80;
  unsigned exponent = (bits >> 3) & 0xF;
  unsigned mantissa = bits & 0x7;
  if (exponent == 0xF && mantissa == 0x7)
    return canonicalNaN();
  float magnitude = exponent == 0 ? std::ldexp(static_cast<float>(mantissa), -9)
                                  : std::ldexp(static_cast<float>(8 + mantissa),
                                               static_cast<int>(exponent) - 10);
  return negative ? -magnitude : magnitude;
}

uint8_t fp4::num::floatToE4M3(float v) {
  if (std::isnan(v))
    return 0x7F;
  uint32_t bits = bitsOf(v);
  uint8_t sign = (bits >> 31) ? 0x80 : 0x00;
  float a = std::fabs(v);
  // 464 is the midpoint between 448 and the (NaN) encoding above it: from
  // there on nearest-even would leave the format, so saturate (also +-Inf).
  if (a >= 464.0f)
    return sign | 0x7E;
  // Subnormals (and zero): multiples of 2^-9 below 2^-6.
  if (a < 0x1p-6f)
    return sign | static_cast<uint8_t>(roundToIntegerEven(a * 0x1p9f));
  // Normals: rebias the exponent (127 -> 7) and round the mantissa 23 -> 3
  // bits; a carry out of the mantissa increments the exponent.
  uint32_t magnitudeBits = bitsOf(a);
  uint32_t exponent = (magnitudeBits >> 23) - 127 + 7;
  uint32_t rebased = (exponent << 23) | (magnitudeBits & 0x7FFFFFu);
  uint32_t code = roundShiftRightEven(rebased, 20);
  if (code > 0x7E) // 448 < a < 464 cannot get here; kept for safety.
    code = 0x7E;
  return sign | static_cast<uint8_t>(code);
}

const float *fp4::num::detail::e4m3Table() {
  struct Table {
    float values[256];
    Table() {
      for (unsigned i = 0; i < 256; ++i)
        values[i] = e4m3ToFloat(static_cast<uint8_t>(i));
    }
  };
  static const Table table;
  return table.values;
}

//===----------------------------------------------------------------------===//
// E8M0
//===----------------------------------------------------------------------===//

float fp4::num::e8m0ToFloat(uint8_t e) {
  if (e == 0xFF)
    return canonicalNaN();
  if (e == 0)
    return floatOf(0x00400000u); // 2^-127 is an f32 subnormal.
  return floatOf(static_cast<uint32_t>(e) << 23);
}

//===----------------------------------------------------------------------===//
// bf16 / f16
//===----------------------------------------------------------------------===//

float fp4::num::bf16ToFloat(uint16_t bits) {
  return floatOf(static_cast<uint32_t>(bits) << 16);
}

uint16_t fp4::num::floatToBF16(float v) {
  uint32_t bits = bitsOf(v);
  if (std::isnan(v)) // Keep sign and top payload bits, force a quiet NaN.
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  // Nearest-even; overflow carries into the exponent and yields +-Inf.
  return static_cast<uint16_t>(roundShiftRightEven(bits, 16));
}

float fp4::num::f16ToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1F;
  uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F)
    return floatOf(sign | 0x7F800000u | (mantissa << 13) |
                   (mantissa ? 0x00400000u : 0u));
  if (exponent == 0) {
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return floatOf(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

uint16_t fp4::num::floatToF16(float v) {
  uint32_t bits = bitsOf(v);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  if (std::isnan(v))
    return sign | 0x7E00u | static_cast<uint16_t>((bits & 0x7FFFFFu) >> 13);
  float a = std::fabs(v);
  // Above 65520 (the midpoint between 65504 and 2^16) everything is Inf.
  if (a >= 65520.0f)
    return sign | 0x7C00u;
  // Subnormals (and zero): multiples of 2^-24 below 2^-14.
  if (a < 0x1p-14f)
    return sign | static_cast<uint16_t>(roundToIntegerEven(a * 0x1p24f));
  uint32_t magnitudeBits = bitsOf(a);
  uint32_t exponent = (magnitudeBits >> 23) - 127 + 15;
  uint32_t rebased = (exponent << 23) | (magnitudeBits & 0x7FFFFFu);
  return sign | static_cast<uint16_t>(roundShiftRightEven(rebased, 13));
}

float fp4::num::canonicalizeNaN(float v) {
  if (v == v)
    return v;
  uint32_t bits = 0x7FC00000u;
  float nan;
  std::memcpy(&nan, &bits, sizeof(nan));
  return nan;
}
