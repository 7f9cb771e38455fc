//===- Quantize.cpp - NVFP4/MXFP4 block quantization (SPEC 2.1, 2.2) ------===//
//
// Tensor amax, block-scale selection (static6/static4/four_over_six for
// nvfp4, mx_ceil/mx_floor for mxfp4), element encoding (nearest-even or
// stochastic), packing, dequantization and the reference matmul.
//
// A tensor is `rows x cols`, row-major, tiled into blocks of
// `block.rows x block.cols` elements. Within a block the elements are visited
// in row-major order (this is the order of the error-sum tree of SPEC 2.1
// step 5); blocks are numbered row-major, which is the order of the scales.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Numerics/Numerics.h"

#include "Inline.h"

#include <cassert>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

using namespace fp4::num;

//===----------------------------------------------------------------------===//
// Formats and rules
//===----------------------------------------------------------------------===//

bool fp4::num::isRuleValidFor(Format format, RuleKind rule) {
  switch (rule) {
  case RuleKind::Static6:
  case RuleKind::Static4:
  case RuleKind::FourOverSix:
    return format == Format::NVFP4;
  case RuleKind::MxCeil:
  case RuleKind::MxFloor:
    return format == Format::MXFP4;
  }
  return false;
}

RuleKind fp4::num::defaultRule(Format format) {
  return format == Format::NVFP4 ? RuleKind::Static6 : RuleKind::MxCeil;
}

