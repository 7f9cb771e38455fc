//===- PTQUtils.cpp - helpers shared by the PTQ passes --------------------===//

#include "PTQUtils.h"

#include "FP4Dialect/Numerics/Numerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <cstring>

using namespace mlir;
using namespace mlir::fp4;
using namespace mlir::fp4::ptq;
namespace num = ::fp4::num;

//===----------------------------------------------------------------------===//
// Constant tensors
//===----------------------------------------------------------------------===//

bool ptq::isSupportedFloat(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

static int64_t elementBytes(Type elt) { return elt.isF32() ? 4 : 2; }

std::optional<ConstantView> ptq::matchFloatConstant(Value v) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.hasStaticShape() ||
      !isSupportedFloat(type.getElementType()))
    return std::nullopt;
  size_t needed = type.getNumElements() * elementBytes(type.getElementType());
  Attribute value = cst.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    ArrayRef<char> raw = dense.getRawData();
    bool splat = dense.isSplat();
    if (raw.size() < (splat ? size_t(elementBytes(type.getElementType()))
                            : needed))
      return std::nullopt;
    return ConstantView{type, raw, splat, cst};
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() < needed)
      return std::nullopt;
    return ConstantView{type, blob->getData(), false, cst};
  }
  return std::nullopt;
}

int64_t HostTensor::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

HostTensor ptq::toHost(const ConstantView &view) {
  HostTensor t;
  t.shape.assign(view.type.getShape().begin(), view.type.getShape().end());
  t.elementType = view.type.getElementType();
  t.splat = view.splat;
  int64_t n = view.splat ? 1 : view.type.getNumElements();
  t.bytes.assign(view.bytes.begin(),
                 view.bytes.begin() + n * elementBytes(t.elementType));
  return t;
}

void ptq::convertToF32(const char *data, Type elt, int64_t n, bool splat,
                       float *out) {
  if (splat) {
    float v;
    convertToF32(data, elt, 1, false, &v);
    std::fill(out, out + n, v);
    return;
  }
  if (elt.isF32()) {
    std::memcpy(out, data, n * 4);
  } else if (elt.isBF16()) {
    // bf16 is the top half of an f32: exact, NaN stays NaN.
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, data + 2 * i, 2);
      uint32_t bits = uint32_t(h) << 16;
      std::memcpy(out + i, &bits, 4);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, data + 2 * i, 2);
      out[i] = num::f16ToFloat(h);
    }
  }
}

std::vector<float> ptq::readF32(const ConstantView &view) {
  std::vector<float> out(view.type.getNumElements());
  convertToF32(view.bytes.data(), view.type.getElementType(), out.size(),
               view.splat, out.data());
  return out;
}

std::vector<char> ptq::encodeF32(ArrayRef<float> values, Type elt) {
  std::vector<char> out(values.size() * elementBytes(elt));
  if (elt.isF32()) {
    std::memcpy(out.data(), values.data(), out.size());
    return out;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    uint16_t bits = elt.isBF16() ? num::floatToBF16(values[i])
                                 : num::floatToF16(values[i]);
    std::memcpy(out.data() + 2 * i, &bits, 2);
  }
  return out;
}

HostTensor ptq::convertHost(const HostTensor &t, Type elementType) {
  if (t.elementType == elementType)
    return t;
  std::vector<float> f(t.splat ? 1 : t.getNumElements());
  convertToF32(t.bytes.data(), t.elementType, f.size(), false, f.data());
  HostTensor r;
  r.shape = t.shape;
  r.elementType = elementType;
  r.splat = t.splat;
  r.bytes = encodeF32(f, elementType);
  return r;
}

/// Copies a `rows x cols` matrix of `width`-byte elements to its transpose,
/// in tiles so that both sides stay in cache.
static void transpose2D(const char *in, char *out, int64_t rows, int64_t cols,
                        int64_t width) {
  constexpr int64_t tile = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += tile)
    for (int64_t c0 = 0; c0 < cols; c0 += tile) {
      int64_t r1 = std::min(rows, r0 + tile), c1 = std::min(cols, c0 + tile);
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t r = r0; r < r1; ++r)
          std::memcpy(out + (c * rows + r) * width,
                      in + (r * cols + c) * width, width);
    }
}

