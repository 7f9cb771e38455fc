// A quantize + matmul program compiled for sm_100a: every kernel is dumped,
// assembled by ptxas -arch=sm_100a, and holds the native instructions
// (E2M1 conversions, stochastic-rounding conversions, the tcgen05
// block-scaled MMA for nvfp4 and for mxfp4).
// REQUIRES: ptxas
// RUN: rm -rf %t && fp4-opt %s --fp4-lower-to-nvvm="chip=sm_100a dump-kernels-to=%t" -o %t.mlir
// RUN: %python %S/check_kernels.py %t --ptxas %ptxas --arch sm_100a | FileCheck %s
// The same program compiles to a fatbin through the whole pipeline.
// RUN: FileCheck %s --input-file=%t.mlir --check-prefix=BIN

// CHECK: qmm.fp4.matmul.0: assembled
// CHECK: qmm.fp4.quantize.0: assembled
// CHECK: kernels: [[N:[0-9]+]]
// CHECK: count cvt.rn.satfinite.e2m1x2.f32: {{[1-9][0-9]*}}
// CHECK: count cvt.rs.satfinite.e2m1x4.f32: {{[1-9][0-9]*}}
// CHECK: count cvt.rn.satfinite.e4m3x2.f32: {{[1-9][0-9]*}}
// CHECK: count cvt.rn.f16x2.e2m1x2: {{[1-9][0-9]*}}
// CHECK: count cvt.rn.f16x2.e4m3x2: {{[1-9][0-9]*}}
// CHECK: count tcgen05.alloc: 2
// CHECK: count tcgen05.cp.cta_group::1.32x128b.warpx4: {{[1-9][0-9]*}}
// CHECK: count tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale: {{[1-9][0-9]*}}
// CHECK: count tcgen05.mma.cta_group::1.kind::mxf4.block_scale: {{[1-9][0-9]*}}
// CHECK: count tcgen05.commit: {{[1-9][0-9]*}}
// CHECK: count tcgen05.ld: {{[1-9][0-9]*}}
// CHECK: count tcgen05.dealloc: 2
// CHECK: count cp.async.bulk.tensor.2d: {{[1-9][0-9]*}}
// CHECK: count mbarrier.try_wait.parity: {{[1-9][0-9]*}}

// BIN: llvm.call @mgpuTensorMapEncodeTiledMemref
// BIN: gpu.binary @qmm_kernel
// BIN-SAME: #nvvm.target<O = 3, chip = "sm_100a", features = "+ptx88">

func.func @qmm(%x: memref<256x512xf32>, %w: memref<256x512xf32>, %seed: i64,
               %c: memref<256x256xf32>, %cm: memref<128x256xbf16>) attributes {llvm.emit_c_interface} {
  %xt = bufferization.to_tensor %x restrict : memref<256x512xf32> to tensor<256x512xf32>
  %wt = bufferization.to_tensor %w restrict : memref<256x512xf32> to tensor<256x512xf32>
  // NVFP4: stochastic rounding for the activations, 16x16 blocks for weights.
  %a = fp4.quantize %xt seed(%seed) {rule = #fp4.rule<four_over_six>} : tensor<256x512xf32>, i64 -> !fp4.tensor<256x512, nvfp4>
  %b = fp4.quantize %wt : tensor<256x512xf32> -> !fp4.tensor<256x512, nvfp4, block = 16x16>
  %r = fp4.matmul %a, %b : !fp4.tensor<256x512, nvfp4>, !fp4.tensor<256x512, nvfp4, block = 16x16> -> tensor<256x256xf32>
  bufferization.materialize_in_destination %r in writable %c : (tensor<256x256xf32>, memref<256x256xf32>) -> ()
  // MXFP4 with a bf16 result.
  %xs = tensor.extract_slice %xt[0, 0] [128, 256] [1, 1] : tensor<256x512xf32> to tensor<128x256xf32>
  %ws = tensor.extract_slice %wt[0, 256] [256, 256] [1, 1] : tensor<256x512xf32> to tensor<256x256xf32>
  %am = fp4.quantize %xs : tensor<128x256xf32> -> !fp4.tensor<128x256, mxfp4>
  %bm = fp4.quantize %ws : tensor<256x256xf32> -> !fp4.tensor<256x256, mxfp4>
  %rm = fp4.matmul %am, %bm : !fp4.tensor<128x256, mxfp4>, !fp4.tensor<256x256, mxfp4> -> tensor<128x256xbf16>
  bufferization.materialize_in_destination %rm in writable %cm : (tensor<128x256xbf16>, memref<128x256xbf16>) -> ()
  return
}
