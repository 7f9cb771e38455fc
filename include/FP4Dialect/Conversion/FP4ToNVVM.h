//===- FP4ToNVVM.h - fp4 ops to native NVIDIA instructions -------*- C++ -*-===//
//
// The target-specific part of the GPU lowering (docs/blackwell.md):
//  * NVVMNativeConversions: NumericsBuilder hooks that emit the chip's
//    E2M1/E4M3 conversion instructions (sm_100a: cvt ... e2m1x2, e2m1x4 with
//    stochastic rounding, e4m3x2) where they give SPEC section 2's bits;
//  * the tcgen05 block-scaled matmul kernel for fp4.matmul (sm_100a);
//  * the fusion of fp4.hadamard into the fp4.quantize kernel that consumes it.
// `convert-fp4-to-nvvm` applies them together with the target-independent
// patterns of convert-fp4-to-arith.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_FP4TONVVM_H
#define FP4DIALECT_CONVERSION_FP4TONVVM_H

#include "FP4Dialect/Conversion/NVVMTarget.h"
#include "FP4Dialect/Conversion/NumericsBuilder.h"

namespace mlir {
class ConversionTarget;
class DialectRegistry;
class RewritePatternSet;
class TypeConverter;
namespace fp4 {

/// NumericsBuilder hooks for an NVIDIA chip. Each hook emits the native
/// conversion only where `target` has it and where it provably yields the
/// emulated bits:
///  * E2M1 encode (`cvt.rn.satfinite.e2m1x2.f32`): NaN lanes are zeroed and
///    lanes clamped to [-6, 6] first, and the sign bit is taken from the
///    input, so only the instruction's round-to-nearest-even magnitude on
///    finite values is used;
///  * E2M1 stochastic encode (`cvt.rs.satfinite.e2m1x4.f32`): statistical
///    only (SPEC 2.4); each element contributes the top 8 of its 24 SPEC 2.4
///    random bits (docs/blackwell.md);
///  * E2M1 decode (`cvt.rn.f16x2.e2m1x2`, exact);
///  * E4M3 encode (`cvt.rn.satfinite.e4m3x2.f32`) with NaN -> 0x7F and
///    +-Inf -> +-448 selected explicitly; E4M3 decode (`cvt.rn.f16x2.e4m3x2`).
/// UE8M0 conversions stay emulated: `cvt.rp.satfinite.ue8m0x2.f32` differs
/// from SPEC 2.2's mx_ceil for 0 < b/6 <= 2^-127.
class NVVMNativeConversions : public NativeConversions {
public:
  explicit NVVMNativeConversions(const NVVMTargetInfo &target)
      : target(target) {}
  Value e2m1Encode(NumericsBuilder &nb, Value y) const override;
  bool encodesE2M1() const override { return target.hasE2M1Convert(); }
  Value e2m1EncodeStochastic(NumericsBuilder &nb, Value y,
                             Value rbits) const override;
  Value e2m1Decode(NumericsBuilder &nb, Value codes) const override;
  Value e4m3Encode(NumericsBuilder &nb, Value v) const override;
  Value e4m3Decode(NumericsBuilder &nb, Value bytes) const override;

  /// True if any conversion would be native on `target`.
  static bool hasAny(const NVVMTargetInfo &target) {
    return target.hasE2M1Convert() || target.hasE4M3Convert();
  }

private:
  NVVMTargetInfo target;
};

/// Declares the NVVM conversion ops the hooks emit free of memory effects
/// (they convert registers), which passes such as buffer deallocation need
/// to know. `convert-fp4-to-nvvm` registers it.
void registerNativeConversionEffects(DialectRegistry &registry);

/// The random-bit word that `cvt.rs.satfinite.e2m1x4.f32` receives for the
/// elements x0..x3 (in this order in memory) given their 24-bit SPEC 2.4
/// random values r0..r3 (i32-like scalars): the top byte of each, placed so
/// that the instruction's operand pair (a, b) = (x3, x2) reads bytes 3 and 1
/// and the pair (e, f) = (x1, x0) reads bytes 2 and 0.
Value packStochasticRoundingBits(ImplicitLocOpBuilder &b, Value r0, Value r1,
                                 Value r2, Value r3);

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_CONVERSION_FP4TONVVM_H
