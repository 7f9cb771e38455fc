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

#include <cassert>
#include <cfloat>
#include <cmath>
#include <cstring>

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

/// The tiling of a `rows x cols` tensor into blocks.
struct BlockGrid {
  int64_t rows, cols;
  BlockShape block;

  int64_t blockRowCount() const { return rows / block.rows; }
  int64_t blockColCount() const { return cols / block.cols; }
  int64_t blockCount() const { return blockRowCount() * blockColCount(); }
  int64_t blockSize() const { return block.rows * block.cols; }

  /// The linear (row-major) element indices of block `b`, in row-major order
  /// within the block.
  void indices(int64_t b, std::vector<int64_t> &out) const {
    int64_t r0 = (b / blockColCount()) * block.rows;
    int64_t c0 = (b % blockColCount()) * block.cols;
    out.clear();
    for (int64_t r = 0; r < block.rows; ++r)
      for (int64_t c = 0; c < block.cols; ++c)
        out.push_back((r0 + r) * cols + (c0 + c));
  }
};

/// The gathered elements of one block, with their linear indices.
struct Block {
  std::vector<int64_t> index;
  std::vector<float> x;

  bool allFinite() const {
    for (float v : x)
      if (!std::isfinite(v))
        return false;
    return true;
  }

  /// max |x_i| (the block holds finite values only).
  float absMax() const {
    float b = 0.0f;
    for (float v : x)
      b = std::fmax(b, std::fabs(v));
    return b;
  }

