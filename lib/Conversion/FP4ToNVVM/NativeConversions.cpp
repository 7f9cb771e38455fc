//===- NativeConversions.cpp - E2M1/E4M3 conversions as NVVM ops ----------===//
//
// NumericsBuilder hooks for NVIDIA chips (FP4ToNVVM.h). The block kernels
// work on vector<N x f32> blocks; the instructions convert pairs (or, for
// stochastic rounding, quadruples) of f32 registers, so each hook splits the
// block into lanes, converts, and reassembles the vector. Bit-level facts
// used here (PTX ISA, "cvt"):
//   cvt.rn.satfinite.e2m1x2.f32 d, a, b:  d[7:4] = cvt(a), d[3:0] = cvt(b)
//   cvt.rs.satfinite.e2m1x4.f32 d, {a, b, e, f}, rbits:
//       d[15:12] = a, d[11:8] = b, d[7:4] = e, d[3:0] = f; the upper byte of
//       each 16-bit half of rbits rounds a, b, the lower byte e, f
//   cvt.rn.satfinite.e4m3x2.f32 d, a, b:  d[15:8] = cvt(a), d[7:0] = cvt(b)
//   cvt.rn.f16x2.e2m1x2 / .e4m3x2 d, a:   d[15:0] from the low nibble/byte
// SPEC section 1 packs element 2j in the low nibble of byte j, so the odd
// element is the `a` operand.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/FP4ToNVVM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::fp4;

namespace {

int64_t numLanes(Value v) {
  if (auto vt = dyn_cast<VectorType>(v.getType()))
    return vt.getNumElements();
  return 1;
}

Value lane(ImplicitLocOpBuilder &b, Value v, int64_t i) {
  if (!isa<VectorType>(v.getType()))
    return v;
  return vector::ExtractOp::create(b, v, ArrayRef<int64_t>{i});
}

/// Reassembles scalar lanes of type `elt` into a vector.
Value gather(ImplicitLocOpBuilder &b, ArrayRef<Value> lanes, Type elt) {
  auto vt = VectorType::get({static_cast<int64_t>(lanes.size())}, elt);
  return vector::FromElementsOp::create(b, vt, lanes);
}

/// The input of the E2M1 instructions: NaN lanes become +0 (SPEC: NaN
/// encodes as code 0) and every lane is clamped to [-6, 6] (what satfinite
/// does to larger finite values, made explicit for +-Inf).
Value sanitizeForE2M1(NumericsBuilder &nb, Value y) {
  ImplicitLocOpBuilder &b = nb.builder();
  Type t = y.getType();
  Value isNan = arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, y, y);
  Value v = nb.select(isNan, nb.f32(0.0f, t), y);
  v = arith::MinimumFOp::create(b, v, nb.f32(6.0f, t));
  return arith::MaximumFOp::create(b, v, nb.f32(-6.0f, t));
}

} // namespace

Value mlir::fp4::packStochasticRoundingBits(ImplicitLocOpBuilder &b, Value r0,
                                            Value r1, Value r2, Value r3) {
  auto c = [&](int64_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(v)).getResult();
  };
  // The top byte of each 24-bit value r_i: (r_i >> 16) & 0xFF.
  auto top = [&](Value r) {
    return arith::AndIOp::create(b, arith::ShRUIOp::create(b, r, c(16)),
                                 c(0xFF))
        .getResult();
  };
  // byte 0, 2 -> (e, f) = (x1, x0); byte 1, 3 -> (a, b) = (x3, x2).
  Value w = top(r0);
  w = arith::OrIOp::create(b, w, arith::ShLIOp::create(b, top(r2), c(8)));
  w = arith::OrIOp::create(b, w, arith::ShLIOp::create(b, top(r1), c(16)));
  w = arith::OrIOp::create(b, w, arith::ShLIOp::create(b, top(r3), c(24)));
  return w;
}

//===----------------------------------------------------------------------===//
// E2M1
//===----------------------------------------------------------------------===//

Value NVVMNativeConversions::e2m1Encode(NumericsBuilder &nb, Value y) const {
  if (!target.hasE2M1Convert())
    return {};
  ImplicitLocOpBuilder &b = nb.builder();
  int64_t n = numLanes(y);
  if (n > 1 && n % 2 != 0)
    return {};
  Value v = sanitizeForE2M1(nb, y);
  Type f4 = b.getType<Float4E2M1FNType>();
  Type i8 = b.getI8Type();
  Value codes;
  if (n == 1) {
    Value zero = nb.f32(0.0f, b.getF32Type());
    Value byte = NVVM::ConvertF32x2ToF4x2Op::create(b, i8, zero, v,
                                                    /*relu=*/false, f4);
    codes = arith::AndIOp::create(b, byte, nb.int8(0xF, i8));
  } else {
    SmallVector<Value> bytes;
    for (int64_t j = 0; j < n / 2; ++j)
      bytes.push_back(NVVM::ConvertF32x2ToF4x2Op::create(
          b, i8, lane(b, v, 2 * j + 1), lane(b, v, 2 * j), /*relu=*/false,
          f4));
    codes = nb.unpackNibbles(gather(b, bytes, i8));
  }
  // Only the magnitude comes from the instruction: a negative value that
  // rounds to zero keeps its sign (code 0x8) whatever the hardware does
  // with the sign of a zero result.
  return arith::OrIOp::create(b, codes, nb.e2m1SignBit(v));
}

