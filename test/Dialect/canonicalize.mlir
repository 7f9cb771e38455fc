// RUN: fp4-opt %s -canonicalize -split-input-file | FileCheck %s

// The component ops of a pack forward the packed operand.

// CHECK-LABEL: func.func @values_of_pack(
// CHECK-SAME: %[[V:.+]]: tensor<4x32xi8>, %[[S:.+]]: tensor<4x4xf8E4M3FN>, %[[T:.+]]: f32)
// CHECK-NOT: = fp4.
// CHECK: return %[[V]] : tensor<4x32xi8>
func.func @values_of_pack(%v: tensor<4x32xi8>, %s: tensor<4x4xf8E4M3FN>, %t: f32) -> tensor<4x32xi8> {
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  %r = fp4.values %p : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  return %r : tensor<4x32xi8>
}

// -----

// CHECK-LABEL: func.func @scales_of_pack(
// CHECK-SAME: %[[V:.+]]: tensor<32x32xi8>, %[[S:.+]]: tensor<2x4xf8E4M3FN>, %[[T:.+]]: f32)
// CHECK-NOT: = fp4.
// CHECK: return %[[S]] : tensor<2x4xf8E4M3FN>
func.func @scales_of_pack(%v: tensor<32x32xi8>, %s: tensor<2x4xf8E4M3FN>, %t: f32) -> tensor<2x4xf8E4M3FN> {
  %p = fp4.pack %v, %s, %t : tensor<32x32xi8>, tensor<2x4xf8E4M3FN>, f32 -> !fp4.tensor<32x64, nvfp4, block = 16x16>
  %r = fp4.scales %p : !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<2x4xf8E4M3FN>
  return %r : tensor<2x4xf8E4M3FN>
}

// -----

// CHECK-LABEL: func.func @scales_of_pack_mxfp4(
// CHECK-SAME: %[[V:.+]]: tensor<2x4x32xi8>, %[[S:.+]]: tensor<2x4x2xf8E8M0FNU>)
// CHECK-NOT: = fp4.
// CHECK: return %[[V]], %[[S]] : tensor<2x4x32xi8>, tensor<2x4x2xf8E8M0FNU>
func.func @scales_of_pack_mxfp4(%v: tensor<2x4x32xi8>, %s: tensor<2x4x2xf8E8M0FNU>)
    -> (tensor<2x4x32xi8>, tensor<2x4x2xf8E8M0FNU>) {
  %p = fp4.pack %v, %s : tensor<2x4x32xi8>, tensor<2x4x2xf8E8M0FNU> -> !fp4.tensor<2x4x64, mxfp4>
  %rv = fp4.values %p : !fp4.tensor<2x4x64, mxfp4> -> tensor<2x4x32xi8>
  %rs = fp4.scales %p : !fp4.tensor<2x4x64, mxfp4> -> tensor<2x4x2xf8E8M0FNU>
  return %rv, %rs : tensor<2x4x32xi8>, tensor<2x4x2xf8E8M0FNU>
}

// -----

// CHECK-LABEL: func.func @tensor_scale_of_pack(
// CHECK-SAME: %[[V:.+]]: tensor<4x32xi8>, %[[S:.+]]: tensor<4x4xf8E4M3FN>, %[[T:.+]]: f32)
// CHECK-NOT: = fp4.
// CHECK: return %[[T]] : f32
func.func @tensor_scale_of_pack(%v: tensor<4x32xi8>, %s: tensor<4x4xf8E4M3FN>, %t: f32) -> f32 {
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  %r = fp4.tensor_scale %p : !fp4.tensor<4x64, nvfp4> -> f32
  return %r : f32
}

// -----

// A pack of the components of one tensor is that tensor.

// CHECK-LABEL: func.func @pack_of_components(
// CHECK-SAME: %[[Q:.+]]: !fp4.tensor<4x64, nvfp4>)
// CHECK-NOT: = fp4.
// CHECK: return %[[Q]] : !fp4.tensor<4x64, nvfp4>
func.func @pack_of_components(%q: !fp4.tensor<4x64, nvfp4>) -> !fp4.tensor<4x64, nvfp4> {
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %t = fp4.tensor_scale %q : !fp4.tensor<4x64, nvfp4> -> f32
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %p : !fp4.tensor<4x64, nvfp4>
}

