//===- ConversionsTest.cpp - Element conversion unit tests ----------------===//
//
// Hand-worked values of SPEC sections 1 and 2, and exhaustive sweeps of every
// bf16 bit pattern (plus 2^24 + 2^22 f32 patterns) against slow references
// that work differently from the library: they enumerate the representable
// values of the target format as doubles (from the format definition, with
// pow/ldexp in double), find the two neighbours by binary search, compare
// against their exact midpoint and break ties toward the even code.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Numerics/Numerics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace fp4::num;

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

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

//===----------------------------------------------------------------------===//
// Slow references
//===----------------------------------------------------------------------===//

/// The non-negative values of a format, ascending, with their codes. The last
/// entry may be an "overflow" value (Inf for IEEE formats) that attracts the
/// inputs rounding past the largest finite value.
struct ValueTable {
  std::vector<double> values;
  std::vector<uint32_t> codes;

  void add(double value, uint32_t code) {
    values.push_back(value);
    codes.push_back(code);
  }

  /// Nearest entry to a >= 0, ties to the even code; above the last entry the
  /// last entry (saturation / overflow).
  uint32_t nearest(double a) const {
    auto it = std::upper_bound(values.begin(), values.end(), a);
    if (it == values.end())
      return codes.back();
    size_t hi = static_cast<size_t>(it - values.begin());
    if (hi == 0)
      return codes.front();
    size_t lo = hi - 1;
    if (values[lo] == a)
      return codes[lo];
    // The midpoint of two narrow-format values is exact in double.
    double mid = (values[lo] + values[hi]) / 2.0;
    if (a < mid)
      return codes[lo];
    if (a > mid)
      return codes[hi];
    return (codes[lo] % 2 == 0) ? codes[lo] : codes[hi];
  }
};

