//===- HadamardTest.cpp - Blocked Hadamard transform unit tests -----------===//
//
// SPEC 2.3: the scale constant is f32(1/sqrt(n)) correctly rounded, hand-
// worked n = 16 vectors, bit-exact agreement with a recursive formulation of
// the Sylvester construction (which performs the same f32 operations in the
// same order), closeness to an explicit matrix product in double, and
// orthonormality (applying H twice gives x back up to f32 rounding).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Numerics/Numerics.h"

#include <gtest/gtest.h>

#include <bitset>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace fp4::num;

namespace {

const int64_t kSizes[] = {16, 32, 64, 128};

uint32_t bitsOf(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits;
}

/// H_2k = [[H, H], [H, -H]] applied to t[0..n) recursively (unnormalized).
void sylvesterRecursive(float *t, int64_t n) {
  if (n == 1)
    return;
  int64_t half = n / 2;
  sylvesterRecursive(t, half);
  sylvesterRecursive(t + half, half);
  for (int64_t i = 0; i < half; ++i) {
    float a = t[i], b = t[i + half];
    t[i] = a + b;
    t[i + half] = a - b;
  }
}

/// Entry (i, j) of the Sylvester matrix: (-1)^popcount(i & j).
double sylvesterEntry(int64_t i, int64_t j) {
  return std::bitset<64>(static_cast<uint64_t>(i & j)).count() % 2 ? -1.0 : 1.0;
}

std::vector<float> randomVector(std::mt19937 &rng, int64_t n) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float &v : x)
    v = normal(rng);
  return x;
}

std::vector<int8_t> randomSigns(std::mt19937 &rng, int64_t n) {
  std::vector<int8_t> s(static_cast<size_t>(n));
  for (int8_t &v : s)
    v = (rng() & 1) ? 1 : -1;
  return s;
}

} // namespace

TEST(Hadamard, ScaleIsCorrectlyRounded) {
  for (int64_t n : kSizes) {
    float c = hadamardScale(n);
    // c = m * 2^e with a 24-bit m; c is the nearest f32 to 1/sqrt(n) iff
    // (c - ulp/2)^2 * n < 1 < (c + ulp/2)^2 * n, i.e. with integers:
    // (2m - 1)^2 * n < 2^(-2e + 2) < (2m + 1)^2 * n.
    int e;
    float mantissa = std::frexp(c, &e); // c = mantissa * 2^e, [0.5, 1).
    uint64_t m = static_cast<uint64_t>(std::ldexp(mantissa, 24));
    e -= 24;
    unsigned __int128 lo = (unsigned __int128)(2 * m - 1) * (2 * m - 1) * n;
    unsigned __int128 hi = (unsigned __int128)(2 * m + 1) * (2 * m + 1) * n;
    unsigned __int128 one = (unsigned __int128)1 << (-2 * e + 2);
    EXPECT_TRUE(lo < one && one < hi) << n;
    EXPECT_NEAR(c, 1.0 / std::sqrt(double(n)), 1e-8);
  }
  EXPECT_EQ(hadamardScale(16), 0.25f);
  EXPECT_EQ(hadamardScale(64), 0.125f);
  EXPECT_EQ(bitsOf(hadamardScale(32)), 0x3E3504F3u);
  EXPECT_EQ(bitsOf(hadamardScale(128)), 0x3DB504F3u);
}

TEST(Hadamard, HandWorked16) {
  std::vector<float> y(16);
  // A unit vector maps to a row of H times 1/4.
  std::vector<float> e0(16, 0.0f), e1(16, 0.0f);
  e0[0] = 1.0f;
  e1[1] = 1.0f;
  hadamard(e0.data(), y.data(), 1, 16, 16, nullptr);
  for (float v : y)
    EXPECT_EQ(v, 0.25f);
  hadamard(e1.data(), y.data(), 1, 16, 16, nullptr);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(y[i], i % 2 ? -0.25f : 0.25f);
  // All ones: 16 * 1/4 = 4 in y_0, zero elsewhere.
  std::vector<float> ones(16, 1.0f);
  hadamard(ones.data(), y.data(), 1, 16, 16, nullptr);
  EXPECT_EQ(y[0], 4.0f);
  for (int i = 1; i < 16; ++i)
    EXPECT_EQ(y[i], 0.0f);
  // x = 1..16: y_0 = 136/4 = 34, y_(2^k) = -2^(k+1), the rest 0.
  std::vector<float> ramp(16);
  for (int i = 0; i < 16; ++i)
    ramp[i] = float(i + 1);
  hadamard(ramp.data(), y.data(), 1, 16, 16, nullptr);
  const float expected[16] = {34,  -2, -4, 0, -8, 0, 0, 0,
                              -16, 0,  0,  0, 0,  0, 0, 0};
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(y[i], expected[i]) << i;
  // Signs: all ones times the alternating signs of row 1 is 16 * e1.
  std::vector<int8_t> alternating(16);
  for (int i = 0; i < 16; ++i)
    alternating[i] = i % 2 ? -1 : 1;
  hadamard(ones.data(), y.data(), 1, 16, 16, alternating.data());
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(y[i], i == 1 ? 4.0f : 0.0f) << i;
  // The SPEC 3 example signs on x = e0: y = s_0 * row 0 / 4 = 1/4 everywhere.
  const int8_t specSigns[16] = {1,  -1, 1, 1, -1, 1,  1, 1,
                                -1, -1, 1, 1, 1,  -1, 1, -1};
  hadamard(e0.data(), y.data(), 1, 16, 16, specSigns);
  for (float v : y)
    EXPECT_EQ(v, 0.25f);
  // ... and on all ones: y_j = (1/4) sum_i s_i H_ij.
  hadamard(ones.data(), y.data(), 1, 16, 16, specSigns);
  for (int j = 0; j < 16; ++j) {
    double sum = 0;
    for (int i = 0; i < 16; ++i)
      sum += specSigns[i] * sylvesterEntry(i, j);
    EXPECT_EQ(y[j], float(sum / 4)) << j;
  }
}

