//===- MmaEmitter.h - pieces shared by the mma.sync kernels ------*- C++ -*-===//
//
// Builders for the kernels of fp4-build-mma-kernels: addresses and memory
// access on raw pointers (16-byte global loads, cp.async, shared loads), the
// E2M1 -> bf16 decoding of code words in registers and nvvm.mma.sync.
//
// Decoding (docs/hopper-matmul.md). A 32-bit word of codes holds 8 E2M1
// values e0..e7 (e_i in bits 4i..4i+3). `e2m1Pair(w, j)` builds the bf16x2
// word (e_j, e_{j+4}) - lane 0 in bits 0..15 - by placing each code's
// exponent and mantissa bits at bf16 bits 6..8 and its sign at bit 15: the
// bf16 value is then exactly e2m1(e) * 2^-126 (e = 0 lands on the bf16
// subnormals). Multiplying by a scale word (both lanes the same block
// scale times 2^126 or 2^118) gives the dequantized value exactly: E2M1 x
// E4M3 has at most 6 significant bits.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_FP4TOHOPPER_MMAEMITTER_H
#define FP4_LIB_CONVERSION_FP4TOHOPPER_MMAEMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <array>

namespace mlir::fp4::mma {

/// nvfp4 block scales are decoded as sf * 2^kNVScaleShift, so that
/// dequantized values are e2m1 * sf * 2^-8 (kNVValueShift) and all of
/// E4M3's range stays exact in bf16; the accumulator is rescaled by 2^8 per
/// operand in the epilogue.
constexpr int kNVScaleShift = 118;
constexpr int kNVValueShift = 126 - kNVScaleShift; // 8

class MmaEmitter {
public:
  explicit MmaEmitter(ImplicitLocOpBuilder &b) : b(b) {}

  // Constants and integer arithmetic.
  Value i32(int64_t v);
  Value i64(int64_t v);
  Value idx(int64_t v);
  Value f32(float v);
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value shl(Value x, int64_t s);
  Value shr(Value x, int64_t s);
  Value andi(Value x, int64_t mask);
  Value toI32(Value index);
  Value toI64(Value index);

  /// The aligned base address (i64) of a memref in global memory.
  Value baseAddress(Value memref);
  /// Base address (i32) of the dynamic shared memory.
  Value sharedBase();

  /// Loads `type` from global byte address `addr` (i64), read-only data
  /// (`ld.global.nc`).
  Value loadGlobal(Type type, Value addr, unsigned alignment);
  /// Loads `type` from shared byte address `addr` (i32).
  Value loadShared(Type type, Value addr, unsigned alignment);
  /// Stores `value` at shared byte address `addr` (i32).
  void storeShared(Value value, Value addr, unsigned alignment);
  /// cp.async of `bytes` (4, 8 or 16) from global `src` (i64) to shared
  /// `dst` (i32).
  void copyAsync(Value dst, Value src, int64_t bytes);
  void commitAsync();
  void waitAsync(int64_t pendingGroups);
  void barrier();

  /// bf16x2 bits (i32) of codes j and j + 4 of the code word `w` times
  /// 2^-126 (see the file comment).
  Value e2m1Pair(Value w, int64_t j);
  /// vector<2xbf16> with both lanes sf * 2^kNVScaleShift for an E4M3 scale
  /// byte (i8); NaN for the NaN encodings.
  Value nvfp4ScaleWord(Value byte);
  /// vector<2xbf16> with both lanes 2^(E - 127) for an E8M0 byte (NaN for
  /// 0xFF).
  Value mxfp4ScaleWord(Value byte);
  /// The dequantized pair (codes j, j + 4 of `w`) as bf16x2 bits (i32):
  /// nvfp4 e2m1 * sf * 2^-kNVValueShift, mxfp4 e2m1 * 2^(E - 127).
  Value dequantizePair(Value w, int64_t j, Value scaleWord, bool mxfp4);
  /// bf16x2 bits `q` (nvfp4, e2m1 * sf * 2^-8) -> bf16(f32(q * 2^8) * alpha)
  /// per lane: the rounding of fp4.dequantize to bf16.
  Value roundWeights(Value q, Value alphaShifted);

  /// D = A * B + C with m16n8k16 bf16 operands (A: 4 x i32, B: 2 x i32)
  /// and f32 accumulators (4 x f32).
  std::array<Value, 4> mma(ArrayRef<Value> a, ArrayRef<Value> bOperand,
                           ArrayRef<Value> c);

  ImplicitLocOpBuilder &b;
};

} // namespace mlir::fp4::mma

#endif // FP4_LIB_CONVERSION_FP4TOHOPPER_MMAEMITTER_H
