//===- Report.cpp - --fp4-report -------------------------------------------===//
//
// One row per contraction: what quantization did (format, rules, rotation)
// and what it cost (weight error computed with the numerics core, blocks
// that chose 4, bytes before and after), as a table and as JSON. Analysis
// only: the IR is not changed.
//
//===----------------------------------------------------------------------===//

#include "PTQUtils.h"

#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Numerics/Numerics.h"
#include "FP4Dialect/Transforms/Passes.h"
#include "NumericsBridge.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4REPORT
#include "FP4Dialect/Transforms/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;
using namespace mlir::fp4;
using namespace mlir::fp4::ptq;
namespace num = ::fp4::num;

namespace {

//===----------------------------------------------------------------------===//
// Rows
//===----------------------------------------------------------------------===//

struct Row {
  std::string name;
  bool quantized = false;
  /// Why a contraction stayed in high precision.
  std::string reason;
  int64_t batch = 1, m = 0, n = 0, k = 0;
  std::optional<int64_t> layer;
  std::string format, weightRule, activationRule;
  int64_t rotation = 0;
  bool hasWeight = false;
  std::string weightType;
  /// Weight error (constant weights only).
  std::optional<double> relMSE, sqnrDB, fourFraction;
  int64_t bytesBefore = 0, bytesAfter = 0;
  double errSum = 0, refSum = 0;
};

int64_t product(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

int64_t elementBytes(Type t) {
  return t.isF32() ? 4 : (t.isIntOrFloat() ? t.getIntOrFloatBitWidth() / 8 : 0);
}

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

/// The raw bytes of a constant of 1-byte elements (scales).
std::optional<std::vector<uint8_t>> readByteConstant(Value v) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  int64_t n = cast<ShapedType>(attr.getType()).getNumElements();
  ArrayRef<char> raw;
  bool splat = false;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    raw = dense.getRawData();
    splat = dense.isSplat();
  } else if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    raw = blob->getData();
  } else {
    return std::nullopt;
  }
  if (raw.empty() || (!splat && static_cast<int64_t>(raw.size()) < n))
    return std::nullopt;
  std::vector<uint8_t> out(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<uint8_t>(raw[splat ? 0 : i]);
  return out;
}

std::optional<double> readScalar(Value v) {
  FloatAttr f;
  if (v && matchPattern(v, m_Constant(&f)))
    return f.getValueAsDouble();
  IntegerAttr i;
  if (v && matchPattern(v, m_Constant(&i)))
    return static_cast<double>(i.getValue().getZExtValue());
  return std::nullopt;
}

/// The rule a quantize used: its rule, or the one select-scales recorded.
RuleAttr ruleOf(QuantizeOp q) {
  if (!q.getScales())
    return q.getEffectiveRule();
  return q->getAttrOfType<RuleAttr>(kSelectedRuleAttr);
}