  void load(const float *data, const BlockGrid &grid, int64_t b) {
    grid.indices(b, index);
    x.resize(index.size());
    for (size_t i = 0; i < index.size(); ++i)
      x[i] = data[index[i]];
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

/// Nearest-even or, with a seed, stochastic E2M1 rounding of element `index`.
uint8_t roundElement(float y, int64_t index,
                     const std::optional<uint64_t> &seed) {
  if (!seed)
    return floatToE2M1(y);
  return floatToE2M1Stochastic(y,
                               randomBits(*seed, static_cast<uint64_t>(index)));
}

/// f32 2^(127 - e) for an E8M0 exponent e in [0, 254] (2^-127 is subnormal).
float mxfp4ScaleMultiplier(uint8_t e) {
  return e8m0ToFloat(static_cast<uint8_t>(254 - e));
}

/// SPEC 2.1 step 4: encodes a block with the decoded E4M3 scale `sf`.
void encodeNvfp4(const Block &blk, float sf, float alpha,
                 const std::optional<uint64_t> &seed,
                 std::vector<uint8_t> &codes) {
  codes.assign(blk.x.size(), 0);
  if (sf == 0.0f)
    return; // Every y_i = 0: codes +0.
  float reciprocal = 1.0f / (alpha * sf);
  for (size_t i = 0; i < blk.x.size(); ++i)
    codes[i] = roundElement(blk.x[i] * reciprocal, blk.index[i], seed);
}

/// SPEC 2.2: encodes a block with the E8M0 exponent `e`.
void encodeMxfp4(const Block &blk, uint8_t e,
                 const std::optional<uint64_t> &seed,
                 std::vector<uint8_t> &codes) {
  codes.assign(blk.x.size(), 0);
  float multiplier = mxfp4ScaleMultiplier(e);
  for (size_t i = 0; i < blk.x.size(); ++i)
    codes[i] = roundElement(blk.x[i] * multiplier, blk.index[i], seed);
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
/// 256 never have one).
float candidateError(const Block &blk, const std::vector<uint8_t> &codes,
                     float sf, float alpha, Metric metric) {
  std::vector<float> t(blk.x.size());
  for (size_t i = 0; i < t.size(); ++i) {
    float d = (e2m1ToFloat(codes[i]) * sf) * alpha;
    float e = d - blk.x[i];
    t[i] = metric == Metric::MSE ? e * e : std::fabs(e);
  }
  size_t n = t.size();
  while (n > 1) {
    size_t half = n / 2;
    for (size_t i = 0; i < half; ++i)
      t[i] = metric == Metric::AbsMax
                 ? maxPropagatingNaN(t[2 * i], t[2 * i + 1])
                 : t[2 * i] + t[2 * i + 1];
    if (n % 2)
      t[half] = t[n - 1];
    n = half + n % 2;
  }
  return n ? t[0] : 0.0f;
}

void scatterCodes(const Block &blk, const std::vector<uint8_t> &codes,
                  std::vector<uint8_t> &allCodes) {
  for (size_t i = 0; i < codes.size(); ++i)
    allCodes[blk.index[i]] = codes[i];
}

/// Packs one code per element into nibbles: element 2j in bits 0-3 of byte j,
/// element 2j+1 in bits 4-7.
std::vector<uint8_t> pack(const std::vector<uint8_t> &codes) {
  std::vector<uint8_t> packed((codes.size() + 1) / 2, 0);
  for (size_t i = 0; i < codes.size(); ++i)
    packed[i / 2] |= static_cast<uint8_t>((codes[i] & 0xF) << (4 * (i % 2)));
  return packed;
}

uint8_t unpack(const std::vector<uint8_t> &packed, int64_t i) {
  return (packed[i / 2] >> (4 * (i % 2))) & 0xF;
}

QuantizedTensor makeTensor(int64_t rows, int64_t cols, Format format,
                           BlockShape block) {
  QuantizedTensor q;
  q.rows = rows;
  q.cols = cols;
  q.format = format;
  q.block = block;
  BlockGrid grid{rows, cols, block};
  q.scales.assign(static_cast<size_t>(grid.blockCount()), 0);
  q.alpha = 1.0f;
  return q;
}

//===----------------------------------------------------------------------===//
// NVFP4 (SPEC 2.1)
//===----------------------------------------------------------------------===//

QuantizedTensor quantizeNvfp4(const float *x, int64_t rows, int64_t cols,
                              const QuantizeOptions &options, bool withCodes) {
  QuantizedTensor q = makeTensor(rows, cols, Format::NVFP4, options.block);
  BlockGrid grid{rows, cols, options.block};
  std::vector<uint8_t> codes(static_cast<size_t>(rows * cols), 0);
  auto finish = [&]() {
    if (withCodes)
      q.values = pack(codes);
    return q;
  };

  // Step 1: the tensor amax; A == 0 gives all-zero scales, codes and alpha.
  float amax = options.amax ? *options.amax : tensorAmax(x, rows * cols);
  if (amax == 0.0f) {
    q.alpha = 0.0f;
    return finish();
  }

  // Step 2: the tensor encode scale and alpha.
  RuleKind rule = options.rule.kind;
  NvRange range = nvRange(rule);
  float enc = nvfp4EncodeScale(rule, amax);
  float alpha = 1.0f / enc;
  q.alpha = alpha;

  Block blk;
  std::vector<uint8_t> codes6, codes4;
  for (int64_t b = 0; b < grid.blockCount(); ++b) {
    blk.load(x, grid, b);
    // Step 6: NaN/Inf blocks get the E4M3 NaN scale and codes 0.
    if (!blk.allFinite()) {
      q.scales[b] = 0x7F;
      continue;
    }
    // Step 3: the block scale candidate(s).
    float s = (blk.absMax() / range.mq) * enc;
    uint8_t sf6 = floatToE4M3(s);
    if (rule != RuleKind::FourOverSix) {
      q.scales[b] = sf6;
      if (withCodes) {
        encodeNvfp4(blk, e4m3ToFloat(sf6), alpha, options.seed, codes6);
        scatterCodes(blk, codes6, codes);
      }
      continue;
    }
    // Steps 4-5: four_over_six encodes with both candidates (the same random
    // bits for both when stochastic) and keeps sf4 iff E4 < E6.
    uint8_t sf4 = floatToE4M3(s * 1.5f);
    float sf6Value = e4m3ToFloat(sf6), sf4Value = e4m3ToFloat(sf4);
    encodeNvfp4(blk, sf6Value, alpha, options.seed, codes6);
    encodeNvfp4(blk, sf4Value, alpha, options.seed, codes4);
    Metric metric = options.rule.metric;
    float error6 = candidateError(blk, codes6, sf6Value, alpha, metric);
    float error4 = candidateError(blk, codes4, sf4Value, alpha, metric);
    bool keep4 = error4 < error6;
    q.scales[b] = keep4 ? sf4 : sf6;
    if (withCodes)
      scatterCodes(blk, keep4 ? codes4 : codes6, codes);
  }
  return finish();
}

//===----------------------------------------------------------------------===//
// MXFP4 (SPEC 2.2)
//===----------------------------------------------------------------------===//

QuantizedTensor quantizeMxfp4(const float *x, int64_t rows, int64_t cols,
                              const QuantizeOptions &options, bool withCodes) {
  QuantizedTensor q = makeTensor(rows, cols, Format::MXFP4, options.block);
  BlockGrid grid{rows, cols, options.block};
  std::vector<uint8_t> codes(static_cast<size_t>(rows * cols), 0);
  Block blk;
  std::vector<uint8_t> blockCodes;
  for (int64_t b = 0; b < grid.blockCount(); ++b) {
    blk.load(x, grid, b);
    if (!blk.allFinite()) {
      q.scales[b] = 0xFF; // E8M0 NaN, codes 0.
      continue;
    }
    float blockMax = blk.absMax();
    if (blockMax == 0.0f)
      continue; // E = 0 and codes +0.
    uint8_t e = mxfp4ScaleExponent(options.rule.kind, blockMax);
    q.scales[b] = e;
    if (withCodes) {
      encodeMxfp4(blk, e, options.seed, blockCodes);
      scatterCodes(blk, blockCodes, codes);
    }
  }
  if (withCodes)
    q.values = pack(codes);
  return q;
}

} // namespace

//===----------------------------------------------------------------------===//
// Block scales
//===----------------------------------------------------------------------===//

float fp4::num::tensorAmax(const float *x, int64_t n) {
  float amax = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(x[i]))
      amax = std::fmax(amax, std::fabs(x[i]));
  return amax;
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
  QuantizedTensor q = makeTensor(rows, cols, format, block);
  q.alpha = format == Format::NVFP4 ? alpha : 1.0f;
  BlockGrid grid{rows, cols, block};
  std::vector<uint8_t> codes(static_cast<size_t>(rows * cols), 0);
  Block blk;
  std::vector<uint8_t> blockCodes;
  for (int64_t b = 0; b < grid.blockCount(); ++b) {
    q.scales[b] = scales[b]; // Passed through unchanged.
    blk.load(x, grid, b);
    // Codes 0 for a NaN/Inf block, a zero or NaN scale, or an all-zero block
    // (so that quantizeWithScales(x, selectScales(x)) == quantize(x)).
    if (!blk.allFinite() || blk.absMax() == 0.0f)
      continue;
    if (format == Format::NVFP4) {
      float sf = e4m3ToFloat(scales[b]);
      if (sf == 0.0f || std::isnan(sf))
        continue;
      encodeNvfp4(blk, sf, alpha, seed, blockCodes);
    } else {
      if (scales[b] == 0xFF)
        continue;
      encodeMxfp4(blk, scales[b], seed, blockCodes);
    }
    scatterCodes(blk, blockCodes, codes);
  }
  q.values = pack(codes);
  return q;
}

void fp4::num::dequantize(const QuantizedTensor &q, float *out) {
  BlockGrid grid{q.rows, q.cols, q.block};
  for (int64_t r = 0; r < q.rows; ++r) {
    for (int64_t c = 0; c < q.cols; ++c) {
      int64_t i = r * q.cols + c;
      int64_t b = (r / q.block.rows) * grid.blockColCount() + c / q.block.cols;
      float value = e2m1ToFloat(unpack(q.values, i));
      if (q.format == Format::NVFP4)
        out[i] = canonicalizeNaN((value * e4m3ToFloat(q.scales[b])) * q.alpha);
      else
        out[i] = canonicalizeNaN(value * e8m0ToFloat(q.scales[b]));
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
