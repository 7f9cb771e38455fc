// RUN: fp4-opt %s | fp4-opt | FileCheck %s
// RUN: fp4-opt %s -mlir-print-op-generic | fp4-opt | FileCheck %s

// Round trip of every fp4 op and every form of SPEC section 3, in the custom
// and in the generic form.

//===----------------------------------------------------------------------===//
// !fp4.tensor and #fp4.rule printing
//===----------------------------------------------------------------------===//

// The default block of the format is elided, 16x16 is printed.
// CHECK-LABEL: func.func private @types(
// CHECK-SAME: !fp4.tensor<4x64, nvfp4>,
// CHECK-SAME: !fp4.tensor<4x64, nvfp4>,
// CHECK-SAME: !fp4.tensor<64x64, nvfp4, block = 16x16>,
// CHECK-SAME: !fp4.tensor<4x64, mxfp4>,
// CHECK-SAME: !fp4.tensor<4x64, mxfp4>,
// CHECK-SAME: !fp4.tensor<16, nvfp4>,
// CHECK-SAME: !fp4.tensor<2x8x64, mxfp4>,
// CHECK-SAME: !fp4.tensor<3x32x16, nvfp4, block = 16x16>)
func.func private @types(!fp4.tensor<4x64, nvfp4>,
                         !fp4.tensor<4x64, nvfp4, block = 1x16>,
                         !fp4.tensor<64x64, nvfp4, block = 16x16>,
                         !fp4.tensor<4x64, mxfp4>,
                         !fp4.tensor<4x64, mxfp4, block = 1x32>,
                         !fp4.tensor<16, nvfp4>,
                         !fp4.tensor<2x8x64, mxfp4>,
                         !fp4.tensor<3x32x16, nvfp4, block = 16x16>)

