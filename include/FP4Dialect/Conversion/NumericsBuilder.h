//===- NumericsBuilder.h - SPEC section 2 numerics as IR ---------*- C++ -*-===//
//
// The fp4 numerics expressed as arith/vector IR: the E2M1/E4M3/E8M0
// conversions as integer and f32 operations, the counter-based random bits,
// and the per-block quantize/dequantize/Hadamard kernels. This is the second,
// independent implementation of SPEC section 2 (the first is the numerics
// core in FP4Dialect/Numerics); tests hold the two bit-identical.
//
// Every value-level helper works on a scalar or on a vector: a "like" value
// or type gives the shape and constants are splatted to it. The block kernels
// take one block as a 1-D vector of f32 (16, 32 or 256 lanes, row-major) and
// are shared by every lowering: the CPU path wraps them in scf loops, the
// emulated GPU path in a thread-per-block kernel.
//
// No operation here carries fast-math flags and no multiply-add is formed,
// so the IR computes exactly the f32 operations SPEC section 2 writes.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_NUMERICSBUILDER_H
#define FP4DIALECT_CONVERSION_NUMERICSBUILDER_H

#include "FP4Dialect/IR/FP4.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::fp4 {

class NumericsBuilder;

/// Target instructions for the element conversions (e.g. sm_100a's
/// `cvt.rn.satfinite.e2m1x2.f32`). NumericsBuilder asks its hooks first and
/// emulates a conversion when the hook returns a null Value. A hook must
/// compute exactly the bits of the emulated conversion (SPEC section 2) for
/// every input it accepts; the one exception is `e2m1EncodeStochastic`,
/// which SPEC 2.4 holds to its statistical properties only. The default
/// implementations decline everything.
class NativeConversions {
public:
  virtual ~NativeConversions();
  /// As NumericsBuilder::e2m1Encode.
  virtual Value e2m1Encode(NumericsBuilder &nb, Value y) const;
  /// Whether e2m1Encode accepts (some) inputs; false lets NumericsBuilder
  /// use emulation-only shortcuts (the four_over_six errors from the
  /// rounded magnitudes).
  virtual bool encodesE2M1() const { return false; }
  /// As NumericsBuilder::e2m1EncodeStochastic; `rbits` holds the 24-bit
  /// random value of each element (SPEC 2.4).
  virtual Value e2m1EncodeStochastic(NumericsBuilder &nb, Value y,
                                     Value rbits) const;
  /// As NumericsBuilder::e2m1Decode.
  virtual Value e2m1Decode(NumericsBuilder &nb, Value codes) const;
  /// As NumericsBuilder::e4m3Encode.
  virtual Value e4m3Encode(NumericsBuilder &nb, Value v) const;
  /// As NumericsBuilder::e4m3Decode (any NaN for 0x7F/0xFF).
  virtual Value e4m3Decode(NumericsBuilder &nb, Value bytes) const;
};

class NumericsBuilder {
public:
  /// `native` (optional, not owned) supplies target instructions for the
  /// element conversions; without it every conversion is emulated.
  explicit NumericsBuilder(ImplicitLocOpBuilder &b,
                           const NativeConversions *native = nullptr)
      : b(b), native(native) {}

  ImplicitLocOpBuilder &builder() const { return b; }
  const NativeConversions *getNative() const { return native; }

  //===--------------------------------------------------------------------===//
  // Types and constants shaped like a value (scalar or vector).
  //===--------------------------------------------------------------------===//
  Type like(Type shapeOf, Type elementType) const;
  Value f32(float v, Type shapeOf);
  Value int32(int64_t v, Type shapeOf);
  Value int8(int64_t v, Type shapeOf);
  Value int64(int64_t v, Type shapeOf);
  Value select(Value cond, Value t, Value f);

  //===--------------------------------------------------------------------===//
  // Element conversions (SPEC 1 and 2).
  //===--------------------------------------------------------------------===//
  /// f32 -> i8 code: round |y| to {0,.5,1,1.5,2,3,4,6} nearest-even,
  /// saturating at 6, sign bit 3 from y's sign bit; NaN -> magnitude 0.
  Value e2m1Encode(Value y);
  /// The emulated e2m1Encode, also returning |decoded code| (f32-like), the
  /// grid value |y| rounds to (0 for NaN).
  std::pair<Value, Value> e2m1EncodeEmulated(Value y);
  /// f32 -> i8 code with stochastic rounding by 24 random bits (i32).
  Value e2m1EncodeStochastic(Value y, Value rbits);
  /// i8 code (low nibble) -> f32.
  Value e2m1Decode(Value code);
  /// f32 -> E4M3FN byte (i8): nearest-even, saturating +-448, NaN -> 0x7F.
  Value e4m3Encode(Value v);
  /// E4M3FN byte (i8) -> f32; 0x7F/0xFF -> NaN.
  Value e4m3Decode(Value bits);
  /// E8M0 byte (i8) -> f32 2^(E-127); 0xFF -> NaN.
  Value e8m0Decode(Value e);
  /// E8M0 byte (i8, E <= 254) -> f32 2^(127-E), exact.
  Value e8m0InverseScale(Value e);
  /// MXFP4 block exponent (i8) of a finite block maximum (f32), SPEC 2.2.
  Value mxScaleExponent(Value blockMax, RuleKind rule);
  /// 24 random bits (i32-like) for (seed: i64 scalar, index: i64-like), the
  /// SplitMix64 generator of SPEC 2.4 / docs/numerics.md.
  Value randomBits(Value seed, Value index);
  /// True (i1-like) where x is NaN or +-Inf.
  Value isNonFinite(Value x);
  Value absf(Value x);
  /// The sign bit of f32-like `y` as bit 3 of an i8-like code (a NaN keeps
  /// its sign bit: callers zero NaN lanes first).
  Value e2m1SignBit(Value y);