const ValueTable &e2m1Table() {
  static const ValueTable table = [] {
    ValueTable t;
    const double grid[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
    for (uint32_t c = 0; c < 8; ++c)
      t.add(grid[c], c);
    return t;
  }();
  return table;
}

/// Finite E4M3FN values 0x00..0x7E from the format definition (bias 7,
/// 3 mantissa bits, subnormals below 2^-6); 0x7F is NaN.
const ValueTable &e4m3Table() {
  static const ValueTable table = [] {
    ValueTable t;
    for (uint32_t c = 0; c <= 0x7E; ++c) {
      int e = static_cast<int>(c >> 3);
      int m = static_cast<int>(c & 7);
      double v = e == 0 ? (m / 8.0) * std::pow(2.0, -6)
                        : (1.0 + m / 8.0) * std::pow(2.0, e - 7);
      t.add(v, c);
    }
    return t;
  }();
  return table;
}

/// IEEE-style table: finite values of an (exponentBits, mantissaBits) format,
/// then 2^(emax+1) standing for Inf (its code is even, as IEEE requires).
ValueTable ieeeTable(int exponentBits, int mantissaBits) {
  ValueTable t;
  int bias = (1 << (exponentBits - 1)) - 1;
  uint32_t maxExponent = (1u << exponentBits) - 1;
  for (uint32_t e = 0; e < maxExponent; ++e) {
    for (uint32_t m = 0; m < (1u << mantissaBits); ++m) {
      double frac = static_cast<double>(m) / std::pow(2.0, mantissaBits);
      double v = e == 0
                     ? frac * std::pow(2.0, 1 - bias)
                     : (1.0 + frac) * std::pow(2.0, static_cast<int>(e) - bias);
      t.add(v, (e << mantissaBits) | m);
    }
  }
  t.add(std::pow(2.0, static_cast<int>(maxExponent) - bias),
        maxExponent << mantissaBits);
  return t;
}

const ValueTable &bf16Table() {
  static const ValueTable table = ieeeTable(8, 7);
  return table;
}

const ValueTable &f16Table() {
  static const ValueTable table = ieeeTable(5, 10);
  return table;
}

uint8_t refE2M1(float v) {
  if (std::isnan(v))
    return 0x0;
  uint8_t sign = std::signbit(v) ? 0x8 : 0x0;
  return sign | static_cast<uint8_t>(e2m1Table().nearest(std::fabs(double(v))));
}

uint8_t refE4M3(float v) {
  if (std::isnan(v))
    return 0x7F;
  uint8_t sign = std::signbit(v) ? 0x80 : 0x00;
  double a = std::fabs(static_cast<double>(v));
  if (a > 448.0) // Saturation (also Inf).
    return sign | 0x7E;
  return sign | static_cast<uint8_t>(e4m3Table().nearest(a));
}

/// bf16/f16 reference for non-NaN v (Inf maps to the Inf entry).
uint16_t refIeee16(const ValueTable &table, uint16_t signBit, float v) {
  uint16_t sign = std::signbit(v) ? signBit : 0;
  double a = std::fabs(static_cast<double>(v));
  return sign | static_cast<uint16_t>(table.nearest(a));
}

/// SPEC 2.2 E for a finite b >= 0, by searching powers of two in double.
uint8_t refMxExponent(RuleKind rule, float b) {
  if (b == 0.0f)
    return 0;
  int e;
  if (rule == RuleKind::MxFloor) {
    // floor(log2 b): the largest e with 2^e <= b.
    e = 128;
    while (std::ldexp(1.0, e) > b)
      --e;
    e = e + 127 - 2;
  } else {
    float s = b / 6.0f; // s is f32 (SPEC 2.2).
    if (s == 0.0f)
      e = 0; // Field 0, mantissa 0.
    else if (s < 0x1p-126f)
      e = 1; // Subnormal s: exponent field 0 plus 1 (non-zero mantissa).
    else {
      // The smallest power of two >= s.
      e = -126;
      while (std::ldexp(1.0, e) < s)
        ++e;
      e += 127;
    }
  }
  return static_cast<uint8_t>(std::clamp(e, 0, 254));
}

/// The f32 value of a bf16 pattern, from its definition (not a bit shift).
float bf16Value(uint16_t p) {
  bool negative = p & 0x8000;
  int e = (p >> 7) & 0xFF;
  int m = p & 0x7F;
  double v;
  if (e == 0xFF)
    return m ? kNaN : (negative ? -kInf : kInf);
  if (e == 0)
    v = m * std::pow(2.0, -133);
  else
    v = (128 + m) * std::pow(2.0, e - 134);
  return static_cast<float>(negative ? -v : v);
}

/// Compares every conversion of one f32 against the references. (The
/// failure message is only built on failure: this runs 2^24 times.)
void checkAll(float v, bool withE2M1) {
#define AT << "at f32 bits 0x" << std::hex << bitsOf(v)
  if (withE2M1) {
    ASSERT_EQ(floatToE2M1(v), refE2M1(v)) AT;
  }
  ASSERT_EQ(floatToE4M3(v), refE4M3(v)) AT;
  if (std::isnan(v)) {
    ASSERT_TRUE(std::isnan(bf16ToFloat(floatToBF16(v)))) AT;
    ASSERT_TRUE(std::isnan(f16ToFloat(floatToF16(v)))) AT;
    ASSERT_EQ(floatToBF16(v) >> 15, bitsOf(v) >> 31) AT;
    ASSERT_EQ(floatToF16(v) >> 15, bitsOf(v) >> 31) AT;
  } else {
    ASSERT_EQ(floatToBF16(v), refIeee16(bf16Table(), 0x8000, v)) AT;
    ASSERT_EQ(floatToF16(v), refIeee16(f16Table(), 0x8000, v)) AT;
  }
#undef AT
}

} // namespace

//===----------------------------------------------------------------------===//
// E2M1
//===----------------------------------------------------------------------===//

