//===- FP4Attrs.td - fp4 attributes ------------------------*- tablegen -*-===//

#ifndef FP4DIALECT_IR_FP4ATTRS_TD
#define FP4DIALECT_IR_FP4ATTRS_TD

include "FP4Dialect/IR/FP4Base.td"

class FP4_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<FP4_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def FP4_RuleAttr : FP4_Attr<"Rule", "rule"> {
  let summary = "How block scales are chosen";
  let description = [{
    The rule that chooses the block scales of a quantization (SPEC 2.1, 2.2):

    * `static6` (NVFP4 default): scale each block's maximum to 6.
    * `static4`: scale each block's maximum to 4.
    * `four_over_six`: try both 6 and 4 per block (tensor scale computed with
      an E4M3 maximum of 256) and keep the one with the smaller error under
      the metric `mse` (default), `mae` or `absmax`.
    * `mx_ceil` (MXFP4 default): E8M0 scale = smallest power of two >= b/6.
    * `mx_floor`: the OCP rule, exponent of the block maximum minus 2.

    The metric is only meaningful for `four_over_six`.

    Example:

    ```mlir
    #fp4.rule<static6>
    #fp4.rule<four_over_six>        // metric mse
    #fp4.rule<four_over_six, mae>
    #fp4.rule<mx_floor>
    ```
  }];
  let parameters = (ins
    EnumParameter<FP4_RuleKind>:$kind,
    DefaultValuedParameter<"::mlir::fp4::Metric", "::mlir::fp4::Metric::mse",
                           "error metric of four_over_six">:$metric);
  // `<` kind (`,` metric)? `>`, the default metric elided; parsed by hand so
  // that an unknown name gets a diagnostic listing the valid ones.
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The format whose scales this rule chooses.
    ::mlir::fp4::Format getFormat() const;
  }];
}

#endif // FP4DIALECT_IR_FP4ATTRS_TD