  //===--------------------------------------------------------------------===//
  // Vector utilities.
  //===--------------------------------------------------------------------===//
  /// Balanced binary-tree sum over the lanes in index order:
  /// ((t0+t1)+(t2+t3))+... (SPEC 2.1 step 5).
  Value treeSum(Value vec);
  Value maxReduce(Value vec);
  Value anyTrue(Value vecI1);
  /// vector<2N x i8> codes -> vector<N x i8> bytes (2j low nibble).
  Value packNibbles(Value codes);
  /// vector<N x i8> bytes -> vector<2N x i8> codes.
  Value unpackNibbles(Value bytes);

  //===--------------------------------------------------------------------===//
  // Tensor-level scalars (SPEC 2.1 steps 1-2).
  //===--------------------------------------------------------------------===//
  struct TensorScale {
    Value enc;         // f32 encode scale
    Value alpha;       // f32 1 / enc, used to encode and decode blocks
    Value resultAlpha; // f32 tensor scale of the result (0 when amax == 0)
    Value isZero;      // i1: amax == 0, everything quantizes to zero
  };
  TensorScale nvfp4TensorScale(Value amax, RuleKind rule);

  //===--------------------------------------------------------------------===//
  // Block kernels. `x` is one block, vector<N x f32> in row-major order.
  //===--------------------------------------------------------------------===//
  struct BlockResult {
    Value codes;     // vector<N x i8>
    Value scaleByte; // i8
  };
  /// SPEC 2.1 steps 3-6 for one block. `rbits` (vector<N x i32>) selects
  /// stochastic rounding when non-null.
  BlockResult quantizeNVFP4Block(Value x, const TensorScale &ts, RuleAttr rule,
                                 Value rbits);
  /// SPEC 2.2 for one block.
  BlockResult quantizeMXFP4Block(Value x, RuleKind rule, Value rbits);
  /// Encodes one block with a given scale byte (and alpha for nvfp4; null for
  /// mxfp4): codes are 0 for a zero or NaN scale and for a block that holds
  /// NaN/Inf or only zeros.
  Value encodeWithScale(Value x, Value scaleByte, Value alpha, Format format,
                        Value rbits);
  /// Decodes one block: vector<N x i8> codes, its scale byte and alpha
  /// (nvfp4; null for mxfp4) -> vector<N x f32>.
  Value dequantizeBlock(Value codes, Value scaleByte, Value alpha,
                        Format format);
  /// SPEC 2.3 on one vector<n x f32> block.
  Value hadamardBlock(Value x, ArrayRef<int8_t> signs);

private:
  Value encode(Value y, Value rbits) {
    return rbits ? e2m1EncodeStochastic(y, rbits) : e2m1Encode(y);
  }
  /// Codes for block x with decoded scale sf (f32 scalar) and alpha: zero
  /// codes when sf == 0.
  Value encodeNVFP4(Value x, Value sf, Value alpha, Value rbits);
  /// The block maximum of |x| (f32; meaningful when the block is finite) and
  /// whether the block holds NaN or Inf (i1), for a vector<N x f32> block.
  std::pair<Value, Value> finiteBlockMax(Value x);
  /// The four_over_six candidate of scale sf (emulated RNE): codes and the
  /// error under `metric`, computed from the rounded magnitudes; bit-identical
  /// to encodeNVFP4 + candidateError.
  std::pair<Value, Value> emulatedCandidate(Value x, Value absX, Value sf,
                                            Value alpha, Metric metric);
  /// Per-block error under `metric` of a candidate whose codes decode to
  /// the E2M1 grid values `grid` (scaled by sf and alpha) against `x`.
  Value candidateError(Value x, Value grid, Value sf, Value alpha,
                       Metric metric);
  Value splat(Value scalar, Type shapeOf);

  ImplicitLocOpBuilder &b;
  const NativeConversions *native;
};

} // namespace mlir::fp4

#endif // FP4DIALECT_CONVERSION_NUMERICSBUILDER_H
