//===- MmaEmitter.cpp - pieces shared by the mma.sync kernels -------------===//

#include "MmaEmitter.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::fp4::mma;

//===----------------------------------------------------------------------===//
// Constants and integer arithmetic
//===----------------------------------------------------------------------===//

Value MmaEmitter::i32(int64_t v) {
  return arith::ConstantIntOp::create(b, v, 32);
}
Value MmaEmitter::i64(int64_t v) {
  return arith::ConstantIntOp::create(b, v, 64);
}
Value MmaEmitter::idx(int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}
Value MmaEmitter::f32(float v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
}

static Value constantLike(ImplicitLocOpBuilder &b, Value x, int64_t v) {
  if (x.getType().isIndex())
    return arith::ConstantIndexOp::create(b, v);
  return arith::ConstantIntOp::create(b, x.getType(), v);
}

Value MmaEmitter::shl(Value x, int64_t s) {
  if (s == 0)
    return x;
  return arith::ShLIOp::create(b, x, constantLike(b, x, s));
}
Value MmaEmitter::shr(Value x, int64_t s) {
  if (s == 0)
    return x;
  return arith::ShRUIOp::create(b, x, constantLike(b, x, s));
}
Value MmaEmitter::andi(Value x, int64_t mask) {
  return arith::AndIOp::create(b, x, constantLike(b, x, mask));
}
Value MmaEmitter::toI32(Value index) {
  return arith::IndexCastUIOp::create(b, b.getI32Type(), index);
}
Value MmaEmitter::toI64(Value index) {
  return arith::IndexCastUIOp::create(b, b.getI64Type(), index);
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

Value MmaEmitter::baseAddress(Value memref) {
  return toI64(memref::ExtractAlignedPointerAsIndexOp::create(b, memref));
}

Value MmaEmitter::sharedBase() {
  auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                       gpu::AddressSpace::Workgroup);
  Value dyn = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), AffineMap(),
                         wg));
  return toI32(memref::ExtractAlignedPointerAsIndexOp::create(b, dyn));
}

Value MmaEmitter::loadGlobal(Type type, Value addr, unsigned alignment) {
  Value ptr = LLVM::IntToPtrOp::create(
      b, LLVM::LLVMPointerType::get(b.getContext(), 1), addr);
  return LLVM::LoadOp::create(b, type, ptr, alignment, /*isVolatile=*/false,
                              /*isNonTemporal=*/false, /*isInvariant=*/true);
}

Value MmaEmitter::loadShared(Type type, Value addr, unsigned alignment) {
  Value ptr = LLVM::IntToPtrOp::create(
      b, LLVM::LLVMPointerType::get(b.getContext(), 3), addr);
  return LLVM::LoadOp::create(b, type, ptr, alignment);
}

void MmaEmitter::storeShared(Value value, Value addr, unsigned alignment) {
  Value ptr = LLVM::IntToPtrOp::create(
      b, LLVM::LLVMPointerType::get(b.getContext(), 3), addr);
  LLVM::StoreOp::create(b, value, ptr, alignment);
}

void MmaEmitter::copyAsync(Value dst, Value src, int64_t bytes) {
  MLIRContext *ctx = b.getContext();
  Value d = LLVM::IntToPtrOp::create(b, LLVM::LLVMPointerType::get(ctx, 3), dst);
  Value s = LLVM::IntToPtrOp::create(b, LLVM::LLVMPointerType::get(ctx, 1), src);
  // 16-byte copies bypass L1 (.cg); smaller ones must use .ca.
  auto modifier = bytes == 16 ? NVVM::LoadCacheModifierKind::CG
                              : NVVM::LoadCacheModifierKind::CA;
  NVVM::CpAsyncOp::create(b, d, s, b.getI32IntegerAttr(bytes),
                          NVVM::LoadCacheModifierKindAttr::get(ctx, modifier),
                          Value());
}

void MmaEmitter::commitAsync() { NVVM::CpAsyncCommitGroupOp::create(b); }

void MmaEmitter::waitAsync(int64_t pendingGroups) {
  NVVM::CpAsyncWaitGroupOp::create(b, b.getI32IntegerAttr(pendingGroups));
}

void MmaEmitter::barrier() { NVVM::Barrier0Op::create(b); }

//===----------------------------------------------------------------------===//
// Decoding
//===----------------------------------------------------------------------===//

static Value shiftLeftBy(MmaEmitter &e, Value x, int64_t s) {
  return s >= 0 ? e.shl(x, s) : e.shr(x, -s);
}

Value MmaEmitter::e2m1Pair(Value w, int64_t j) {
  // Code j sits at bits 4j..4j+3 and code j + 4 at 16 bits above: exponent
  // and mantissa (bits 0..2 of the code) go to bits 6..8 of each half, the
  // sign (bit 3) to bit 15.
  Value mag = andi(shiftLeftBy(*this, w, 6 - 4 * j), 0x01C001C0);
  Value sign = andi(shiftLeftBy(*this, w, 12 - 4 * j), 0x80008000);
  return arith::OrIOp::create(b, mag, sign);
}

