//===- FP4Types.cpp - !fp4.tensor -----------------------------------------===//

#include "FP4Dialect/IR/FP4.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::fp4;

//===----------------------------------------------------------------------===//
// Parsing and printing: !fp4.tensor<4x64, nvfp4[, block = 16x16]>
//===----------------------------------------------------------------------===//

static std::pair<int64_t, int64_t> defaultBlockFor(Format format) {
  return {1, format == Format::mxfp4 ? 32 : 16};
}

/// Parses `RxCx...` into `shape`; `what` names the list in diagnostics.
/// Dynamic sizes are parsed so that they can be rejected with a clear message.
static ParseResult parseStaticDims(AsmParser &parser, StringRef what,
                                   SmallVectorImpl<int64_t> &shape) {
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                /*withTrailingX=*/false))
    return failure();
  if (shape.empty())
    return parser.emitError(loc, "expected ")
           << what << " of rank >= 1 with static sizes, e.g. 4x64";
  for (auto [i, dim] : llvm::enumerate(shape))
    if (ShapedType::isDynamic(dim))
      return parser.emitError(loc)
             << what << " dimension " << i << " must be static, got '?'";
  return success();
}

Type FP4TensorType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  if (parser.parseLess() ||
      parseStaticDims(parser, "!fp4.tensor shape", shape) ||
      parser.parseComma())
    return {};
  SMLoc formatLoc = parser.getCurrentLocation();
  StringRef formatName;
  if (parser.parseOptionalKeyword(&formatName)) {
    parser.emitError(formatLoc, "expected format 'nvfp4' or 'mxfp4'");
    return {};
  }
  std::optional<Format> format = symbolizeFormat(formatName);
  if (!format) {
    parser.emitError(formatLoc, "expected format 'nvfp4' or 'mxfp4', got '")
        << formatName << "'";
    return {};
  }
  auto [blockRows, blockCols] = defaultBlockFor(*format);
  if (succeeded(parser.parseOptionalComma())) {
    SmallVector<int64_t> block;
    if (parser.parseKeyword("block", " after the format") ||
        parser.parseEqual())
      return {};
    SMLoc blockLoc = parser.getCurrentLocation();
    if (parseStaticDims(parser, "block shape", block))
      return {};
    if (block.size() != 2) {
      parser.emitError(blockLoc, "expected a block shape RxC (e.g. 16x16), "
                                 "got rank ")
          << block.size();
      return {};
    }
    blockRows = block[0];
    blockCols = block[1];
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<FP4TensorType>(parser.getContext(),
                                          ArrayRef<int64_t>(shape), *format,
                                          blockRows, blockCols);
}

void FP4TensorType::print(AsmPrinter &printer) const {
  printer << "<";
  llvm::interleave(getShape(), printer.getStream(), "x");
  printer << ", " << stringifyFormat(getFormat());
  if (!hasDefaultBlock())
    printer << ", block = " << getBlockRows() << "x" << getBlockCols();
  printer << ">";
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

bool FP4TensorType::isValidBlock(Format format, int64_t blockRows,
                                 int64_t blockCols) {
  if (format == Format::mxfp4)
    return blockRows == 1 && blockCols == 32;
  return blockCols == 16 && (blockRows == 1 || blockRows == 16);
}

StringRef FP4TensorType::getValidBlocksStr(Format format) {
  return format == Format::mxfp4 ? "1x32" : "1x16 or 16x16";
}

LogicalResult
FP4TensorType::verifyShape(function_ref<InFlightDiagnostic()> emitError,
                           StringRef what, ArrayRef<int64_t> shape) {
  if (shape.empty())
    return emitError() << what << " must have rank >= 1";
  int64_t numElements = 1;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (ShapedType::isDynamic(dim))
      return emitError() << what << " dimension " << i
                         << " must be a positive static size, got '?'";
    if (dim <= 0)
      return emitError() << what << " dimension " << i
                         << " must be a positive static size, got " << dim;
    if (llvm::MulOverflow(numElements, dim, numElements))
      return emitError() << what
                         << " must have at most 2^63-1 elements (the product "
                            "of its dimensions overflows int64)";
  }
  return success();
}

LogicalResult
FP4TensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                      ArrayRef<int64_t> shape, Format format, int64_t blockRows,
                      int64_t blockCols) {
  if (failed(verifyShape(emitError, "!fp4.tensor", shape)))
    return failure();
  if (!isValidBlock(format, blockRows, blockCols))
    return emitError() << "block " << blockRows << "x" << blockCols
                       << " is not valid for " << stringifyFormat(format)
                       << " (expected " << getValidBlocksStr(format) << ")";
  int64_t rank = shape.size();
  if (shape.back() % blockCols != 0)
    return emitError() << "last dimension (dimension " << rank - 1
                       << ", size " << shape.back()
                       << ") must be a multiple of the block width "
                       << blockCols;
  if (blockRows > 1) {
    if (rank < 2)
      return emitError() << "block " << blockRows << "x" << blockCols
                         << " needs a tensor of rank >= 2";
    if (shape[rank - 2] % blockRows != 0)
      return emitError() << "second-to-last dimension (dimension " << rank - 2
                         << ", size " << shape[rank - 2]
                         << ") must be a multiple of the block height "
                         << blockRows;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Derived types
//===----------------------------------------------------------------------===//

int64_t FP4TensorType::getNumRows() const {
  int64_t rows = 1;
  for (int64_t dim : getShape().drop_back())
    rows *= dim;
  return rows;
}

bool FP4TensorType::hasDefaultBlock() const {
  return std::make_pair(getBlockRows(), getBlockCols()) ==
         defaultBlockFor(getFormat());
}

Type FP4TensorType::getScaleElementType() const {
  MLIRContext *ctx = getContext();
  if (isMXFP4())
    return Float8E8M0FNUType::get(ctx);
  return Float8E4M3FNType::get(ctx);
}

SmallVector<int64_t> FP4TensorType::getScalesShape() const {
  SmallVector<int64_t> shape(getShape());
  shape.back() /= getBlockCols();
  if (getBlockRows() > 1)
    shape[shape.size() - 2] /= getBlockRows();
  return shape;
}

RankedTensorType FP4TensorType::getScalesType() const {
  return RankedTensorType::get(getScalesShape(), getScaleElementType());
}

RankedTensorType FP4TensorType::getValuesType() const {
  SmallVector<int64_t> shape(getShape());
  shape.back() /= 2;
  return RankedTensorType::get(shape, IntegerType::get(getContext(), 8));
}
