// --fp4-lower-to-nvvm="chip=sm_100a": the kernels' PTX uses the native E2M1
// (round-to-nearest-even and stochastic) and E4M3 conversions and the
// tcgen05 block-scaled MMA; sm_90a keeps the emulated kernels (integer and
// f32 code only), and sm_120a has the E2M1 conversions without cvt.rs or
// tcgen05.
// RUN: fp4-opt %s --fp4-lower-to-nvvm="chip=sm_100a format=isa" | FileCheck %s
// RUN: fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a format=isa" | FileCheck %s --check-prefix=SM90 --implicit-check-not=e2m1x2 --implicit-check-not=cvt.rs --implicit-check-not=tcgen05
// RUN: fp4-opt %s --fp4-lower-to-nvvm="chip=sm_120a format=isa" | FileCheck %s --check-prefix=SM120 --implicit-check-not=cvt.rs --implicit-check-not=tcgen05
// With native-converts=false and matmul=emulated, sm_100a gets sm_90a's kernels.
// RUN: fp4-opt %s --fp4-lower-to-nvvm="chip=sm_100a format=isa native-converts=false matmul=emulated" | FileCheck %s --check-prefix=EMUL --implicit-check-not=e2m1x2 --implicit-check-not=cvt.rs --implicit-check-not=tcgen05
// A full compile through ptxas (fatbin embedded in the host code).
// RUN: %if ptxas %{ fp4-opt %s --fp4-lower-to-nvvm="chip=sm_100a" | FileCheck %s --check-prefix=BIN %}

// CHECK-DAG: .target sm_100a
// CHECK-DAG: cvt.rn.satfinite.e2m1x2.f32
// CHECK-DAG: cvt.rs.satfinite.e2m1x4.f32
// CHECK-DAG: cvt.rn.satfinite.e4m3x2.f32
// CHECK-DAG: tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale.block16
// CHECK-DAG: tcgen05.cp.cta_group::1.32x128b.warpx4
// CHECK-DAG: cp.async.bulk.tensor.2d.shared::cta.global.tile.mbarrier::complete_tx::bytes
// CHECK-DAG: llvm.call @mgpuTensorMapEncodeTiledMemref

// SM90: .target sm_90a

// EMUL: .target sm_100a

// SM120: .target sm_120a
// SM120: cvt.rn.satfinite.e2m1x2.f32

// BIN: gpu.binary @mm_kernel
// BIN-SAME: #nvvm.target<O = 3, chip = "sm_100a", features = "+ptx88">

func.func @mm(%x: memref<128x256xf32>, %w: memref<128x256xf32>, %seed: i64, %c: memref<128x128xf32>) attributes {llvm.emit_c_interface} {
  %xt = bufferization.to_tensor %x restrict : memref<128x256xf32> to tensor<128x256xf32>
  %wt = bufferization.to_tensor %w restrict : memref<128x256xf32> to tensor<128x256xf32>
  %a = fp4.quantize %xt seed(%seed) : tensor<128x256xf32>, i64 -> !fp4.tensor<128x256, nvfp4>
  %b = fp4.quantize %wt : tensor<128x256xf32> -> !fp4.tensor<128x256, nvfp4>
  %r = fp4.matmul %a, %b : !fp4.tensor<128x256, nvfp4>, !fp4.tensor<128x256, nvfp4> -> tensor<128x128xf32>
  bufferization.materialize_in_destination %r in writable %c : (tensor<128x128xf32>, memref<128x128xf32>) -> ()
  return
}