static Type bf16x2(ImplicitLocOpBuilder &b) {
  return VectorType::get({2}, b.getBF16Type());
}

/// A vector<2xbf16> constant with both lanes `v` (a power of two).
static Value bf16x2Constant(ImplicitLocOpBuilder &b, double v) {
  auto type = cast<VectorType>(bf16x2(b));
  return arith::ConstantOp::create(
      b, type, DenseElementsAttr::get(type, b.getFloatAttr(b.getBF16Type(), v)));
}

/// vector<2xbf16> from i16 bits in both lanes.
static Value splatBits(MmaEmitter &e, Value bits16) {
  ImplicitLocOpBuilder &b = e.b;
  Value x = arith::ExtUIOp::create(b, b.getI32Type(), bits16);
  Value w = arith::OrIOp::create(b, x, e.shl(x, 16));
  return LLVM::BitcastOp::create(b, bf16x2(b), w);
}

Value MmaEmitter::nvfp4ScaleWord(Value byte) {
  // E4M3 seeeemmm -> bf16 bits s 0000eeee mmm0000: the same value times
  // 2^-120 (E4M3 subnormals land on bf16 subnormals). Two exact
  // multiplications by 2^119 give sf * 2^118.
  Value x = arith::ExtUIOp::create(b, b.getI32Type(), byte);
  Value bits = arith::OrIOp::create(b, shl(andi(x, 0x7F), 4),
                                    shl(andi(x, 0x80), 8));
  Value s = splatBits(*this, arith::TruncIOp::create(b, b.getI16Type(), bits));
  Value c = bf16x2Constant(b, 0x1p119);
  s = arith::MulFOp::create(b, arith::MulFOp::create(b, s, c), c);
  // 0x7F / 0xFF are NaN.
  Value isNan = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                      andi(x, 0x7F), i32(0x7F));
  Value nan = arith::ConstantOp::create(
      b, cast<VectorType>(bf16x2(b)),
      DenseElementsAttr::get(cast<VectorType>(bf16x2(b)),
                             b.getFloatAttr(b.getBF16Type(), NAN)));
  return arith::SelectOp::create(b, isNan, nan, s);
}

Value MmaEmitter::mxfp4ScaleWord(Value byte) {
  // 2^(E - 127) in bf16: exponent field E, except E = 0 (the subnormal
  // 2^-127, bits 0x0040) and E = 255 (NaN).
  Value e = arith::ExtUIOp::create(b, b.getI32Type(), byte);
  Value bits = shl(e, 7);
  auto eq = [&](int64_t v) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, e, i32(v));
  };
  bits = arith::SelectOp::create(b, eq(0), i32(0x0040), bits);
  bits = arith::SelectOp::create(b, eq(255), i32(0x7FC0), bits);
  return splatBits(*this, arith::TruncIOp::create(b, b.getI16Type(), bits));
}

Value MmaEmitter::dequantizePair(Value w, int64_t j, Value scaleWord,
                                 bool mxfp4) {
  Value p = LLVM::BitcastOp::create(b, bf16x2(b), e2m1Pair(w, j));
  if (mxfp4) // exact e2m1 first: the scale spans all of bf16's range
    p = arith::MulFOp::create(b, p, bf16x2Constant(b, 0x1p126));
  Value q = arith::MulFOp::create(b, p, scaleWord);
  return LLVM::BitcastOp::create(b, b.getI32Type(), q);
}

Value MmaEmitter::roundWeights(Value q, Value alphaShifted) {
  auto f32x2 = VectorType::get({2}, b.getF32Type());
  Value v = arith::ExtFOp::create(
      b, f32x2, LLVM::BitcastOp::create(b, bf16x2(b), q).getResult());
  v = arith::MulFOp::create(b, v,
                            vector::BroadcastOp::create(b, f32x2, alphaShifted));
  Value r = arith::TruncFOp::create(b, bf16x2(b), v);
  return LLVM::BitcastOp::create(b, b.getI32Type(), r);
}

//===----------------------------------------------------------------------===//
// MMA
//===----------------------------------------------------------------------===//

std::array<Value, 4> MmaEmitter::mma(ArrayRef<Value> a, ArrayRef<Value> bOp,
                                     ArrayRef<Value> c) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  Value d = NVVM::MmaOp::create(
      b, resultType, a, bOp, c, ArrayRef<int64_t>{16, 8, 16},
      /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                    NVVM::MMATypes::bf16},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  std::array<Value, 4> out;
  for (int64_t i = 0; i < 4; ++i)
    out[i] = LLVM::ExtractValueOp::create(b, d, ArrayRef<int64_t>{i});
  return out;
}
