// A downstream compiler embedding fp4 through find_package(FP4Dialect).
#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Pipelines/Pipelines.h"
#include "FP4Dialect/Numerics/Numerics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/InitAllDialects.h"
#include <cstdio>
int main() {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::fp4::registerFP4Dialect(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  mlir::PassManager pm(&ctx);
  mlir::fp4::buildFP4LowerToCPUPipeline(pm);
  auto t = mlir::fp4::FP4TensorType::get(&ctx, {4, 64}, mlir::fp4::Format::nvfp4);
  std::string type;
  llvm::raw_string_ostream os(type);
  mlir::Type(t).print(os);
  std::printf("%s\n%u passes, e2m1(2.6) = %u\n", type.c_str(),
              (unsigned)pm.size(), (unsigned)::fp4::num::floatToE2M1(2.6f));
}
