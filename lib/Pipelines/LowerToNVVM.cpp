//===- LowerToNVVM.cpp - the --fp4-lower-to-nvvm pipeline -----------------===//
//
// fp4 ops (with the tensor/linalg code around them) -> kernels in NVVM inside
// gpu.modules serialized for the chip, plus host code in the LLVM dialect
// that calls the mgpu* runtime ABI (runtime/). All buffers are device memory:
// the function's memref arguments are device pointers.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "FP4Dialect/Conversion/NVVMTarget.h"
#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
/// Lowers the vector ops that the interface-based vector-to-LLVM patterns of
/// the NVVM conversion do not handle: the 1-D transfers that remain after
/// full unrolling (to vector.load/store), n-D shape casts, broadcasts and
/// interleaves (as convert-vector-to-llvm does on the CPU).
struct LowerVectorTransfersPass
    : PassWrapper<LowerVectorTransfersPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerVectorTransfersPass)
  StringRef getArgument() const override { return "fp4-lower-vector-transfers"; }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorInterleaveLoweringPatterns(patterns);
    vector::populateVectorInsertExtractStridedSliceTransforms(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// arith-expand without its min/max expansion: NVIDIA chips have min.f32 /
/// max.f32 with the maxNum semantics of arith.maxnumf (the number wins over
/// a NaN), which the quantize kernels use to clear NaNs and saturate in one
/// instruction; arith-expand would turn each into a compare and two selects.
struct ExpandArithForNVVMPass
    : PassWrapper<ExpandArithForNVVMPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandArithForNVVMPass)
  StringRef getArgument() const override { return "fp4-expand-arith-for-nvvm"; }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateCeilFloorDivExpandOpsPatterns(patterns);
    arith::populateExpandF8E8M0Patterns(patterns);
    arith::populateExpandF4E2M1Patterns(patterns);
    arith::populateExpandScalingExtTruncPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Clones the constants each kernel uses into it and outlines the kernels
/// right away: folding hoists every constant to the function entry, and the
/// vector constants of the block kernels must not become kernel parameters
/// (they would exceed the 4 KiB parameter space). Outlined kernels are
/// isolated from above, so later folding keeps their constants inside.
struct SinkKernelConstantsPass
    : PassWrapper<SinkKernelConstantsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SinkKernelConstantsPass)
  StringRef getArgument() const override { return "fp4-sink-kernel-constants"; }
  void runOnOperation() override {
    getOperation().walk([](gpu::LaunchOp launch) {
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(launch.getBody(), captured);
      OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
      for (Value v : captured) {
        Operation *def = v.getDefiningOp();
        if (!def || !def->hasTrait<OpTrait::ConstantLike>())
          continue;
        Operation *clone = b.clone(*def);
        replaceAllUsesInRegionWith(v, clone->getResult(0), launch.getBody());
      }
    });
  }
};
} // namespace

