//===- NumericsBuilder.cpp - SPEC section 2 numerics as IR ----------------===//

#include "FP4Dialect/Conversion/NumericsBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cfloat>
#include <limits>

using namespace mlir;
using namespace mlir::fp4;

//===----------------------------------------------------------------------===//
// NativeConversions: every hook declines by default
//===----------------------------------------------------------------------===//

NativeConversions::~NativeConversions() = default;
Value NativeConversions::e2m1Encode(NumericsBuilder &, Value) const {
  return {};
}
Value NativeConversions::e2m1EncodeStochastic(NumericsBuilder &, Value,
                                              Value) const {
  return {};
}
Value NativeConversions::e2m1Decode(NumericsBuilder &, Value) const {
  return {};
}
Value NativeConversions::e4m3Encode(NumericsBuilder &, Value) const {
  return {};
}
Value NativeConversions::e4m3Decode(NumericsBuilder &, Value) const {
  return {};
}

//===----------------------------------------------------------------------===//
// Types and constants
//===----------------------------------------------------------------------===//

Type NumericsBuilder::like(Type shapeOf, Type elementType) const {
  if (auto vt = dyn_cast<VectorType>(shapeOf))
    return VectorType::get(vt.getShape(), elementType);
  return elementType;
}

static Value constantLike(ImplicitLocOpBuilder &b, Type type,
                          TypedAttr scalar) {
  if (auto vt = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(b, vt,
                                     DenseElementsAttr::get(vt, scalar));
  return arith::ConstantOp::create(b, scalar);
}

Value NumericsBuilder::f32(float v, Type shapeOf) {
  return constantLike(b, like(shapeOf, b.getF32Type()), b.getF32FloatAttr(v));
}
Value NumericsBuilder::int32(int64_t v, Type shapeOf) {
  return constantLike(b, like(shapeOf, b.getI32Type()),
                      b.getI32IntegerAttr(static_cast<int32_t>(v)));
}
Value NumericsBuilder::int8(int64_t v, Type shapeOf) {
  return constantLike(b, like(shapeOf, b.getI8Type()),
                      b.getIntegerAttr(b.getI8Type(), v));
}
Value NumericsBuilder::int64(int64_t v, Type shapeOf) {
  return constantLike(b, like(shapeOf, b.getI64Type()), b.getI64IntegerAttr(v));
}
Value NumericsBuilder::select(Value cond, Value t, Value f) {
  return arith::SelectOp::create(b, cond, t, f);
}
Value NumericsBuilder::splat(Value scalar, Type shapeOf) {
  Type type = like(shapeOf, scalar.getType());
  if (type == scalar.getType())
    return scalar;
  return vector::BroadcastOp::create(b, type, scalar);
}

// Short names for the integer/float ops used below.
namespace {
struct Ops {
  ImplicitLocOpBuilder &b;
  Value bitcast(Value v, Type t) { return arith::BitcastOp::create(b, t, v); }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, x, y); }
  Value ori(Value x, Value y) { return arith::OrIOp::create(b, x, y); }
  Value xori(Value x, Value y) { return arith::XOrIOp::create(b, x, y); }
  Value addi(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value subi(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value muli(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, x, y); }
  Value shr(Value x, Value y) { return arith::ShRUIOp::create(b, x, y); }
  Value addf(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value subf(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  Value mulf(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  Value divf(Value x, Value y) { return arith::DivFOp::create(b, x, y); }
  Value cmpf(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, p, x, y);
  }
  Value cmpi(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, p, x, y);
  }
  Value zext(Value v, Type t) { return arith::ExtUIOp::create(b, t, v); }
  Value trunc(Value v, Type t) { return arith::TruncIOp::create(b, t, v); }
};
} // namespace

//===----------------------------------------------------------------------===//
// Element conversions
//===----------------------------------------------------------------------===//

Value NumericsBuilder::absf(Value x) {
  Ops o{b};
  Type i32 = like(x.getType(), b.getI32Type());
  return o.bitcast(o.andi(o.bitcast(x, i32), int32(0x7FFFFFFF, i32)),
                   x.getType());
}

Value NumericsBuilder::isNonFinite(Value x) {
  Ops o{b};
  Type i32 = like(x.getType(), b.getI32Type());
  Value expMask = int32(0x7F800000, i32);
  return o.cmpi(arith::CmpIPredicate::eq, o.andi(o.bitcast(x, i32), expMask),
                expMask);
}

/// Sign bit of f32-like `y` moved to bit 3 of an i8-like value (i32-like
/// with `wide`).
static Value signBitCode(NumericsBuilder &nb, Ops &o, Value y,
                         bool wide = false) {
  Type i32 = nb.like(y.getType(), o.b.getI32Type());
  Value sign = o.andi(o.shr(o.bitcast(y, i32), nb.int32(28, i32)),
                      nb.int32(8, i32));
  return wide ? sign : o.trunc(sign, nb.like(y.getType(), o.b.getI8Type()));
}

Value NumericsBuilder::e2m1SignBit(Value y) {
  Ops o{b};
  return signBitCode(*this, o, y);
}

Value NumericsBuilder::e2m1Encode(Value y) {
  if (native)
    if (Value v = native->e2m1Encode(*this, y))
      return v;
  return e2m1EncodeEmulated(y).first;
}

std::pair<Value, Value> NumericsBuilder::e2m1EncodeEmulated(Value y) {
  Ops o{b};
  Type t = y.getType();
  Type i32 = like(t, b.getI32Type());
  Type i8 = like(t, b.getI8Type());
  // NaN encodes as +0. maxnum/minnum return the number when one operand is
  // NaN: a = |y| saturated at 6 with NaN -> 0, and the sign is taken from
  // minnum(y, FLT_MAX) (NaN -> +FLT_MAX, +inf -> +FLT_MAX, otherwise y).
  // Two min/max per element instead of a compare and a select for the NaN
  // and another pair for the saturation.
  Value a = arith::MinNumFOp::create(
      b, arith::MaxNumFOp::create(b, absf(y), f32(0.0f, t)), f32(6.0f, t));
  y = arith::MinNumFOp::create(b, y,
                               f32(std::numeric_limits<float>::max(), t));
  // The codes 0..7 are {0, .5, 1, 1.5, 2, 3, 4, 6}: steps of 0.5 below 2
  // (code 2a), of 1 below 4 (code a + 2), of 2 up to 6 (code a/2 + 4), and
  // in each range the code's parity is the mantissa bit. So the code is
  // rint(a * m) + c with m in {2, 1, 1/2} and c in {0, 2, 4}: a * m is exact
  // (a power-of-two factor), and adding it to 2^23 + c rounds it to an
  // integer nearest-even (c is even, so ties go to the even code) whose value
  // is the low mantissa bits of the sum.
  Value below2 = o.cmpf(arith::CmpFPredicate::OLT, a, f32(2.0f, t));
  Value below4 = o.cmpf(arith::CmpFPredicate::OLT, a, f32(4.0f, t));
  Value m = select(below2, f32(2.0f, t),
                   select(below4, f32(1.0f, t), f32(0.5f, t)));
  Value magic = select(below2, f32(8388608.0f, t),
                       select(below4, f32(8388610.0f, t), f32(8388612.0f, t)));
  Value sum = o.addf(o.mulf(a, m), magic);
  Value code = o.andi(o.bitcast(sum, i32), int32(0x7, i32));
  // The sign to bit 3, in 32-bit lanes until the truncation.
  Value codes =
      o.trunc(o.ori(code, signBitCode(*this, o, y, /*wide=*/true)), i8);
  // The grid value: rint(a * m) = sum - magic (exact), times 1 / m (exact).
  Value minv = select(below2, f32(0.5f, t),
                      select(below4, f32(1.0f, t), f32(2.0f, t)));
  Value magnitude = o.mulf(o.subf(sum, magic), minv);
  return {codes, magnitude};
}

Value NumericsBuilder::e2m1EncodeStochastic(Value y, Value rbits) {
  if (native)
    if (Value v = native->e2m1EncodeStochastic(*this, y, rbits))
      return v;
  Ops o{b};
  Type t = y.getType();
  Type i8 = like(t, b.getI8Type());
  Value a = absf(y);
  // lo = largest grid point <= a (index 0..7).
  Value lo = int8(0, t);
  for (float g : {0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f})
    lo = o.addi(lo, o.zext(o.cmpf(arith::CmpFPredicate::OGE, a, f32(g, t)),
                           i8));
  Value saturated = o.cmpi(arith::CmpIPredicate::eq, lo, int8(7, t));
  Value hi = select(saturated, lo, o.addi(lo, int8(1, t)));
  Value loV = e2m1Decode(lo), hiV = e2m1Decode(hi);
  // frac is exact: a - lo is exact (Sterbenz) and hi - lo is a power of two.
  Value frac = o.divf(o.subf(a, loV), o.subf(hiV, loV));
  Type f32t = like(t, b.getF32Type());
  Value u = o.mulf(arith::UIToFPOp::create(b, f32t, rbits),
                   f32(0x1p-24f, t));
  Value up = o.cmpf(arith::CmpFPredicate::OLT, u, frac);
  Value idx = select(saturated, lo, o.addi(lo, o.zext(up, i8)));
  Value isNan = o.cmpf(arith::CmpFPredicate::UNO, y, y);
  return select(isNan, int8(0, t), o.ori(idx, signBitCode(*this, o, y)));
}

Value NumericsBuilder::e2m1Decode(Value code) {
  if (native)
    if (Value v = native->e2m1Decode(*this, code))
      return v;
  Ops o{b};
  Type t = code.getType();
  Type i32 = like(t, b.getI32Type());
  Value c = o.zext(code, i32);
  Value idx = o.andi(c, int32(7, i32));
  Value e = o.shr(idx, int32(1, i32));
  Value m = o.andi(idx, int32(1, i32));
  // e > 0: 2^(e-1) * (1 + m/2); e == 0: m * 0.5.
  Value normal = o.ori(o.shl(o.addi(e, int32(126, i32)), int32(23, i32)),
                       o.shl(m, int32(22, i32)));
  Value subnormal = o.muli(m, int32(0x3F000000, i32));
  Value isSub = o.cmpi(arith::CmpIPredicate::eq, e, int32(0, i32));
  Value bits = select(isSub, subnormal, normal);
  Value sign = o.shl(o.andi(c, int32(8, i32)), int32(28, i32));
  return o.bitcast(o.ori(bits, sign), like(t, b.getF32Type()));
}

Value NumericsBuilder::e4m3Encode(Value v) {
  if (native)
    if (Value r = native->e4m3Encode(*this, v))
      return r;
  Ops o{b};
  Type t = v.getType();
  Type i32 = like(t, b.getI32Type());
  Type i8 = like(t, b.getI8Type());
  Value bits = o.bitcast(v, i32);
  Value absBits = o.andi(bits, int32(0x7FFFFFFF, i32));
  Value sign = o.andi(o.shr(bits, int32(24, i32)), int32(0x80, i32));
  Value a = o.bitcast(absBits, t);
  // Normal range (a >= 2^-6): round the 23-bit mantissa to 3 bits
  // nearest-even on the integer encoding (a carry bumps the exponent), then
  // rebias the exponent from 127 to 7.
  Value lsb = o.andi(o.shr(absBits, int32(20, i32)), int32(1, i32));
  Value rounded = o.addi(o.addi(absBits, int32(0x7FFFF, i32)), lsb);
  Value normal = o.subi(o.shr(rounded, int32(20, i32)), int32(120 << 3, i32));
  // Subnormal range (a < 2^-6): k * 2^-9 with k = rne(a * 2^9); adding and
  // subtracting 2^23 rounds to an integer nearest-even in f32. k == 8 is the
  // smallest normal, whose code is 8 as well.
  Value scaled = o.mulf(a, f32(512.0f, t));
  Value k = o.subf(o.addf(scaled, f32(8388608.0f, t)), f32(8388608.0f, t));
  Value subnormal = arith::FPToSIOp::create(b, i32, k);
  Value isSub = o.cmpf(arith::CmpFPredicate::OLT, a, f32(0x1p-6f, t));
  Value code = select(isSub, subnormal, normal);
  // Saturate to 448 (0x7E); this also maps +-Inf to +-448.
  code = arith::MinSIOp::create(b, code, int32(0x7E, i32));
  Value isNan = o.cmpf(arith::CmpFPredicate::UNO, v, v);
  code = select(isNan, int32(0x7F, i32), o.ori(code, sign));
  return o.trunc(code, i8);
}

Value NumericsBuilder::e4m3Decode(Value byte) {
  if (native)
    if (Value v = native->e4m3Decode(*this, byte))
      return v;
  Ops o{b};
  Type t = byte.getType();
  Type i32 = like(t, b.getI32Type());
  Type f32t = like(t, b.getF32Type());
  Value x = o.zext(byte, i32);
  Value e = o.andi(o.shr(x, int32(3, i32)), int32(0xF, i32));
  Value m = o.andi(x, int32(7, i32));
  Value normal = o.bitcast(
      o.ori(o.shl(o.addi(e, int32(120, i32)), int32(23, i32)),
            o.shl(m, int32(20, i32))),
      f32t);
  Value subnormal =
      o.mulf(arith::UIToFPOp::create(b, f32t, m), f32(0x1p-9f, t));
  Value isSub = o.cmpi(arith::CmpIPredicate::eq, e, int32(0, i32));
  Value mag = o.bitcast(select(isSub, subnormal, normal), i32);
  Value sign = o.shl(o.andi(x, int32(0x80, i32)), int32(24, i32));
  Value value = o.bitcast(o.ori(mag, sign), f32t);
  Value isNan = o.cmpi(arith::CmpIPredicate::eq, o.andi(x, int32(0x7F, i32)),
                       int32(0x7F, i32));
  return select(isNan, o.bitcast(int32(0x7FC00000, i32), f32t), value);
}

Value NumericsBuilder::e8m0Decode(Value byte) {
  Ops o{b};
  Type t = byte.getType();
  Type i32 = like(t, b.getI32Type());
  Value e = o.zext(byte, i32);
  Value bits = o.shl(e, int32(23, i32));
  bits = select(o.cmpi(arith::CmpIPredicate::eq, e, int32(0, i32)),
                int32(0x00400000, i32), bits); // 2^-127 is subnormal
  bits = select(o.cmpi(arith::CmpIPredicate::eq, e, int32(255, i32)),
                int32(0x7FC00000, i32), bits);
  return o.bitcast(bits, like(t, b.getF32Type()));
}

Value NumericsBuilder::e8m0InverseScale(Value byte) {
  Ops o{b};
  Type t = byte.getType();
  Type i32 = like(t, b.getI32Type());
  Value e = o.zext(byte, i32);
  // 2^(127 - E) has biased exponent 254 - E; E == 254 gives the subnormal
  // 2^-127.
  Value bits = o.shl(o.subi(int32(254, i32), e), int32(23, i32));
  bits = select(o.cmpi(arith::CmpIPredicate::eq, e, int32(254, i32)),
                int32(0x00400000, i32), bits);
  bits = select(o.cmpi(arith::CmpIPredicate::eq, e, int32(255, i32)),
                int32(0x7FC00000, i32), bits);
  return o.bitcast(bits, like(t, b.getF32Type()));
}

Value NumericsBuilder::mxScaleExponent(Value blockMax, RuleKind rule) {
  Ops o{b};
  Type t = blockMax.getType();
  Type i32 = like(t, b.getI32Type());
  Type i8 = like(t, b.getI8Type());
  Value e;
  if (rule == RuleKind::mx_floor) {
    // Biased exponent of b minus 2, clamped at 0 (b finite: <= 252).
    Value exp = o.shr(o.bitcast(blockMax, i32), int32(23, i32));
    e = arith::MaxSIOp::create(b, o.subi(exp, int32(2, i32)), int32(0, i32));
  } else {
    // Smallest power of two >= b / 6: the exponent of s, plus one when its
    // mantissa is non-zero; clamped to 254.
    Value s = o.bitcast(o.divf(blockMax, f32(6.0f, t)), i32);
    Value exp = o.shr(s, int32(23, i32));
    Value mant = o.andi(s, int32(0x7FFFFF, i32));
    Value inexact = o.cmpi(arith::CmpIPredicate::ne, mant, int32(0, i32));
    e = o.addi(exp, o.zext(inexact, i32));
    e = arith::MinSIOp::create(b, e, int32(254, i32));
  }
  return o.trunc(e, i8);
}

Value NumericsBuilder::randomBits(Value seed, Value index) {
  Ops o{b};
  Type t = index.getType();
  Value z = o.addi(splat(seed, t),
                   o.muli(o.addi(index, int64(1, t)),
                          int64(static_cast<int64_t>(0x9E3779B97F4A7C15ull), t)));
  z = o.muli(o.xori(z, o.shr(z, int64(30, t))),
             int64(static_cast<int64_t>(0xBF58476D1CE4E5B9ull), t));
  z = o.muli(o.xori(z, o.shr(z, int64(27, t))),
             int64(static_cast<int64_t>(0x94D049BB133111EBull), t));
  z = o.xori(z, o.shr(z, int64(31, t)));
  return o.trunc(o.shr(z, int64(40, t)), like(t, b.getI32Type()));
}

//===----------------------------------------------------------------------===//
// Vector utilities
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> strided(int64_t n, int64_t start, int64_t step) {
  SmallVector<int64_t> mask;
  for (int64_t i = start; i < n; i += step)
    mask.push_back(i);
  return mask;
}

Value NumericsBuilder::treeSum(Value vec) {
  int64_t n = cast<VectorType>(vec.getType()).getNumElements();
  assert(llvm::isPowerOf2_64(n) && "tree sum over a power-of-two block");
  while (n > 1) {
    Value even = vector::ShuffleOp::create(b, vec, vec, strided(n, 0, 2));
    Value odd = vector::ShuffleOp::create(b, vec, vec, strided(n, 1, 2));
    vec = arith::AddFOp::create(b, even, odd);
    n /= 2;
  }
  return vector::ExtractOp::create(b, vec, ArrayRef<int64_t>{0});
}

Value NumericsBuilder::maxReduce(Value vec) {
  return vector::ReductionOp::create(b, vector::CombiningKind::MAXNUMF, vec);
}

Value NumericsBuilder::anyTrue(Value vec) {
  return vector::ReductionOp::create(b, vector::CombiningKind::OR, vec);
}

Value NumericsBuilder::packNibbles(Value codes) {
  Ops o{b};
  int64_t n = cast<VectorType>(codes.getType()).getNumElements();
  if (n % 4 == 0) {
    // Four codes per 32-bit word (little-endian lanes, as on every target
    // fp4 supports): w | (w >> 4) puts c0 | c1 << 4 in byte 0 and
    // c2 | c3 << 4 in byte 2; the even bytes are the packed result.
    auto words = VectorType::get({n / 4}, b.getI32Type());
    Value w = o.andi(vector::BitCastOp::create(b, words, codes),
                     int32(0x0F0F0F0F, words));
    Value merged = vector::BitCastOp::create(
        b, cast<VectorType>(codes.getType()),
        o.ori(w, o.shr(w, int32(4, words))));
    return vector::ShuffleOp::create(b, merged, merged, strided(n, 0, 2));
  }
  Value even = vector::ShuffleOp::create(b, codes, codes, strided(n, 0, 2));
  Value odd = vector::ShuffleOp::create(b, codes, codes, strided(n, 1, 2));
  Type t = even.getType();
  return o.ori(o.andi(even, int8(0xF, t)), o.shl(odd, int8(4, t)));
}

Value NumericsBuilder::unpackNibbles(Value bytes) {
  Ops o{b};
  int64_t n = cast<VectorType>(bytes.getType()).getNumElements();
  Type t = bytes.getType();
  Value lo = o.andi(bytes, int8(0xF, t));
  Value hi = o.shr(bytes, int8(4, t));
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < n; ++i) {
    mask.push_back(i);
    mask.push_back(n + i);
  }
  return vector::ShuffleOp::create(b, lo, hi, mask);
}

