//===- fp4-opt.cpp - mlir-opt with the fp4 dialect and passes -------------===//

#include "FP4Dialect/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::fp4::registerFP4PassesAndPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  mlir::fp4::registerFP4Dialect(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "fp4 optimizer driver\n", registry));
}
