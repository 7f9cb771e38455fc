// dump-kernels-to=DIR writes every kernel as PTX (and, when ptxas is found,
// as a cubin), named <function>.<fp4 op>.<n>, with an index of the kernel
// symbols and source locations. The IR itself is unchanged.
// RUN: rm -rf %t && fp4-opt %s --fp4-lower-to-nvvm="chip=sm_100a format=isa dump-kernels-to=%t" -o %t.mlir
// RUN: FileCheck %s --input-file=%t/kernels.txt
// RUN: FileCheck %s --input-file=%t/scale.fp4.matmul.0.ptx --check-prefix=MMA
// RUN: FileCheck %s --input-file=%t/scale.fp4.dequantize.0.ptx --check-prefix=DEQ
// sm_90a kernels are named the same way (the matmul: the mma.sync GEMM).
// RUN: rm -rf %t.90 && fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a format=isa dump-kernels-to=%t.90" -o /dev/null
// RUN: FileCheck %s --input-file=%t.90/kernels.txt --check-prefix=SM90

// CHECK: # name	kernel	chip	source	ptx	cubin
// CHECK: scale.fp4.quantize.0	scale_kernel::scale_kernel	sm_100a	{{.*}}dump-kernels.mlir:29:8	scale.fp4.quantize.0.ptx
// CHECK: scale.fp4.matmul.0	scale_kernel_{{[0-9]+}}::scale_kernel	sm_100a	{{.*}}dump-kernels.mlir:30:8	scale.fp4.matmul.0.ptx
// CHECK: scale.fp4.dequantize.0	{{.*}}	sm_100a	{{.*}}dump-kernels.mlir:32:9	scale.fp4.dequantize.0.ptx
// CHECK: scale.kernel.0	{{.*}}	sm_100a

// MMA: .target sm_100a
// MMA: tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale

// DEQ: .target sm_100a
// DEQ: cvt.rn.f16x2.e2m1x2

// SM90: scale.fp4.quantize.0	scale_kernel::scale_kernel	sm_90a
// SM90: scale.fp4.mma_gemm.0

func.func @scale(%x: memref<128x256xf32>, %c: memref<128x128xf32>, %d: memref<128x256xf32>) attributes {llvm.emit_c_interface} {
  %xt = bufferization.to_tensor %x restrict : memref<128x256xf32> to tensor<128x256xf32>
  %a = fp4.quantize %xt : tensor<128x256xf32> -> !fp4.tensor<128x256, nvfp4>
  %r = fp4.matmul %a, %a : !fp4.tensor<128x256, nvfp4>, !fp4.tensor<128x256, nvfp4> -> tensor<128x128xf32>
  bufferization.materialize_in_destination %r in writable %c : (tensor<128x128xf32>, memref<128x128xf32>) -> ()
  %dq = fp4.dequantize %a : !fp4.tensor<128x256, nvfp4> -> tensor<128x256xf32>
  // Not an fp4 op: its kernel is named "kernel".
  %e = tensor.empty() : tensor<128x256xf32>
  %neg = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%dq : tensor<128x256xf32>) outs(%e : tensor<128x256xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<128x256xf32>
  bufferization.materialize_in_destination %neg in writable %d : (tensor<128x256xf32>, memref<128x256xf32>) -> ()
  return
}