BlockShape fp4::num::defaultBlock(Format format) {
  return format == Format::NVFP4 ? BlockShape{1, 16} : BlockShape{1, 32};
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {

using detail::e2m1Round;
using detail::e2m1Value;
using detail::e4m3Value;

/// The tiling of a `rows x cols` tensor into blocks.
struct BlockGrid {
  int64_t rows, cols;
  BlockShape block;

  int64_t blockRowCount() const { return rows / block.rows; }
  int64_t blockColCount() const { return cols / block.cols; }
  int64_t blockCount() const { return blockRowCount() * blockColCount(); }
  int64_t blockSize() const { return block.rows * block.cols; }
};

/// One block, gathered: its elements in row-major order within the block
/// (the order of SPEC 2.1 step 5) and where they live in the tensor. The
/// buffers are allocated once per tensor and reused for every block.
struct Block {
  const BlockGrid &grid;
  std::vector<float> x;
  /// The linear index of the block's first element and the distance
  /// between its rows.
  int64_t origin = 0;
  bool finite = true;
  /// max |x_i| (meaningful when `finite`).
  float absMax = 0.0f;

  explicit Block(const BlockGrid &grid)
      : grid(grid), x(static_cast<size_t>(grid.blockSize())) {}

  int64_t size() const { return static_cast<int64_t>(x.size()); }

  /// The linear (row-major) index in the tensor of element i of the block.
  int64_t index(int64_t i) const {
    int64_t bc = grid.block.cols;
    return origin + (i / bc) * grid.cols + i % bc;
  }

  /// Gathers block `b` and computes `finite` and `absMax` in one pass.
  void load(const float *data, int64_t b) {
    int64_t br = grid.block.rows, bc = grid.block.cols;
    origin = (b / grid.blockColCount()) * br * grid.cols +
             (b % grid.blockColCount()) * bc;
    for (int64_t r = 0; r < br; ++r)
      std::memcpy(x.data() + r * bc, data + origin + r * grid.cols,
                  static_cast<size_t>(bc) * sizeof(float));
    // max |x_i| on the bit patterns of |x_i|, which order non-negative
    // floats like their values (so this equals fmax over finite values); a
    // NaN or Inf makes the maximum pattern >= 0x7F800000.
    uint32_t m = 0;
    for (float v : x) {
      uint32_t bits;
      std::memcpy(&bits, &v, sizeof(bits));
      bits &= 0x7FFFFFFFu;
      m = bits > m ? bits : m;
    }
    finite = m < 0x7F800000u;
    std::memcpy(&absMax, &m, sizeof(absMax));
  }
};

/// (Mq, Ms) of SPEC 2.1 step 2.
struct NvRange {
  float mq, ms;
};

NvRange nvRange(RuleKind rule) {
  switch (rule) {
  case RuleKind::Static4:
    return {4.0f, 448.0f};
  case RuleKind::FourOverSix:
    return {6.0f, 256.0f};
  default:
    assert(rule == RuleKind::Static6 && "not an nvfp4 rule");
    return {6.0f, 448.0f};
  }
}

/// f32 2^(127 - e) for an E8M0 exponent e in [0, 254] (2^-127 is subnormal).
float mxfp4ScaleMultiplier(uint8_t e) {
  return e8m0ToFloat(static_cast<uint8_t>(254 - e));
}

/// Nearest-even codes of x_i * multiplier for N elements (a compile-time
/// count for the block sizes of the formats, so that the loop is unrolled
/// and vectorized without a remainder).
template <int64_t N>
void roundScaledFixed(const float *x, float multiplier, uint8_t *codes) {
  for (int64_t i = 0; i < N; ++i)
    codes[i] = e2m1Round(x[i] * multiplier);
}

void roundScaled(const float *x, int64_t n, float multiplier,
                 uint8_t *codes) {
  switch (n) {
  case 16:
    return roundScaledFixed<16>(x, multiplier, codes);
  case 32:
    return roundScaledFixed<32>(x, multiplier, codes);
  case 256:
    return roundScaledFixed<256>(x, multiplier, codes);
  default:
    for (int64_t i = 0; i < n; ++i)
      codes[i] = e2m1Round(x[i] * multiplier);
  }
}

/// Encodes every element of `blk` scaled by `multiplier` (nearest-even, or
/// stochastic with `seed`, keyed by the element's linear index).
void encodeScaled(const Block &blk, float multiplier,
                  const std::optional<uint64_t> &seed, uint8_t *codes) {
  int64_t n = blk.size();
  const float *x = blk.x.data();
  if (!seed)
    return roundScaled(x, n, multiplier, codes);
  for (int64_t i = 0; i < n; ++i)
    codes[i] = floatToE2M1Stochastic(
        x[i] * multiplier,
        randomBits(*seed, static_cast<uint64_t>(blk.index(i))));
}

/// SPEC 2.1 step 4: encodes a block with the decoded E4M3 scale `sf`.
void encodeNvfp4(const Block &blk, float sf, float alpha,
                 const std::optional<uint64_t> &seed, uint8_t *codes) {
  if (sf == 0.0f) { // Every y_i = 0: codes +0.
    std::memset(codes, 0, static_cast<size_t>(blk.size()));
    return;
  }
  encodeScaled(blk, 1.0f / (alpha * sf), seed, codes);
}

/// SPEC 2.2: encodes a block with the E8M0 exponent `e`.
void encodeMxfp4(const Block &blk, uint8_t e,
                 const std::optional<uint64_t> &seed, uint8_t *codes) {
  encodeScaled(blk, mxfp4ScaleMultiplier(e), seed, codes);
}

/// The max of SPEC 2.1 step 5 (`absmax`); a NaN operand propagates.
float maxPropagatingNaN(float a, float b) {
  if (std::isnan(a) || a > b)
    return a;
  return b;
}

/// SPEC 2.1 step 5: the error of a candidate, reduced over the block as a
/// balanced binary tree in element order: ((t0+t1)+(t2+t3))+... An odd
/// element at the end of a level is carried up unchanged (blocks of 16 and
/// 256 never have one). `t` is scratch space of the block's size.
/// The MSE of SPEC 2.1 step 5 for N elements (a compile-time count): the
/// squared errors, then the balanced tree of sums.
template <int64_t N>
float squaredErrorFixed(const float *x, const uint8_t *codes, float sf,
                        float alpha, float *t) {
  for (int64_t i = 0; i < N; ++i) {
    float e = (e2m1Value(codes[i]) * sf) * alpha - x[i];
    t[i] = e * e;
  }
  for (int64_t n = N; n > 1; n /= 2)
    for (int64_t i = 0; i < n / 2; ++i)
      t[i] = t[2 * i] + t[2 * i + 1];
  return t[0];
}

float candidateError(const Block &blk, const uint8_t *codes, float sf,
                     float alpha, Metric metric, float *t) {
  int64_t n = blk.size();
  const float *x = blk.x.data();
  if (metric == Metric::MSE && n == 16)
    return squaredErrorFixed<16>(x, codes, sf, alpha, t);
  if (metric == Metric::MSE && n == 256)
    return squaredErrorFixed<256>(x, codes, sf, alpha, t);
  if (metric == Metric::MSE) {
    for (int64_t i = 0; i < n; ++i) {
      float e = (e2m1Value(codes[i]) * sf) * alpha - x[i];
      t[i] = e * e;
    }
  } else {
    for (int64_t i = 0; i < n; ++i)
      t[i] = std::fabs((e2m1Value(codes[i]) * sf) * alpha - x[i]);
  }
  while (n > 1) {
    int64_t half = n / 2;
    if (metric == Metric::AbsMax) {
      for (int64_t i = 0; i < half; ++i)
        t[i] = maxPropagatingNaN(t[2 * i], t[2 * i + 1]);
    } else {
      for (int64_t i = 0; i < half; ++i)
        t[i] = t[2 * i] + t[2 * i + 1];
    }
    if (n % 2)
      t[half] = t[n - 1];
    n = half + n % 2;
  }
  return n ? t[0] : 0.0f;
}

/// Writes the codes of `blk` into the packed values: element 2j in bits 0-3
/// of byte j, element 2j+1 in bits 4-7 (`packed` starts zeroed).
void storeCodes(const Block &blk, const uint8_t *codes,
                std::vector<uint8_t> &packed) {
  int64_t br = blk.grid.block.rows, bc = blk.grid.block.cols;
  uint8_t *out = packed.data();
  for (int64_t r = 0; r < br; ++r) {
    int64_t base = blk.origin + r * blk.grid.cols;
    const uint8_t *c = codes + r * bc;
    int64_t j = 0;
    if (base % 2 == 0) // The common case: whole bytes.
      for (; j + 1 < bc; j += 2)
        out[(base + j) / 2] =
            static_cast<uint8_t>((c[j] & 0xF) | ((c[j + 1] & 0xF) << 4));
    for (; j < bc; ++j)
      out[(base + j) / 2] |=
          static_cast<uint8_t>((c[j] & 0xF) << (4 * ((base + j) % 2)));
  }
}

uint8_t unpack(const std::vector<uint8_t> &packed, int64_t i) {
  return (packed[i / 2] >> (4 * (i % 2))) & 0xF;
}

QuantizedTensor makeTensor(int64_t rows, int64_t cols, Format format,
                           BlockShape block, bool withCodes) {
  QuantizedTensor q;
  q.rows = rows;
  q.cols = cols;
  q.format = format;
  q.block = block;
  BlockGrid grid{rows, cols, block};
  q.scales.assign(static_cast<size_t>(grid.blockCount()), 0);
  if (withCodes)
    q.values.assign(static_cast<size_t>((rows * cols + 1) / 2), 0);
  q.alpha = 1.0f;
  return q;
}

//===----------------------------------------------------------------------===//
// NVFP4 (SPEC 2.1)
//===----------------------------------------------------------------------===//

QuantizedTensor quantizeNvfp4(const float *x, int64_t rows, int64_t cols,
                              const QuantizeOptions &options, bool withCodes) {
  QuantizedTensor q =
      makeTensor(rows, cols, Format::NVFP4, options.block, withCodes);
  BlockGrid grid{rows, cols, options.block};

  // Step 1: the tensor amax; A == 0 gives all-zero scales, codes and alpha.
  float amax = options.amax ? *options.amax : tensorAmax(x, rows * cols);
  if (amax == 0.0f) {
    q.alpha = 0.0f;
    return q;
  }

  // Step 2: the tensor encode scale and alpha.
  RuleKind rule = options.rule.kind;
  NvRange range = nvRange(rule);
  float enc = nvfp4EncodeScale(rule, amax);
  float alpha = 1.0f / enc;
  q.alpha = alpha;

  Block blk(grid);
  size_t n = static_cast<size_t>(grid.blockSize());
  std::vector<uint8_t> codes6(n), codes4(n);
  std::vector<float> scratch(n);
  for (int64_t b = 0; b < grid.blockCount(); ++b) {
    blk.load(x, b);
    // Step 6: NaN/Inf blocks get the E4M3 NaN scale and codes 0.
    if (!blk.finite) {
      q.scales[b] = 0x7F;
      continue;
    }
    // Step 3: the block scale candidate(s).
    float s = (blk.absMax / range.mq) * enc;
    uint8_t sf6 = floatToE4M3(s);
    if (rule != RuleKind::FourOverSix) {
      q.scales[b] = sf6;
      if (withCodes) {
        encodeNvfp4(blk, e4m3Value(sf6), alpha, options.seed, codes6.data());
        storeCodes(blk, codes6.data(), q.values);
      }
      continue;
    }
    // Steps 4-5: four_over_six encodes with both candidates (the same random
    // bits for both when stochastic) and keeps sf4 iff E4 < E6.
    uint8_t sf4 = floatToE4M3(s * 1.5f);
    float sf6Value = e4m3Value(sf6), sf4Value = e4m3Value(sf4);
    encodeNvfp4(blk, sf6Value, alpha, options.seed, codes6.data());
    encodeNvfp4(blk, sf4Value, alpha, options.seed, codes4.data());
    Metric metric = options.rule.metric;
    float error6 = candidateError(blk, codes6.data(), sf6Value, alpha, metric,
                                  scratch.data());
    float error4 = candidateError(blk, codes4.data(), sf4Value, alpha, metric,
                                  scratch.data());
    bool keep4 = error4 < error6;
    q.scales[b] = keep4 ? sf4 : sf6;
    if (withCodes)
      storeCodes(blk, keep4 ? codes4.data() : codes6.data(), q.values);
  }
  return q;
}

//===----------------------------------------------------------------------===//
// MXFP4 (SPEC 2.2)
//===----------------------------------------------------------------------===//

QuantizedTensor quantizeMxfp4(const float *x, int64_t rows, int64_t cols,
                              const QuantizeOptions &options, bool withCodes) {
  QuantizedTensor q =
      makeTensor(rows, cols, Format::MXFP4, options.block, withCodes);
  BlockGrid grid{rows, cols, options.block};
  Block blk(grid);
  std::vector<uint8_t> codes(static_cast<size_t>(grid.blockSize()));
  for (int64_t b = 0; b < grid.blockCount(); ++b) {
    blk.load(x, b);
    if (!blk.finite) {
      q.scales[b] = 0xFF; // E8M0 NaN, codes 0.
      continue;
    }
    if (blk.absMax == 0.0f)
      continue; // E = 0 and codes +0.
    uint8_t e = mxfp4ScaleExponent(options.rule.kind, blk.absMax);
    q.scales[b] = e;
    if (withCodes) {
      encodeMxfp4(blk, e, options.seed, codes.data());
      storeCodes(blk, codes.data(), q.values);
    }
  }
  return q;
}

} // namespace

//===----------------------------------------------------------------------===//
// Block scales
//===----------------------------------------------------------------------===//

float fp4::num::tensorAmax(const float *x, int64_t n) {
  // The maximum of the bit patterns of the finite |x_i| (which order
  // non-negative floats like their values); NaN and Inf count as 0. Integer
  // code, so that it vectorizes.
  uint32_t amax = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof(bits));
    bits &= 0x7FFFFFFFu;
    bits = bits < 0x7F800000u ? bits : 0u;
    amax = bits > amax ? bits : amax;
  }
  float result;
  std::memcpy(&result, &amax, sizeof(result));
  return result;
}