HostTensor ptq::transposeHost(const HostTensor &t, ArrayRef<int64_t> perm) {
  int64_t rank = t.shape.size(), width = elementBytes(t.elementType);
  HostTensor r;
  r.elementType = t.elementType;
  for (int64_t p : perm)
    r.shape.push_back(t.shape[p]);
  r.splat = t.splat;
  r.bytes.resize(t.bytes.size());
  bool identity = true;
  for (int64_t i = 0; i < rank; ++i)
    identity &= perm[i] == i;
  if (identity || t.splat) {
    r.bytes = t.bytes;
    return r;
  }
  // Leading identity dims and a swap of the last two: tiled 2-D transposes.
  bool swapLast = rank >= 2 && perm[rank - 1] == rank - 2 &&
                  perm[rank - 2] == rank - 1;
  for (int64_t i = 0; swapLast && i < rank - 2; ++i)
    swapLast &= perm[i] == i;
  if (swapLast) {
    int64_t rows = t.shape[rank - 2], cols = t.shape[rank - 1];
    int64_t matrices = t.getNumElements() / std::max<int64_t>(rows * cols, 1);
    for (int64_t m = 0; m < matrices; ++m)
      transpose2D(t.bytes.data() + m * rows * cols * width,
                  r.bytes.data() + m * rows * cols * width, rows, cols, width);
    return r;
  }
  // General case: walk the result in row-major order.
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t i = rank - 2; i >= 0; --i)
    inStrides[i] = inStrides[i + 1] * t.shape[i + 1];
  SmallVector<int64_t> stride(rank), index(rank, 0);
  for (int64_t i = 0; i < rank; ++i)
    stride[i] = inStrides[perm[i]];
  int64_t n = r.getNumElements(), offset = 0;
  for (int64_t o = 0; o < n; ++o) {
    std::memcpy(r.bytes.data() + o * width, t.bytes.data() + offset * width,
                width);
    for (int64_t d = rank - 1; d >= 0; --d) {
      offset += stride[d];
      if (++index[d] < r.shape[d])
        break;
      offset -= stride[d] * r.shape[d];
      index[d] = 0;
    }
  }
  return r;
}

Value ptq::createConstant(OpBuilder &b, Location loc, RankedTensorType type,
                          ArrayRef<char> bytes, StringRef blobName,
                          int64_t threshold) {
  ElementsAttr attr;
  bool splat = static_cast<int64_t>(bytes.size()) * 8 ==
                   type.getElementTypeBitWidth() &&
               type.getNumElements() > 1;
  if (static_cast<int64_t>(bytes.size()) > threshold && !splat)
    attr = DenseResourceElementsAttr::get(
        type, blobName, HeapAsmResourceBlob::allocateAndCopyInferAlign(bytes));
  else
    attr = DenseElementsAttr::getFromRawBuffer(type, bytes);
  return arith::ConstantOp::create(b, loc, type, cast<TypedAttr>(attr));
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

/// The operand of a layout or cast op that a weight may pass through, or
/// null.
static Value lookThrough(Operation *op) {
  if (!op)
    return Value();
  if (auto t = dyn_cast<linalg::TransposeOp>(op))
    return t.hasPureTensorSemantics() ? t.getInput() : Value();
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::CastOp,
          tensor::ExtractSliceOp, arith::ExtFOp, arith::TruncFOp>(op))
    return op->getOperand(0);
  return Value();
}

WeightKind ptq::classifyWeight(Value v) {
  while (v) {
    if (auto cst = v.getDefiningOp<arith::ConstantOp>())
      return isa<RankedTensorType>(cst.getType()) ? WeightKind::Constant
                                                  : WeightKind::None;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      Block *block = arg.getOwner();
      auto func = dyn_cast_or_null<FunctionOpInterface>(block->getParentOp());
      if (func && block->isEntryBlock() &&
          func.getArgAttr(arg.getArgNumber(), kWeightArgAttr))
        return WeightKind::Argument;
      return WeightKind::None;
    }
    v = lookThrough(v.getDefiningOp());
  }
  return WeightKind::None;
}