/// Quantizes the constant input of `q` exactly as `q` does and fills the
/// error columns of `row`.
void measureWeight(QuantizeOp q, Row &row) {
  std::optional<ConstantView> view = matchFloatConstant(q.getInput());
  if (!view)
    return;
  std::optional<uint64_t> seed;
  if (q.getSeed()) {
    IntegerAttr s;
    if (!matchPattern(q.getSeed(), m_Constant(&s)))
      return;
    seed = s.getValue().getZExtValue();
  }
  FP4TensorType type = q.getResultType();
  int64_t rows = type.getNumRows(), cols = type.getNumCols();
  num::Format format =
      toNum(type.getFormat());
  num::BlockShape block{type.getBlockRows(), type.getBlockCols()};
  std::vector<float> x = readF32(*view);
  num::QuantizedTensor qt;
  std::optional<float> amax;
  if (q.getScales()) {
    std::optional<std::vector<uint8_t>> scales =
        readByteConstant(q.getScales());
    std::optional<double> alpha =
        q.getAlpha() ? readScalar(q.getAlpha()) : std::optional<double>(1.0);
    if (!scales || !alpha)
      return;
    qt = num::quantizeWithScales(x.data(), rows, cols, format, block,
                                 scales->data(), static_cast<float>(*alpha),
                                 seed);
  } else {
    num::QuantizeOptions options;
    options.format = format;
    options.rule = toNum(q.getEffectiveRule());
    options.block = block;
    options.seed = seed;
    if (q.getAmax()) {
      std::optional<double> a = readScalar(q.getAmax());
      if (!a)
        return;
      options.amax = amax = static_cast<float>(*a);
    }
    qt = num::quantize(x.data(), rows, cols, options);
  }
  std::vector<float> d(x.size());
  num::dequantize(qt, d.data());
  double err = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]))
      continue;
    double e = double(d[i]) - double(x[i]);
    err += e * e;
    ref += double(x[i]) * double(x[i]);
  }
  row.errSum = err;
  row.refSum = ref;
  if (ref > 0) {
    row.relMSE = err / ref;
    row.sqnrDB = err > 0 ? 10.0 * std::log10(ref / err) : INFINITY;
  }

  // Blocks whose scale is the 4 candidate (and differs from the 6 one).
  RuleAttr rule = ruleOf(q);
  if (!rule || rule.getKind() != RuleKind::four_over_six)
    return;
  float a = amax ? *amax : num::tensorAmax(x.data(), x.size());
  int64_t br = block.rows, bc = block.cols, blocks = 0, fours = 0;
  float enc = a == 0.0f ? 0.0f
                        : num::nvfp4EncodeScale(num::RuleKind::FourOverSix, a);
  for (int64_t r0 = 0; r0 < rows; r0 += br)
    for (int64_t c0 = 0; c0 < cols; c0 += bc, ++blocks) {
      float b = 0.0f;
      for (int64_t r = r0; r < r0 + br; ++r)
        for (int64_t c = c0; c < c0 + bc; ++c)
          if (std::isfinite(x[r * cols + c]))
            b = std::fmax(b, std::fabs(x[r * cols + c]));
      float s = (b / 6.0f) * enc;
      uint8_t sf6 = num::floatToE4M3(s), sf4 = num::floatToE4M3(s * 1.5f);
      fours += sf4 != sf6 && qt.scales[blocks] == sf4;
    }
  if (blocks)
    row.fourFraction = double(fours) / double(blocks);
}

Row rowForMatmul(MatmulOp mm, int64_t index) {
  Row row;
  row.quantized = true;
  row.name = ptq::getOpName(mm);
  if (row.name.empty())
    row.name = "matmul" + std::to_string(index);
  if (auto layer = mm->getAttrOfType<IntegerAttr>(kLayerAttr))
    row.layer = layer.getInt();
  FP4TensorType lhs = mm.getLhs().getType(), rhs = mm.getRhs().getType();
  row.k = lhs.getShape().back();
  row.n = rhs.getShape()[rhs.getRank() - 2];
  if (rhs.getRank() > 2) {
    row.batch = product(rhs.getShape().drop_back(2));
    row.m = lhs.getShape()[lhs.getRank() - 2];
  } else {
    row.m = lhs.getNumRows();
  }
  row.format = stringifyFormat(lhs.getFormat()).str();
  if (auto rot = mm->getAttrOfType<IntegerAttr>(kRotationAttr))
    row.rotation = rot.getInt();
  auto lhsQ = mm.getLhs().getDefiningOp<QuantizeOp>();
  auto rhsQ = mm.getRhs().getDefiningOp<QuantizeOp>();
  if (lhsQ)
    if (RuleAttr r = ruleOf(lhsQ))
      row.activationRule = ruleToString(r);
  if (rhsQ) {
    RuleAttr r = ruleOf(rhsQ);
    row.weightRule = r ? ruleToString(r) : "given scales";
  }
  // The weight is the rhs (quantize-matmuls puts it there) unless the
  // matmul says otherwise: no weight type and no constant rhs means two
  // activations.
  auto weightType = mm->getAttrOfType<TypeAttr>(kWeightTypeAttr);
  bool constantRhs = rhsQ && matchFloatConstant(rhsQ.getInput());
  row.hasWeight = weightType || constantRhs;
  if (!row.hasWeight)
    return row;
  Type elt = weightType ? weightType.getValue()
             : rhsQ     ? rhsQ.getInput().getType().getElementType()
                        : Type();
  row.weightType = elt ? typeStr(elt) : "?";
  int64_t elements = rhs.getNumElements();
  row.bytesBefore = elt ? elements * elementBytes(elt) : 0;
  row.bytesAfter = elements / 2 + product(rhs.getScalesShape()) +
                   (rhs.isNVFP4() ? 4 : 0);
  if (rhsQ)
    measureWeight(rhsQ, row);
  return row;
}