/// The upstream `gpu-lower-to-nvvm-pipeline` (GPUToNVVMPipeline.cpp),
/// spelled out so that fp4-dump-kernels can run on the NVVM kernels right
/// before they are serialized.
static void buildGPUToNVVMPasses(OpPassManager &pm, StringRef chip,
                                 StringRef features, int optLevel,
                                 StringRef format, StringRef dumpDir,
                                 int64_t alignment) {
  // Common: NVGPU (TMA descriptors on the host), outlining, SCF, NVVM inline
  // PTX, func, memref, target attachment, arith, index.
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions target;
  target.triple = "nvptx64-nvidia-cuda";
  target.chip = chip.str();
  target.features = features.str();
  target.optLevel = optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  ConvertIndexToLLVMPassOptions index;
  index.indexBitwidth = 64;
  pm.addPass(createConvertIndexToLLVMPass(index));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Kernels: GPU and NVVM ops to LLVM.
  ConvertGpuOpsToNVVMOpsOptions gpuToNVVM;
  gpuToNVVM.indexBitwidth = 64;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(gpuToNVVM));
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
  fp4::FP4AssumeKernelAlignmentOptions align;
  align.alignment = alignment;
  pm.addNestedPass<gpu::GPUModuleOp>(fp4::createFP4AssumeKernelAlignment(align));
  pm.addNestedPass<gpu::GPUModuleOp>(fp4::createFP4WidenByteVectorAccesses());
  // Host: launches and the runtime ABI; kernels serialized.
  pm.addPass(createGpuToLLVMConversionPass());
  if (!dumpDir.empty()) {
    fp4::FP4DumpKernelsOptions dump;
    dump.dir = dumpDir.str();
    pm.addPass(fp4::createFP4DumpKernels(dump));
  }
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = format.str();
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::fp4::buildFP4LowerToNVVMPipeline(
    OpPassManager &pm, const FP4LowerToNVVMOptions &options) {
  // Chip, PTX version and (matmul=tcgen05) kernel shapes: diagnostics on the
  // fp4 ops before anything reaches NVPTX.
  FP4CheckTargetOptions check;
  check.chip = options.chip;
  check.features = options.features;
  check.matmul = options.matmul;
  pm.addPass(fp4::createFP4CheckTarget(check));
  if (!options.dumpKernelsTo.empty())
    pm.addPass(fp4::createFP4TagKernelOrigins());

  // NVIDIA chips expand the fp4 ops with what they have natively (the front
  // pipeline's convert-fp4-to-arith then finds nothing left): E2M1 converts
  // and tcgen05 on sm_100a-class chips, the E4M3 converts of the block scales
  // from sm_89 (Hopper included), and the Hadamard fused into the quantize
  // kernels everywhere. native-converts=false gives the emulated kernels.
  std::optional<NVVMTargetInfo> target =
      NVVMTargetInfo::get(options.chip, options.features);
  bool native = target &&
                (((target->hasE2M1Convert() || target->hasE4M3Convert()) &&
                  options.nativeConverts) ||
                 (target->hasE2M1Convert() && options.matmul != "emulated"));
  bool tcgen05 = target && target->hasTcgen05BlockScale() &&
                 (options.matmul == "auto" || options.matmul == "tcgen05");

  // fp4 contractions on bf16 tensor cores (mma.sync): fp4.matmul where the
  // chip has no tcgen05 kernel (or matmul=mma asks for it), W4A16 decode
  // contractions on every chip. Marked on tensors, built on buffers below.
  bool mmaKernels = options.matmul != "emulated" && options.matmul != "tcgen05";
  if (mmaKernels) {
    FP4MarkMmaMatmulsOptions mark;
    mark.gemm = !tcgen05;
    mark.required = options.matmul == "mma";
    mark.exactDequantize = options.exactDequantize;
    pm.addPass(fp4::createFP4MarkMmaMatmuls(mark));
  }
  if (native) {
    ConvertFP4ToNVVMOptions convert;
    convert.chip = options.chip;
    convert.features = options.features;
    convert.nativeConverts = options.nativeConverts;
    convert.matmul = options.matmul;
    convert.stages = options.stages;
    pm.addPass(fp4::createConvertFP4ToNVVM(convert));
  }

  buildFP4ExpandAndBufferizePipeline(pm);
  // The marked fp4 contractions, now on buffers, become tcgen05 kernels.
  if (tcgen05)
    pm.addNestedPass<func::FuncOp>(fp4::createFP4BuildTcgen05Kernels());
  // The marked contractions become mma.sync kernels.
  if (mmaKernels)
    pm.addNestedPass<func::FuncOp>(fp4::createFP4BuildMmaKernels());

  // Parallel loops (fp4 block loops, linalg ops) -> 1-D kernels.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  FP4ParallelLoopsToGPUOptions launch;
  launch.threadsPerBlock = options.threadsPerBlock;
  pm.addNestedPass<func::FuncOp>(fp4::createFP4ParallelLoopsToGPU(launch));
  pm.addNestedPass<func::FuncOp>(fp4::createFP4LegalizeGPUHost());
  VectorTransferToSCFOptions vectorToSCF;
  vectorToSCF.enableFullUnroll();
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(vectorToSCF));
  pm.addNestedPass<func::FuncOp>(std::make_unique<LowerVectorTransfersPass>());
  pm.addPass(std::make_unique<ExpandArithForNVVMPass>());
  pm.addPass(std::make_unique<SinkKernelConstantsPass>());
  pm.addPass(createGpuKernelOutliningPass());
  // The runtime ABI allocates, copies and launches on streams: make the host
  // GPU ops asynchronous (one chain per function, waited for before host
  // code reads results).
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  // Kernels -> NVVM -> PTX/cubin; host -> LLVM with mgpu* calls.
  std::string features = target ? target->features() : "+ptx80";
  buildGPUToNVVMPasses(pm, options.chip, features, options.optLevel,
                       options.format, options.dumpKernelsTo,
                       options.assumeAlignment);
}