// -----

// CHECK-LABEL: func.func @pack_of_components_16x16(
// CHECK-SAME: %[[Q:.+]]: !fp4.tensor<32x64, nvfp4, block = 16x16>)
// CHECK-NOT: = fp4.
// CHECK: return %[[Q]] : !fp4.tensor<32x64, nvfp4, block = 16x16>
func.func @pack_of_components_16x16(%q: !fp4.tensor<32x64, nvfp4, block = 16x16>) -> !fp4.tensor<32x64, nvfp4, block = 16x16> {
  %v = fp4.values %q : !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<32x32xi8>
  %s = fp4.scales %q : !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<2x4xf8E4M3FN>
  %t = fp4.tensor_scale %q : !fp4.tensor<32x64, nvfp4, block = 16x16> -> f32
  %p = fp4.pack %v, %s, %t : tensor<32x32xi8>, tensor<2x4xf8E4M3FN>, f32 -> !fp4.tensor<32x64, nvfp4, block = 16x16>
  return %p : !fp4.tensor<32x64, nvfp4, block = 16x16>
}

// -----

// CHECK-LABEL: func.func @pack_of_components_mxfp4(
// CHECK-SAME: %[[Q:.+]]: !fp4.tensor<64, mxfp4>)
// CHECK-NOT: = fp4.
// CHECK: return %[[Q]] : !fp4.tensor<64, mxfp4>
func.func @pack_of_components_mxfp4(%q: !fp4.tensor<64, mxfp4>) -> !fp4.tensor<64, mxfp4> {
  %v = fp4.values %q : !fp4.tensor<64, mxfp4> -> tensor<32xi8>
  %s = fp4.scales %q : !fp4.tensor<64, mxfp4> -> tensor<2xf8E8M0FNU>
  %p = fp4.pack %v, %s : tensor<32xi8>, tensor<2xf8E8M0FNU> -> !fp4.tensor<64, mxfp4>
  return %p : !fp4.tensor<64, mxfp4>
}

// -----

// The components of a quantized tensor, repacked, are the quantized tensor.

