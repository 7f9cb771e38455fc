//===- Passes.td - fp4 conversion passes -------------------*- tablegen -*-===//

#ifndef FP4DIALECT_CONVERSION_PASSES_TD
#define FP4DIALECT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertFP4ToArith : Pass<"convert-fp4-to-arith", "ModuleOp"> {
  let summary = "Expand fp4 ops into tensor, scf, vector and arith code";
  let description = [{
    Expands every fp4 op into target-independent IR that computes SPEC
    section 2 bit-exactly: parallel loops over blocks (`scf.forall` on
    tensors, one iteration per block, tiles inserted with
    `tensor.parallel_insert_slice`), the per-block numerics as
    `arith`/`vector` integer and f32 code (see `NumericsBuilder.h`), the
    tensor amax as two parallel stages (row maxima, then their maximum) and
    a `linalg.generic` contraction for `fp4.matmul`. The same output feeds
    the CPU pipeline (sequential loops) and the GPU pipelines (kernels).

    `!fp4.tensor` values are split into their components: packed codes
    (`tensor<...xi8>`), block scales (`tensor<...xf8E4M3FN>` or
    `tensor<...xf8E8M0FNU>`) and, for nvfp4, the f32 alpha. Function
    signatures, calls, returns and structured control flow (`scf`) carrying
    `!fp4.tensor` are converted accordingly (one fp4 argument becomes two or
    three).

    The output feeds upstream bufferization and lowering; `--fp4-lower-to-cpu`
    is the full pipeline for the CPU.

    Example:

    ```mlir
    %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xf32>
    ```
    becomes a loop nest whose body reads 8 bytes of codes and one scale,
    decodes them with integer ops and writes 16 f32 values.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def FP4ExpandF8Conversions : Pass<"fp4-expand-f8-conversions"> {
  let summary = "Expand arith.extf/truncf on f8E4M3FN into integer code";
  let description = [{
    LLVM has no E4M3 type, so `arith.extf` from and `arith.truncf` to
    `f8E4M3FN` (scalars and vectors) are rewritten with the E4M3 code of
    `NumericsBuilder`: `extf` decodes exactly; `truncf` rounds to
    nearest-even and, like APFloat (and so like constant folding), turns
    values beyond the E4M3 range (|v| > 464) and infinities into NaN. Lets a
    program print or compute with the block scales (`fp4.scales`) of NVFP4
    tensors. f8E8M0FNU and f4E2M1FN are covered by upstream `arith-expand`.

    Example:

    ```mlir
    %f = arith.extf %s : f8E4M3FN to f32
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def FP4ParallelLoopsToGPU : Pass<"fp4-parallel-loops-to-gpu", "func::FuncOp"> {
  let summary = "Map top-level scf.parallel loops to 1-D gpu.launch kernels";
  let description = [{
    Every `scf.parallel` that is not nested in another parallel loop or a
    `gpu.launch` becomes a `gpu.launch` with `threads-per-block` threads per
    block and enough blocks to cover the loop's iteration space: thread
    `blockIdx.x * threads + threadIdx.x` runs the iteration with that
    row-major linear index (iterations past the end do nothing). Nested
    parallel loops run sequentially inside the thread. Loops with reductions
    are left alone with a remark.

    This is how the fp4 block loops (`scf.forall`, one iteration per block)
    and linalg ops lowered to parallel loops become kernels on the GPU path.

    Example:

    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c4) step (%c1, %c1) { ... }
    // becomes
    gpu.launch blocks(...) in (%c1, %c1, %c1) threads(...) in (%c256, ...) {
      // %i, %j delinearized from the thread id, guarded by id < 256
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"threadsPerBlock", "threads-per-block", "int64_t", /*default=*/"256",
           "threads per block of the generated kernels">,
  ];
}

def FP4LegalizeGPUHost : Pass<"fp4-legalize-gpu-host", "func::FuncOp"> {
  let summary = "Make host code of the GPU path use device memory";
  let description = [{
    On the GPU path every buffer lives in device memory: function memref
    arguments are device pointers and kernels (`gpu.launch`) access buffers
    directly. This pass rewrites the host part of a function accordingly:

    * `memref.alloc`/`dealloc` become `gpu.alloc`/`gpu.dealloc`,
    * `memref.copy` becomes `gpu.memcpy`,
    * constants (`memref.get_global`) are copied to a device buffer where
      they are used,
    * a host `memref.load`/`memref.store` (e.g. reading the tensor amax that
      a kernel computed) goes through a one-thread kernel and a one-element
      `gpu.memcpy`.

    Run it after `fp4-parallel-loops-to-gpu` and before kernel outlining.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
}

def FP4CheckTarget : Pass<"fp4-check-target", "ModuleOp"> {
  let summary = "Reject GPU targets fp4 cannot compile for";
  let description = [{
    Emits an error (and fails) when `chip` is not a GPU that the fp4 GPU
    lowering supports, before anything reaches NVPTX: sm_90a/sm_90 (Hopper,
    emulated E2M1/E4M3/E8M0), sm_100a/sm_100/sm_103a and sm_120a (Blackwell,
    same emulated kernels today). The error names the chip and lists the
    supported ones.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "the target GPU">,
  ];
}

#endif // FP4DIALECT_CONVERSION_PASSES_TD
