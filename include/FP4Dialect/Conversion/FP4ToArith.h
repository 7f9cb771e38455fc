//===- FP4ToArith.h - expand fp4 ops into arith/vector/scf --------*- C++ -*-===//

#ifndef FP4DIALECT_CONVERSION_FP4TOARITH_H
#define FP4DIALECT_CONVERSION_FP4TOARITH_H

namespace mlir {
class ConversionTarget;
class RewritePatternSet;
class TypeConverter;
namespace fp4 {

/// Adds the 1:N conversion of `!fp4.tensor` to its components: packed codes
/// `tensor<...x(cols/2)xi8>`, block scales and, for nvfp4, an f32 alpha.
void populateFP4TypeConversion(TypeConverter &typeConverter);

/// Patterns expanding every fp4 op into tensor/scf/vector/arith/linalg code
/// that computes SPEC section 2 bit-exactly (see NumericsBuilder.h). They use
/// `typeConverter` for `!fp4.tensor` operands and results.
void populateFP4ToArithConversionPatterns(const TypeConverter &typeConverter,
                                          RewritePatternSet &patterns);

/// Patterns rewriting arith.extf from / arith.truncf to f8E4M3FN (scalar or
/// vector) into integer code (see the fp4-expand-f8-conversions pass).
void populateExpandF8ConversionPatterns(RewritePatternSet &patterns);

/// Marks the fp4 dialect illegal and the dialects the patterns produce legal.
void configureFP4ToArithConversionTarget(ConversionTarget &target);

} // namespace fp4
} // namespace mlir

#endif // FP4DIALECT_CONVERSION_FP4TOARITH_H