/// The elements of `in` selected by a static `tensor.extract_slice`, in the
/// row-major order of the slice.
static std::optional<HostTensor> sliceHost(const HostTensor &in,
                                           tensor::ExtractSliceOp slice) {
  ArrayRef<int64_t> offsets = slice.getStaticOffsets();
  ArrayRef<int64_t> sizes = slice.getStaticSizes();
  ArrayRef<int64_t> strides = slice.getStaticStrides();
  for (ArrayRef<int64_t> list : {offsets, sizes, strides})
    if (llvm::any_of(list, ShapedType::isDynamic))
      return std::nullopt;
  HostTensor r;
  r.elementType = in.elementType;
  ArrayRef<int64_t> shape = slice.getResultType().getShape();
  r.shape.assign(shape.begin(), shape.end());
  if (in.splat) {
    r.splat = true;
    r.bytes = in.bytes;
    return r;
  }
  int64_t rank = in.shape.size(), width = elementBytes(in.elementType);
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t i = rank - 2; i >= 0; --i)
    inStrides[i] = inStrides[i + 1] * in.shape[i + 1];
  int64_t n = 1, offset = 0;
  for (int64_t i = 0; i < rank; ++i) {
    n *= sizes[i];
    offset += offsets[i] * inStrides[i];
  }
  r.bytes.resize(n * width);
  // Walk the slice in row-major order; `offset` is the source element.
  SmallVector<int64_t> index(rank, 0);
  for (int64_t o = 0; o < n; ++o) {
    std::memcpy(r.bytes.data() + o * width, in.bytes.data() + offset * width,
                width);
    for (int64_t d = rank - 1; d >= 0; --d) {
      offset += strides[d] * inStrides[d];
      if (++index[d] < sizes[d])
        break;
      offset -= strides[d] * inStrides[d] * sizes[d];
      index[d] = 0;
    }
  }
  return r;
}

std::optional<HostTensor> ptq::evaluateConstant(Value v) {
  if (std::optional<ConstantView> view = matchFloatConstant(v))
    return toHost(*view);
  Operation *op = v.getDefiningOp();
  Value source = lookThrough(op);
  if (!source)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape() ||
      !isSupportedFloat(type.getElementType()))
    return std::nullopt;
  std::optional<HostTensor> in = evaluateConstant(source);
  if (!in)
    return std::nullopt;
  if (auto t = dyn_cast<linalg::TransposeOp>(op))
    return transposeHost(*in, t.getPermutation());
  if (isa<arith::ExtFOp, arith::TruncFOp>(op))
    return convertHost(*in, type.getElementType());
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
    return sliceHost(*in, slice);
  // Reshapes and casts keep the row-major data.
  in->shape.assign(type.getShape().begin(), type.getShape().end());
  return in;
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

bool ptq::isContraction(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp)
    return false;
  return isa<linalg::ContractionOpInterface>(op) ||
         linalg::isaContractionOpInterface(linalgOp);
}

bool ptq::isContractionLike(Operation *op) {
  if (isContraction(op))
    return true;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumDpsInputs() != 2 ||
      linalgOp.getNumDpsInits() != 1)
    return false;
  SmallVector<AffineMap> maps = linalgOp.getIndexingMapsArray();
  if (!llvm::all_of(maps, [](AffineMap m) {
        return m.isProjectedPermutation(/*allowZeroInResults=*/false);
      }))
    return false;
  SmallVector<utils::IteratorType> iterators =
      linalgOp.getIteratorTypesArray();
  for (unsigned d = 0; d < linalgOp.getNumLoops(); ++d)
    if (iterators[d] == utils::IteratorType::reduction &&
        maps[0].isFunctionOfDim(d) && maps[1].isFunctionOfDim(d) &&
        !maps[2].isFunctionOfDim(d))
      return true;
  return false;
}

/// The input of `op` if it is a pure copy that broadcasts and/or permutes
/// its input (linalg.broadcast, linalg.transpose, or a linalg.generic whose
/// body only yields its input), with its input and output maps.
static std::optional<std::tuple<Value, AffineMap, AffineMap>>
matchCopy(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumDpsInputs() != 1 || linalgOp.getNumDpsInits() != 1 ||
      linalgOp->getNumResults() != 1 ||
      linalgOp.getNumParallelLoops() != linalgOp.getNumLoops())
    return std::nullopt;
  Block *body = linalgOp.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != body->getArgument(0) ||
      &body->front() != yield.getOperation())
    return std::nullopt;
  AffineMap inMap = linalgOp.getIndexingMapsArray()[0];
  AffineMap outMap = linalgOp.getIndexingMapsArray()[1];
  if (!outMap.isPermutation() ||
      !inMap.isProjectedPermutation(/*allowZeroInResults=*/false))
    return std::nullopt;
  return std::make_tuple(linalgOp.getDpsInputs()[0], inMap, outMap);
}