Row rowForContraction(linalg::LinalgOp op, int64_t index) {
  Row row;
  row.name = ptq::getOpName(op);
  if (row.name.empty())
    row.name = op->getName().getStringRef().str() + std::to_string(index);
  ContractionInputs inputs = getEffectiveInputs(op);
  Value in0 = inputs.values[0], in1 = inputs.values[1];
  WeightKind k0 = classifyWeight(in0), k1 = classifyWeight(in1);
  std::string reason;
  FailureOr<ContractionMatch> m = matchContraction(op, reason);
  if (succeeded(m)) {
    auto prod = [&](ArrayRef<unsigned> loops) {
      int64_t p = 1;
      for (unsigned d : loops)
        p *= m->loopSizes[d];
      return p;
    };
    row.batch = prod(m->batch);
    row.m = prod(m->lhsFree);
    row.n = prod(m->rhsFree);
    row.k = prod(m->reduction);
  }
  if (auto why = op->getAttrOfType<StringAttr>(kHighPrecisionAttr))
    row.reason = why.str(); // Set by fp4-quantize-matmuls.
  else if (k0 != WeightKind::None && k1 != WeightKind::None)
    row.reason = "both operands are weights";
  else if (k0 == WeightKind::None && k1 == WeightKind::None)
    row.reason = "activation x activation";
  else if (failed(m))
    row.reason = reason;
  else
    row.reason = "kept in high precision";
  Value weight = k1 != WeightKind::None ? in1 : in0;
  if (k0 != WeightKind::None || k1 != WeightKind::None) {
    auto type = cast<ShapedType>(weight.getType());
    row.hasWeight = true;
    row.weightType = typeStr(type.getElementType());
    if (type.hasStaticShape() && type.getElementType().isIntOrFloat()) {
      row.bytesBefore = type.getNumElements() * elementBytes(type.getElementType());
      row.bytesAfter = row.bytesBefore;
    }
  }
  return row;
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

std::string shapeStr(const Row &r) {
  std::string s = r.m ? std::to_string(r.m) + "x" + std::to_string(r.n) +
                            "x" + std::to_string(r.k)
                      : "?";
  if (r.batch > 1)
    s = std::to_string(r.batch) + "*" + s;
  return s;
}

std::string fixed(std::optional<double> v, const char *fmt) {
  if (!v)
    return "-";
  if (std::isinf(*v))
    return "inf";
  return llvm::formatv(fmt, *v).str();
}

struct Totals {
  int64_t quantized = 0, kept = 0, before = 0, after = 0;
  double err = 0, ref = 0;
};

Totals totalsOf(ArrayRef<Row> rows) {
  Totals t;
  for (const Row &r : rows) {
    (r.quantized ? t.quantized : t.kept) += 1;
    t.before += r.bytesBefore;
    t.after += r.bytesAfter;
    t.err += r.errSum;
    t.ref += r.refSum;
  }
  return t;
}

void printTable(llvm::raw_ostream &os, ArrayRef<Row> rows) {
  size_t nameWidth = 4;
  for (const Row &r : rows)
    nameWidth = std::max(nameWidth, r.name.size());
  auto cell = [&](StringRef s, size_t w, bool right = false) {
    if (right)
      os << llvm::right_justify(s, w) << "  ";
    else
      os << llvm::left_justify(s, w) << "  ";
  };
  os << "fp4 PTQ report\n";
  cell("#", 3, true);
  cell("name", nameWidth);
  cell("M x N x K", 16);
  cell("format", 6);
  cell("weight rule", 16);
  cell("act rule", 16);
  cell("rot", 3, true);
  cell("w SQNR dB", 9, true);
  cell("w rel.MSE", 9, true);
  cell("4-blocks", 8, true);
  cell("bytes before", 12, true);
  cell("bytes after", 12, true);
  os << "\n";
  for (auto [i, r] : llvm::enumerate(rows)) {
    cell(std::to_string(i), 3, true);
    cell(r.name, nameWidth);
    cell(shapeStr(r), 16);
    if (!r.quantized) {
      cell("-", 6);
      os << "high precision: " << r.reason;
      if (r.hasWeight)
        os << " (" << r.bytesBefore << " bytes of " << r.weightType << ")";
      os << "\n";
      continue;
    }
    cell(r.format, 6);
    cell(r.weightRule.empty() ? "-" : r.weightRule, 16);
    cell(r.activationRule.empty() ? "-" : r.activationRule, 16);
    cell(r.rotation ? std::to_string(r.rotation) : "-", 3, true);
    cell(fixed(r.sqnrDB, "{0:F2}"), 9, true);
    cell(fixed(r.relMSE, "{0:E2}"), 9, true);
    cell(r.fourFraction ? fixed(*r.fourFraction * 100, "{0:F1}") + "%" : "-",
         8, true);
    cell(r.hasWeight ? std::to_string(r.bytesBefore) : "-", 12, true);
    cell(r.hasWeight ? std::to_string(r.bytesAfter) : "-", 12, true);
    os << "\n";
  }
  Totals t = totalsOf(rows);
  os << "total: " << t.quantized << " quantized, " << t.kept
     << " in high precision; weights " << t.before << " -> " << t.after
     << " bytes";
  if (t.after > 0)
    os << " (" << llvm::formatv("{0:F2}", double(t.before) / t.after)
       << "x smaller)";
  if (t.ref > 0 && t.err > 0)
    os << "; weight SQNR "
       << llvm::formatv("{0:F2}", 10.0 * std::log10(t.ref / t.err))
       << " dB overall";
  os << "\n";
}

void printJSON(llvm::raw_ostream &os, ArrayRef<Row> rows) {
  llvm::json::OStream j(os, 2);
  auto optional = [&](StringRef key, std::optional<double> v) {
    if (v && std::isfinite(*v))
      j.attribute(key, *v);
    else
      j.attribute(key, nullptr);
  };
  j.object([&] {
    j.attributeArray("matmuls", [&] {
      for (auto [i, r] : llvm::enumerate(rows)) {
        j.object([&] {
          j.attribute("index", int64_t(i));
          j.attribute("name", r.name);
          j.attribute("quantized", r.quantized);
          if (!r.quantized)
            j.attribute("reason", r.reason);
          if (r.layer)
            j.attribute("layer", *r.layer);
          // Unknown (dynamic or unmatched) shapes are null.
          auto dim = [&](StringRef key, int64_t v) {
            if (r.m)
              j.attribute(key, v);
            else
              j.attribute(key, nullptr);
          };
          dim("batch", r.batch);
          dim("m", r.m);
          dim("n", r.n);
          dim("k", r.k);
          if (r.quantized) {
            j.attribute("format", r.format);
            j.attribute("weight_rule", r.weightRule);
            j.attribute("activation_rule", r.activationRule);
            j.attribute("rotation", r.rotation);
          }
          j.attribute("has_weight", r.hasWeight);
          if (r.hasWeight) {
            j.attribute("weight_type", r.weightType);
            j.attribute("bytes_before", r.bytesBefore);
            j.attribute("bytes_after", r.bytesAfter);
          }
          if (r.quantized && r.hasWeight) {
            optional("weight_rel_mse", r.relMSE);
            optional("weight_sqnr_db", r.sqnrDB);
            optional("four_fraction", r.fourFraction);
          }
        });
      }
    });
    Totals t = totalsOf(rows);
    j.attributeObject("totals", [&] {
      j.attribute("quantized", t.quantized);
      j.attribute("high_precision", t.kept);
      j.attribute("bytes_before", t.before);
      j.attribute("bytes_after", t.after);
      optional("weight_sqnr_db",
               t.ref > 0 && t.err > 0
                   ? std::optional<double>(10.0 * std::log10(t.ref / t.err))
                   : std::nullopt);
    });
  });
  os << "\n";
}

/// Calls `print` on stdout (`-`) or the file `path`.
LogicalResult writeTo(StringRef path, Operation *op,
                      function_ref<void(llvm::raw_ostream &)> print) {
  if (path.empty())
    return success();
  if (path == "-") {
    print(llvm::outs());
    llvm::outs().flush();
    return success();
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return op->emitError("fp4-report: cannot open '")
           << path << "': " << ec.message();
  print(os);
  return success();
}

struct FP4ReportPass : mlir::fp4::impl::FP4ReportBase<FP4ReportPass> {
  using Base::Base;
  void runOnOperation() override {
    std::vector<Row> rows;
    getOperation()->walk([&](Operation *op) {
      if (auto mm = dyn_cast<MatmulOp>(op))
        rows.push_back(rowForMatmul(mm, rows.size()));
      else if (isContractionLike(op))
        rows.push_back(
            rowForContraction(cast<linalg::LinalgOp>(op), rows.size()));
    });
    if (failed(writeTo(tableFile, getOperation(),
                       [&](llvm::raw_ostream &os) { printTable(os, rows); })) ||
        failed(writeTo(jsonFile, getOperation(),
                       [&](llvm::raw_ostream &os) { printJSON(os, rows); })))
      return signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
