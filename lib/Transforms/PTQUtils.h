//===- PTQUtils.h - helpers shared by the PTQ passes -------------*- C++ -*-===//
//
// What the post-training-quantization passes (quantize-matmuls,
// fuse-rotations, select-scales, report) agree on: which linalg ops are
// contractions and how their loops split into batch/M/N/K, which operands
// are weights, how an op is named, and how constant tensors are read and
// written quickly (model weights are hundreds of MB of dense_resource data,
// so nothing here goes through APFloat per element).
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_LIB_TRANSFORMS_PTQUTILS_H
#define FP4DIALECT_LIB_TRANSFORMS_PTQUTILS_H

#include "FP4Dialect/IR/FP4.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace mlir::fp4::ptq {

/// The function argument attribute that marks a weight (a UnitAttr).
constexpr llvm::StringLiteral kWeightArgAttr = "fp4.weight";
/// Attributes quantize-matmuls puts on the `fp4.matmul` it creates (read by
/// the report): the contraction's name, its position among the linear
/// layers, and the element type of the weight before quantization.
constexpr llvm::StringLiteral kNameAttr = "fp4.name";
constexpr llvm::StringLiteral kLayerAttr = "fp4.layer";
constexpr llvm::StringLiteral kWeightTypeAttr = "fp4.weight_type";
/// Set by fuse-rotations on a rotated `fp4.matmul`: the Hadamard size.
constexpr llvm::StringLiteral kRotationAttr = "fp4.rotation";
/// Set by select-scales on an `fp4.quantize` whose scales it materialized:
/// the rule that chose them.
constexpr llvm::StringLiteral kSelectedRuleAttr = "fp4.selected_rule";
/// Set by quantize-matmuls on a contraction it left in high precision: why
/// (a string, also given as a remark), read by the report.
constexpr llvm::StringLiteral kHighPrecisionAttr = "fp4.high_precision";

//===----------------------------------------------------------------------===//
// Constant tensors
//===----------------------------------------------------------------------===//

/// True for the element types the fp4 ops read: f32, bf16, f16.
bool isSupportedFloat(Type type);

/// A float tensor constant: `arith.constant` of a `dense` or `dense_resource`
/// attribute with f32/bf16/f16 elements. `bytes` holds one element if splat.
struct ConstantView {
  RankedTensorType type;
  ArrayRef<char> bytes;
  bool splat = false;
  Operation *op = nullptr;
};
std::optional<ConstantView> matchFloatConstant(Value v);

/// A host copy of a float tensor: row-major raw element bytes, or one
/// element if `splat`.
struct HostTensor {
  SmallVector<int64_t> shape;
  Type elementType;
  std::vector<char> bytes;
  bool splat = false;
  int64_t getNumElements() const;
};

/// Copies a constant to the host (a splat stays one element).
HostTensor toHost(const ConstantView &view);
/// Converts `n` elements of type `elt` (f32/bf16/f16) to f32; `splat`
/// repeats the first element.
void convertToF32(const char *data, Type elt, int64_t n, bool splat,
                  float *out);
/// The f32 values of a constant.
std::vector<float> readF32(const ConstantView &view);
/// Permutes the dimensions: result dim i is input dim perm[i].
HostTensor transposeHost(const HostTensor &t, ArrayRef<int64_t> perm);
/// Converts the elements (f32/bf16/f16, round to nearest even).
HostTensor convertHost(const HostTensor &t, Type elementType);
/// Encodes f32 values as `elt` bytes.
std::vector<char> encodeF32(ArrayRef<float> values, Type elt);

/// `arith.constant` of `type` holding `bytes`: `dense` up to `threshold`
/// bytes (or when `bytes` is a single element: a splat), a `dense_resource`
/// blob named after `blobName` above.
Value createConstant(OpBuilder &b, Location loc, RankedTensorType type,
                     ArrayRef<char> bytes, StringRef blobName,
                     int64_t threshold);

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