ContractionInputs ptq::getEffectiveInputs(linalg::LinalgOp op) {
  ContractionInputs in;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (unsigned i = 0; i < std::min<unsigned>(2, op.getNumDpsInputs()); ++i) {
    Value v = op.getDpsInputs()[i];
    AffineMap map = maps[i];
    // Only weights: their copies are folded at compile time or into the
    // quantized operand's layout; activations are left as they are.
    while (auto copy = matchCopy(v.getDefiningOp())) {
      auto [source, inMap, outMap] = *copy;
      if (classifyWeight(source) == WeightKind::None ||
          map.getNumResults() != outMap.getNumDims())
        break;
      // Element i of the copy's result is source[inMap(outMap^-1(i))].
      map = inMap.compose(inversePermutation(outMap)).compose(map);
      v = source;
    }
    in.values[i] = v;
    in.maps[i] = map;
  }
  return in;
}

/// `v` is block argument `index`, possibly through an `arith.extf` or
/// `arith.truncf` (linalg's cast of an operand to the output type).
static bool isArgOrExtended(Value v, unsigned index,
                            SmallPtrSetImpl<Operation *> &used) {
  if (Operation *cast = v.getDefiningOp();
      cast && isa<arith::ExtFOp, arith::TruncFOp>(cast)) {
    used.insert(cast);
    v = cast->getOperand(0);
  }
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getArgNumber() == index;
}

/// The body is exactly `yield(out + cast?(cast?(a) * cast?(b)))` in floats
/// (casts: arith.extf / arith.truncf), or the same sum computed in a wider
/// type and rounded back: `yield(truncf(extf(out) + ...))`.
static bool isMultiplyAddBody(Block &body) {
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!yield || yield.getNumOperands() != 1)
    return false;
  SmallPtrSet<Operation *, 8> used = {yield};
  // The sum may be computed in a wider type and rounded back to the output
  // type: yield(truncf(extf(out) + p)).
  Value sum = yield.getOperand(0);
  if (auto trunc = sum.getDefiningOp<arith::TruncFOp>();
      trunc && trunc->getBlock() == &body) {
    used.insert(trunc);
    sum = trunc.getIn();
  }
  auto add = sum.getDefiningOp<arith::AddFOp>();
  if (!add || add->getBlock() != &body)
    return false;
  used.insert(add);
  // The accumulator: the output block argument, possibly extended.
  auto accumulatorCast = [&](Value v) -> FailureOr<Operation *> {
    Operation *ext = v.getDefiningOp<arith::ExtFOp>();
    if (ext)
      v = ext->getOperand(0);
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != &body || arg.getArgNumber() != 2)
      return failure();
    return ext;
  };
  Value acc = add.getLhs(), prod = add.getRhs();
  FailureOr<Operation *> accCast = accumulatorCast(acc);
  if (failed(accCast)) {
    std::swap(acc, prod);
    accCast = accumulatorCast(acc);
  }
  if (failed(accCast))
    return false;
  if (*accCast)
    used.insert(*accCast);
  // The product may be cast to the accumulator type.
  if (Operation *cast = prod.getDefiningOp();
      cast && isa<arith::ExtFOp, arith::TruncFOp>(cast)) {
    used.insert(cast);
    prod = cast->getOperand(0);
  }
  auto mul = prod.getDefiningOp<arith::MulFOp>();
  if (!mul || mul->getBlock() != &body)
    return false;
  used.insert(mul);
  bool direct = isArgOrExtended(mul.getLhs(), 0, used) &&
                isArgOrExtended(mul.getRhs(), 1, used);
  bool swapped = !direct && isArgOrExtended(mul.getLhs(), 1, used) &&
                 isArgOrExtended(mul.getRhs(), 0, used);
  if (!direct && !swapped)
    return false;
  for (Operation &op : body)
    if (!used.contains(&op))
      return false;
  return true;
}

static std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