float fp4::num::nvfp4EncodeScale(RuleKind rule, float amax) {
  NvRange range = nvRange(rule);
  float enc = (range.mq * range.ms) / amax;
  if (enc > FLT_MAX)
    enc = FLT_MAX;
  return enc;
}

uint8_t fp4::num::mxfp4ScaleExponent(RuleKind rule, float blockMax) {
  if (blockMax == 0.0f)
    return 0;
  uint32_t bits;
  int64_t e;
  if (rule == RuleKind::MxFloor) {
    // OCP: E = biased exponent of b, minus 2 (emax of E2M1).
    std::memcpy(&bits, &blockMax, sizeof(bits));
    e = static_cast<int64_t>((bits >> 23) & 0xFF) - 2;
  } else {
    // mx_ceil: the biased exponent of s = b / 6, plus one when its mantissa
    // is non-zero. A subnormal s (exponent field 0) therefore gives E = 1.
    float s = blockMax / 6.0f;
    std::memcpy(&bits, &s, sizeof(bits));
    e = static_cast<int64_t>((bits >> 23) & 0xFF) + ((bits & 0x7FFFFF) ? 1 : 0);
  }
  if (e < 0)
    e = 0;
  if (e > 254)
    e = 254;
  return static_cast<uint8_t>(e);
}