//===----------------------------------------------------------------------===//
// Tensor scale (SPEC 2.1 steps 1-2)
//===----------------------------------------------------------------------===//

static float fp4Mq(RuleKind rule) { return rule == RuleKind::static4 ? 4 : 6; }

NumericsBuilder::TensorScale NumericsBuilder::nvfp4TensorScale(Value amax,
                                                               RuleKind rule) {
  Ops o{b};
  Type t = amax.getType();
  float ms = rule == RuleKind::four_over_six ? 256.0f : 448.0f;
  Value enc = o.divf(f32(fp4Mq(rule) * ms, t), amax);
  Value fltMax = f32(FLT_MAX, t);
  enc = select(o.cmpf(arith::CmpFPredicate::OGT, enc, fltMax), fltMax, enc);
  Value alpha = o.divf(f32(1.0f, t), enc);
  Value isZero = o.cmpf(arith::CmpFPredicate::OEQ, amax, f32(0.0f, t));
  return {enc, alpha, select(isZero, f32(0.0f, t), alpha), isZero};
}

//===----------------------------------------------------------------------===//
// Block kernels
//===----------------------------------------------------------------------===//

std::pair<Value, Value> NumericsBuilder::finiteBlockMax(Value x) {
  Ops o{b};
  // |x| as integers orders like the magnitudes, NaN/Inf above every finite
  // value: one integer maximum gives both.
  Type i32 = like(x.getType(), b.getI32Type());
  Value bits = o.andi(o.bitcast(x, i32), int32(0x7FFFFFFF, i32));
  Value maxBits = vector::ReductionOp::create(b, vector::CombiningKind::MAXUI,
                                              bits);
  Value nonFinite = o.cmpi(arith::CmpIPredicate::uge, maxBits,
                           int32(0x7F800000, maxBits.getType()));
  return {o.bitcast(maxBits, b.getF32Type()), nonFinite};
}

