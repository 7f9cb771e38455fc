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
    "::mlir::gpu::GPUDialect",
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

def FP4AssumeKernelAlignment : Pass<"fp4-assume-kernel-alignment"> {
  let summary = "Tell kernels that the buffers they receive are aligned";
  let description = [{
    Marks every pointer parameter of every GPU kernel (`llvm.func` with
    `gpu.kernel`, i.e. after `convert-gpu-to-nvvm`) `llvm.align =
    <alignment>`. LLVM then knows that a block's 16 or 32 elements at a
    multiple of their size are 16-byte aligned and emits 16-byte vector loads
    and 8-byte stores instead of one access per element (NVPTX splits
    under-aligned vector accesses).

    This is part of the calling convention of functions compiled with
    `--fp4-lower-to-nvvm`: their memref arguments (both pointers of each
    descriptor) must be `alignment`-byte aligned. cudaMalloc, the fp4
    runtime's buffers and PyTorch allocations are 256-byte aligned; a tensor
    view at an odd offset is not. `gpu.alloc` buffers always are.

    Example:

    ```mlir
    llvm.func @k(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: i64) attributes {gpu.kernel}
    // becomes
    llvm.func @k(%arg0: !llvm.ptr {llvm.align = 16 : i64},
                 %arg1: !llvm.ptr {llvm.align = 16 : i64}, %arg2: i64) attributes {gpu.kernel}
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"16",
           "byte alignment assumed for every buffer a kernel receives "
           "(a power of two; 0 assumes nothing)">,
  ];
}

def FP4WidenByteVectorAccesses : Pass<"fp4-widen-byte-vector-accesses"> {
  let summary = "Access byte vectors in kernels as 32-bit words";
  let description = [{
    NVPTX splits a load or store of `vector<8xi8>` or `vector<16xi8>` (the
    packed E2M1 codes of one or two blocks) into one access per byte. This
    pass rewrites such LLVM-dialect loads and stores (4, 8 or 16 bytes) to
    `i32`, `vector<2xi32>` or `vector<4xi32>` with a bitcast, keeping the
    address and alignment; with the alignment LLVM derives from
    `fp4-assume-kernel-alignment`, they become one `st.global.v2.b32` etc.

    Example:

    ```mlir
    llvm.store %codes, %p {alignment = 1 : i64} : vector<8xi8>, !llvm.ptr
    // becomes
    %w = llvm.bitcast %codes : vector<8xi8> to vector<2xi32>
    llvm.store %w, %p {alignment = 1 : i64} : vector<2xi32>, !llvm.ptr
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
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
    * a host `memref.store` becomes a one-thread kernel;
    * host scalars that kernels use and that come from device memory (the
      tensor amax a kernel computed or the caller passed, the tensor scale
      computed from it) are recomputed inside those kernels: pure scalar ops
      and `memref.load`s of a buffer that nothing writes between the load
      and the kernel (function arguments are assumed not to alias) are
      cloned in, so no host synchronization is needed;
    * a host `memref.load` that is still needed on the host goes through a
      one-thread kernel and a one-element `gpu.memcpy`.

    Run it after `fp4-parallel-loops-to-gpu` and before kernel outlining.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
}

def FP4CheckTarget : Pass<"fp4-check-target", "ModuleOp"> {
  let summary = "Reject GPU targets and fp4 ops the chip cannot compile";
  let description = [{
    Runs first in `--fp4-lower-to-nvvm` and reports, as errors on the fp4
    ops, everything that would otherwise reach LLVM's NVPTX backend and abort
    it ("LLVM ERROR: Cannot select", "PTX version ... does not support
    target"):

    * `chip` is not a GPU the fp4 lowering supports (sm_90a, sm_90, sm_100a,
      sm_100, sm_103a, sm_120a);
    * `features` names an unknown PTX ISA version (`+ptxNN`) or one older
      than the chip needs (sm_100a: 8.6, sm_103a: 8.8, sm_120a: 8.7);
    * with `matmul=tcgen05`, an `fp4.matmul` that the tcgen05 block-scaled
      kernel cannot compute: a chip without tcgen05 (sm_100a only), a PTX
      ISA older than 8.8, or a shape outside the kernel's tiles (M and N
      multiples of 128, K a multiple of 256, no batch dimensions).

    Example:

    ```mlir
    // fp4-opt --fp4-check-target="chip=sm_100a matmul=tcgen05"
    // error: 'fp4.matmul' op tcgen05 kernel needs M to be a multiple of 128 (got 4)
    %c = fp4.matmul %a, %w : !fp4.tensor<4x256, nvfp4>,
        !fp4.tensor<128x256, nvfp4> -> tensor<4x128xf32>
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "the target GPU">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "LLVM NVPTX features, e.g. +ptx88 (empty: the chip's default)">,
    Option<"matmul", "matmul", "std::string", /*default=*/"\"auto\"",
           "fp4.matmul kernel: auto, tcgen05 (required; errors if it cannot "
           "be used) or emulated">,
  ];
}

def ConvertFP4ToNVVM : Pass<"convert-fp4-to-nvvm", "ModuleOp"> {
  let summary = "Expand fp4 ops for an NVIDIA chip with its native instructions";
  let description = [{
    `convert-fp4-to-arith` for a chip with native FP4 support
    (docs/blackwell.md). It applies the same patterns, with three
    target-specific changes:

    * the element conversions of the block kernels use the chip's
      instructions where they give SPEC section 2's bits (sm_100a:
      `nvvm.convert.f32x2.to.f4x2` for E2M1 round-to-nearest-even,
      `nvvm.convert.f32x2.to.f8x2` for E4M3, `nvvm.convert.f4x2.to.f16x2`
      and `nvvm.convert.f8x2.to.f16x2` for decoding) and, for stochastic
      rounding, `nvvm.convert.f32x4.to.f4x4` (held to SPEC 2.4's
      statistical properties);
    * an `fp4.matmul` the tcgen05 block-scaled kernel can compute
      (`kind::mxf4nvf4` for nvfp4, `kind::mxf4` for mxfp4; chip with
      tcgen05, shape fitting its tiles) becomes a reference `linalg.generic`
      over the packed components marked `fp4.tcgen05_matmul`, which
      `fp4-build-tcgen05-kernels` turns into the kernel after bufferization
      (`matmul=auto`); with `matmul=tcgen05` a matmul that cannot use the
      kernel is an error, with `matmul=emulated` none uses it;
    * an `fp4.hadamard` whose only use is an `fp4.quantize` is computed
      inside the quantize kernels instead of being materialized.

    With `native-converts=false` the numerics are the emulated ones of the
    sm_90a path. Ops the chip has no instruction for keep the emulated
    expansion.

    Example:

    ```mlir
    // fp4-opt --convert-fp4-to-nvvm="chip=sm_100a"
    %q = fp4.quantize %x : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
    // the block loop encodes pairs with
    //   %b = nvvm.convert.f32x2.to.f4x2 %odd, %even : i8(f4E2M1FN)
    ```

    The NVVM conversion ops it emits are registered as free of memory
    effects (they convert registers), which buffer deallocation requires.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_100a\"",
           "the target GPU">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "LLVM NVPTX features, e.g. +ptx88 (empty: the chip's default)">,
    Option<"nativeConverts", "native-converts", "bool", /*default=*/"true",
           "use the chip's E2M1/E4M3 conversion instructions">,
    Option<"matmul", "matmul", "std::string", /*default=*/"\"auto\"",
           "fp4.matmul kernel: auto, tcgen05 or emulated">,
    Option<"stages", "stages", "int64_t", /*default=*/"4",
           "pipeline depth (shared-memory stages) of the tcgen05 matmul">,
    Option<"fuseHadamard", "fuse-hadamard", "bool", /*default=*/"true",
           "compute an fp4.hadamard inside the fp4.quantize that consumes it">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def FP4TagKernelOrigins : Pass<"fp4-tag-kernel-origins", "ModuleOp"> {
  let summary = "Record in each fp4 op's location which op it is";
  let description = [{
    Wraps the location of every fp4 op in a `FusedLoc` whose metadata is the
    op name (`"fp4.quantize"`). The lowerings give every op they create the
    location of the fp4 op they expand, so the GPU kernels outlined later
    keep it and `fp4-dump-kernels` can name each kernel after the fp4 op it
    came from. Diagnostics still point at the original location.

    Example:

    ```mlir
    %q = fp4.quantize %x : ... loc("model.mlir":3:8)
    // becomes
    %q = fp4.quantize %x : ... loc(fused<"fp4.quantize">["model.mlir":3:8])
    ```
  }];
}

def FP4BuildTcgen05Kernels : Pass<"fp4-build-tcgen05-kernels", "func::FuncOp"> {
  let summary = "Replace marked fp4 contractions by the tcgen05 matmul kernel";
  let description = [{
    `convert-fp4-to-nvvm` lowers an `fp4.matmul` that fits the sm_100a
    tcgen05 kernel to a reference `linalg.generic` over the packed codes,
    the scales and the tensor scales (it decodes and accumulates exactly
    like the emulated path) marked with `fp4.tcgen05_matmul`. After
    bufferization and buffer deallocation, this pass replaces every marked
    contraction on buffers by the kernel: two TMA descriptors created on the
    host (`nvgpu.tma.create.descriptor`, 128 x 128-byte boxes, 128-byte
    swizzle) and a `gpu.launch` (one 128-thread CTA per 128 x 128 tile of
    the result) whose body is the kernel in the NVVM dialect:
    `nvvm.tcgen05.alloc`, `nvvm.cp.async.bulk.tensor` + mbarriers in a ring
    of shared-memory stages, `nvvm.tcgen05.cp` of the block scales,
    `nvvm.tcgen05.mma.block_scale` (`kind::mxf4nvf4` / `kind::mxf4`),
    `nvvm.tcgen05.commit`, `nvvm.tcgen05.ld`, `nvvm.tcgen05.dealloc`.

    A marked contraction the pass does not see (e.g. on the CPU) still
    computes the right result, as a plain loop nest.

    Example:

    ```mlir
    linalg.generic {..., fp4.tcgen05_matmul = {block_cols = 16, ...}}
        ins(%a_codes, %a_scales, %b_codes, %b_scales, %alpha_a, %alpha_b : ...)
        outs(%c : memref<256x256xf32>)
    // becomes
    %d = nvgpu.tma.create.descriptor ...
    gpu.launch blocks(...) in (%2, %2, %1) threads(...) in (%c128, ...)
        dynamic_shared_memory_size %c148736 { ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def FP4MarkMmaMatmuls : Pass<"fp4-mark-mma-matmuls", "ModuleOp"> {
  let summary = "Mark fp4 contractions for the mma.sync kernels (sm_80+, sm_90a)";
  let description = [{
    The first step of the tensor-core lowering for chips without FP4 MMA
    (docs/hopper-matmul.md). Runs on tensors before `convert-fp4-to-arith`
    and rewrites

    * each `fp4.matmul` (W4A4) that the GEMM kernel can compute (2-D, M and
      N multiples of 128, K a multiple of 64 for nvfp4 and of 128 for
      mxfp4; 1x16 / 1x32 blocks, 16x16 nvfp4 blocks on the right-hand
      side), and
    * each W4A16 decode contraction: a `linalg.generic` or `linalg.matmul`
      with the maps (m, k), (n, k) -> (m, n) and the body
      `acc + extf(a) * extf(w)`, where `a` is a bf16 M x K tensor with
      M <= 16, the accumulator f32 and `w` an `fp4.dequantize` (to bf16 or
      f32) of an N x K nvfp4/mxfp4 tensor, N a multiple of 16 and K a
      multiple of 128,

    into a reference `linalg.generic` over the packed components of the fp4
    operands (`fp4.values`, `fp4.scales`, `fp4.tensor_scale`) that decodes
    and accumulates like the IR it replaces, marked `fp4.mma_matmul`.
    `fp4-build-mma-kernels` replaces the marked contractions by kernels once
    they operate on buffers. Everything else is left to the emulated
    lowering.

    With `exact-dequantize` (default) a decode contraction over nvfp4
    weights dequantized to bf16 keeps the rounding of every weight to bf16
    (the kernel reproduces it); without, the kernel uses the exact weights
    (x * sf, multiplied by alpha in the epilogue), i.e. the intermediate
    rounding is contracted away like a multiply-add into an FMA.

    Example:

    ```mlir
    %w = fp4.dequantize %q : !fp4.tensor<256x512, nvfp4> -> tensor<256x512xbf16>
    %c = linalg.generic {indexing_maps = [(m, n, k) -> (m, k), (m, n, k) -> (n, k),
                                          (m, n, k) -> (m, n)], ...}
        ins(%x, %w : tensor<16x512xbf16>, tensor<256x512xbf16>) outs(%f : tensor<16x256xf32>)
    // becomes
    %v = fp4.values %q ...
    %s = fp4.scales %q ...
    %t = fp4.tensor_scale %q ...
    %c = linalg.generic {..., fp4.mma_matmul = {kind = "decode", block_cols = 16 : i64, ...}}
        ins(%x, %v, %s, %t : ...) outs(%f : tensor<16x256xf32>)
    ```
  }];
  let options = [
    Option<"gemm", "gemm", "bool", /*default=*/"true",
           "mark fp4.matmul for the GEMM kernel">,
    Option<"decode", "decode", "bool", /*default=*/"true",
           "mark W4A16 decode contractions for the small-M kernel">,
    Option<"exactDequantize", "exact-dequantize", "bool", /*default=*/"true",
           "reproduce the bf16 rounding of dequantized nvfp4 weights in "
           "decode contractions">,
    Option<"required", "required", "bool", /*default=*/"false",
           "report an error for every fp4.matmul the GEMM kernel cannot "
           "compute">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FP4BuildMmaKernels : Pass<"fp4-build-mma-kernels", "func::FuncOp"> {
  let summary = "Replace marked fp4 contractions by mma.sync kernels";
  let description = [{
    The second step of the tensor-core lowering for chips without FP4 MMA
    (docs/hopper-matmul.md). Every contraction on buffers marked
    `fp4.mma_matmul` by `fp4-mark-mma-matmuls` becomes a `gpu.launch` whose
    body dequantizes E2M1 codes to bf16 in registers (exact: code x block
    scale has at most 6 significant bits) and multiplies with
    `nvvm.mma.sync` m16n8k16 (bf16 operands, f32 accumulation):

    * `kind = "decode"` (W4A16, M <= 16): weights are the MMA's A operand
      (16 rows per warp, 16-byte code loads per lane), the activations its
      B operand (8 columns per MMA), staged per 128-value K step in shared
      memory with cp.async; CTAs split K and add their partial sums into C
      (`memref.atomic_rmw addf` when K is split);
    * `kind = "gemm"` (W4A4): a CTA of 8 warps per 128 x 128 tile of C,
      codes and scales of 64-value K tiles in a ring of cp.async stages,
      each warp a 64 x 32 tile (4 x 4 MMAs per 16 values of K); the tensor
      scales multiply the accumulator in the epilogue.

    Both kernels permute K consistently in the two operands (each lane reads
    contiguous code bytes) so that no shuffles are needed on the fp4 side.
    A marked contraction that does not fit (not on contiguous buffers)
    stays a loop nest with a warning; it computes the same result.

    Example:

    ```mlir
    linalg.generic {..., fp4.mma_matmul = {kind = "decode", ...}}
        ins(%x, %codes, %scales, %alpha : memref<16x8192xbf16>, ...) outs(%c : memref<16x8192xf32>)
    // becomes
    gpu.launch blocks(...) in (%c64, %c4, %c1) threads(...) in (%c256, %c1, %c1)
        dynamic_shared_memory_size %c8192_i32 {
      ... nvvm.cp.async.shared.global ... llvm.load ... : !llvm.ptr<1> -> vector<4xi32>
      ... nvvm.mma.sync A[...] B[...] C[...] ...
      ... memref.atomic_rmw addf ...
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def FP4DumpKernels : Pass<"fp4-dump-kernels", "ModuleOp"> {
  let summary = "Write every GPU kernel as PTX (and cubin) into a directory";
  let description = [{
    For every `gpu.module` with an `#nvvm.target` whose body is in the LLVM
    dialect (after `convert-gpu-to-nvvm`, before `gpu-module-to-binary`),
    serializes the module to PTX and writes
    `DIR/<function>.<fp4 op>.<n>.ptx`, named after the fp4 op its kernel came
    from (`fp4-tag-kernel-origins`; `kernel` for other code) and numbered in
    order within the function; with ptxas available (the CUDA toolkit of the
    target), also the `.cubin`. `DIR/kernels.txt` lists, per kernel, the
    files, the kernel symbol and the source location. The IR is unchanged.

    Example: `--fp4-lower-to-nvvm="chip=sm_100a dump-kernels-to=out"` writes
    `out/mm.fp4.quantize.0.ptx`, ..., `out/mm.fp4.matmul.0.cubin`.
  }];
  let options = [
    Option<"dir", "dir", "std::string", /*default=*/"\"\"",
           "directory for the kernels (created if missing)">,
    Option<"cubin", "cubin", "bool", /*default=*/"true",
           "also assemble each kernel with ptxas when it is found">,
  ];
}

#endif // FP4DIALECT_CONVERSION_PASSES_TD
