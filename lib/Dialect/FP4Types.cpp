//===- FP4Types.cpp - !fp4.tensor -----------------------------------------===//

#include "FP4Dialect/IR/FP4.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace mlir::fp4;

//===----------------------------------------------------------------------===//
// Parsing and printing: !fp4.tensor<4x64, nvfp4[, block = 16x16]>
//===----------------------------------------------------------------------===//

static std::pair<int64_t, int64_t> defaultBlockFor(Format format) {
  return {1, format == Format::mxfp4 ? 32 : 16};
}

Type FP4TensorType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/false) ||
      parser.parseComma())
    return {};
  SMLoc formatLoc = parser.getCurrentLocation();
  StringRef formatName;
  if (parser.parseKeyword(&formatName))
    return {};
  std::optional<Format> format = symbolizeFormat(formatName);
  if (!format) {
    parser.emitError(formatLoc, "expected format 'nvfp4' or 'mxfp4', got '")
        << formatName << "'";
    return {};
  }
  auto [blockRows, blockCols] = defaultBlockFor(*format);
  if (succeeded(parser.parseOptionalComma())) {
    SmallVector<int64_t> block;
    SMLoc blockLoc = parser.getCurrentLocation();
    if (parser.parseKeyword("block") || parser.parseEqual() ||
        parser.parseDimensionList(block, /*allowDynamic=*/false,
                                  /*withTrailingX=*/false))
      return {};
    if (block.size() != 2) {
      parser.emitError(blockLoc, "expected a block shape RxC, e.g. 16x16");
      return {};
    }
    blockRows = block[0];
    blockCols = block[1];
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<FP4TensorType>(parser.getContext(), ArrayRef<int64_t>(shape), *format,
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

LogicalResult
FP4TensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                   ArrayRef<int64_t> shape, Format format, int64_t blockRows,
                   int64_t blockCols) {
  if (shape.empty())
    return emitError() << "!fp4.tensor must have rank >= 1";
  for (auto [i, dim] : llvm::enumerate(shape))
    if (dim <= 0)
      return emitError() << "!fp4.tensor dimension " << i
                         << " must be a positive static size, got " << dim;
  bool validBlock =
      format == Format::mxfp4
          ? (blockRows == 1 && blockCols == 32)
          : (blockCols == 16 && (blockRows == 1 || blockRows == 16));
  if (!validBlock)
    return emitError() << "block " << blockRows << "x" << blockCols
                       << " is not valid for " << stringifyFormat(format)
                       << " (expected "
                       << (format == Format::mxfp4 ? "1x32" : "1x16 or 16x16")
                       << ")";
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