//===----------------------------------------------------------------------===//
// Tensor operations
//===----------------------------------------------------------------------===//

QuantizedTensor fp4::num::quantize(const float *x, int64_t rows, int64_t cols,
                                   const QuantizeOptions &options) {
  if (options.format == Format::NVFP4)
    return quantizeNvfp4(x, rows, cols, options, /*withCodes=*/true);
  return quantizeMxfp4(x, rows, cols, options, /*withCodes=*/true);
}

QuantizedTensor fp4::num::selectScales(const float *x, int64_t rows,
                                       int64_t cols,
                                       const QuantizeOptions &options) {
  QuantizeOptions nearest = options;
  nearest.seed.reset();
  if (options.format == Format::NVFP4)
    return quantizeNvfp4(x, rows, cols, nearest, /*withCodes=*/false);
  return quantizeMxfp4(x, rows, cols, nearest, /*withCodes=*/false);
}

QuantizedTensor fp4::num::quantizeWithScales(const float *x, int64_t rows,
                                             int64_t cols, Format format,
                                             BlockShape block,
                                             const uint8_t *scales, float alpha,
                                             std::optional<uint64_t> seed) {
  QuantizedTensor q = makeTensor(rows, cols, format, block, /*withCodes=*/true);
  q.alpha = format == Format::NVFP4 ? alpha : 1.0f;
  BlockGrid grid{rows, cols, block};
  Block blk(grid);
  std::vector<uint8_t> codes(static_cast<size_t>(grid.blockSize()));
  for (int64_t b = 0; b < grid.blockCount(); ++b) {
    q.scales[b] = scales[b]; // Passed through unchanged.
    blk.load(x, b);
    // Codes 0 for a NaN/Inf block, a zero or NaN scale, or an all-zero block
    // (so that quantizeWithScales(x, selectScales(x)) == quantize(x)).
    if (!blk.finite || blk.absMax == 0.0f)
      continue;
    if (format == Format::NVFP4) {
      float sf = e4m3Value(scales[b]);
      if (sf == 0.0f || std::isnan(sf))
        continue;
      encodeNvfp4(blk, sf, alpha, seed, codes.data());
    } else {
      if (scales[b] == 0xFF)
        continue;
      encodeMxfp4(blk, scales[b], seed, codes.data());
    }
    storeCodes(blk, codes.data(), q.values);
  }
  return q;
}

