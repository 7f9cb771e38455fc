//===- Numerics.h - Bit-exact FP4 numerics (SPEC section 2) -----*- C++ -*-===//
//
// The scalar reference implementation of the fp4 numerics: E2M1/E4M3/E8M0
// conversions, NVFP4/MXFP4 block quantization, Hadamard, stochastic rounding,
// packing and dequantization. It has no MLIR or LLVM dependency so that the
// constant folder, the tools, the runtime tests and the unit tests can share it.
//
// Everything here is IEEE-754 binary32 arithmetic with round-to-nearest-even,
// in exactly the order SPEC section 2 writes it. The library is compiled with
// -ffp-contract=off so that no multiply-add is fused.
//
// Tensors are row-major. A tensor of any rank is viewed as `rows x cols` where
// `cols` is the last (blocked) dimension and `rows` the product of the others;
// this keeps the linear element index (used by stochastic rounding) and the
// 16x16 tiles (the second-to-last dimension is a multiple of 16) unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_NUMERICS_NUMERICS_H
#define FP4DIALECT_NUMERICS_NUMERICS_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace fp4::num {

//===----------------------------------------------------------------------===//
// Formats and rules
//===----------------------------------------------------------------------===//

enum class Format : uint8_t { NVFP4, MXFP4 };
enum class RuleKind : uint8_t { Static6, Static4, FourOverSix, MxCeil, MxFloor };
enum class Metric : uint8_t { MSE, MAE, AbsMax };

struct Rule {
  RuleKind kind = RuleKind::Static6;
  Metric metric = Metric::MSE; // Only meaningful for FourOverSix.
};

/// Block shape along the last two dimensions: 1x16 or 16x16 (nvfp4), 1x32
/// (mxfp4).
struct BlockShape {
  int64_t rows = 1;
  int64_t cols = 16;
};

/// True iff `rule` may be used with `format` (SPEC 2.2: static*/four_over_six
/// are nvfp4 only, mx_* are mxfp4 only).
bool isRuleValidFor(Format format, RuleKind rule);
/// The default rule of a format: static6 for nvfp4, mx_ceil for mxfp4.
RuleKind defaultRule(Format format);
/// The default block shape of a format: 1x16 for nvfp4, 1x32 for mxfp4.
BlockShape defaultBlock(Format format);

//===----------------------------------------------------------------------===//
// Element conversions
//===----------------------------------------------------------------------===//

/// Decodes the low 4 bits of `code` (bit 3 sign, bits 0-2 magnitude index into
/// {0, 0.5, 1, 1.5, 2, 3, 4, 6}).
float e2m1ToFloat(uint8_t code);
/// Rounds |v| to the E2M1 grid, nearest-even, saturating at 6. The sign bit of
/// the code is the sign bit of v (a negative value rounding to 0 gives 0x8).
/// NaN maps to code 0x0 (+0; the sign of a NaN is not portable: 0 * Inf is a
/// negative NaN on x86 and a positive one on NVIDIA GPUs).
uint8_t floatToE2M1(float v);
/// Stochastic rounding of v to E2M1 with the 24 random bits `rbits`
/// (SPEC 2.4, docs/numerics.md): a = |v|; a >= 6 -> 6; NaN -> 0; otherwise
/// with lo <= a < hi the grid neighbours, frac = (a - lo) / (hi - lo) (exact),
/// round up iff float(rbits) * 2^-24 < frac. NaN -> code 0x0 (+0).
uint8_t floatToE2M1Stochastic(float v, uint32_t rbits);

/// E4M3FN (f8E4M3FN) decode; 0x7F and 0xFF are NaN.
float e4m3ToFloat(uint8_t bits);
/// Rounds v to E4M3FN nearest-even, saturating to +-448 (also for +-Inf).
/// NaN -> 0x7F.
uint8_t floatToE4M3(float v);

/// E8M0 (f8E8M0FNU) decode: 2^(e - 127); 0xFF is NaN.
float e8m0ToFloat(uint8_t e);

/// NaN results of dequantize and hadamard are the canonical quiet NaN
/// 0x7FC00000 (NaN payloads and signs are not portable between CPUs and
/// GPUs); other values are returned unchanged.
float canonicalizeNaN(float v);

/// bf16 / f16 <-> f32. The narrowing conversions round to nearest-even
/// (subnormals included) and keep NaN a NaN.
float bf16ToFloat(uint16_t bits);
uint16_t floatToBF16(float v);
float f16ToFloat(uint16_t bits);
uint16_t floatToF16(float v);

//===----------------------------------------------------------------------===//
// Stochastic rounding generator (SPEC 2.4)
//===----------------------------------------------------------------------===//