enum class WeightKind { None, Constant, Argument };

/// Classifies an operand: `Constant` if it is a tensor constant (of any
/// element type), possibly through layout and cast ops (linalg.transpose,
/// tensor.expand_shape / collapse_shape / cast / extract_slice with static
/// offsets, arith.extf / truncf), `Argument` if the same chain starts at a
/// function argument marked `fp4.weight`, `None` otherwise.
WeightKind classifyWeight(Value v);

/// Evaluates a `WeightKind::Constant` operand at compile time (in the
/// operand's own shape and element type); std::nullopt otherwise.
std::optional<HostTensor> evaluateConstant(Value v);

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

/// True for a linalg op that is a contraction: it implements
/// ContractionOpInterface or `linalg::isaContractionOpInterface` accepts it
/// (linalg.generic / linalg.contract with a multiply-add body).
bool isContraction(Operation *op);

/// True for a contraction, or for a linalg op shaped like one whose body may
/// not be a multiply-add: two inputs, one init, projected-permutation
/// indexing maps and a reduction loop indexing both inputs but not the
/// output. These are the ops the PTQ passes consider (and explain when they
/// leave one alone); convolutions and elementwise ops are not among them.
bool isContractionLike(Operation *op);

/// The inputs of a contraction as the PTQ passes see them: a weight that is
/// broadcast or transposed by a pure copy (`linalg.broadcast`,
/// `linalg.transpose`, a `linalg.generic` that only yields its input) is
/// replaced by the copy's input, with the copy folded into the indexing
/// map. A weight broadcast over the batch of a `batch_matmul` thus becomes
/// a single matrix (its batch loop an M loop).
struct ContractionInputs {
  std::array<Value, 2> values;
  std::array<AffineMap, 2> maps;
};
ContractionInputs getEffectiveInputs(linalg::LinalgOp op);

/// A contraction `C += A * B` that the PTQ passes can rewrite: tensors of
/// static shape, float elements, projected-permutation indexing maps, and
/// every loop exactly one of batch (in A, B, C), lhsFree (A, C: "M"),
/// rhsFree (B, C: "N") or reduction (A, B: "K"). Loop lists are sorted.
/// `inputs` and `maps` (A, B, C) are the effective ones
/// (`getEffectiveInputs`). A matrix-vector product has no M or no N loop.
struct ContractionMatch {
  linalg::LinalgOp op;
  std::array<Value, 2> inputs;
  SmallVector<AffineMap, 3> maps;
  SmallVector<unsigned> batch, lhsFree, rhsFree, reduction;
  SmallVector<int64_t> loopSizes;
};

/// Matches `op`; on failure `reason` says why in words (for a remark).
FailureOr<ContractionMatch> matchContraction(linalg::LinalgOp op,
                                             std::string &reason);

/// True if the contraction's init is zero: a `linalg.fill` of +-0, a zero
/// splat constant, or a `tensor.empty` (undefined contents).
bool hasZeroInit(linalg::LinalgOp op);

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

/// The user-facing name of an op: its `fp4.name` or `name` string
/// attribute, else the first name of its location (`loc("q_proj")`); empty
/// if none.
std::string getOpName(Operation *op);

/// Parses a rule name: `static6`, `static4`, `four_over_six` (optionally
/// `four_over_six:mae` / `:absmax` / `:mse`), `mx_ceil`, `mx_floor`; the
/// empty string gives the format's default.
FailureOr<RuleAttr> parseRule(MLIRContext *ctx, StringRef text, Format format,
                              std::string &error);
/// `nvfp4` or `mxfp4`.
FailureOr<Format> parseFormat(StringRef text);

/// `#fp4.rule<...>` in words, e.g. "four_over_six" or "four_over_six:mae".
std::string ruleToString(RuleAttr rule);

} // namespace mlir::fp4::ptq

#endif // FP4DIALECT_LIB_TRANSFORMS_PTQUTILS_H