Value NumericsBuilder::encodeNVFP4(Value x, Value sf, Value alpha,
                                   Value rbits) {
  Ops o{b};
  Type t = x.getType();
  // y_i = x_i * (1 / (alpha * sf)); a zero (or NaN) scale encodes zeros.
  Value inv = o.divf(f32(1.0f, sf.getType()), o.mulf(alpha, sf));
  Value codes = encode(o.mulf(x, splat(inv, t)), rbits);
  Value noScale =
      o.cmpf(arith::CmpFPredicate::UEQ, sf, f32(0.0f, sf.getType()));
  return select(noScale, int8(0, t), codes);
}

std::pair<Value, Value>
NumericsBuilder::emulatedCandidate(Value x, Value absX, Value sf, Value alpha,
                                   Metric metric) {
  Ops o{b};
  Type t = x.getType();
  // As encodeNVFP4: y = x * (1 / (alpha * sf)); zero codes for a zero or NaN
  // scale.
  Value inv = o.divf(f32(1.0f, sf.getType()), o.mulf(alpha, sf));
  auto [codes, magnitude] = e2m1EncodeEmulated(o.mulf(x, splat(inv, t)));
  Value noScale =
      o.cmpf(arith::CmpFPredicate::UEQ, sf, f32(0.0f, sf.getType()));
  codes = select(noScale, int8(0, t), codes);
  magnitude = select(noScale, f32(0.0f, t), magnitude);
  // The error on magnitudes: the decoded value has the sign of x (or is a
  // zero), and d - x = sign * (|d| - |x|) exactly, so squares and absolute
  // values are the bits candidateError(x, e2m1Decode(codes)) gives.
  return {codes, candidateError(absX, magnitude, sf, alpha, metric)};
}