TEST(E2M1, DecodeAllCodes) {
  const float grid[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  for (uint8_t c = 0; c < 16; ++c) {
    float v = e2m1ToFloat(c);
    EXPECT_EQ(std::fabs(v), grid[c & 7]);
    EXPECT_EQ(std::signbit(v), (c & 8) != 0);
  }
  // Only the low nibble matters.
  EXPECT_EQ(e2m1ToFloat(0xF7), 6.0f);
}

TEST(E2M1, SpecTieTable) {
  // SPEC 2: 0.25->0, 0.75->1, 1.25->1, 1.75->2, 2.5->2, 3.5->4, 5->4.
  EXPECT_EQ(floatToE2M1(0.25f), 0x0);
  EXPECT_EQ(floatToE2M1(0.75f), 0x2);
  EXPECT_EQ(floatToE2M1(1.25f), 0x2);
  EXPECT_EQ(floatToE2M1(1.75f), 0x4);
  EXPECT_EQ(floatToE2M1(2.5f), 0x4);
  EXPECT_EQ(floatToE2M1(3.5f), 0x6);
  EXPECT_EQ(floatToE2M1(5.0f), 0x6);
  // Negative ties mirror them.
  EXPECT_EQ(floatToE2M1(-0.25f), 0x8);
  EXPECT_EQ(floatToE2M1(-0.75f), 0xA);
  EXPECT_EQ(floatToE2M1(-5.0f), 0xE);
  // Just off the ties.
  EXPECT_EQ(floatToE2M1(std::nextafter(0.25f, 1.0f)), 0x1);
  EXPECT_EQ(floatToE2M1(std::nextafter(0.75f, 0.0f)), 0x1);
  EXPECT_EQ(floatToE2M1(std::nextafter(1.25f, 2.0f)), 0x3);
  EXPECT_EQ(floatToE2M1(std::nextafter(1.75f, 0.0f)), 0x3);
  EXPECT_EQ(floatToE2M1(std::nextafter(2.5f, 3.0f)), 0x5);
  EXPECT_EQ(floatToE2M1(std::nextafter(3.5f, 0.0f)), 0x5);
  EXPECT_EQ(floatToE2M1(std::nextafter(5.0f, 6.0f)), 0x7);
}

TEST(E2M1, SignSaturationAndNaN) {
  EXPECT_EQ(floatToE2M1(0.0f), 0x0);
  EXPECT_EQ(floatToE2M1(-0.0f), 0x8);
  EXPECT_EQ(floatToE2M1(-0.1f), 0x8); // Rounds to zero, keeps its sign.
  EXPECT_EQ(floatToE2M1(-1e-45f), 0x8);
  EXPECT_EQ(floatToE2M1(6.0f), 0x7);
  EXPECT_EQ(floatToE2M1(7.0f), 0x7);
  EXPECT_EQ(floatToE2M1(FLT_MAX), 0x7);
  EXPECT_EQ(floatToE2M1(kInf), 0x7);
  EXPECT_EQ(floatToE2M1(-kInf), 0xF);
  // NaN -> 0x0 whatever its sign (a NaN's sign is not portable).
  EXPECT_EQ(floatToE2M1(kNaN), 0x0);
  EXPECT_EQ(floatToE2M1(floatOf(0xFFC00000u)), 0x0);
  EXPECT_EQ(floatToE2M1(floatOf(0xFF800001u)), 0x0);
}

TEST(E2M1, StochasticRule) {
  // 0.25 is halfway between 0 and 0.5: frac = 0.5 exactly.
  EXPECT_EQ(floatToE2M1Stochastic(0.25f, 0x7FFFFF), 0x1); // 0.4999.. < 0.5
  EXPECT_EQ(floatToE2M1Stochastic(0.25f, 0x800000), 0x0); // 0.5 < 0.5: no
  // On the grid frac = 0: never rounds up.
  for (uint32_t r : {0u, 1u, 0xFFFFFFu}) {
    EXPECT_EQ(floatToE2M1Stochastic(3.0f, r), 0x5);
    EXPECT_EQ(floatToE2M1Stochastic(0.0f, r), 0x0);
    EXPECT_EQ(floatToE2M1Stochastic(-0.0f, r), 0x8);
    EXPECT_EQ(floatToE2M1Stochastic(6.0f, r), 0x7);
    EXPECT_EQ(floatToE2M1Stochastic(100.0f, r), 0x7);
    EXPECT_EQ(floatToE2M1Stochastic(-kInf, r), 0xF);
    EXPECT_EQ(floatToE2M1Stochastic(kNaN, r), 0x0);
    EXPECT_EQ(floatToE2M1Stochastic(floatOf(0xFFC00000u), r), 0x0);
  }
  // 5 lies between 4 and 6 with frac 0.5; 4.5 with frac 0.25.
  EXPECT_EQ(floatToE2M1Stochastic(-5.0f, 0), 0xF);
  EXPECT_EQ(floatToE2M1Stochastic(4.5f, 0x3FFFFF), 0x7);
  EXPECT_EQ(floatToE2M1Stochastic(4.5f, 0x400000), 0x6);
  // The smallest positive f32 rounds up only for rbits == 0.
  EXPECT_EQ(floatToE2M1Stochastic(1e-45f, 0), 0x1);
  EXPECT_EQ(floatToE2M1Stochastic(1e-45f, 1), 0x0);
  // Only the low 24 bits are used.
  EXPECT_EQ(floatToE2M1Stochastic(0.25f, 0xFF7FFFFF), 0x1);
}

/// P(up) for v in (lo, hi) is exactly ceil(frac * 2^24) / 2^24: count the
/// round-ups over all 2^24 random-bit values at a few points.
TEST(E2M1, StochasticExactProbability) {
  const double grid[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
  for (float v : {0.1f, 0.3f, 1.2f, 2.9f, 4.75f, 5.999f}) {
    int lo = 0;
    while (grid[lo + 1] <= v)
      ++lo;
    double frac = (double(v) - grid[lo]) / (grid[lo + 1] - grid[lo]);
    uint64_t up = 0;
    for (uint32_t r = 0; r < (1u << 24); ++r)
      up += floatToE2M1Stochastic(v, r) == lo + 1;
    EXPECT_EQ(up, static_cast<uint64_t>(std::ceil(frac * 0x1p24))) << v;
  }
}

//===----------------------------------------------------------------------===//
// E4M3
//===----------------------------------------------------------------------===//

TEST(E4M3, DecodeAllCodes) {
  for (int c = 0; c < 256; ++c) {
    float v = e4m3ToFloat(static_cast<uint8_t>(c));
    if ((c & 0x7F) == 0x7F) {
      EXPECT_EQ(bitsOf(v), 0x7FC00000u); // The canonical +qNaN.
      continue;
    }
    double ref = e4m3Table().values[c & 0x7F];
    EXPECT_EQ(double(std::fabs(v)), ref) << c;
    EXPECT_EQ(std::signbit(v), (c & 0x80) != 0);
    // Round trip.
    EXPECT_EQ(floatToE4M3(v), c);
  }
  EXPECT_EQ(e4m3ToFloat(0x01), 0x1p-9f);
  EXPECT_EQ(e4m3ToFloat(0x07), 7 * 0x1p-9f);
  EXPECT_EQ(e4m3ToFloat(0x08), 0x1p-6f);
  EXPECT_EQ(e4m3ToFloat(0x38), 1.0f);
  EXPECT_EQ(e4m3ToFloat(0x7E), 448.0f);
  EXPECT_EQ(e4m3ToFloat(0xFE), -448.0f);
}

TEST(E4M3, HandWorked) {
  // Subnormals: multiples of 2^-9.
  EXPECT_EQ(floatToE4M3(0x1p-9f), 0x01);
  EXPECT_EQ(floatToE4M3(0x1p-10f), 0x00);        // Tie to even (0).
  EXPECT_EQ(floatToE4M3(0x1.000002p-10f), 0x01); // Just above the tie.
  EXPECT_EQ(floatToE4M3(3 * 0x1p-10f), 0x02);    // 1.5 * 2^-9: tie -> 2.
  EXPECT_EQ(floatToE4M3(5 * 0x1p-10f), 0x02);    // 2.5 * 2^-9: tie -> 2.
  EXPECT_EQ(floatToE4M3(7 * 0x1p-9f), 0x07);
  EXPECT_EQ(floatToE4M3(15 * 0x1p-10f), 0x08); // 7.5 * 2^-9 -> 2^-6.
  EXPECT_EQ(floatToE4M3(0x1p-6f), 0x08);
  EXPECT_EQ(floatToE4M3(1e-30f), 0x00);
  EXPECT_EQ(floatToE4M3(-1e-30f), 0x80);
  EXPECT_EQ(floatToE4M3(-0.0f), 0x80);
  // Normals; the SPEC 2.1 worked example values.
  EXPECT_EQ(floatToE4M3(40.0f / 6.0f), 0x4D); // 6.5
  EXPECT_EQ(floatToE4M3(10.0f), 0x52);
  EXPECT_EQ(floatToE4M3(30.0f), 0x5F);
  EXPECT_EQ(floatToE4M3(45.0f), 0x63);   // 44
  EXPECT_EQ(floatToE4M3(1.0625f), 0x38); // Tie 1 / 1.125 -> 1.
  EXPECT_EQ(floatToE4M3(1.1875f), 0x3A); // Tie 1.125 / 1.25 -> 1.25.
  EXPECT_EQ(floatToE4M3(15.5f), 0x58);   // Tie 15 / 16 -> 16 (carry).
  // Saturation at 448 (never NaN for finite v or Inf).
  EXPECT_EQ(floatToE4M3(448.0f), 0x7E);
  EXPECT_EQ(floatToE4M3(449.0f), 0x7E);
  EXPECT_EQ(floatToE4M3(std::nextafter(464.0f, 0.0f)), 0x7E);
  EXPECT_EQ(floatToE4M3(464.0f), 0x7E);
  EXPECT_EQ(floatToE4M3(480.0f), 0x7E);
  EXPECT_EQ(floatToE4M3(FLT_MAX), 0x7E);
  EXPECT_EQ(floatToE4M3(kInf), 0x7E);
  EXPECT_EQ(floatToE4M3(-464.0f), 0xFE);
  EXPECT_EQ(floatToE4M3(-kInf), 0xFE);
  EXPECT_EQ(floatToE4M3(kNaN), 0x7F);
  EXPECT_EQ(floatToE4M3(-kNaN), 0x7F);
}

//===----------------------------------------------------------------------===//
// E8M0
//===----------------------------------------------------------------------===//

TEST(E8M0, Decode) {
  EXPECT_EQ(bitsOf(e8m0ToFloat(0)), 0x00400000u); // 2^-127, subnormal.
  EXPECT_EQ(e8m0ToFloat(1), 0x1p-126f);
  EXPECT_EQ(e8m0ToFloat(127), 1.0f);
  EXPECT_EQ(e8m0ToFloat(128), 2.0f);
  EXPECT_EQ(e8m0ToFloat(254), 0x1p127f);
  EXPECT_EQ(bitsOf(e8m0ToFloat(255)), 0x7FC00000u);
  for (int e = 0; e < 255; ++e)
    EXPECT_EQ(double(e8m0ToFloat(static_cast<uint8_t>(e))),
              std::ldexp(1.0, e - 127));
}

TEST(E8M0, SpecExample) {
  // SPEC 2.2: b = 7 -> mx_ceil E = 128, mx_floor E = 127.
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, 7.0f), 128);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, 7.0f), 127);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, 6.0f), 127);  // s = 1.
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, 12.0f), 128); // s = 2.
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, 4.0f), 127);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, 3.99f), 126);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, 0.0f), 0);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, 0.0f), 0);
  // Extremes: subnormal b or s, FLT_MAX.
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, 1e-38f), 0);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, 0x1p-124f), 1);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, 1e-38f), 1);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, 1e-45f), 0); // s == 0.
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, FLT_MAX), 253);
  EXPECT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, FLT_MAX), 252);
}