/// Counter-based generator keyed by (seed, element index): the SplitMix64
/// output for state `seed + (index + 1) * 0x9E3779B97F4A7C15`, top 24 bits:
///   z = seed + (index + 1) * 0x9E3779B97F4A7C15        (mod 2^64)
///   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
///   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
///   z = z ^ (z >> 31)
///   return z >> 40
uint32_t randomBits(uint64_t seed, uint64_t index);

//===----------------------------------------------------------------------===//
// Block scales
//===----------------------------------------------------------------------===//

/// max |x_i| over the finite elements (0 if none).
float tensorAmax(const float *x, int64_t n);

/// NVFP4 tensor-level encode scale: enc = min((Mq * Ms) / amax, FLT_MAX) with
/// (Mq, Ms) from the rule. Undefined for amax == 0 (callers handle it first).
float nvfp4EncodeScale(RuleKind rule, float amax);

/// MXFP4 block exponent E (biased, E8M0) for a finite block maximum b
/// (SPEC 2.2). b == 0 gives 0.
uint8_t mxfp4ScaleExponent(RuleKind rule, float blockMax);

//===----------------------------------------------------------------------===//
// Tensor operations. `rows x cols` row-major; cols % block.cols == 0 and
// rows % block.rows == 0 are preconditions (the verifier enforces them).
//===----------------------------------------------------------------------===//

struct QuantizedTensor {
  int64_t rows = 0, cols = 0;
  Format format = Format::NVFP4;
  BlockShape block;
  /// rows * cols / 2 bytes; element 2j in bits 0-3 of byte j, 2j+1 in 4-7.
  std::vector<uint8_t> values;
  /// (rows / block.rows) x (cols / block.cols) bytes, row-major: E4M3 for
  /// nvfp4, E8M0 for mxfp4.
  std::vector<uint8_t> scales;
  /// The f32 tensor scale alpha (nvfp4); 1.0 for mxfp4.
  float alpha = 1.0f;
};

struct QuantizeOptions {
  Format format = Format::NVFP4;
  Rule rule;
  BlockShape block;
  /// Explicit amax operand (nvfp4 only); otherwise tensorAmax(x).
  std::optional<float> amax;
  /// Stochastic rounding seed; otherwise round to nearest-even.
  std::optional<uint64_t> seed;
};

/// SPEC 2.1 / 2.2: full quantization (tensor amax, block scales, codes).
QuantizedTensor quantize(const float *x, int64_t rows, int64_t cols,
                         const QuantizeOptions &options);

/// Block scales (and alpha) only, as `fp4.scale_select` computes them: the
/// scales `quantize` would choose with the same options (seed ignored).
QuantizedTensor selectScales(const float *x, int64_t rows, int64_t cols,
                             const QuantizeOptions &options);

/// `fp4.quantize %x scales(%sc[, %alpha])`: encodes with the given scale bytes
/// (and alpha for nvfp4) instead of choosing them. Scale bytes are passed
/// through; a block whose decoded scale is zero or NaN (E4M3 0x7F/0xFF, E8M0
/// 0xFF), or which holds NaN/Inf or only zeros, gets codes 0 (so that
/// quantizeWithScales(x, selectScales(x)) == quantize(x)).
QuantizedTensor quantizeWithScales(const float *x, int64_t rows, int64_t cols,
                                   Format format, BlockShape block,
                                   const uint8_t *scales, float alpha,
                                   std::optional<uint64_t> seed);

/// Dequantizes into `out` (rows * cols floats): nvfp4
/// `(e2m1(q) * sf) * alpha`, mxfp4 `e2m1(q) * 2^(E - 127)`; NaN results are
/// the canonical quiet NaN.
void dequantize(const QuantizedTensor &q, float *out);

/// SPEC 2.3 in the canonical f32 order; `signs` holds n values of +-1 or is
/// null (all +1). The result is f32 (NaN results canonical); callers round it
/// to the element type.
void hadamard(const float *x, float *y, int64_t rows, int64_t cols, int64_t n,
              const int8_t *signs);
/// f32(1/sqrt(n)) for n in {16, 32, 64, 128}.
float hadamardScale(int64_t n);

/// SPEC 2.5: c[m, n] = sum_k deq(a)[m, k] * deq(b)[n, k] in f32, k ascending.
/// a is M x K and b is N x K; c holds M * N floats.
void matmul(const QuantizedTensor &a, const QuantizedTensor &b, float *c);

} // namespace fp4::num

#endif // FP4DIALECT_NUMERICS_NUMERICS_H