// The default metric (mse) of four_over_six is elided, the others are printed.
// CHECK-LABEL: func.func private @rules()
// CHECK-SAME: a = #fp4.rule<static6>
// CHECK-SAME: b = #fp4.rule<static4>
// CHECK-SAME: c = #fp4.rule<four_over_six>
// CHECK-SAME: d = #fp4.rule<four_over_six>
// CHECK-SAME: e = #fp4.rule<four_over_six, mae>
// CHECK-SAME: f = #fp4.rule<four_over_six, absmax>
// CHECK-SAME: g = #fp4.rule<mx_ceil>
// CHECK-SAME: h = #fp4.rule<mx_floor>
func.func private @rules() attributes {
  a = #fp4.rule<static6>, b = #fp4.rule<static4>,
  c = #fp4.rule<four_over_six>, d = #fp4.rule<four_over_six, mse>,
  e = #fp4.rule<four_over_six, mae>, f = #fp4.rule<four_over_six, absmax>,
  g = #fp4.rule<mx_ceil>, h = #fp4.rule<mx_floor>}

//===----------------------------------------------------------------------===//
// fp4.quantize
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @quantize_plain(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>)
// CHECK: %[[N:.+]] = fp4.quantize %[[X]] : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
// CHECK: %[[M:.+]] = fp4.quantize %[[X]] : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
// CHECK: return %[[N]], %[[M]]
func.func @quantize_plain(%x: tensor<4x64xf32>)
    -> (!fp4.tensor<4x64, nvfp4>, !fp4.tensor<4x64, mxfp4>) {
  %n = fp4.quantize %x : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %m = fp4.quantize %x : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
  return %n, %m : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<4x64, mxfp4>
}

// CHECK-LABEL: func.func @quantize_rules(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>)
// CHECK: fp4.quantize %[[X]] {rule = #fp4.rule<static6>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
// CHECK: fp4.quantize %[[X]] {rule = #fp4.rule<static4>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
// CHECK: fp4.quantize %[[X]] {rule = #fp4.rule<four_over_six>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
// CHECK: fp4.quantize %[[X]] {rule = #fp4.rule<four_over_six>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
// CHECK: fp4.quantize %[[X]] {rule = #fp4.rule<four_over_six, mae>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
// CHECK: fp4.quantize %[[X]] {rule = #fp4.rule<four_over_six, absmax>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
// CHECK: fp4.quantize %[[X]] {rule = #fp4.rule<mx_ceil>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
// CHECK: fp4.quantize %[[X]] {rule = #fp4.rule<mx_floor>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
func.func @quantize_rules(%x: tensor<4x64xf32>) {
  %0 = fp4.quantize %x {rule = #fp4.rule<static6>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %1 = fp4.quantize %x {rule = #fp4.rule<static4>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %2 = fp4.quantize %x {rule = #fp4.rule<four_over_six>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %3 = fp4.quantize %x {rule = #fp4.rule<four_over_six, mse>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %4 = fp4.quantize %x {rule = #fp4.rule<four_over_six, mae>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %5 = fp4.quantize %x {rule = #fp4.rule<four_over_six, absmax>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  %6 = fp4.quantize %x {rule = #fp4.rule<mx_ceil>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
  %7 = fp4.quantize %x {rule = #fp4.rule<mx_floor>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
  return
}

// CHECK-LABEL: func.func @quantize_amax(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xbf16>, %[[A:.+]]: f32)
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] amax(%[[A]]) {rule = #fp4.rule<static6>} : tensor<4x64xbf16>, f32 -> !fp4.tensor<4x64, nvfp4>
// CHECK: return %[[Q]]
func.func @quantize_amax(%x: tensor<4x64xbf16>, %a: f32) -> !fp4.tensor<4x64, nvfp4> {
  %q = fp4.quantize %x amax(%a) {rule = #fp4.rule<static6>} : tensor<4x64xbf16>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %q : !fp4.tensor<4x64, nvfp4>
}

// CHECK-LABEL: func.func @quantize_seed(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>, %[[S:.+]]: i64)
// CHECK: %[[M:.+]] = fp4.quantize %[[X]] seed(%[[S]]) {rule = #fp4.rule<mx_ceil>} : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, mxfp4>
// CHECK: %[[N:.+]] = fp4.quantize %[[X]] seed(%[[S]]) : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, nvfp4>
// CHECK: return %[[M]], %[[N]]
func.func @quantize_seed(%x: tensor<4x64xf32>, %s: i64)
    -> (!fp4.tensor<4x64, mxfp4>, !fp4.tensor<4x64, nvfp4>) {
  %m = fp4.quantize %x seed(%s) {rule = #fp4.rule<mx_ceil>} : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, mxfp4>
  %n = fp4.quantize %x seed(%s) : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, nvfp4>
  return %m, %n : !fp4.tensor<4x64, mxfp4>, !fp4.tensor<4x64, nvfp4>
}

// CHECK-LABEL: func.func @quantize_amax_seed(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf16>, %[[A:.+]]: f32, %[[S:.+]]: i64)
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] amax(%[[A]]) seed(%[[S]]) {rule = #fp4.rule<four_over_six, absmax>} : tensor<4x64xf16>, f32, i64 -> !fp4.tensor<4x64, nvfp4>
// CHECK: return %[[Q]]
func.func @quantize_amax_seed(%x: tensor<4x64xf16>, %a: f32, %s: i64) -> !fp4.tensor<4x64, nvfp4> {
  %q = fp4.quantize %x amax(%a) seed(%s) {rule = #fp4.rule<four_over_six, absmax>} : tensor<4x64xf16>, f32, i64 -> !fp4.tensor<4x64, nvfp4>
  return %q : !fp4.tensor<4x64, nvfp4>
}

// CHECK-LABEL: func.func @quantize_scales_nvfp4(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>, %[[SC:.+]]: tensor<4x4xf8E4M3FN>, %[[AL:.+]]: f32)
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] scales(%[[SC]], %[[AL]]) : tensor<4x64xf32>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
// CHECK: return %[[Q]]
func.func @quantize_scales_nvfp4(%x: tensor<4x64xf32>, %sc: tensor<4x4xf8E4M3FN>, %al: f32) -> !fp4.tensor<4x64, nvfp4> {
  %q = fp4.quantize %x scales(%sc, %al) : tensor<4x64xf32>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %q : !fp4.tensor<4x64, nvfp4>
}

// CHECK-LABEL: func.func @quantize_scales_mxfp4(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>, %[[SC:.+]]: tensor<4x2xf8E8M0FNU>)
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] scales(%[[SC]]) : tensor<4x64xf32>, tensor<4x2xf8E8M0FNU> -> !fp4.tensor<4x64, mxfp4>
// CHECK: return %[[Q]]
func.func @quantize_scales_mxfp4(%x: tensor<4x64xf32>, %sc: tensor<4x2xf8E8M0FNU>) -> !fp4.tensor<4x64, mxfp4> {
  %q = fp4.quantize %x scales(%sc) : tensor<4x64xf32>, tensor<4x2xf8E8M0FNU> -> !fp4.tensor<4x64, mxfp4>
  return %q : !fp4.tensor<4x64, mxfp4>
}

// CHECK-LABEL: func.func @quantize_seed_scales(
// CHECK-SAME: %[[X:.+]]: tensor<32x64xbf16>, %[[S:.+]]: i64, %[[SC:.+]]: tensor<2x4xf8E4M3FN>, %[[AL:.+]]: f32)
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] seed(%[[S]]) scales(%[[SC]], %[[AL]]) : tensor<32x64xbf16>, i64, tensor<2x4xf8E4M3FN>, f32 -> !fp4.tensor<32x64, nvfp4, block = 16x16>
// CHECK: return %[[Q]]
func.func @quantize_seed_scales(%x: tensor<32x64xbf16>, %s: i64, %sc: tensor<2x4xf8E4M3FN>, %al: f32)
    -> !fp4.tensor<32x64, nvfp4, block = 16x16> {
  %q = fp4.quantize %x seed(%s) scales(%sc, %al) : tensor<32x64xbf16>, i64, tensor<2x4xf8E4M3FN>, f32 -> !fp4.tensor<32x64, nvfp4, block = 16x16>
  return %q : !fp4.tensor<32x64, nvfp4, block = 16x16>
}

// CHECK-LABEL: func.func @quantize_block_16x16(
// CHECK-SAME: %[[W:.+]]: tensor<64x64xbf16>)
// CHECK: %[[Q:.+]] = fp4.quantize %[[W]] {rule = #fp4.rule<four_over_six>} : tensor<64x64xbf16> -> !fp4.tensor<64x64, nvfp4, block = 16x16>
// CHECK: return %[[Q]]
func.func @quantize_block_16x16(%w: tensor<64x64xbf16>) -> !fp4.tensor<64x64, nvfp4, block = 16x16> {
  %q = fp4.quantize %w {rule = #fp4.rule<four_over_six>} : tensor<64x64xbf16> -> !fp4.tensor<64x64, nvfp4, block = 16x16>
  return %q : !fp4.tensor<64x64, nvfp4, block = 16x16>
}

// CHECK-LABEL: func.func @quantize_ranks(
// CHECK-SAME: %[[X1:.+]]: tensor<32xf16>, %[[X3:.+]]: tensor<2x16x64xf32>)
// CHECK: %[[A:.+]] = fp4.quantize %[[X1]] : tensor<32xf16> -> !fp4.tensor<32, nvfp4>
// CHECK: %[[B:.+]] = fp4.quantize %[[X1]] {rule = #fp4.rule<mx_floor>} : tensor<32xf16> -> !fp4.tensor<32, mxfp4>
// CHECK: %[[C:.+]] = fp4.quantize %[[X3]] : tensor<2x16x64xf32> -> !fp4.tensor<2x16x64, nvfp4, block = 16x16>
// CHECK: %[[D:.+]] = fp4.quantize %[[X3]] : tensor<2x16x64xf32> -> !fp4.tensor<2x16x64, mxfp4>
// CHECK: return %[[A]], %[[B]], %[[C]], %[[D]]
func.func @quantize_ranks(%x1: tensor<32xf16>, %x3: tensor<2x16x64xf32>)
    -> (!fp4.tensor<32, nvfp4>, !fp4.tensor<32, mxfp4>,
        !fp4.tensor<2x16x64, nvfp4, block = 16x16>, !fp4.tensor<2x16x64, mxfp4>) {
  %a = fp4.quantize %x1 : tensor<32xf16> -> !fp4.tensor<32, nvfp4>
  %b = fp4.quantize %x1 {rule = #fp4.rule<mx_floor>} : tensor<32xf16> -> !fp4.tensor<32, mxfp4>
  %c = fp4.quantize %x3 : tensor<2x16x64xf32> -> !fp4.tensor<2x16x64, nvfp4, block = 16x16>
  %d = fp4.quantize %x3 : tensor<2x16x64xf32> -> !fp4.tensor<2x16x64, mxfp4>
  return %a, %b, %c, %d : !fp4.tensor<32, nvfp4>, !fp4.tensor<32, mxfp4>,
      !fp4.tensor<2x16x64, nvfp4, block = 16x16>, !fp4.tensor<2x16x64, mxfp4>
}

// Discardable attributes sit next to the rule.
// CHECK-LABEL: func.func @quantize_discardable_attr(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>)
// CHECK: fp4.quantize %[[X]] {my.tag = 1 : i64, rule = #fp4.rule<static4>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
func.func @quantize_discardable_attr(%x: tensor<4x64xf32>) {
  %q = fp4.quantize %x {my.tag = 1, rule = #fp4.rule<static4>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

//===----------------------------------------------------------------------===//
// fp4.dequantize
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @dequantize(
// CHECK-SAME: %[[N:.+]]: !fp4.tensor<4x64, nvfp4>, %[[W:.+]]: !fp4.tensor<32x64, nvfp4, block = 16x16>, %[[M:.+]]: !fp4.tensor<2x4x64, mxfp4>)
// CHECK: %[[A:.+]] = fp4.dequantize %[[N]] : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xf32>
// CHECK: %[[B:.+]] = fp4.dequantize %[[W]] : !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<32x64xbf16>
// CHECK: %[[C:.+]] = fp4.dequantize %[[M]] : !fp4.tensor<2x4x64, mxfp4> -> tensor<2x4x64xf16>
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @dequantize(%n: !fp4.tensor<4x64, nvfp4>, %w: !fp4.tensor<32x64, nvfp4, block = 16x16>,
                      %m: !fp4.tensor<2x4x64, mxfp4>)
    -> (tensor<4x64xf32>, tensor<32x64xbf16>, tensor<2x4x64xf16>) {
  %a = fp4.dequantize %n : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xf32>
  %b = fp4.dequantize %w : !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<32x64xbf16>
  %c = fp4.dequantize %m : !fp4.tensor<2x4x64, mxfp4> -> tensor<2x4x64xf16>
  return %a, %b, %c : tensor<4x64xf32>, tensor<32x64xbf16>, tensor<2x4x64xf16>
}

//===----------------------------------------------------------------------===//
// fp4.hadamard
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @hadamard_sizes(
// CHECK-SAME: %[[X:.+]]: tensor<4x128xf32>)
// CHECK: %[[H16:.+]] = fp4.hadamard %[[X]] {size = 16 : i64} : tensor<4x128xf32>
// CHECK: %[[H32:.+]] = fp4.hadamard %[[H16]] {size = 32 : i64} : tensor<4x128xf32>
// CHECK: %[[H64:.+]] = fp4.hadamard %[[H32]] {size = 64 : i64} : tensor<4x128xf32>
// CHECK: %[[H128:.+]] = fp4.hadamard %[[H64]] {size = 128 : i64} : tensor<4x128xf32>
// CHECK: return %[[H128]]
func.func @hadamard_sizes(%x: tensor<4x128xf32>) -> tensor<4x128xf32> {
  %0 = fp4.hadamard %x {size = 16} : tensor<4x128xf32>
  %1 = fp4.hadamard %0 {size = 32} : tensor<4x128xf32>
  %2 = fp4.hadamard %1 {size = 64} : tensor<4x128xf32>
  %3 = fp4.hadamard %2 {size = 128} : tensor<4x128xf32>
  return %3 : tensor<4x128xf32>
}

// CHECK-LABEL: func.func @hadamard_signs(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xbf16>, %[[Y:.+]]: tensor<2x3x32xf16>, %[[Z:.+]]: tensor<128xf32>)
// CHECK: %[[A:.+]] = fp4.hadamard %[[X]] {signs = array<i8: 1, -1, 1, 1, -1, 1, 1, 1, -1, -1, 1, 1, 1, -1, 1, -1>, size = 16 : i64} : tensor<4x64xbf16>
// CHECK: %[[B:.+]] = fp4.hadamard %[[Y]] {signs = array<i8: -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>, size = 32 : i64} : tensor<2x3x32xf16>
// CHECK: %[[C:.+]] = fp4.hadamard %[[Z]] {size = 128 : i64} : tensor<128xf32>
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @hadamard_signs(%x: tensor<4x64xbf16>, %y: tensor<2x3x32xf16>, %z: tensor<128xf32>)
    -> (tensor<4x64xbf16>, tensor<2x3x32xf16>, tensor<128xf32>) {
  %a = fp4.hadamard %x {size = 16, signs = array<i8: 1,-1,1,1,-1,1,1,1,-1,-1,1,1,1,-1,1,-1>} : tensor<4x64xbf16>
  %b = fp4.hadamard %y {size = 32, signs = array<i8: -1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,
                                                    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1>} : tensor<2x3x32xf16>
  %c = fp4.hadamard %z {size = 128} : tensor<128xf32>
  return %a, %b, %c : tensor<4x64xbf16>, tensor<2x3x32xf16>, tensor<128xf32>
}

//===----------------------------------------------------------------------===//
// fp4.scale_select
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @scale_select_nvfp4(
// CHECK-SAME: %[[X:.+]]: tensor<4x64xf32>)
// CHECK: %[[SC:.+]], %[[AL:.+]] = fp4.scale_select %[[X]] {rule = #fp4.rule<four_over_six, mae>} : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, f32
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] scales(%[[SC]], %[[AL]]) : tensor<4x64xf32>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
// CHECK: return %[[Q]]
func.func @scale_select_nvfp4(%x: tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4> {
  %sc, %al = fp4.scale_select %x {rule = #fp4.rule<four_over_six, mae>} : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, f32
  %q = fp4.quantize %x scales(%sc, %al) : tensor<4x64xf32>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %q : !fp4.tensor<4x64, nvfp4>
}

// CHECK-LABEL: func.func @scale_select_16x16(
// CHECK-SAME: %[[W:.+]]: tensor<32x64xbf16>, %[[A:.+]]: f32)
// CHECK: %[[SC:.+]], %[[AL:.+]] = fp4.scale_select %[[W]] amax(%[[A]]) {rule = #fp4.rule<four_over_six>} : tensor<32x64xbf16>, f32 -> tensor<2x4xf8E4M3FN>, f32
// CHECK: %[[Q:.+]] = fp4.quantize %[[W]] scales(%[[SC]], %[[AL]]) : tensor<32x64xbf16>, tensor<2x4xf8E4M3FN>, f32 -> !fp4.tensor<32x64, nvfp4, block = 16x16>
// CHECK: return %[[Q]]
func.func @scale_select_16x16(%w: tensor<32x64xbf16>, %a: f32) -> !fp4.tensor<32x64, nvfp4, block = 16x16> {
  %sc, %al = fp4.scale_select %w amax(%a) {rule = #fp4.rule<four_over_six>} : tensor<32x64xbf16>, f32 -> tensor<2x4xf8E4M3FN>, f32
  %q = fp4.quantize %w scales(%sc, %al) : tensor<32x64xbf16>, tensor<2x4xf8E4M3FN>, f32 -> !fp4.tensor<32x64, nvfp4, block = 16x16>
  return %q : !fp4.tensor<32x64, nvfp4, block = 16x16>
}

// CHECK-LABEL: func.func @scale_select_mxfp4(
// CHECK-SAME: %[[X:.+]]: tensor<2x4x64xf16>)
// CHECK: %[[E:.+]] = fp4.scale_select %[[X]] {rule = #fp4.rule<mx_floor>} : tensor<2x4x64xf16> -> tensor<2x4x2xf8E8M0FNU>
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] scales(%[[E]]) : tensor<2x4x64xf16>, tensor<2x4x2xf8E8M0FNU> -> !fp4.tensor<2x4x64, mxfp4>
// CHECK: return %[[Q]]
func.func @scale_select_mxfp4(%x: tensor<2x4x64xf16>) -> !fp4.tensor<2x4x64, mxfp4> {
  %e = fp4.scale_select %x {rule = #fp4.rule<mx_floor>} : tensor<2x4x64xf16> -> tensor<2x4x2xf8E8M0FNU>
  %q = fp4.quantize %x scales(%e) : tensor<2x4x64xf16>, tensor<2x4x2xf8E8M0FNU> -> !fp4.tensor<2x4x64, mxfp4>
  return %q : !fp4.tensor<2x4x64, mxfp4>
}

// Without a rule the format's default applies (from the scale element type).
// CHECK-LABEL: func.func @scale_select_default_rule(
// CHECK-SAME: %[[X:.+]]: tensor<64xf32>)
// CHECK: %[[SC:.+]], %[[AL:.+]] = fp4.scale_select %[[X]] : tensor<64xf32> -> tensor<4xf8E4M3FN>, f32
// CHECK: %[[E:.+]] = fp4.scale_select %[[X]] : tensor<64xf32> -> tensor<2xf8E8M0FNU>
// CHECK: return %[[SC]], %[[AL]], %[[E]]
func.func @scale_select_default_rule(%x: tensor<64xf32>)
    -> (tensor<4xf8E4M3FN>, f32, tensor<2xf8E8M0FNU>) {
  %sc, %al = fp4.scale_select %x : tensor<64xf32> -> tensor<4xf8E4M3FN>, f32
  %e = fp4.scale_select %x : tensor<64xf32> -> tensor<2xf8E8M0FNU>
  return %sc, %al, %e : tensor<4xf8E4M3FN>, f32, tensor<2xf8E8M0FNU>
}

//===----------------------------------------------------------------------===//
// fp4.matmul
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME: %[[A:.+]]: !fp4.tensor<4x64, nvfp4>, %[[B:.+]]: !fp4.tensor<32x64, nvfp4>)
// CHECK: %[[C:.+]] = fp4.matmul %[[A]], %[[B]] : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<4x32xf32>
// CHECK: return %[[C]]
func.func @matmul(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) -> tensor<4x32xf32> {
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<4x32xf32>
  return %c : tensor<4x32xf32>
}

// 16x16 weights against 1x16 activations (the NVFP4 training recipe).
// CHECK-LABEL: func.func @matmul_2d_weights(
// CHECK-SAME: %[[A:.+]]: !fp4.tensor<4x64, nvfp4>, %[[W:.+]]: !fp4.tensor<32x64, nvfp4, block = 16x16>)
// CHECK: %[[C:.+]] = fp4.matmul %[[A]], %[[W]] : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<4x32xf32>
// CHECK: return %[[C]]
func.func @matmul_2d_weights(%a: !fp4.tensor<4x64, nvfp4>, %w: !fp4.tensor<32x64, nvfp4, block = 16x16>) -> tensor<4x32xf32> {
  %c = fp4.matmul %a, %w : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<4x32xf32>
  return %c : tensor<4x32xf32>
}

// CHECK-LABEL: func.func @matmul_batched_shared_rhs(
// CHECK-SAME: %[[A:.+]]: !fp4.tensor<2x3x4x64, nvfp4>, %[[B:.+]]: !fp4.tensor<32x64, nvfp4>)
// CHECK: %[[C:.+]] = fp4.matmul %[[A]], %[[B]] : !fp4.tensor<2x3x4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<2x3x4x32xf32>
// CHECK: return %[[C]]
func.func @matmul_batched_shared_rhs(%a: !fp4.tensor<2x3x4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) -> tensor<2x3x4x32xf32> {
  %c = fp4.matmul %a, %b : !fp4.tensor<2x3x4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<2x3x4x32xf32>
  return %c : tensor<2x3x4x32xf32>
}

// CHECK-LABEL: func.func @matmul_batched_rhs(
// CHECK-SAME: %[[A:.+]]: !fp4.tensor<2x4x64, mxfp4>, %[[B:.+]]: !fp4.tensor<2x32x64, mxfp4>)
// CHECK: %[[C:.+]] = fp4.matmul %[[A]], %[[B]] : !fp4.tensor<2x4x64, mxfp4>, !fp4.tensor<2x32x64, mxfp4> -> tensor<2x4x32xf32>
// CHECK: return %[[C]]
func.func @matmul_batched_rhs(%a: !fp4.tensor<2x4x64, mxfp4>, %b: !fp4.tensor<2x32x64, mxfp4>) -> tensor<2x4x32xf32> {
  %c = fp4.matmul %a, %b : !fp4.tensor<2x4x64, mxfp4>, !fp4.tensor<2x32x64, mxfp4> -> tensor<2x4x32xf32>
  return %c : tensor<2x4x32xf32>
}

// CHECK-LABEL: func.func @matmul_bf16(
// CHECK-SAME: %[[A:.+]]: !fp4.tensor<16x64, nvfp4, block = 16x16>, %[[B:.+]]: !fp4.tensor<32x64, nvfp4>)
// CHECK: %[[C:.+]] = fp4.matmul %[[A]], %[[B]] : !fp4.tensor<16x64, nvfp4, block = 16x16>, !fp4.tensor<32x64, nvfp4> -> tensor<16x32xbf16>
// CHECK: return %[[C]]
func.func @matmul_bf16(%a: !fp4.tensor<16x64, nvfp4, block = 16x16>, %b: !fp4.tensor<32x64, nvfp4>) -> tensor<16x32xbf16> {
  %c = fp4.matmul %a, %b : !fp4.tensor<16x64, nvfp4, block = 16x16>, !fp4.tensor<32x64, nvfp4> -> tensor<16x32xbf16>
  return %c : tensor<16x32xbf16>
}

//===----------------------------------------------------------------------===//
// fp4.values, fp4.scales, fp4.tensor_scale, fp4.pack
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @components_nvfp4(
// CHECK-SAME: %[[Q:.+]]: !fp4.tensor<4x64, nvfp4>)
// CHECK: %[[V:.+]] = fp4.values %[[Q]] : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
// CHECK: %[[S:.+]] = fp4.scales %[[Q]] : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
// CHECK: %[[T:.+]] = fp4.tensor_scale %[[Q]] : !fp4.tensor<4x64, nvfp4> -> f32
// CHECK: %[[P:.+]] = fp4.pack %[[V]], %[[S]], %[[T]] : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
// CHECK: return %[[P]]
func.func @components_nvfp4(%q: !fp4.tensor<4x64, nvfp4>) -> !fp4.tensor<4x64, nvfp4> {
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %t = fp4.tensor_scale %q : !fp4.tensor<4x64, nvfp4> -> f32
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return %p : !fp4.tensor<4x64, nvfp4>
}

// For 16x16 blocks the scales are (R/16)x(C/16).
// CHECK-LABEL: func.func @components_16x16(
// CHECK-SAME: %[[Q:.+]]: !fp4.tensor<2x32x64, nvfp4, block = 16x16>)
// CHECK: %[[V:.+]] = fp4.values %[[Q]] : !fp4.tensor<2x32x64, nvfp4, block = 16x16> -> tensor<2x32x32xi8>
// CHECK: %[[S:.+]] = fp4.scales %[[Q]] : !fp4.tensor<2x32x64, nvfp4, block = 16x16> -> tensor<2x2x4xf8E4M3FN>
// CHECK: %[[T:.+]] = fp4.tensor_scale %[[Q]] : !fp4.tensor<2x32x64, nvfp4, block = 16x16> -> f32
// CHECK: %[[P:.+]] = fp4.pack %[[V]], %[[S]], %[[T]] : tensor<2x32x32xi8>, tensor<2x2x4xf8E4M3FN>, f32 -> !fp4.tensor<2x32x64, nvfp4, block = 16x16>
// CHECK: return %[[P]]
func.func @components_16x16(%q: !fp4.tensor<2x32x64, nvfp4, block = 16x16>) -> !fp4.tensor<2x32x64, nvfp4, block = 16x16> {
  %v = fp4.values %q : !fp4.tensor<2x32x64, nvfp4, block = 16x16> -> tensor<2x32x32xi8>
  %s = fp4.scales %q : !fp4.tensor<2x32x64, nvfp4, block = 16x16> -> tensor<2x2x4xf8E4M3FN>
  %t = fp4.tensor_scale %q : !fp4.tensor<2x32x64, nvfp4, block = 16x16> -> f32
  %p = fp4.pack %v, %s, %t : tensor<2x32x32xi8>, tensor<2x2x4xf8E4M3FN>, f32 -> !fp4.tensor<2x32x64, nvfp4, block = 16x16>
  return %p : !fp4.tensor<2x32x64, nvfp4, block = 16x16>
}

// mxfp4 has no tensor scale: pack takes values and scales only.
// CHECK-LABEL: func.func @components_mxfp4(
// CHECK-SAME: %[[Q:.+]]: !fp4.tensor<64, mxfp4>)
// CHECK: %[[V:.+]] = fp4.values %[[Q]] : !fp4.tensor<64, mxfp4> -> tensor<32xi8>
// CHECK: %[[S:.+]] = fp4.scales %[[Q]] : !fp4.tensor<64, mxfp4> -> tensor<2xf8E8M0FNU>
// CHECK: %[[P:.+]] = fp4.pack %[[V]], %[[S]] : tensor<32xi8>, tensor<2xf8E8M0FNU> -> !fp4.tensor<64, mxfp4>
// CHECK: return %[[P]]
func.func @components_mxfp4(%q: !fp4.tensor<64, mxfp4>) -> !fp4.tensor<64, mxfp4> {
  %v = fp4.values %q : !fp4.tensor<64, mxfp4> -> tensor<32xi8>
  %s = fp4.scales %q : !fp4.tensor<64, mxfp4> -> tensor<2xf8E8M0FNU>
  %p = fp4.pack %v, %s : tensor<32xi8>, tensor<2xf8E8M0FNU> -> !fp4.tensor<64, mxfp4>
  return %p : !fp4.tensor<64, mxfp4>
}
