// The sm_90a path: fp4 ops become kernels whose PTX computes SPEC section 2
// with IEEE f32 operations only: every multiply/add/divide carries .rn (no
// contraction into FMA, no flush-to-zero), the division is div.rn.
// RUN: fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a format=isa" | FileCheck %s
// RUN: fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a format=isa" | not grep -E "fma\.rn\.f32|\.ftz|(mul|add|sub)\.f32 "
// A full compile through ptxas (fatbin embedded in the host code).
// RUN: %if ptxas %{ fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a" | FileCheck %s --check-prefix=BIN %}

// CHECK: gpu.launch_func <%{{.+}} : !llvm.ptr> @quant_kernel
// CHECK: llvm.call @mgpuMemAlloc
// CHECK: gpu.binary @quant_kernel
// CHECK-SAME: .target sm_90a
// CHECK-DAG: mul.rn.f32
// CHECK-DAG: div.rn.f32
// BIN: gpu.binary @quant_kernel {{.*}}#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
func.func @quant(%x: memref<64x64xf32>, %v: memref<64x32xi8>, %s: memref<64x4xf8E4M3FN>) attributes {llvm.emit_c_interface} {
  %xt = bufferization.to_tensor %x restrict : memref<64x64xf32> to tensor<64x64xf32>
  %q = fp4.quantize %xt {rule = #fp4.rule<four_over_six>} : tensor<64x64xf32> -> !fp4.tensor<64x64, nvfp4>
  %vt = fp4.values %q : !fp4.tensor<64x64, nvfp4> -> tensor<64x32xi8>
  %st = fp4.scales %q : !fp4.tensor<64x64, nvfp4> -> tensor<64x4xf8E4M3FN>
  bufferization.materialize_in_destination %vt in writable %v : (tensor<64x32xi8>, memref<64x32xi8>) -> ()
  bufferization.materialize_in_destination %st in writable %s : (tensor<64x4xf8E4M3FN>, memref<64x4xf8E4M3FN>) -> ()
  return
}