Value NumericsBuilder::candidateError(Value x, Value grid, Value sf,
                                      Value alpha, Metric metric) {
  Ops o{b};
  Type t = x.getType();
  Value d = o.mulf(o.mulf(grid, splat(sf, t)), splat(alpha, t));
  Value diff = o.subf(d, x);
  switch (metric) {
  case Metric::mse:
    return treeSum(o.mulf(diff, diff));
  case Metric::mae:
    return treeSum(absf(diff));
  case Metric::absmax:
    return maxReduce(absf(diff));
  }
  llvm_unreachable("unknown metric");
}

NumericsBuilder::BlockResult
NumericsBuilder::quantizeNVFP4Block(Value x, const TensorScale &ts,
                                    RuleAttr rule, Value rbits) {
  Ops o{b};
  Type t = x.getType();
  Type scalarF32 = b.getF32Type();
  auto [blockMax, nonFinite] = finiteBlockMax(x);
  RuleKind kind = rule.getKind();
  // s = (b / Mq) * enc; sf = e4m3(s).
  Value s = o.mulf(o.divf(blockMax, f32(fp4Mq(kind), scalarF32)), ts.enc);
  Value byte = e4m3Encode(s);
  Value sf = e4m3Decode(byte);
  Value codes;
  bool fourOverSix = kind == RuleKind::four_over_six;
  if (fourOverSix && !rbits && !(native && native->encodesE2M1())) {
    // Emulated round-to-nearest: both candidates' errors come from the
    // magnitudes the encoding rounds to, without decoding the codes.
    Value byte4 = e4m3Encode(o.mulf(s, f32(1.5f, scalarF32)));
    Value sf4 = e4m3Decode(byte4);
    Value absX = absf(x);
    auto [codes6, err6] =
        emulatedCandidate(x, absX, sf, ts.alpha, rule.getMetric());
    auto [codes4, err4] =
        emulatedCandidate(x, absX, sf4, ts.alpha, rule.getMetric());
    Value pick4 = o.cmpf(arith::CmpFPredicate::OLT, err4, err6);
    codes = select(pick4, codes4, codes6);
    byte = select(pick4, byte4, byte);
  } else if (fourOverSix) {
    codes = encodeNVFP4(x, sf, ts.alpha, rbits);
    Value byte4 = e4m3Encode(o.mulf(s, f32(1.5f, scalarF32)));
    Value sf4 = e4m3Decode(byte4);
    Value codes4 = encodeNVFP4(x, sf4, ts.alpha, rbits);
    Value err6 = candidateError(x, e2m1Decode(codes), sf, ts.alpha,
                                rule.getMetric());
    Value err4 = candidateError(x, e2m1Decode(codes4), sf4, ts.alpha,
                                rule.getMetric());
    Value pick4 = o.cmpf(arith::CmpFPredicate::OLT, err4, err6);
    codes = select(pick4, codes4, codes);
    byte = select(pick4, byte4, byte);
  } else {
    codes = encodeNVFP4(x, sf, ts.alpha, rbits);
  }
  Value zeroCodes = int8(0, t);
  Type i8 = b.getI8Type();
  codes = select(o.ori(nonFinite, ts.isZero), zeroCodes, codes);
  byte = select(nonFinite, int8(0x7F, i8), byte);
  byte = select(ts.isZero, int8(0, i8), byte);
  return {codes, byte};
}