TEST(Hadamard, BitExactAgainstRecursiveSylvester) {
  std::mt19937 rng(31);
  for (int64_t n : kSizes) {
    int64_t rows = 3, cols = 4 * n;
    std::vector<float> x = randomVector(rng, rows * cols);
    std::vector<int8_t> signs = randomSigns(rng, n);
    for (bool withSigns : {false, true}) {
      std::vector<float> y(x.size());
      hadamard(x.data(), y.data(), rows, cols, n,
               withSigns ? signs.data() : nullptr);
      float c = hadamardScale(n);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t b = 0; b < cols; b += n) {
          std::vector<float> t(x.begin() + r * cols + b,
                               x.begin() + r * cols + b + n);
          if (withSigns)
            for (int64_t i = 0; i < n; ++i)
              t[i] = t[i] * float(signs[i]);
          sylvesterRecursive(t.data(), n);
          for (int64_t i = 0; i < n; ++i)
            ASSERT_EQ(bitsOf(y[r * cols + b + i]), bitsOf(t[i] * c))
                << "n=" << n << " r=" << r << " i=" << b + i;
        }
      }
    }
  }
}

TEST(Hadamard, MatchesMatrixProduct) {
  std::mt19937 rng(41);
  for (int64_t n : kSizes) {
    std::vector<float> x = randomVector(rng, n);
    std::vector<int8_t> signs = randomSigns(rng, n);
    std::vector<float> y(n);
    hadamard(x.data(), y.data(), 1, n, n, signs.data());
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0, magnitude = 0;
      for (int64_t i = 0; i < n; ++i) {
        sum += double(x[i]) * signs[i] * sylvesterEntry(i, j);
        magnitude += std::fabs(x[i]);
      }
      EXPECT_NEAR(y[j], sum / std::sqrt(double(n)),
                  1e-6 * magnitude / std::sqrt(double(n)))
          << n << " " << j;
    }
  }
}

TEST(Hadamard, Orthonormal) {
  std::mt19937 rng(51);
  for (int64_t n : kSizes) {
    int64_t rows = 4, cols = 2 * n;
    std::vector<float> x = randomVector(rng, rows * cols);
    std::vector<float> y(x.size()), z(x.size());
    // H is symmetric and orthonormal: H (H x) = x.
    hadamard(x.data(), y.data(), rows, cols, n, nullptr);
    hadamard(y.data(), z.data(), rows, cols, n, nullptr);
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(z[i], x[i], 1e-5f * (1 + std::fabs(x[i]))) << n;
    // With signs D: H (D x) then D (H y) gives x back.
    std::vector<int8_t> signs = randomSigns(rng, n);
    hadamard(x.data(), y.data(), rows, cols, n, signs.data());
    hadamard(y.data(), z.data(), rows, cols, n, nullptr);
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(z[i] * signs[i % n], x[i], 1e-5f * (1 + std::fabs(x[i])));
    // Norms are preserved.
    double nx = 0, ny = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      nx += double(x[i]) * x[i];
      ny += double(y[i]) * y[i];
    }
    EXPECT_NEAR(nx, ny, 1e-5 * nx);
  }
}

TEST(Hadamard, InPlaceAndBlocksIndependent) {
  std::mt19937 rng(61);
  std::vector<float> x = randomVector(rng, 2 * 64);
  std::vector<float> y(x.size());
  hadamard(x.data(), y.data(), 2, 64, 16, nullptr);
  // Each 16-block equals the transform of that block alone.
  for (int64_t b = 0; b < 128; b += 16) {
    std::vector<float> one(16);
    hadamard(x.data() + b, one.data(), 1, 16, 16, nullptr);
    for (int i = 0; i < 16; ++i)
      EXPECT_EQ(bitsOf(one[i]), bitsOf(y[b + i]));
  }
  // In place (x == y) gives the same result.
  std::vector<float> inPlace = x;
  hadamard(inPlace.data(), inPlace.data(), 2, 64, 16, nullptr);
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_EQ(bitsOf(inPlace[i]), bitsOf(y[i]));
}
