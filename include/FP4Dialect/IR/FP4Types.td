//===- FP4Types.td - fp4 types -----------------------------*- tablegen -*-===//

#ifndef FP4DIALECT_IR_FP4TYPES_TD
#define FP4DIALECT_IR_FP4TYPES_TD

include "FP4Dialect/IR/FP4Base.td"

class FP4_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<FP4_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def FP4_TensorType : FP4_Type<"FP4Tensor", "tensor"> {
  let summary = "block-scaled 4-bit tensor";
  let description = [{
    A statically shaped tensor of E2M1 values with one block scale per block
    along the last dimension and, for `nvfp4`, an f32 tensor scale.

    Syntax: `!fp4.tensor<` shape `,` format (`, block = ` RxC)? `>`

    * `nvfp4`: 1x16 blocks (default) or 16x16 blocks (`block = 16x16`, used
      for weights), E4M3 block scales, f32 tensor scale `alpha`.
    * `mxfp4`: 1x32 blocks, E8M0 block scales, no tensor scale.

    The last dimension must be a multiple of the block width and, for 16x16
    blocks, the second-to-last a multiple of 16. Leading dimensions are
    batch/rows. The components are read with `fp4.values` (packed codes,
    two per byte, element 2j in the low nibble), `fp4.scales` (row-major,
    one per block) and `fp4.tensor_scale`.

    Example:

    ```mlir
    !fp4.tensor<4x64, nvfp4>
    !fp4.tensor<64x64, nvfp4, block = 16x16>
    !fp4.tensor<2x8x64, mxfp4>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "shape">:$shape,
    "::mlir::fp4::Format":$format,
    "int64_t":$blockRows,
    "int64_t":$blockCols);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let skipDefaultBuilders = 0;
  let builders = [
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape,
                     "::mlir::fp4::Format":$format), [{
      int64_t cols = format == ::mlir::fp4::Format::mxfp4 ? 32 : 16;
      return $_get($_ctxt, shape, format, 1, cols);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    /// The product of all dimensions but the last.
    int64_t getNumRows() const;
    /// The last dimension.
    int64_t getNumCols() const { return getShape().back(); }
    int64_t getNumElements() const { return getNumRows() * getNumCols(); }
    bool isNVFP4() const { return getFormat() == ::mlir::fp4::Format::nvfp4; }
    bool isMXFP4() const { return getFormat() == ::mlir::fp4::Format::mxfp4; }
    /// True for the default block shape of the format.
    bool hasDefaultBlock() const;
    /// f8E4M3FN for nvfp4, f8E8M0FNU for mxfp4.
    ::mlir::Type getScaleElementType() const;
    /// Shape of the block scales: the leading dims, then rows/blockRows and
    /// cols/blockCols.
    ::llvm::SmallVector<int64_t> getScalesShape() const;
    ::mlir::RankedTensorType getScalesType() const;
    /// tensor<... x cols/2 x i8>: the packed codes.
    ::mlir::RankedTensorType getValuesType() const;

    /// True if `blockRows` x `blockCols` is a block shape of `format`.
    static bool isValidBlock(::mlir::fp4::Format format, int64_t blockRows,
                             int64_t blockCols);
    /// The block shapes of `format` in words, e.g. "1x16 or 16x16".
    static ::llvm::StringRef getValidBlocksStr(::mlir::fp4::Format format);
    /// Checks that `shape` has rank >= 1, static positive dimensions and an
    /// element count that fits in int64. `what` names the shaped value in
    /// the diagnostic (e.g. "!fp4.tensor" or "'input'").
    static ::llvm::LogicalResult
    verifyShape(::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
                ::llvm::StringRef what, ::llvm::ArrayRef<int64_t> shape);
  }];
}

#endif // FP4DIALECT_IR_FP4TYPES_TD
