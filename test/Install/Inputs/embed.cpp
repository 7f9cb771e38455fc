// A downstream compiler embedding fp4 through find_package(FP4Dialect).
#include "FP4Dialect/IR/FP4.h"
#include "FP4Dialect/Pipelines/Pipelines.h"
#include "FP4Dialect/Numerics/Numerics.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"
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

  // Post-training quantization from C++: two linear layers, the second kept
  // in high precision by name.
  const char *model = R"mlir(
    func.func @f(%x: tensor<4x32xf32>) -> tensor<4x16xf32> {
      %w = arith.constant dense<0.5> : tensor<32x32xbf16>
      %h = arith.constant dense<0.25> : tensor<32x16xf32>
      %e = tensor.empty() : tensor<4x32xf32>
      %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x32xbf16>)
          outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
      %e2 = tensor.empty() : tensor<4x16xf32>
      %z = linalg.matmul {fp4.name = "lm_head"}
          ins(%y, %h : tensor<4x32xf32>, tensor<32x16xf32>)
          outs(%e2 : tensor<4x16xf32>) -> tensor<4x16xf32>
      return %z : tensor<4x16xf32>
    })mlir";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(model, &ctx);
  mlir::fp4::FP4PTQPipelineOptions options;
  options.weightRule = "four_over_six";
  options.keepHighPrecision = {"lm_head"};
  mlir::PassManager ptq(&ctx);
  mlir::fp4::buildFP4PTQPipeline(ptq, options);
  ctx.getDiagEngine().registerHandler([](mlir::Diagnostic &) {}); // remarks
  if (!module || mlir::failed(ptq.run(*module)))
    return 1;
  unsigned matmuls = 0, packs = 0;
  module->walk([&](mlir::Operation *op) {
    matmuls += op->getName().getStringRef() == "fp4.matmul";
    packs += op->getName().getStringRef() == "fp4.pack";
  });
  std::printf("ptq: %u fp4.matmul, %u folded weight\n", matmuls, packs);
}
