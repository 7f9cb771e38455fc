//===- NumericsBridge.h - dialect enums -> numerics core enums ---*- C++ -*-===//
//
// The passes that evaluate fp4 ops at compile time (fold-constants,
// select-scales, report) call the numerics core; these map the dialect's
// attributes onto its plain C++ enums.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_LIB_TRANSFORMS_NUMERICSBRIDGE_H
#define FP4DIALECT_LIB_TRANSFORMS_NUMERICSBRIDGE_H

#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Numerics/Numerics.h"

namespace mlir::fp4 {

inline ::fp4::num::Format toNum(Format format) {
  return format == Format::mxfp4 ? ::fp4::num::Format::MXFP4
                                 : ::fp4::num::Format::NVFP4;
}

inline ::fp4::num::Rule toNum(RuleAttr rule) {
  using namespace ::fp4::num;
  Rule r;
  switch (rule.getKind()) {
  case RuleKind::static6: r.kind = ::fp4::num::RuleKind::Static6; break;
  case RuleKind::static4: r.kind = ::fp4::num::RuleKind::Static4; break;
  case RuleKind::four_over_six: r.kind = ::fp4::num::RuleKind::FourOverSix; break;
  case RuleKind::mx_ceil: r.kind = ::fp4::num::RuleKind::MxCeil; break;
  case RuleKind::mx_floor: r.kind = ::fp4::num::RuleKind::MxFloor; break;
  }
  switch (rule.getMetric()) {
  case mlir::fp4::Metric::mse: r.metric = ::fp4::num::Metric::MSE; break;
  case mlir::fp4::Metric::mae: r.metric = ::fp4::num::Metric::MAE; break;
  case mlir::fp4::Metric::absmax: r.metric = ::fp4::num::Metric::AbsMax; break;
  }
  return r;
}

} // namespace mlir::fp4

#endif // FP4DIALECT_LIB_TRANSFORMS_NUMERICSBRIDGE_H