NumericsBuilder::BlockResult
NumericsBuilder::quantizeMXFP4Block(Value x, RuleKind rule, Value rbits) {
  Ops o{b};
  Type t = x.getType();
  auto [blockMax, nonFinite] = finiteBlockMax(x);
  Value exponent = mxScaleExponent(blockMax, rule);
  Value scale = e8m0InverseScale(exponent);
  Value codes = encode(o.mulf(x, splat(scale, t)), rbits);
  Value zeroBlock =
      o.cmpf(arith::CmpFPredicate::OEQ, blockMax, f32(0.0f, b.getF32Type()));
  codes = select(o.ori(nonFinite, zeroBlock), int8(0, t), codes);
  Value byte = select(nonFinite, int8(0xFF, b.getI8Type()), exponent);
  return {codes, byte};
}

Value NumericsBuilder::encodeWithScale(Value x, Value scaleByte, Value alpha,
                                       Format format, Value rbits) {
  Ops o{b};
  Type t = x.getType();
  // A block holding NaN/Inf, or all zeros, encodes as zero codes (so that
  // quantize with the scales scale_select chooses equals quantize).
  Value zeroBlock = o.cmpf(arith::CmpFPredicate::OEQ, maxReduce(absf(x)),
                           f32(0.0f, b.getF32Type()));
  Value nonFinite = o.ori(anyTrue(isNonFinite(x)), zeroBlock);
  Value codes;
  if (format == Format::nvfp4) {
    codes = encodeNVFP4(x, e4m3Decode(scaleByte), alpha, rbits);
  } else {
    Value scale = e8m0InverseScale(scaleByte); // NaN for 0xFF
    codes = encode(o.mulf(x, splat(scale, t)), rbits);
    Value nanScale = o.cmpi(arith::CmpIPredicate::eq, scaleByte,
                            int8(0xFF, scaleByte.getType()));
    nonFinite = o.ori(nonFinite, nanScale);
  }
  return select(nonFinite, int8(0, t), codes);
}

