//===- PTQ.cpp - the --fp4-ptq-pipeline ------------------------------------===//
//
// Post-training quantization of model IR (docs/ptq.md): quantize the
// contractions, optionally rotate them, choose the weight scales, report,
// fold the weights into codes at compile time, clean up.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Pipelines/Pipelines.h"
#include "FP4Dialect/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::fp4::buildFP4PTQPipeline(OpPassManager &pm,
                                    const FP4PTQPipelineOptions &options) {
  FP4QuantizeMatmulsOptions quantize;
  quantize.format = options.format;
  quantize.weightRule = options.weightRule;
  quantize.activationRule = options.activationRule;
  quantize.weightBlock2D = options.weightBlock2D;
  quantize.keepHighPrecision.assign(options.keepHighPrecision.begin(),
                                    options.keepHighPrecision.end());
  quantize.activationMatmuls = options.activationMatmuls;
  quantize.resourceThreshold = options.resourceThreshold;
  pm.addPass(createFP4QuantizeMatmuls(quantize));

  if (options.rotate) {
    FP4FuseRotationsOptions rotate;
    rotate.size = options.rotationSize;
    rotate.randomSigns = options.randomSigns;
    rotate.seed = options.seed;
    rotate.resourceThreshold = options.resourceThreshold;
    pm.addPass(createFP4FuseRotations(rotate));
  }

  if (options.selectScales) {
    FP4SelectScalesOptions select;
    select.resourceThreshold = options.resourceThreshold;
    pm.addPass(createFP4SelectScales(select));
  }

  // The report needs the weights before they are folded into codes.
  if (options.report || !options.reportJson.empty()) {
    FP4ReportOptions report;
    report.tableFile = options.report ? "-" : "";
    report.jsonFile = options.reportJson;
    pm.addPass(createFP4Report(report));
  }

  if (options.fold) {
    FP4FoldConstantsOptions fold;
    fold.resourceThreshold = options.resourceThreshold;
    pm.addPass(createFP4FoldConstants(fold));
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
