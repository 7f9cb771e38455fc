//===- FP4ToArith.h - expand fp4 ops into arith/vector/scf --------*- C++ -*-===//

#ifndef FP4DIALECT_CONVERSION_FP4TOARITH_H
#define FP4DIALECT_CONVERSION_FP4TOARITH_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
class ConversionTarget;
class ImplicitLocOpBuilder;
class Operation;
class RankedTensorType;
class Value;
class ValueRange;
class RewritePatternSet;
class TypeConverter;
namespace linalg {
class GenericOp;
} // namespace linalg
namespace fp4 {

class MatmulOp;
class NativeConversions;

/// How fp4 ops are expanded. The defaults give the target-independent,
/// fully emulated numerics of the CPU and sm_90a paths.
struct FP4ToArithOptions {
  /// Target instructions for the element conversions (not owned; must
  /// outlive the patterns). Null: every conversion is emulated.
  const NativeConversions *native = nullptr;
  /// Compute an `fp4.hadamard` whose only user is an `fp4.quantize` inside
  /// the quantize's block loops (and its tensor amax) instead of
  /// materializing the rotated tensor, when each quantize block row holds
  /// whole Hadamard blocks. Bit-identical to the unfused expansion.
  bool fuseHadamard = false;
};

/// Adds the 1:N conversion of `!fp4.tensor` to its components: packed codes
/// `tensor<...x(cols/2)xi8>`, block scales and, for nvfp4, an f32 alpha.
void populateFP4TypeConversion(TypeConverter &typeConverter);

/// Patterns expanding every fp4 op into tensor/scf/vector/arith/linalg code
/// that computes SPEC section 2 bit-exactly (see NumericsBuilder.h). They use
/// `typeConverter` for `!fp4.tensor` operands and results.
void populateFP4ToArithConversionPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns,
    const FP4ToArithOptions &options = {});

/// Patterns rewriting arith.extf from / arith.truncf to f8E4M3FN (scalar or
/// vector) into integer code (see the fp4-expand-f8-conversions pass).
void populateExpandF8ConversionPatterns(RewritePatternSet &patterns);

/// Marks the fp4 dialect illegal and the dialects the patterns produce legal.
void configureFP4ToArithConversionTarget(ConversionTarget &target);

/// The conversion of `convert-fp4-to-arith` on `root`: the patterns above,
/// the 1:N type conversion across functions, calls, returns and `scf`.
/// `extend` may add patterns (e.g. a target-specific lowering of some op,
/// with a higher benefit) and legality before the conversion runs.
LogicalResult applyFP4ToArithConversion(
    Operation *root, const FP4ToArithOptions &options,
    function_ref<void(TypeConverter &, RewritePatternSet &, ConversionTarget &)>
        extend = nullptr);

//===----------------------------------------------------------------------===//
// Pieces shared by the fp4.matmul lowerings (emulated, tcgen05, mma.sync).
//===----------------------------------------------------------------------===//

/// A zero-filled f32 accumulator tensor of `shape` (`linalg.fill`).
Value buildZeroAccumulator(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape);

/// The f32 value of one E2M1 code (an i8 nibble) with its block scale (the
/// scales' f8 element) and, for nvfp4, the tensor scale `alpha` (null for
/// mxfp4), as fp4.dequantize computes it: (e2m1(q) * sf) * alpha.
Value dequantizeElement(ImplicitLocOpBuilder &b, Value nibble, Value scale,
                        Value alpha);

/// The reference contraction of `op` over its operands' components `lhs`
/// and `rhs` (codes, scales[, alpha]): a `linalg.generic` over (m, n, code
/// byte j) into a zero f32 accumulator that adds the products of elements
/// 2j (low nibble) and then 2j + 1 (SPEC 2.5). The kernel lowerings mark it
/// and replace it once it operates on buffers.
linalg::GenericOp buildComponentMatmul(ImplicitLocOpBuilder &b, MatmulOp op,
                                       ValueRange lhs, ValueRange rhs);

/// On buffers, for a kernel that overwrites `c` instead of accumulating into
/// it: erases every `linalg.fill` of `c` with +0 before `op` in its block
/// that nothing in between touches (the reference contraction's zero init).
/// Returns whether it erased one.
bool eraseDeadFills(Value c, Operation *op);

/// `acc` (an f32 tensor) rounded nearest-even to `resultType`'s element type
/// by an elementwise `linalg.generic`; `acc` itself when that is f32.
Value roundAccumulator(ImplicitLocOpBuilder &b, Value acc,
                       RankedTensorType resultType);

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_CONVERSION_FP4TOARITH_H
