// convert-fp4-to-nvvm: the block kernels use sm_100a's conversion
// instructions, an eligible fp4.matmul becomes the marked reference
// contraction of the tcgen05 kernel; sm_90a uses its E4M3 conversions for
// the block scales and emulates E2M1; native-converts=false keeps the
// emulated kernels.
// RUN: fp4-opt %s --convert-fp4-to-nvvm="chip=sm_100a" | FileCheck %s
// RUN: fp4-opt %s --convert-fp4-to-nvvm="chip=sm_100a native-converts=false matmul=emulated" | FileCheck %s --check-prefix=EMUL
// RUN: fp4-opt %s --convert-fp4-to-nvvm="chip=sm_90a" | FileCheck %s --check-prefix=SM90
// RUN: fp4-opt %s --convert-fp4-to-nvvm="chip=sm_120a" | FileCheck %s --check-prefix=SM120
// RUN: fp4-opt %s --convert-fp4-to-nvvm="chip=sm_100a features=+ptx86" | FileCheck %s --check-prefix=PTX86

// EMUL-NOT: nvvm.
// EMUL-NOT: fp4.tcgen05_matmul
// SM90: nvvm.convert.f32x2.to.f8x2
// SM90-NOT: nvvm.convert.f32x2.to.f4x2
// SM90-NOT: nvvm.convert.f32x4.to.f4x4
// SM90-NOT: fp4.tcgen05_matmul
// SM120-NOT: nvvm.convert.f32x4.to.f4x4
// SM120-NOT: fp4.tcgen05_matmul
// PTX86-NOT: nvvm.convert.f32x4.to.f4x4
// PTX86-NOT: fp4.tcgen05_matmul

// CHECK-LABEL: func.func @quantize_rne
// E4M3 scale (computed first): the instruction, then NaN -> 0x7F and
// Inf -> +-448 selected explicitly.
// CHECK:         nvvm.convert.f32x2.to.f8x2 %{{.+}}, %{{.+}} {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : vector<2xi8>(f8E4M3FN)
// CHECK:         arith.cmpi eq, %{{.+}}, %c2139095040_i32{{.*}} : i32
// E2M1 round-to-nearest-even: NaN lanes zeroed and lanes clamped to [-6, 6],
// pairs converted odd-first (the instruction puts %a in the high nibble,
// SPEC packs element 2j low), the input's sign bit ORed into every code.
// CHECK:         %[[NAN:.+]] = arith.cmpf uno, %[[Y:.+]], %[[Y]] : vector<16xf32>
// CHECK:         %[[Z:.+]] = arith.select %[[NAN]], %{{.+}}, %[[Y]] : vector<16xi1>, vector<16xf32>
// CHECK:         %[[LO:.+]] = arith.minimumf %[[Z]], %{{.+}} : vector<16xf32>
// CHECK:         %[[V:.+]] = arith.maximumf %[[LO]], %{{.+}} : vector<16xf32>
// CHECK:         %[[E0:.+]] = vector.extract %[[V]][0] : f32 from vector<16xf32>
// CHECK:         %[[E1:.+]] = vector.extract %[[V]][1] : f32 from vector<16xf32>
// CHECK:         nvvm.convert.f32x2.to.f4x2 %[[E1]], %[[E0]] : i8(f4E2M1FN)
// CHECK-COUNT-7: nvvm.convert.f32x2.to.f4x2
// CHECK:         vector.from_elements {{.*}} : vector<8xi8>
func.func @quantize_rne(%x: tensor<4x64xf32>) -> (tensor<4x32xi8>, tensor<4x4xf8E4M3FN>) {
  %q = fp4.quantize %x : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  return %v, %s : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>
}

// Stochastic rounding: four lanes {x3, x2, x1, x0} per instruction, the
// random-bit word built from the top byte of each element's SPEC 2.4 value.
// CHECK-LABEL: func.func @quantize_seed
// CHECK:         %[[Q:.+]] = vector.from_elements %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : vector<4xf32>
// CHECK:         arith.shrui %{{.+}}, %c16_i32 : i32
// CHECK:         nvvm.convert.f32x4.to.f4x4 %[[Q]], %{{.+}} : vector<4xf32> -> i16(f4E2M1FN)
// CHECK-COUNT-7: nvvm.convert.f32x4.to.f4x4
// MXFP4 scales stay emulated (UE8M0 has no exact instruction for mx_ceil).
// CHECK-NOT:     nvvm.convert.f32x2.to.f8x2
// CHECK:         return
func.func @quantize_seed(%x: tensor<4x64xf32>, %seed: i64) -> tensor<4x32xi8> {
  %q = fp4.quantize %x seed(%seed) : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, mxfp4>
  %v = fp4.values %q : !fp4.tensor<4x64, mxfp4> -> tensor<4x32xi8>
  return %v : tensor<4x32xi8>
}

// Dequantize: E2M1 and E4M3 decoded by the instructions (exact in f16).
// CHECK-LABEL: func.func @dequantize
// CHECK:         nvvm.convert.f4x2.to.f16x2 %{{.+}} : i8(f4E2M1FN) -> vector<2xf16>
// CHECK:         nvvm.convert.f8x2.to.f16x2 %{{.+}} : vector<2xi8>(f8E4M3FN) -> vector<2xf16>
func.func @dequantize(%q: !fp4.tensor<4x64, nvfp4>) -> tensor<4x64xf32> {
  %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xf32>
  return %d : tensor<4x64xf32>
}

// A matmul that fits the tcgen05 kernel: the reference contraction over the
// packed codes (one byte = elements 2j, 2j+1), scales and tensor scales,
// marked for fp4-build-tcgen05-kernels.
// CHECK-LABEL: func.func @matmul_tcgen05
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME:      ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<128x128xi8>, tensor<128x16xf8E4M3FN>, tensor<256x128xi8>, tensor<16x16xf8E4M3FN>, f32, f32)
// CHECK-SAME:      outs(%{{.+}} : tensor<128x256xf32>)
// CHECK-SAME:      attrs = {fp4.tcgen05_matmul = {block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 16 : i64, stages = 4 : i64}}
func.func @matmul_tcgen05(%a: !fp4.tensor<128x256, nvfp4>, %w: !fp4.tensor<256x256, nvfp4, block = 16x16>) -> tensor<128x256xf32> {
  %c = fp4.matmul %a, %w : !fp4.tensor<128x256, nvfp4>, !fp4.tensor<256x256, nvfp4, block = 16x16> -> tensor<128x256xf32>
  return %c : tensor<128x256xf32>
}

// A shape the kernel cannot tile keeps the emulated expansion (matmul=auto).
// CHECK-LABEL: func.func @matmul_small
// CHECK-NOT:     fp4.tcgen05_matmul
// CHECK:         return
func.func @matmul_small(%a: !fp4.tensor<4x64, mxfp4>, %w: !fp4.tensor<32x64, mxfp4>) -> tensor<4x32xf32> {
  %c = fp4.matmul %a, %w : !fp4.tensor<4x64, mxfp4>, !fp4.tensor<32x64, mxfp4> -> tensor<4x32xf32>
  return %c : tensor<4x32xf32>
}
