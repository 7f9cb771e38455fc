//===- FP4Attrs.cpp - #fp4.rule -------------------------------------------===//

#include "FP4Dialect/IR/FP4.h"

#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace mlir::fp4;

//===----------------------------------------------------------------------===//
// Parsing and printing: #fp4.rule<four_over_six[, mae]>
//===----------------------------------------------------------------------===//

Attribute RuleAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  SMLoc kindLoc = parser.getCurrentLocation();
  StringRef kindName;
  std::optional<RuleKind> kind;
  if (succeeded(parser.parseOptionalKeyword(&kindName)))
    kind = symbolizeRuleKind(kindName);
  if (!kind) {
    InFlightDiagnostic diag = parser.emitError(
        kindLoc, "expected rule 'static6', 'static4', 'four_over_six', "
                 "'mx_ceil' or 'mx_floor'");
    if (!kindName.empty())
      diag << ", got '" << kindName << "'";
    return {};
  }
  Metric metric = Metric::mse;
  if (succeeded(parser.parseOptionalComma())) {
    SMLoc metricLoc = parser.getCurrentLocation();
    StringRef metricName;
    std::optional<Metric> parsed;
    if (succeeded(parser.parseOptionalKeyword(&metricName)))
      parsed = symbolizeMetric(metricName);
    if (!parsed) {
      InFlightDiagnostic diag = parser.emitError(
          metricLoc, "expected metric 'mse', 'mae' or 'absmax'");
      if (!metricName.empty())
        diag << ", got '" << metricName << "'";
      return {};
    }
    metric = *parsed;
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<RuleAttr>(parser.getContext(), *kind, metric);
}

void RuleAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyRuleKind(getKind());
  if (getMetric() != Metric::mse)
    printer << ", " << stringifyMetric(getMetric());
  printer << '>';
}

//===----------------------------------------------------------------------===//
// Verification and queries
//===----------------------------------------------------------------------===//

LogicalResult RuleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               RuleKind kind, Metric metric) {
  if (metric != Metric::mse && kind != RuleKind::four_over_six)
    return emitError() << "metric '" << stringifyMetric(metric)
                       << "' only applies to rule 'four_over_six', not '"
                       << stringifyRuleKind(kind) << "'";
  return success();
}

Format RuleAttr::getFormat() const {
  switch (getKind()) {
  case RuleKind::mx_ceil:
  case RuleKind::mx_floor:
    return Format::mxfp4;
  default:
    return Format::nvfp4;
  }
}
