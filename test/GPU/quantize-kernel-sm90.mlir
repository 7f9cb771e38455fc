// The sm_90a quantize kernel and its host code (issue "Hopper performance"):
// one thread per 16-element block reads its 32 bytes with two 16-byte loads,
// writes the 8 code bytes with one 8-byte store, converts the block scale
// with the E4M3 instruction Hopper has, and spills nothing; the host code
// allocates and copies nothing (the block loop writes the caller's buffers,
// the amax is read in the kernels, not on the host).
// REQUIRES: ptxas
// RUN: rm -rf %t && fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a dump-kernels-to=%t" -o %t.mlir
// RUN: FileCheck %s --input-file=%t/q.fp4.quantize.0.ptx
// RUN: FileCheck %s --input-file=%t.mlir --check-prefix=HOST
// RUN: %ptxas -arch=sm_90a -v %t/q.fp4.quantize.0.ptx -o %t/q.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS

// CHECK-NOT: ld.local
// CHECK-NOT: st.local
// CHECK-COUNT-2: ld.global.v4.b32
// CHECK: cvt.rn.satfinite.e4m3x2.f32
// CHECK: st.global.v2.b32
// CHECK-NOT: ld.local
// CHECK-NOT: st.local

// HOST-NOT: llvm.call @mgpuMemAlloc
// HOST-NOT: llvm.call @mgpuMemcpy
// HOST: gpu.launch_func
// HOST-NOT: llvm.call @mgpuMemAlloc
// HOST-NOT: llvm.call @mgpuMemcpy

// PTXAS: 0 bytes spill stores, 0 bytes spill loads

func.func @q(%x: memref<8192x8192xbf16>, %amax: memref<1xf32>, %values: memref<8192x4096xi8>, %scales: memref<8192x512xf8E4M3FN>, %alpha: memref<1xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %x_t = bufferization.to_tensor %x restrict : memref<8192x8192xbf16> to tensor<8192x8192xbf16>
  %a = memref.load %amax[%c0] : memref<1xf32>
  %q = fp4.quantize %x_t amax(%a) {rule = #fp4.rule<static6>} : tensor<8192x8192xbf16>, f32 -> !fp4.tensor<8192x8192, nvfp4>
  %v = fp4.values %q : !fp4.tensor<8192x8192, nvfp4> -> tensor<8192x4096xi8>
  %s = fp4.scales %q : !fp4.tensor<8192x8192, nvfp4> -> tensor<8192x512xf8E4M3FN>
  bufferization.materialize_in_destination %v in writable %values : (tensor<8192x4096xi8>, memref<8192x4096xi8>) -> ()
  bufferization.materialize_in_destination %s in writable %scales : (tensor<8192x512xf8E4M3FN>, memref<8192x512xf8E4M3FN>) -> ()
  %al = fp4.tensor_scale %q : !fp4.tensor<8192x8192, nvfp4> -> f32
  memref.store %al, %alpha[%c0] : memref<1xf32>
  return
}
