//===- Hadamard.cpp - Blocked Walsh-Hadamard transform (SPEC 2.3) ---------===//
//
// y = ((x * s) H_n) * c on every n-element block of the last dimension, in the
// canonical f32 order of SPEC 2.3 (in-place butterflies, h = 1, 2, ..., n/2).
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Numerics/Numerics.h"

#include <vector>

float fp4::num::hadamardScale(int64_t n) {
  // f32(1/sqrt(n)), correctly rounded (checked exactly by the unit tests).
  switch (n) {
  case 16:
    return 0x1p-2f;
  case 32:
    return 0x1.6a09e6p-3f;
  case 64:
    return 0x1p-3f;
  case 128:
    return 0x1.6a09e6p-4f;
  default:
    return 0.0f; // Not a valid size (the verifier rejects it).
  }
}

/// SPEC 2.3 on one block of n elements, `t` holding the signed inputs.
static void butterflies(float *t, int64_t n) {
  for (int64_t h = 1; h < n; h *= 2) {
    for (int64_t i = 0; i < n; ++i) {
      if (i & h)
        continue;
      float a = t[i];
      float b = t[i + h];
      t[i] = a + b;
      t[i + h] = a - b;
    }
  }
}

void fp4::num::hadamard(const float *x, float *y, int64_t rows, int64_t cols,
                        int64_t n, const int8_t *signs) {
  float c = hadamardScale(n);
  std::vector<float> t(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b + n <= cols; b += n) {
      const float *in = x + r * cols + b;
      // t_i = x_i * s_i.
      for (int64_t i = 0; i < n; ++i)
        t[i] = signs ? in[i] * static_cast<float>(signs[i]) : in[i];
      butterflies(t.data(), n);
      // y_i = t_i * c.
      float *out = y + r * cols + b;
      for (int64_t i = 0; i < n; ++i)
        out[i] = canonicalizeNaN(t[i] * c);
    }
  }
}