Value NVVMNativeConversions::e2m1EncodeStochastic(NumericsBuilder &nb, Value y,
                                                  Value rbits) const {
  if (!target.hasStochasticE2M1Convert())
    return {};
  int64_t n = numLanes(y);
  if (!isa<VectorType>(y.getType()) || n % 4 != 0)
    return {};
  ImplicitLocOpBuilder &b = nb.builder();
  Value v = sanitizeForE2M1(nb, y);
  Type f4 = b.getType<Float4E2M1FNType>();
  auto quad = VectorType::get({4}, b.getF32Type());
  SmallVector<Value> bytes;
  for (int64_t g = 0; g < n / 4; ++g) {
    int64_t i = 4 * g;
    // {a, b, e, f} = {x3, x2, x1, x0}: d = x3:x2:x1:x0 from the top nibble
    // down, i.e. bytes (x1:x0), (x3:x2) little-endian.
    Value src = vector::FromElementsOp::create(
        b, quad,
        ValueRange{lane(b, v, i + 3), lane(b, v, i + 2), lane(b, v, i + 1),
                   lane(b, v, i)});
    Value word = packStochasticRoundingBits(
        b, lane(b, rbits, i), lane(b, rbits, i + 1), lane(b, rbits, i + 2),
        lane(b, rbits, i + 3));
    Value d = NVVM::ConvertF32x4ToF4x4Op::create(b, b.getI16Type(), src, word,
                                                 /*relu=*/false, f4);
    // Little-endian bytes of d: (x1:x0), then (x3:x2).
    Value hi = arith::ShRUIOp::create(
        b, d, arith::ConstantOp::create(b, b.getI16IntegerAttr(8)));
    bytes.push_back(arith::TruncIOp::create(b, b.getI8Type(), d));
    bytes.push_back(arith::TruncIOp::create(b, b.getI8Type(), hi));
  }
  Value codes = nb.unpackNibbles(gather(b, bytes, b.getI8Type()));
  return arith::OrIOp::create(b, codes, nb.e2m1SignBit(v));
}

Value NVVMNativeConversions::e2m1Decode(NumericsBuilder &nb,
                                        Value codes) const {
  if (!target.hasE2M1Convert())
    return {};
  ImplicitLocOpBuilder &b = nb.builder();
  int64_t n = numLanes(codes);
  if (n > 1 && n % 2 != 0)
    return {};
  Type f4 = b.getType<Float4E2M1FNType>();
  auto halfPair = VectorType::get({2}, b.getF16Type());
  Type i8 = b.getI8Type();
  Type f32 = b.getF32Type();
  SmallVector<Value> lanes;
  auto decodePair = [&](Value byte) {
    Value h = NVVM::ConvertF4x2ToF16x2Op::create(b, halfPair, byte,
                                                 /*relu=*/false, f4);
    // f16 -> f32 is exact.
    lanes.push_back(arith::ExtFOp::create(b, f32, lane(b, h, 0)));
    lanes.push_back(arith::ExtFOp::create(b, f32, lane(b, h, 1)));
  };
  if (n == 1) {
    decodePair(arith::AndIOp::create(b, codes, nb.int8(0xF, i8)));
    return lanes.front();
  }
  Value bytes = nb.packNibbles(codes);
  for (int64_t j = 0; j < n / 2; ++j)
    decodePair(lane(b, bytes, j));
  return gather(b, lanes, f32);
}

//===----------------------------------------------------------------------===//
// E4M3
//===----------------------------------------------------------------------===//