FailureOr<ContractionMatch> ptq::matchContraction(linalg::LinalgOp op,
                                                  std::string &reason) {
  if (!op.hasPureTensorSemantics()) {
    reason = "operands are not tensors";
    return failure();
  }
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1) {
    reason = "expected two inputs and one output";
    return failure();
  }
  ContractionInputs inputs = getEffectiveInputs(op);
  SmallVector<RankedTensorType> types;
  for (Value v : {inputs.values[0], inputs.values[1], op.getDpsInits()[0]}) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape()) {
      reason = "dynamic shapes are not supported";
      return failure();
    }
    if (type.getNumElements() == 0) {
      reason = "empty tensors are not supported";
      return failure();
    }
    types.push_back(type);
  }
  if (!llvm::all_of(types, [](RankedTensorType t) {
        return isSupportedFloat(t.getElementType());
      })) {
    reason = "element types (" + typeStr(types[0].getElementType()) + ", " +
             typeStr(types[1].getElementType()) + " -> " +
             typeStr(types[2].getElementType()) +
             ") are not f32, bf16 or f16";
    return failure();
  }
  if (!isMultiplyAddBody(*op.getBlock())) {
    reason = "the body is not a float multiply-add 'out + a * b'";
    return failure();
  }
  SmallVector<AffineMap, 3> maps = {inputs.maps[0], inputs.maps[1],
                                    op.getIndexingMapsArray()[2]};
  unsigned numLoops = op.getNumLoops();
  SmallVector<std::array<bool, 3>> where(numLoops, {false, false, false});
  for (auto [i, map] : llvm::enumerate(maps)) {
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false)) {
      reason = "indexing map " + std::to_string(i) +
               " is not a projected permutation";
      return failure();
    }
    for (AffineExpr e : map.getResults())
      where[cast<AffineDimExpr>(e).getPosition()][i] = true;
  }
  ContractionMatch m;
  m.op = op;
  m.inputs = inputs.values;
  m.maps = maps;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < numLoops; ++d) {
    auto [inA, inB, inC] = where[d];
    bool parallel = iterators[d] == utils::IteratorType::parallel;
    if (inA && inB && inC && parallel)
      m.batch.push_back(d);
    else if (inA && !inB && inC && parallel)
      m.lhsFree.push_back(d);
    else if (!inA && inB && inC && parallel)
      m.rhsFree.push_back(d);
    else if (inA && inB && !inC && !parallel)
      m.reduction.push_back(d);
    else {
      reason = "loop " + std::to_string(d) +
               " is not a batch, M, N or K dimension of a matmul";
      return failure();
    }
  }
  if (m.reduction.empty()) {
    reason = "no reduction dimension";
    return failure();
  }
  m.loopSizes = op.getStaticLoopRanges();
  return m;
}

bool ptq::hasZeroInit(linalg::LinalgOp op) {
  Value init = op.getDpsInits()[0];
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  if (init.getDefiningOp<tensor::EmptyOp>())
    return true;
  return matchPattern(init, m_AnyZeroFloat());
}

//===----------------------------------------------------------------------===//
// Names and options
//===----------------------------------------------------------------------===//

std::string ptq::getOpName(Operation *op) {
  for (StringRef attr : {StringRef(kNameAttr), StringRef("name")})
    if (auto s = op->getAttrOfType<StringAttr>(attr))
      return s.str();
  std::string name;
  op->getLoc()->walk([&](Location loc) {
    if (auto named = dyn_cast<NameLoc>(loc)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

FailureOr<Format> ptq::parseFormat(StringRef text) {
  std::optional<Format> format = symbolizeFormat(text);
  if (!format)
    return failure();
  return *format;
}

FailureOr<RuleAttr> ptq::parseRule(MLIRContext *ctx, StringRef text,
                                   Format format, std::string &error) {
  if (text.empty())
    return RuleAttr::get(ctx,
                         format == Format::nvfp4 ? RuleKind::static6
                                                 : RuleKind::mx_ceil,
                         Metric::mse);
  auto [kindText, metricText] = text.split(':');
  std::optional<RuleKind> kind = symbolizeRuleKind(kindText);
  if (!kind) {
    error = "unknown rule '" + kindText.str() +
            "' (expected static6, static4, four_over_six, mx_ceil or "
            "mx_floor)";
    return failure();
  }
  bool nvRule = *kind == RuleKind::static6 || *kind == RuleKind::static4 ||
                *kind == RuleKind::four_over_six;
  if (nvRule != (format == Format::nvfp4)) {
    error = "rule '" + kindText.str() + "' is not valid for " +
            stringifyFormat(format).str();
    return failure();
  }
  Metric metric = Metric::mse;
  if (!metricText.empty()) {
    std::optional<Metric> m = symbolizeMetric(metricText);
    if (!m || *kind != RuleKind::four_over_six) {
      error = "metric '" + metricText.str() +
              "' is not valid (four_over_six takes mse, mae or absmax)";
      return failure();
    }
    metric = *m;
  }
  return RuleAttr::get(ctx, *kind, metric);
}

std::string ptq::ruleToString(RuleAttr rule) {
  std::string s = stringifyRuleKind(rule.getKind()).str();
  if (rule.getKind() == RuleKind::four_over_six &&
      rule.getMetric() != Metric::mse)
    s += ":" + stringifyMetric(rule.getMetric()).str();
  return s;
}
