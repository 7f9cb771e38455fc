// RUN: fp4-opt %s --fp4-fuse-rotations --split-input-file -verify-diagnostics | FileCheck %s
// RUN: fp4-opt %s --fp4-fuse-rotations="size=16 random-signs=1 seed=7" --split-input-file 2>/dev/null | FileCheck %s --check-prefix=SIGNS
// RUN: fp4-opt %s --fp4-fuse-rotations --fp4-fuse-rotations --split-input-file 2>/dev/null | FileCheck %s --check-prefix=TWICE
// RUN: not fp4-opt %s --fp4-fuse-rotations=size=24 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-SIZE

// The weight is rotated at compile time with the numerics core: H16 of
// [4, 0, ..., 0] is 1 everywhere and H16 of all ones is [4, 0, ..., 0]. The
// bf16 activation is extended to f32 and rotated at run time by an
// fp4.hadamard of the format's block width (16 for nvfp4). Both quantizes
// keep their rules; the matmul records the rotation.
// CHECK-LABEL: func.func @rotate_nvfp4
// CHECK-SAME: (%[[X:.+]]: tensor<4x16xbf16>)
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[1.000000e+00, 1.000000e+00, {{.*}}, 1.000000e+00], [4.000000e+00, 0.000000e+00, {{.*}}, 0.000000e+00]]> : tensor<2x16xf32>
// CHECK-DAG: %[[XF:.+]] = arith.extf %[[X]] : tensor<4x16xbf16> to tensor<4x16xf32>
// CHECK: %[[H:.+]] = fp4.hadamard %[[XF]] {size = 16 : i64} : tensor<4x16xf32>
// CHECK: %[[QX:.+]] = fp4.quantize %[[H]] {rule = #fp4.rule<four_over_six>} : tensor<4x16xf32> -> !fp4.tensor<4x16, nvfp4>
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]] : tensor<2x16xf32> -> !fp4.tensor<2x16, nvfp4>
// CHECK: %[[C:.+]] = fp4.matmul %[[QX]], %[[QW]] {fp4.rotation = 16 : i64} : !fp4.tensor<4x16, nvfp4>, !fp4.tensor<2x16, nvfp4> -> tensor<4x2xf32>
// CHECK: return %[[C]]
// With random signs s (SPEC 2.4 generator, seed 7: -1, 1, 1, -1, -1, 1, 1,
// 1, 1, 1, -1, 1, 1, -1, -1, 1) on both sides: H16(s * [4, 0, ...]) is -1
// everywhere, and the first element of H16(s) is sum(s) / 4 = 1.
// SIGNS-LABEL: func.func @rotate_nvfp4
// SIGNS-DAG: arith.constant dense<{{\[}}[-1.000000e+00, -1.000000e+00, {{.*}}], [1.000000e+00, {{.*}}]]> : tensor<2x16xf32>
// SIGNS-DAG: fp4.hadamard %{{.+}} {signs = array<i8: -1, 1, 1, -1, -1, 1, 1, 1, 1, 1, -1, 1, 1, -1, -1, 1>, size = 16 : i64} : tensor<4x16xf32>
// Running the pass twice rotates once (the matmul is marked).
// TWICE-LABEL: func.func @rotate_nvfp4
// TWICE-COUNT-1: fp4.hadamard
// TWICE-NOT: fp4.hadamard
func.func @rotate_nvfp4(%x: tensor<4x16xbf16>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                             [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]> : tensor<2x16xf32>
  %qx = fp4.quantize %x {rule = #fp4.rule<four_over_six>} : tensor<4x16xbf16> -> !fp4.tensor<4x16, nvfp4>
  %qw = fp4.quantize %w : tensor<2x16xf32> -> !fp4.tensor<2x16, nvfp4>
  %c = fp4.matmul %qx, %qw : !fp4.tensor<4x16, nvfp4>, !fp4.tensor<2x16, nvfp4> -> tensor<4x2xf32>
  return %c : tensor<4x2xf32>
}

// -----

// MXFP4 rotates with 32-element blocks by default; a weight argument (run
// time) is rotated like the activation, an f32 activation needs no extf.
// CHECK-LABEL: func.func @rotate_mxfp4_weight_argument
// CHECK-SAME: (%[[X:.+]]: tensor<2x4x64xf32>, %[[W:.+]]: tensor<2x8x64xbf16> {fp4.weight})
// CHECK-NOT: arith.extf %[[X]]
// CHECK-DAG: %[[HX:.+]] = fp4.hadamard %[[X]] {size = 32 : i64} : tensor<2x4x64xf32>
// CHECK-DAG: %[[WF:.+]] = arith.extf %[[W]] : tensor<2x8x64xbf16> to tensor<2x8x64xf32>
// CHECK-DAG: %[[HW:.+]] = fp4.hadamard %[[WF]] {size = 32 : i64} : tensor<2x8x64xf32>
// CHECK-DAG: %[[QX:.+]] = fp4.quantize %[[HX]] : tensor<2x4x64xf32> -> !fp4.tensor<2x4x64, mxfp4>
// CHECK-DAG: %[[QW:.+]] = fp4.quantize %[[HW]] {rule = #fp4.rule<mx_floor>} : tensor<2x8x64xf32> -> !fp4.tensor<2x8x64, mxfp4>
// CHECK: fp4.matmul %[[QX]], %[[QW]] {fp4.rotation = 32 : i64}
// TWICE-LABEL: func.func @rotate_mxfp4_weight_argument
func.func @rotate_mxfp4_weight_argument(%x: tensor<2x4x64xf32>, %w: tensor<2x8x64xbf16> {fp4.weight}) -> tensor<2x4x8xf32> {
  %qx = fp4.quantize %x : tensor<2x4x64xf32> -> !fp4.tensor<2x4x64, mxfp4>
  %qw = fp4.quantize %w {rule = #fp4.rule<mx_floor>} : tensor<2x8x64xbf16> -> !fp4.tensor<2x8x64, mxfp4>
  %c = fp4.matmul %qx, %qw : !fp4.tensor<2x4x64, mxfp4>, !fp4.tensor<2x8x64, mxfp4> -> tensor<2x4x8xf32>
  return %c : tensor<2x4x8xf32>
}

// -----

// A constant shared by two matmuls is rotated once; the original constant
// is dropped once nothing reads it (H16 of [4, 0, ..., 0] is a splat).
// CHECK-LABEL: func.func @shared_weight
// CHECK: %[[W:.+]] = arith.constant dense<1.000000e+00> : tensor<1x16xf32>
// CHECK-NOT: arith.constant
// CHECK: fp4.quantize %[[W]]
// CHECK: fp4.quantize %[[W]]
func.func @shared_weight(%x: tensor<4x16xf32>, %y: tensor<4x16xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>) {
  %w = arith.constant dense<[[4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x16xf32>
  %qx = fp4.quantize %x : tensor<4x16xf32> -> !fp4.tensor<4x16, nvfp4>
  %qy = fp4.quantize %y : tensor<4x16xf32> -> !fp4.tensor<4x16, nvfp4>
  %qw1 = fp4.quantize %w : tensor<1x16xf32> -> !fp4.tensor<1x16, nvfp4>
  %qw2 = fp4.quantize %w : tensor<1x16xf32> -> !fp4.tensor<1x16, nvfp4>
  %c1 = fp4.matmul %qx, %qw1 : !fp4.tensor<4x16, nvfp4>, !fp4.tensor<1x16, nvfp4> -> tensor<4x1xf32>
  %c2 = fp4.matmul %qy, %qw2 : !fp4.tensor<4x16, nvfp4>, !fp4.tensor<1x16, nvfp4> -> tensor<4x1xf32>
  return %c1, %c2 : tensor<4x1xf32>, tensor<4x1xf32>
}

// -----

// Left alone with a remark: an amax operand was computed for the unrotated
// values; an operand that is not a quantize (a folded weight).
// CHECK-LABEL: func.func @not_rotatable
// CHECK-NOT: fp4.hadamard
// CHECK-NOT: fp4.rotation
func.func @not_rotatable(%x: tensor<4x16xf32>, %w: tensor<2x16xf32> {fp4.weight}, %amax: f32,
                         %v: tensor<2x8xi8>, %s: tensor<2x1xf8E4M3FN>, %a: f32) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %qx = fp4.quantize %x amax(%amax) : tensor<4x16xf32>, f32 -> !fp4.tensor<4x16, nvfp4>
  %qw = fp4.quantize %w : tensor<2x16xf32> -> !fp4.tensor<2x16, nvfp4>
  // expected-remark @+1 {{not rotated: the lhs quantize has an amax or scales operand, chosen for the unrotated values}}
  %c1 = fp4.matmul %qx, %qw : !fp4.tensor<4x16, nvfp4>, !fp4.tensor<2x16, nvfp4> -> tensor<4x2xf32>
  %qx2 = fp4.quantize %x : tensor<4x16xf32> -> !fp4.tensor<4x16, nvfp4>
  %packed = fp4.pack %v, %s, %a : tensor<2x8xi8>, tensor<2x1xf8E4M3FN>, f32 -> !fp4.tensor<2x16, nvfp4>
  // expected-remark @+1 {{not rotated: the rhs is not produced by fp4.quantize}}
  %c2 = fp4.matmul %qx2, %packed : !fp4.tensor<4x16, nvfp4>, !fp4.tensor<2x16, nvfp4> -> tensor<4x2xf32>
  return %c1, %c2 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// K = 32 is not a multiple of a 64-element rotation.
// RUN: fp4-opt %s --fp4-fuse-rotations=size=64 --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=SIZE64
// SIZE64: remark: not rotated: K (32) is not a multiple of the Hadamard size (64)
// (With the default size, 32 for mxfp4, it is rotated.)
// CHECK-LABEL: func.func @k_not_multiple
// CHECK: fp4.matmul {{.*}} {fp4.rotation = 32 : i64}
func.func @k_not_multiple(%x: tensor<4x32xf32>, %w: tensor<2x32xf32> {fp4.weight}) -> tensor<4x2xf32> {
  %qx = fp4.quantize %x : tensor<4x32xf32> -> !fp4.tensor<4x32, mxfp4>
  %qw = fp4.quantize %w : tensor<2x32xf32> -> !fp4.tensor<2x32, mxfp4>
  %c = fp4.matmul %qx, %qw : !fp4.tensor<4x32, mxfp4>, !fp4.tensor<2x32, mxfp4> -> tensor<4x2xf32>
  return %c : tensor<4x2xf32>
}

// -----

// Cancelling rotations: H(H(x)) with the same size and no signs is x.
// Signed or differently sized pairs are not involutions and stay.
// CHECK-LABEL: func.func @cancel
// CHECK-SAME: (%[[X:.+]]: tensor<4x32xf32>)
// CHECK: %[[S1:.+]] = fp4.hadamard %[[X]] {signs = {{.+}}, size = 16 : i64}
// CHECK: %[[S2:.+]] = fp4.hadamard %[[S1]] {signs = {{.+}}, size = 16 : i64}
// CHECK: %[[D1:.+]] = fp4.hadamard %[[X]] {size = 16 : i64}
// CHECK: %[[D2:.+]] = fp4.hadamard %[[D1]] {size = 32 : i64}
// CHECK: return %[[X]], %[[S2]], %[[D2]]
func.func @cancel(%x: tensor<4x32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>, tensor<4x32xf32>) {
  %h1 = fp4.hadamard %x {size = 32} : tensor<4x32xf32>
  %h2 = fp4.hadamard %h1 {size = 32} : tensor<4x32xf32>
  %s1 = fp4.hadamard %x {size = 16, signs = array<i8: 1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>} : tensor<4x32xf32>
  %s2 = fp4.hadamard %s1 {size = 16, signs = array<i8: 1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>} : tensor<4x32xf32>
  %d1 = fp4.hadamard %x {size = 16} : tensor<4x32xf32>
  %d2 = fp4.hadamard %d1 {size = 32} : tensor<4x32xf32>
  return %h2, %s2, %d2 : tensor<4x32xf32>, tensor<4x32xf32>, tensor<4x32xf32>
}

// BAD-SIZE: error: fp4-fuse-rotations: size must be 0, 16, 32, 64 or 128, got 24