void fp4::num::dequantize(const QuantizedTensor &q, float *out) {
  BlockGrid grid{q.rows, q.cols, q.block};
  for (int64_t r = 0; r < q.rows; ++r) {
    const uint8_t *blockScales =
        q.scales.data() + (r / q.block.rows) * grid.blockColCount();
    for (int64_t c0 = 0; c0 < q.cols; c0 += q.block.cols) {
      uint8_t scale = blockScales[c0 / q.block.cols];
      int64_t end = std::min(q.cols, c0 + q.block.cols);
      if (q.format == Format::NVFP4) {
        float sf = e4m3Value(scale);
        for (int64_t c = c0; c < end; ++c) {
          int64_t i = r * q.cols + c;
          out[i] = (e2m1Value(unpack(q.values, i)) * sf) * q.alpha;
        }
      } else {
        float sf = e8m0ToFloat(scale);
        for (int64_t c = c0; c < end; ++c) {
          int64_t i = r * q.cols + c;
          out[i] = e2m1Value(unpack(q.values, i)) * sf;
        }
      }
    }
  }
}

void fp4::num::matmul(const QuantizedTensor &a, const QuantizedTensor &b,
                      float *c) {
  assert(a.cols == b.cols && "matmul operands differ in K");
  int64_t m = a.rows, n = b.rows, k = a.cols;
  std::vector<float> da(static_cast<size_t>(m * k));
  std::vector<float> db(static_cast<size_t>(n * k));
  dequantize(a, da.data());
  dequantize(b, db.data());
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t l = 0; l < k; ++l)
        acc = acc + da[i * k + l] * db[j * k + l];
      c[i * n + j] = acc;
    }
  }
}
