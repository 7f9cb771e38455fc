//===- FP4Ops.cpp - fp4 operations and verifiers --------------------------===//
//
// Verifiers are short and share the helpers below. Every diagnostic names the
// operand (or attribute) at fault and the property that was expected.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/IR/FP4.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::fp4;

#define GET_OP_CLASSES
#include "FP4Dialect/IR/FP4Ops.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// Formats a shape as `4x64` (`?` for a dynamic size).
static std::string shapeStr(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "(rank 0)";
  std::string str;
  llvm::raw_string_ostream os(str);
  llvm::interleave(
      shape, os,
      [&](int64_t dim) {
        if (ShapedType::isDynamic(dim))
          os << '?';
        else
          os << dim;
      },
      "x");
  return str;
}

/// Checks that the shaped operand or result `name` has rank >= 1 and static,
/// positive sizes (the shapes !fp4.tensor can describe).
static LogicalResult verifyStaticShape(Operation *op, StringRef name,
                                       ShapedType type) {
  return FP4TensorType::verifyShape([op] { return op->emitOpError(); }, name,
                                    type.getShape());
}

static RuleAttr defaultRule(MLIRContext *ctx, Format format) {
  return RuleAttr::get(ctx,
                       format == Format::mxfp4 ? RuleKind::mx_ceil
                                               : RuleKind::static6,
                       Metric::mse);
}

static LogicalResult verifyRuleFormat(Operation *op, RuleAttr rule,
                                      Format format) {
  if (!rule || rule.getFormat() == format)
    return success();
  return op->emitOpError("rule '")
         << stringifyRuleKind(rule.getKind()) << "' is not valid for "
         << stringifyFormat(format) << " (expected "
         << (format == Format::mxfp4 ? "mx_ceil or mx_floor"
                                     : "static6, static4 or four_over_six")
         << ")";
}

/// Checks that `value` (operand or result `name`) has exactly type `expected`.
static LogicalResult verifyExactType(Operation *op, StringRef name,
                                     Type actual, Type expected,
                                     StringRef property) {
  if (actual == expected)
    return success();
  return op->emitOpError() << name << " must be " << expected << " ("
                           << property << "), got " << actual;
}

