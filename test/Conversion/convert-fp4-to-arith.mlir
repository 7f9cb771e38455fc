// RUN: fp4-opt %s --convert-fp4-to-arith --split-input-file | FileCheck %s

// !fp4.tensor arguments and results split into codes, scales and alpha.
// CHECK-LABEL: func.func @signature
// CHECK-SAME: (%[[V:.+]]: tensor<4x32xi8>, %[[S:.+]]: tensor<4x4xf8E4M3FN>, %[[A:.+]]: f32, %[[MV:.+]]: tensor<2x8x32xi8>, %[[MS:.+]]: tensor<2x8x2xf8E8M0FNU>)
// CHECK-SAME: -> (tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32, tensor<2x8x2xf8E8M0FNU>)
// CHECK: return %[[V]], %[[S]], %[[A]], %[[MS]]
func.func @signature(%q: !fp4.tensor<4x64, nvfp4>, %m: !fp4.tensor<2x8x64, mxfp4>)
    -> (!fp4.tensor<4x64, nvfp4>, tensor<2x8x2xf8E8M0FNU>) {
  %s = fp4.scales %m : !fp4.tensor<2x8x64, mxfp4> -> tensor<2x8x2xf8E8M0FNU>
  return %q, %s : !fp4.tensor<4x64, nvfp4>, tensor<2x8x2xf8E8M0FNU>
}

// -----

