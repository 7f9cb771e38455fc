//===- FP4Attrs.cpp - #fp4.rule -------------------------------------------===//

#include "FP4Dialect/IR/FP4.h"

using namespace mlir;
using namespace mlir::fp4;

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