static LogicalResult verifySameShape(Operation *op, StringRef name,
                                     ArrayRef<int64_t> actual,
                                     ArrayRef<int64_t> expected,
                                     StringRef otherName) {
  if (actual == expected)
    return success();
  return op->emitOpError() << name << " shape " << shapeStr(actual)
                           << " must match the " << otherName << " shape "
                           << shapeStr(expected);
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

RuleAttr QuantizeOp::getEffectiveRule() {
  if (RuleAttr rule = getRuleAttr())
    return rule;
  return defaultRule(getContext(), getResultType().getFormat());
}

ParseResult QuantizeOp::parse(OpAsmParser &parser, OperationState &result) {
  using Operand = OpAsmParser::UnresolvedOperand;
  Operand input;
  std::optional<Operand> amax, seed, scales, alpha;
  auto parseGroup = [&](StringRef keyword, std::optional<Operand> &first,
                        std::optional<Operand> *second) -> ParseResult {
    if (failed(parser.parseOptionalKeyword(keyword)))
      return success();
    first.emplace();
    if (parser.parseLParen() || parser.parseOperand(*first))
      return failure();
    if (second && succeeded(parser.parseOptionalComma())) {
      second->emplace();
      if (parser.parseOperand(**second))
        return failure();
    }
    return parser.parseRParen();
  };
  if (parser.parseOperand(input) || parseGroup("amax", amax, nullptr) ||
      parseGroup("seed", seed, nullptr) || parseGroup("scales", scales, &alpha))
    return failure();
  SMLoc attrLoc = parser.getCurrentLocation();
  for (StringRef keyword : {"amax", "seed", "scales"})
    if (succeeded(parser.parseOptionalKeyword(keyword)))
      return parser.emitError(attrLoc, "operand group '")
             << keyword
             << "' is repeated or out of order (expected amax(...), "
                "seed(...), scales(...) in this order)";
  if (parser.parseOptionalAttrDict(result.attributes) || parser.parseColon())
    return failure();
  // The segment sizes follow from the operand groups; a stray attribute would
  // silently override them.
  if (result.attributes.get("operandSegmentSizes"))
    return parser.emitError(attrLoc,
                            "'operandSegmentSizes' must not be given: it "
                            "follows from the amax/seed/scales groups");

  SMLoc typesLoc = parser.getCurrentLocation();
  SmallVector<Type> types;
  Type resultType;
  if (parser.parseTypeList(types) || parser.parseArrow() ||
      parser.parseType(resultType))
    return failure();

  SmallVector<Operand> operands = {input};
  for (const std::optional<Operand> &o : {amax, seed, scales, alpha})
    if (o)
      operands.push_back(*o);
  if (types.size() != operands.size())
    return parser.emitError(typesLoc, "expected ")
           << operands.size()
           << " operand types (input, then amax, seed, scales, alpha as "
              "present), got "
           << types.size();
  if (parser.resolveOperands(operands, types, typesLoc, result.operands))
    return failure();
  result.addTypes(resultType);

  Properties &props = result.getOrAddProperties<Properties>();
  props.operandSegmentSizes = {1, amax ? 1 : 0, seed ? 1 : 0, scales ? 1 : 0,
                               alpha ? 1 : 0};
  if (Attribute rule = result.attributes.get("rule")) {
    auto ruleAttr = dyn_cast<RuleAttr>(rule);
    if (!ruleAttr)
      return parser.emitError(attrLoc, "'rule' attribute must be a "
                                       "#fp4.rule, got ")
             << rule;
    props.rule = ruleAttr;
    result.attributes.erase("rule");
  }
  return success();
}

void QuantizeOp::print(OpAsmPrinter &p) {
  p << ' ' << getInput();
  if (getAmax())
    p << " amax(" << getAmax() << ')';
  if (getSeed())
    p << " seed(" << getSeed() << ')';
  if (getScales()) {
    p << " scales(" << getScales();
    if (getAlpha())
      p << ", " << getAlpha();
    p << ')';
  }
  SmallVector<NamedAttribute> attrs(getOperation()->getDiscardableAttrs());
  if (RuleAttr rule = getRuleAttr())
    attrs.push_back(NamedAttribute(getRuleAttrName(), rule));
  p.printOptionalAttrDict(attrs);
  p << " : ";
  llvm::interleaveComma(getOperandTypes(), p);
  p << " -> " << getResult().getType();
}

LogicalResult QuantizeOp::verify() {
  FP4TensorType resultType = getResultType();
  if (failed(verifySameShape(*this, "result", resultType.getShape(),
                             getInput().getType().getShape(), "input")))
    return failure();
  if (failed(verifyRuleFormat(*this, getRuleAttr(), resultType.getFormat())))
    return failure();
  if (getAmax() && resultType.isMXFP4())
    return emitOpError("'amax' operand requires an nvfp4 result (mxfp4 has "
                       "no tensor scale)");
  if (getAlpha() && !getScales())
    return emitOpError("'alpha' operand requires a 'scales' operand");
  if (!getScales())
    return success();

  // Explicit scales.
  if (getAmax())
    return emitOpError("'amax' and 'scales' operands are exclusive");
  if (getRuleAttr())
    return emitOpError("'rule' must not be set with explicit 'scales'");
  if (failed(verifyExactType(*this, "'scales' operand", getScales().getType(),
                             resultType.getScalesType(),
                             "one scale per block of the result")))
    return failure();
  if (resultType.isNVFP4() && !getAlpha())
    return emitOpError("nvfp4 'scales' need an f32 tensor scale: "
                       "'scales(%sc, %alpha)'");
  if (resultType.isMXFP4() && getAlpha())
    return emitOpError("mxfp4 'scales' take no tensor scale: 'scales(%sc)'");
  return success();
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  return verifySameShape(*this, "result", getResult().getType().getShape(),
                         getInput().getType().getShape(), "input");
}

//===----------------------------------------------------------------------===//
// HadamardOp
//===----------------------------------------------------------------------===//

LogicalResult HadamardOp::verify() {
  int64_t size = getSize();
  if (size < 16 || size > 128 || !llvm::isPowerOf2_64(size))
    return emitOpError("'size' must be a power of two in [16, 128], got ")
           << size;
  if (failed(verifyStaticShape(*this, "'input'", getInput().getType())))
    return failure();
  int64_t cols = getInput().getType().getShape().back();
  if (cols % size != 0)
    return emitOpError("'input' last dimension (")
           << cols << ") must be a multiple of 'size' (" << size << ")";
  if (std::optional<ArrayRef<int8_t>> signs = getSigns()) {
    if (static_cast<int64_t>(signs->size()) != size)
      return emitOpError("'signs' must hold 'size' (")
             << size << ") values, got " << signs->size();
    for (auto [i, s] : llvm::enumerate(*signs))
      if (s != 1 && s != -1)
        return emitOpError("'signs' values must be +1 or -1, got ")
               << static_cast<int>(s) << " at index " << i;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ScaleSelectOp
//===----------------------------------------------------------------------===//

Format ScaleSelectOp::getFormat() {
  return isa<Float8E8M0FNUType>(getScales().getType().getElementType())
             ? Format::mxfp4
             : Format::nvfp4;
}

RuleAttr ScaleSelectOp::getEffectiveRule() {
  if (RuleAttr rule = getRuleAttr())
    return rule;
  return defaultRule(getContext(), getFormat());
}

std::pair<int64_t, int64_t> ScaleSelectOp::getBlockShape() {
  ArrayRef<int64_t> in = getInput().getType().getShape();
  ArrayRef<int64_t> sc = getScales().getType().getShape();
  int64_t rank = in.size();
  int64_t cols = in.back() / sc.back();
  int64_t rows = rank >= 2 ? in[rank - 2] / sc[rank - 2] : 1;
  return {rows, cols};
}

LogicalResult ScaleSelectOp::verify() {
  Format format = getFormat();
  if (failed(verifyRuleFormat(*this, getRuleAttr(), format)))
    return failure();
  if (getAmax() && format == Format::mxfp4)
    return emitOpError("'amax' operand requires nvfp4 scales (f8E4M3FN)");
  if (format == Format::nvfp4 && !getAlpha())
    return emitOpError("nvfp4 scale selection must also return the f32 "
                       "tensor scale 'alpha'");
  if (format == Format::mxfp4 && getAlpha())
    return emitOpError("mxfp4 scale selection returns no tensor scale");

  if (failed(verifyStaticShape(*this, "'input'", getInput().getType())) ||
      failed(verifyStaticShape(*this, "'scales'", getScales().getType())))
    return failure();
  ArrayRef<int64_t> in = getInput().getType().getShape();
  ArrayRef<int64_t> sc = getScales().getType().getShape();
  int64_t rank = in.size();
  if (static_cast<int64_t>(sc.size()) != rank)
    return emitOpError("'scales' must have the rank of 'input' (")
           << rank << "), got " << sc.size();
  // Batch dimensions match; the last two (one for rank 1) are blocked.
  for (int64_t i = 0; i < rank; ++i) {
    if (i < rank - 2 && in[i] != sc[i])
      return emitOpError("'scales' batch dimension ")
             << i << " must equal the input's (" << in[i] << "), got "
             << sc[i];
    if (i >= rank - 2 && in[i] % sc[i] != 0)
      return emitOpError("'scales' dimension ")
             << i << " (" << sc[i] << ") must divide the input's (" << in[i]
             << ")";
  }
  auto [rows, cols] = getBlockShape();
  if (!FP4TensorType::isValidBlock(format, rows, cols))
    return emitOpError("'scales' shape ")
           << shapeStr(sc) << " implies " << rows << "x" << cols
           << " blocks of the input " << shapeStr(in) << ", expected "
           << FP4TensorType::getValidBlocksStr(format) << " blocks for "
           << stringifyFormat(format);
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  FP4TensorType lhs = getLhs().getType(), rhs = getRhs().getType();
  if (lhs.getFormat() != rhs.getFormat())
    return emitOpError("'lhs' (") << stringifyFormat(lhs.getFormat())
                                  << ") and 'rhs' ("
                                  << stringifyFormat(rhs.getFormat())
                                  << ") must have the same format";
  if (lhs.getRank() < 2)
    return emitOpError("'lhs' must have rank >= 2 (M x K), got rank ")
           << lhs.getRank();
  if (rhs.getRank() != 2 && rhs.getRank() != lhs.getRank())
    return emitOpError("'rhs' must be N x K or have the rank of 'lhs' (")
           << lhs.getRank() << "), got rank " << rhs.getRank();
  ArrayRef<int64_t> a = lhs.getShape(), b = rhs.getShape();
  if (a.back() != b.back())
    return emitOpError("'lhs' K (") << a.back() << ") must equal 'rhs' K ("
                                    << b.back() << ")";
  if (rhs.getRank() == lhs.getRank() &&
      a.drop_back(2) != b.drop_back(2))
    return emitOpError("'rhs' batch dimensions ")
           << shapeStr(b.drop_back(2)) << " must equal the 'lhs' ones "
           << shapeStr(a.drop_back(2));
  SmallVector<int64_t> expected(a.drop_back());
  expected.push_back(b[b.size() - 2]);
  if (failed(verifySameShape(*this, "result", getResult().getType().getShape(),
                             expected, "expected [batch..., M, N]")))
    return failure();
  // M x N may be far larger than either operand.
  return verifyStaticShape(*this, "result", getResult().getType());
}

//===----------------------------------------------------------------------===//
// Component access
//===----------------------------------------------------------------------===//

LogicalResult ValuesOp::verify() {
  return verifyExactType(*this, "result", getResult().getType(),
                         getInput().getType().getValuesType(),
                         "two E2M1 codes per byte along the last dimension");
}

LogicalResult ScalesOp::verify() {
  return verifyExactType(*this, "result", getResult().getType(),
                         getInput().getType().getScalesType(),
                         "one scale per block");
}

LogicalResult TensorScaleOp::verify() {
  if (getInput().getType().isMXFP4())
    return emitOpError("'input' must be nvfp4: mxfp4 tensors have no "
                       "tensor scale");
  return success();
}

LogicalResult PackOp::verify() {
  FP4TensorType resultType = getResult().getType();
  if (failed(verifyExactType(*this, "'values' operand", getValues().getType(),
                             resultType.getValuesType(),
                             "two E2M1 codes per byte along the last "
                             "dimension")) ||
      failed(verifyExactType(*this, "'scales' operand", getScales().getType(),
                             resultType.getScalesType(),
                             "one scale per block")))
    return failure();
  if (resultType.isNVFP4() && !getAlpha())
    return emitOpError("an nvfp4 result needs the f32 'alpha' operand");
  if (resultType.isMXFP4() && getAlpha())
    return emitOpError("an mxfp4 result takes no 'alpha' operand");
  return success();
}