// Quantize: the tensor amax as a tree of parallel stages (stage 0: one
// iteration per 16-chunk here, each looping over every 262144th chunk; then
// groups of 256, the last stage kept a loop by its GPU mapping), then a
// parallel loop over the 4x4 blocks that reads 16 lanes and inserts 8 packed
// bytes and one E4M3 scale.
// CHECK-LABEL: func.func @quantize
// CHECK-SAME: -> (tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32)
// CHECK: %[[CHUNKS:.+]] = scf.forall (%{{.+}}) in (16) {{.*}} -> (tensor<16xf32>)
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<4x64xbf16>, vector<16xbf16>
// CHECK: vector.reduction <maxnumf>
// CHECK: %[[TOTAL:.+]] = scf.forall (%{{.+}}) in (1) {{.*}} -> (tensor<1xf32>)
// CHECK: tensor.extract %[[CHUNKS]]
// CHECK: arith.maxnumf
// CHECK: {mapping = [#gpu.thread<x>]}
// CHECK: %[[AMAX:.+]] = tensor.extract %[[TOTAL]]
// CHECK: arith.divf %{{.+}}, %[[AMAX]] : f32
// CHECK: scf.forall (%{{.+}}, %{{.+}}) in (4, 4) shared_outs({{.*}}) -> (tensor<4x32xi8>, tensor<4x4xf8E4M3FN>)
// CHECK: vector.transfer_read {{.*}} : tensor<4x64xbf16>, vector<1x16xbf16>
// CHECK: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
// CHECK: vector.reduction <maxui>
// CHECK: vector.transfer_write {{.*}} : vector<1x8xi8>, tensor<1x8xi8>
// CHECK: arith.bitcast {{.*}} : i8 to f8E4M3FN
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice {{.*}} [1, 8] [1, 1] : tensor<1x8xi8> into tensor<4x32xi8>
// CHECK: tensor.parallel_insert_slice {{.*}} [1, 1] [1, 1] : tensor<1x1xf8E4M3FN> into tensor<4x4xf8E4M3FN>
func.func @quantize(%x: tensor<4x64xbf16>) -> !fp4.tensor<4x64, nvfp4> {
  %q = fp4.quantize %x {rule = #fp4.rule<four_over_six>} : tensor<4x64xbf16> -> !fp4.tensor<4x64, nvfp4>
  return %q : !fp4.tensor<4x64, nvfp4>
}

// -----

// An amax operand replaces the reduction; 16x16 blocks read 16x16 tiles of a
// rank-3 input viewed as 2-D.
// CHECK-LABEL: func.func @quantize_amax_2d
// CHECK: tensor.collapse_shape {{.*}} : tensor<2x32x64xf32> into tensor<64x64xf32>
// CHECK-NOT: tensor<64xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<64x64xf32>, vector<16x16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16x8xi8>, tensor<16x8xi8>
// CHECK: tensor.parallel_insert_slice {{.*}} [16, 8] [1, 1] : tensor<16x8xi8> into tensor<64x32xi8>
// CHECK: tensor.expand_shape {{.*}} : tensor<64x32xi8> into tensor<2x32x32xi8>
func.func @quantize_amax_2d(%x: tensor<2x32x64xf32>, %a: f32) -> !fp4.tensor<2x32x64, nvfp4, block = 16x16> {
  %q = fp4.quantize %x amax(%a) : tensor<2x32x64xf32>, f32 -> !fp4.tensor<2x32x64, nvfp4, block = 16x16>
  return %q : !fp4.tensor<2x32x64, nvfp4, block = 16x16>
}

// -----

// Stochastic rounding: SplitMix64 on the row-major element index.
// CHECK-LABEL: func.func @quantize_seed
// CHECK: arith.index_cast {{.*}} : index to i64
// CHECK: arith.muli {{.*}} : vector<32xi64>
// CHECK: arith.shrui {{.*}} : vector<32xi64>
// CHECK: arith.uitofp {{.*}} : vector<32xi32> to vector<32xf32>
// CHECK: tensor.parallel_insert_slice {{.*}} : tensor<1x1xf8E8M0FNU> into tensor<2x2xf8E8M0FNU>
func.func @quantize_seed(%x: tensor<2x64xf32>, %s: i64) -> !fp4.tensor<2x64, mxfp4> {
  %q = fp4.quantize %x seed(%s) : tensor<2x64xf32>, i64 -> !fp4.tensor<2x64, mxfp4>
  return %q : !fp4.tensor<2x64, mxfp4>
}

// -----

// Explicit scales pass through unchanged; only the codes are computed.
// CHECK-LABEL: func.func @quantize_scales
// CHECK-SAME: (%[[X:.+]]: tensor<4x64xf32>, %[[S:.+]]: tensor<4x4xf8E4M3FN>, %[[A:.+]]: f32)
// CHECK: %[[V:.+]] = scf.forall
// CHECK: tensor.extract %[[S]]
// CHECK: return %[[V]], %[[S]], %[[A]]
func.func @quantize_scales(%x: tensor<4x64xf32>, %s: tensor<4x4xf8E4M3FN>, %a: f32) -> !fp4.tensor<4x64, nvfp4> {
  %q = fp4.quantize %x scales(%s, %a) : tensor<4x64xf32>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %q : !fp4.tensor<4x64, nvfp4>
}

// -----

// Dequantize unpacks nibbles, decodes E2M1 and E4M3 with integer code and
// rounds to the result type.
// CHECK-LABEL: func.func @dequantize
// CHECK: vector.transfer_read {{.*}} : tensor<4x32xi8>, vector<1x8xi8>
// CHECK: vector.shuffle
// CHECK: arith.bitcast {{.*}} : f8E4M3FN to i8
// CHECK: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK: vector.transfer_write {{.*}} : vector<1x16xbf16>, tensor<1x16xbf16>
// CHECK: tensor.parallel_insert_slice {{.*}} : tensor<1x16xbf16> into tensor<4x64xbf16>
func.func @dequantize(%q: !fp4.tensor<4x64, nvfp4>) -> tensor<4x64xbf16> {
  %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xbf16>
  return %d : tensor<4x64xbf16>
}

// -----

// Hadamard: log2(n) butterfly stages of shuffles, adds and subtracts.
// CHECK-LABEL: func.func @hadamard
// CHECK: vector.transfer_read {{.*}} vector<1x32xf32>
// CHECK-COUNT-5: arith.subf {{.*}} : vector<16xf32>
// CHECK: arith.mulf {{.*}} : vector<32xf32>
func.func @hadamard(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %h = fp4.hadamard %x {size = 32} : tensor<2x64xf32>
  return %h : tensor<2x64xf32>
}

// -----

// Matmul dequantizes both operands to f32 and contracts over K with B
// transposed; a shared 2-D rhs is broadcast over the batch.
// CHECK-LABEL: func.func @matmul
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.truncf {{.*}} : f32 to bf16
func.func @matmul(%a: !fp4.tensor<3x4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4, block = 16x16>) -> tensor<3x4x32xbf16> {
  %c = fp4.matmul %a, %b : !fp4.tensor<3x4x64, nvfp4>, !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<3x4x32xbf16>
  return %c : tensor<3x4x32xbf16>
}

// -----

// scale_select computes only the scales (and alpha).
// CHECK-LABEL: func.func @scale_select
// CHECK-SAME: -> (tensor<4x4xf8E4M3FN>, f32)
// CHECK: scf.forall (%{{.+}}, %{{.+}}) in (4, 4)
// CHECK-NOT: vector.transfer_write
// CHECK: tensor.parallel_insert_slice {{.*}} : tensor<1x1xf8E4M3FN> into tensor<4x4xf8E4M3FN>
func.func @scale_select(%x: tensor<4x64xf32>) -> (tensor<4x4xf8E4M3FN>, f32) {
  %s, %a = fp4.scale_select %x {rule = #fp4.rule<four_over_six, absmax>} : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, f32
  return %s, %a : tensor<4x4xf8E4M3FN>, f32
}

// -----

// pack and the component ops are pure plumbing.
// CHECK-LABEL: func.func @components
// CHECK-SAME: (%[[V:.+]]: tensor<4x32xi8>, %[[S:.+]]: tensor<4x4xf8E4M3FN>, %[[A:.+]]: f32)
// CHECK-NEXT: return %[[V]], %[[S]], %[[A]]
func.func @components(%v: tensor<4x32xi8>, %s: tensor<4x4xf8E4M3FN>, %a: f32) -> (tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32) {
  %p = fp4.pack %v, %s, %a : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  %v2 = fp4.values %p : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s2 = fp4.scales %p : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %a2 = fp4.tensor_scale %p : !fp4.tensor<4x64, nvfp4> -> f32
  return %v2, %s2, %a2 : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32
}