// CHECK-LABEL: func.func @pack_of_quantize_components(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>)
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] {rule = #fp4.rule<four_over_six>}
// CHECK-NOT: = fp4.
// CHECK: return %[[Q]] : !fp4.tensor<4x64, nvfp4>
func.func @pack_of_quantize_components(%x: tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4> {
  %q = fp4.quantize %x {rule = #fp4.rule<four_over_six>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %t = fp4.tensor_scale %q : !fp4.tensor<4x64, nvfp4> -> f32
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %p : !fp4.tensor<4x64, nvfp4>
}

// -----

// Unpacking a pack and packing again leaves the first pack only.

// CHECK-LABEL: func.func @repack(
// CHECK-SAME: %[[V:.+]]: tensor<4x32xi8>, %[[S:.+]]: tensor<4x4xf8E4M3FN>, %[[T:.+]]: f32)
// CHECK: %[[P:.+]] = fp4.pack %[[V]], %[[S]], %[[T]] : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
// CHECK-NOT: = fp4.
// CHECK: return %[[P]] : !fp4.tensor<4x64, nvfp4>
func.func @repack(%v: tensor<4x32xi8>, %s: tensor<4x4xf8E4M3FN>, %t: f32) -> !fp4.tensor<4x64, nvfp4> {
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  %v2 = fp4.values %p : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s2 = fp4.scales %p : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %t2 = fp4.tensor_scale %p : !fp4.tensor<4x64, nvfp4> -> f32
  %p2 = fp4.pack %v2, %s2, %t2 : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %p2 : !fp4.tensor<4x64, nvfp4>
}

// -----

// Negative cases: components of two different tensors are not folded.

// CHECK-LABEL: func.func @pack_values_scales_of_different_tensors(
// CHECK-SAME: %[[A:.+]]: !fp4.tensor<4x64, nvfp4>, %[[B:.+]]: !fp4.tensor<4x64, nvfp4>)
// CHECK-DAG: %[[V:.+]] = fp4.values %[[A]]
// CHECK-DAG: %[[S:.+]] = fp4.scales %[[B]]
// CHECK-DAG: %[[T:.+]] = fp4.tensor_scale %[[A]]
// CHECK: %[[P:.+]] = fp4.pack %[[V]], %[[S]], %[[T]]
// CHECK: return %[[P]]
func.func @pack_values_scales_of_different_tensors(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<4x64, nvfp4>) -> !fp4.tensor<4x64, nvfp4> {
  %v = fp4.values %a : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s = fp4.scales %b : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %t = fp4.tensor_scale %a : !fp4.tensor<4x64, nvfp4> -> f32
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %p : !fp4.tensor<4x64, nvfp4>
}

// -----

// CHECK-LABEL: func.func @pack_alpha_of_different_tensor(
// CHECK-SAME: %[[A:.+]]: !fp4.tensor<4x64, nvfp4>, %[[B:.+]]: !fp4.tensor<4x64, nvfp4>)
// CHECK-DAG: %[[V:.+]] = fp4.values %[[A]]
// CHECK-DAG: %[[S:.+]] = fp4.scales %[[A]]
// CHECK-DAG: %[[T:.+]] = fp4.tensor_scale %[[B]]
// CHECK: %[[P:.+]] = fp4.pack %[[V]], %[[S]], %[[T]]
// CHECK: return %[[P]]
func.func @pack_alpha_of_different_tensor(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<4x64, nvfp4>) -> !fp4.tensor<4x64, nvfp4> {
  %v = fp4.values %a : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s = fp4.scales %a : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %t = fp4.tensor_scale %b : !fp4.tensor<4x64, nvfp4> -> f32
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %p : !fp4.tensor<4x64, nvfp4>
}

// -----

// A new alpha makes a different tensor: not folded.

// CHECK-LABEL: func.func @pack_with_new_alpha(
// CHECK-SAME: %[[Q:.+]]: !fp4.tensor<4x64, nvfp4>, %[[T:.+]]: f32)
// CHECK-DAG: %[[V:.+]] = fp4.values %[[Q]]
// CHECK-DAG: %[[S:.+]] = fp4.scales %[[Q]]
// CHECK: %[[P:.+]] = fp4.pack %[[V]], %[[S]], %[[T]]
// CHECK: return %[[P]]
func.func @pack_with_new_alpha(%q: !fp4.tensor<4x64, nvfp4>, %t: f32) -> !fp4.tensor<4x64, nvfp4> {
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %p : !fp4.tensor<4x64, nvfp4>
}

// -----

// CHECK-LABEL: func.func @pack_mxfp4_of_different_tensors(
// CHECK-SAME: %[[A:.+]]: !fp4.tensor<4x64, mxfp4>, %[[B:.+]]: !fp4.tensor<4x64, mxfp4>)
// CHECK-DAG: %[[V:.+]] = fp4.values %[[B]]
// CHECK-DAG: %[[S:.+]] = fp4.scales %[[A]]
// CHECK: %[[P:.+]] = fp4.pack %[[V]], %[[S]]
// CHECK: return %[[P]]
func.func @pack_mxfp4_of_different_tensors(%a: !fp4.tensor<4x64, mxfp4>, %b: !fp4.tensor<4x64, mxfp4>) -> !fp4.tensor<4x64, mxfp4> {
  %v = fp4.values %b : !fp4.tensor<4x64, mxfp4> -> tensor<4x32xi8>
  %s = fp4.scales %a : !fp4.tensor<4x64, mxfp4> -> tensor<4x2xf8E8M0FNU>
  %p = fp4.pack %v, %s : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU> -> !fp4.tensor<4x64, mxfp4>
  return %p : !fp4.tensor<4x64, mxfp4>
}

// -----

// Components of something other than a pack are not folded.

// CHECK-LABEL: func.func @components_of_quantize(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>)
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]]
// CHECK-DAG: %[[V:.+]] = fp4.values %[[Q]]
// CHECK-DAG: %[[S:.+]] = fp4.scales %[[Q]]
// CHECK-DAG: %[[T:.+]] = fp4.tensor_scale %[[Q]]
// CHECK: return %[[V]], %[[S]], %[[T]]
func.func @components_of_quantize(%x: tensor<4x64xf32>) -> (tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32) {
  %q = fp4.quantize %x : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %t = fp4.tensor_scale %q : !fp4.tensor<4x64, nvfp4> -> f32
  return %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32
}