Value NVVMNativeConversions::e4m3Encode(NumericsBuilder &nb, Value v) const {
  if (!target.hasE4M3Convert())
    return {};
  ImplicitLocOpBuilder &b = nb.builder();
  int64_t n = numLanes(v);
  if (n > 1 && n % 2 != 0)
    return {};
  Type f8 = b.getType<Float8E4M3FNType>();
  auto pair = VectorType::get({2}, b.getI8Type());
  auto cvt = [&](Value hi, Value lo) {
    Value d = NVVM::ConvertF32x2ToF8x2Op::create(
        b, pair, hi, lo, NVVM::FPRoundingMode::RN,
        NVVM::SaturationMode::SATFINITE, /*relu=*/false, f8);
    return d;
  };
  Value bytes;
  if (n == 1) {
    bytes = lane(b, cvt(nb.f32(0.0f, b.getF32Type()), v), 0);
  } else {
    SmallVector<Value> lanes;
    for (int64_t j = 0; j < n / 2; ++j) {
      Value d = cvt(lane(b, v, 2 * j + 1), lane(b, v, 2 * j));
      lanes.push_back(lane(b, d, 0));
      lanes.push_back(lane(b, d, 1));
    }
    bytes = gather(b, lanes, b.getI8Type());
  }
  // SPEC: NaN -> 0x7F and +-Inf -> +-448 (0x7E | sign), selected explicitly
  // rather than relying on the instruction's handling of non-finite inputs;
  // finite inputs use the instruction's round-to-nearest-even magnitude,
  // saturated to 448 (.satfinite).
  Type t = v.getType();
  Type i8 = nb.like(t, b.getI8Type());
  Type i32 = nb.like(t, b.getI32Type());
  Value isNan = arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, v, v);
  Value absBits = arith::AndIOp::create(
      b, arith::BitcastOp::create(b, i32, v), nb.int32(0x7FFFFFFF, i32));
  Value isInf = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, absBits,
                                      nb.int32(0x7F800000, i32));
  Value sign = arith::TruncIOp::create(
      b, i8,
      arith::AndIOp::create(
          b,
          arith::ShRUIOp::create(b, arith::BitcastOp::create(b, i32, v),
                                 nb.int32(24, i32)),
          nb.int32(0x80, i32)));
  Value inf = arith::OrIOp::create(b, sign, nb.int8(0x7E, i8));
  // As for E2M1, only the magnitude is taken from the instruction: -0 (and
  // any negative value) keeps its sign bit.
  bytes = arith::OrIOp::create(b, bytes, sign);
  bytes = nb.select(isInf, inf, bytes);
  return nb.select(isNan, nb.int8(0x7F, i8), bytes);
}

Value NVVMNativeConversions::e4m3Decode(NumericsBuilder &nb,
                                        Value bytes) const {
  if (!target.hasE4M3Convert())
    return {};
  ImplicitLocOpBuilder &b = nb.builder();
  int64_t n = numLanes(bytes);
  if (n > 1 && n % 2 != 0)
    return {};
  Type f8 = b.getType<Float8E4M3FNType>();
  auto pair = VectorType::get({2}, b.getI8Type());
  auto halfPair = VectorType::get({2}, b.getF16Type());
  Type f32 = b.getF32Type();
  SmallVector<Value> lanes;
  auto decodePair = [&](Value lo, Value hi) {
    Value src = vector::FromElementsOp::create(b, pair, ValueRange{lo, hi});
    Value h = NVVM::ConvertF8x2ToF16x2Op::create(b, halfPair, src,
                                                 /*relu=*/false, f8);
    // E4M3 values are exact in f16 (|x| <= 448, multiples of 2^-9).
    lanes.push_back(arith::ExtFOp::create(b, f32, lane(b, h, 0)));
    lanes.push_back(arith::ExtFOp::create(b, f32, lane(b, h, 1)));
  };
  if (n == 1) {
    decodePair(bytes, nb.int8(0, b.getI8Type()));
    return lanes.front();
  }
  for (int64_t j = 0; j < n / 2; ++j)
    decodePair(lane(b, bytes, 2 * j), lane(b, bytes, 2 * j + 1));
  return gather(b, lanes, f32);
}

//===----------------------------------------------------------------------===//
// The conversion instructions have no memory effects
//===----------------------------------------------------------------------===//

namespace {
/// NVVM declares no memory effects on its register-to-register conversion
/// ops, so passes that must know every op's effects (buffer deallocation)
/// reject them; they have none.
template <typename OpTy>
struct NoMemoryEffects
    : MemoryEffectOpInterface::ExternalModel<NoMemoryEffects<OpTy>, OpTy> {
  void getEffects(Operation *,
                  SmallVectorImpl<SideEffects::EffectInstance<
                      MemoryEffects::Effect>> &) const {}
};

template <typename OpTy>
void attachNoMemoryEffects(MLIRContext *ctx) {
  std::optional<RegisteredOperationName> name =
      RegisteredOperationName::lookup(OpTy::getOperationName(), ctx);
  if (name && name->hasInterface<MemoryEffectOpInterface>())
    return;
  OpTy::template attachInterface<NoMemoryEffects<OpTy>>(*ctx);
}

struct NVVMConversionEffects
    : DialectExtension<NVVMConversionEffects, NVVM::NVVMDialect> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(NVVMConversionEffects)
  void apply(MLIRContext *ctx, NVVM::NVVMDialect *) const final {
    attachNoMemoryEffects<NVVM::ConvertF32x2ToF4x2Op>(ctx);
    attachNoMemoryEffects<NVVM::ConvertF32x2ToF8x2Op>(ctx);
    attachNoMemoryEffects<NVVM::ConvertF4x2ToF16x2Op>(ctx);
    attachNoMemoryEffects<NVVM::ConvertF8x2ToF16x2Op>(ctx);
    attachNoMemoryEffects<NVVM::ConvertF32x4ToF4x4Op>(ctx);
  }
};
} // namespace

void mlir::fp4::registerNativeConversionEffects(DialectRegistry &registry) {
  registry.addExtensions<NVVMConversionEffects>();
}
