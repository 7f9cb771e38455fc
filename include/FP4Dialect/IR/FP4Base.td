//===- FP4Base.td - fp4 dialect definition and enums -------*- tablegen -*-===//

#ifndef FP4DIALECT_IR_FP4BASE_TD
#define FP4DIALECT_IR_FP4BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def FP4_Dialect : Dialect {
  let name = "fp4";
  let cppNamespace = "::mlir::fp4";
  let summary = "Block-scaled 4-bit floating point (NVFP4 and MXFP4)";
  let description = [{
    The `fp4` dialect models block-scaled 4-bit floating-point tensors and the
    operations around them. A value of type `!fp4.tensor` holds E2M1
    (`f4E2M1FN`) elements, one scale per block of elements along the last
    dimension (E4M3 for NVFP4, E8M0 for MXFP4) and, for NVFP4, an f32 tensor
    scale `alpha`.

    | format  | element | block               | block scale | tensor scale |
    |---------|---------|---------------------|-------------|--------------|
    | `nvfp4` | E2M1    | 1x16 or 16x16       | E4M3        | f32 `alpha`  |
    | `mxfp4` | E2M1    | 1x32                | E8M0        | none         |

    The numerics of every op are bit-exact and normative (SPEC section 2,
    summarized in `docs/numerics.md`). The CPU lowering
    (`fp4-opt --fp4-lower-to-cpu`) is the executable reference and the
    constant folder (`--fp4-fold-constants`) computes the same bytes at
    compile time.

    Example:

    ```mlir
    %q = fp4.quantize %x {rule = #fp4.rule<four_over_six>}
        : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
    %w = fp4.quantize %wt : tensor<32x64xbf16> -> !fp4.tensor<32x64, nvfp4>
    %c = fp4.matmul %q, %w : !fp4.tensor<4x64, nvfp4>,
        !fp4.tensor<32x64, nvfp4> -> tensor<4x32xf32>
    ```
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def FP4_Format : I32EnumAttr<"Format", "block-scaled 4-bit format", [
    I32EnumAttrCase<"nvfp4", 0>,
    I32EnumAttrCase<"mxfp4", 1>]> {
  let cppNamespace = "::mlir::fp4";
  let genSpecializedAttr = 0;
}

def FP4_RuleKind : I32EnumAttr<"RuleKind", "block-scale selection rule", [
    I32EnumAttrCase<"static6", 0>,
    I32EnumAttrCase<"static4", 1>,
    I32EnumAttrCase<"four_over_six", 2>,
    I32EnumAttrCase<"mx_ceil", 3>,
    I32EnumAttrCase<"mx_floor", 4>]> {
  let cppNamespace = "::mlir::fp4";
  let genSpecializedAttr = 0;
}

def FP4_Metric : I32EnumAttr<"Metric", "four_over_six error metric", [
    I32EnumAttrCase<"mse", 0>,
    I32EnumAttrCase<"mae", 1>,
    I32EnumAttrCase<"absmax", 2>]> {
  let cppNamespace = "::mlir::fp4";
  let genSpecializedAttr = 0;
}

#endif // FP4DIALECT_IR_FP4BASE_TD