Value NumericsBuilder::dequantizeBlock(Value codes, Value scaleByte,
                                       Value alpha, Format format) {
  Ops o{b};
  Type t = codes.getType();
  Value v = e2m1Decode(codes);
  if (format == Format::mxfp4)
    return o.mulf(v, splat(e8m0Decode(scaleByte), t));
  return o.mulf(o.mulf(v, splat(e4m3Decode(scaleByte), t)), splat(alpha, t));
}

Value NumericsBuilder::hadamardBlock(Value x, ArrayRef<int8_t> signs) {
  Ops o{b};
  auto vt = cast<VectorType>(x.getType());
  int64_t n = vt.getNumElements();
  Value t = x;
  if (!signs.empty()) {
    SmallVector<float> s(signs.begin(), signs.end());
    t = o.mulf(t, arith::ConstantOp::create(
                      b, vt, DenseElementsAttr::get(vt, ArrayRef<float>(s))));
  }
  for (int64_t h = 1; h < n; h *= 2) {
    SmallVector<int64_t> loIdx, hiIdx, merge(n);
    for (int64_t i = 0; i < n; ++i) {
      if (i & h)
        continue;
      merge[i] = loIdx.size();
      merge[i + h] = n / 2 + loIdx.size();
      loIdx.push_back(i);
      hiIdx.push_back(i + h);
    }
    Value lo = vector::ShuffleOp::create(b, t, t, loIdx);
    Value hi = vector::ShuffleOp::create(b, t, t, hiIdx);
    t = vector::ShuffleOp::create(b, o.addf(lo, hi), o.subf(lo, hi), merge);
  }
  float c = n == 16 ? 0.25f : n == 32 ? 0x1.6a09e6p-3f
                            : n == 64 ? 0.125f : 0x1.6a09e6p-4f;
  return o.mulf(t, f32(c, vt));
}