//===----------------------------------------------------------------------===//
// bf16 / f16
//===----------------------------------------------------------------------===//

TEST(BF16F16, HandWorked) {
  EXPECT_EQ(floatToBF16(1.0f), 0x3F80);
  EXPECT_EQ(floatToBF16(1.0f + 0x1p-8f), 0x3F80);     // Tie -> even.
  EXPECT_EQ(floatToBF16(1.0f + 3 * 0x1p-8f), 0x3F82); // Tie -> even.
  EXPECT_EQ(floatToBF16(-2.0f), 0xC000);
  EXPECT_EQ(floatToBF16(FLT_MAX), 0x7F80); // Rounds to Inf.
  EXPECT_EQ(floatToBF16(-kInf), 0xFF80);
  EXPECT_EQ(floatToBF16(1e-45f), 0x0000);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBF16(kNaN))));
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBF16(floatOf(0x7F800001u)))));
  EXPECT_EQ(bf16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(floatToF16(1.0f), 0x3C00);
  EXPECT_EQ(floatToF16(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToF16(65519.0f), 0x7BFF);
  EXPECT_EQ(floatToF16(65520.0f), 0x7C00); // Tie -> even (Inf).
  EXPECT_EQ(floatToF16(-1e6f), 0xFC00);
  EXPECT_EQ(floatToF16(0x1p-24f), 0x0001);
  EXPECT_EQ(floatToF16(0x1p-25f), 0x0000);     // Tie -> even (0).
  EXPECT_EQ(floatToF16(3 * 0x1p-25f), 0x0002); // Tie -> even (2).
  EXPECT_EQ(floatToF16(0x1p-14f), 0x0400);
  EXPECT_EQ(floatToF16(-0.0f), 0x8000);
  EXPECT_TRUE(std::isnan(f16ToFloat(floatToF16(kNaN))));
  EXPECT_TRUE(std::isnan(f16ToFloat(floatToF16(floatOf(0x7F800001u)))));
  EXPECT_EQ(f16ToFloat(0x0001), 0x1p-24f);
  EXPECT_EQ(f16ToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(f16ToFloat(0xFC00), -kInf);
}

TEST(BF16F16, F16DecodeAll) {
  for (uint32_t p = 0; p < 0x10000; ++p) {
    float v = f16ToFloat(static_cast<uint16_t>(p));
    if ((p & 0x7C00) == 0x7C00 && (p & 0x3FF)) {
      EXPECT_TRUE(std::isnan(v));
      continue;
    }
    uint32_t magnitude = p & 0x7FFF;
    double ref = f16Table().values[magnitude];
    EXPECT_EQ(std::fabs(double(v)), magnitude == 0x7C00 ? INFINITY : ref);
    EXPECT_EQ(floatToF16(v), p);
  }
}

//===----------------------------------------------------------------------===//
// Exhaustive sweeps
//===----------------------------------------------------------------------===//

/// Every bf16 bit pattern, converted exactly to f32, through every narrowing
/// conversion and the MXFP4 exponent rules.
TEST(Sweep, AllBF16Patterns) {
  for (uint32_t p = 0; p < 0x10000; ++p) {
    float v = bf16Value(static_cast<uint16_t>(p));
    SCOPED_TRACE(::testing::Message() << "bf16 0x" << std::hex << p);
    // bf16 -> f32 is exact (checked against the definition), and back.
    float lib = bf16ToFloat(static_cast<uint16_t>(p));
    if (std::isnan(v)) {
      ASSERT_TRUE(std::isnan(lib));
      ASSERT_TRUE(std::isnan(bf16ToFloat(floatToBF16(lib))));
    } else {
      ASSERT_EQ(bitsOf(lib), bitsOf(v));
      ASSERT_EQ(floatToBF16(lib), p);
    }
    checkAll(lib, /*withE2M1=*/true);
    if (std::isfinite(lib)) {
      float b = std::fabs(lib);
      ASSERT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, b),
                refMxExponent(RuleKind::MxCeil, b));
      ASSERT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, b),
                refMxExponent(RuleKind::MxFloor, b));
    }
  }
}

/// 2^24 strided f32 patterns (bits = i << 8: every exponent, every top-16
/// mantissa pattern, so every E4M3/bf16/f16 tie) plus 2^22 random patterns.
TEST(Sweep, F32Patterns) {
  for (uint32_t i = 0; i < (1u << 24); ++i)
    checkAll(floatOf(i << 8), /*withE2M1=*/(i & 0xFF) == 0);
  std::mt19937 rng(1234);
  for (uint32_t i = 0; i < (1u << 22); ++i) {
    float v = floatOf(static_cast<uint32_t>(rng()));
    checkAll(v, /*withE2M1=*/true);
    if (std::isfinite(v)) {
      float b = std::fabs(v);
      ASSERT_EQ(mxfp4ScaleExponent(RuleKind::MxCeil, b),
                refMxExponent(RuleKind::MxCeil, b));
      ASSERT_EQ(mxfp4ScaleExponent(RuleKind::MxFloor, b),
                refMxExponent(RuleKind::MxFloor, b));
    }
  }
}

/// E2M1 near every tie and grid point: each f32 within +-64 ulps.
TEST(Sweep, E2M1Neighbourhoods) {
  for (float center : {0.25f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f,
                       3.0f, 3.5f, 4.0f, 5.0f, 6.0f}) {
    uint32_t c = bitsOf(center);
    for (uint32_t bits = c - 64; bits <= c + 64; ++bits) {
      float v = floatOf(bits);
      ASSERT_EQ(floatToE2M1(v), refE2M1(v)) << v;
      ASSERT_EQ(floatToE2M1(-v), refE2M1(-v)) << v;
    }
  }
}
