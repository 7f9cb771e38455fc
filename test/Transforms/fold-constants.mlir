// RUN: fp4-opt %s --fp4-fold-constants --canonicalize --split-input-file | FileCheck %s
// RUN: fp4-opt %s --fp4-fold-constants="resource-threshold=0" --split-input-file | FileCheck %s --check-prefix=RES

// SPEC 2.1 worked examples, folded at compile time: block 0 keeps sf4 = 10,
// block 1 keeps sf6 = 30; -0.1 encodes as -0 (0x80 = -128 as i8).
// CHECK-LABEL: func.func @quantize
// CHECK-DAG: %[[V:.+]] = arith.constant dense<{{\[}}[66, 101, 0, 0, 0, 0, 0, 0, 33, 118, 0, 0, 0, 0, 0, -128]]> : tensor<1x16xi8>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[1.000000e+01, 3.000000e+01]]> : tensor<1x2xf8E4M3FN>
// CHECK-DAG: %[[A:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[Q:.+]] = fp4.pack %[[V]], %[[S]], %[[A]]
// CHECK-NOT: fp4.quantize
// CHECK: return %[[Q]]
// RES-LABEL: func.func @quantize
// RES: arith.constant dense_resource<fp4_folded> : tensor<1x16xi8>
// RES: arith.constant dense_resource<fp4_folded_1> : tensor<1x2xf8E4M3FN>
func.func @quantize() -> !fp4.tensor<1x32, nvfp4> {
  %x = arith.constant dense<[[10.0, 20.0, 30.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              15.0, 30.0, 120.0, 180.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.1]]> : tensor<1x32xf32>
  %a = arith.constant 1536.0 : f32
  %q = fp4.quantize %x amax(%a) {rule = #fp4.rule<four_over_six>} : tensor<1x32xf32>, f32 -> !fp4.tensor<1x32, nvfp4>
  return %q : !fp4.tensor<1x32, nvfp4>
}

// -----

// Dequantize of a folded tensor folds too (the pack of constants feeds it).
// CHECK-LABEL: func.func @dequantize
// CHECK: %[[D:.+]] = arith.constant dense<{{\[}}[1.000000e+01, 2.000000e+01, 3.000000e+01, 4.000000e+01, 0.000000e+00, {{.*}}, 1.500000e+01, 3.000000e+01, 1.200000e+02, 1.800000e+02, {{.*}}, -0.000000e+00]]> : tensor<1x32xf32>
// CHECK-NEXT: return %[[D]]
func.func @dequantize() -> tensor<1x32xf32> {
  %x = arith.constant dense<[[10.0, 20.0, 30.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              15.0, 30.0, 120.0, 180.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.1]]> : tensor<1x32xf32>
  %a = arith.constant 1536.0 : f32
  %q = fp4.quantize %x amax(%a) {rule = #fp4.rule<four_over_six>} : tensor<1x32xf32>, f32 -> !fp4.tensor<1x32, nvfp4>
  %d = fp4.dequantize %q : !fp4.tensor<1x32, nvfp4> -> tensor<1x32xf32>
  return %d : tensor<1x32xf32>
}

// -----

// MXFP4 (SPEC 2.2 example, b = 7, mx_floor): E = 127, codes 6 and 4.
// CHECK-LABEL: func.func @mxfp4
// CHECK-DAG: arith.constant dense<{{\[}}[103, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<1x16xi8>
// CHECK-DAG: arith.constant dense<1.000000e+00> : tensor<1x1xf8E8M0FNU>
// CHECK: fp4.pack
func.func @mxfp4() -> !fp4.tensor<1x32, mxfp4> {
  %m = arith.constant dense<[[7.0, 3.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x32xf32>
  %q = fp4.quantize %m {rule = #fp4.rule<mx_floor>} : tensor<1x32xf32> -> !fp4.tensor<1x32, mxfp4>
  return %q : !fp4.tensor<1x32, mxfp4>
}

// -----

// dense_resource weights fold like dense ones: H16 of [4, 0, ...] is 1
// everywhere, H16 of all ones is [4, 0, ...].
// CHECK-LABEL: func.func @hadamard_resource
// CHECK: arith.constant dense<{{\[}}[1.000000e+00, 1.000000e+00, {{.*}}], [4.000000e+00, 0.000000e+00, {{.*}}]]> : tensor<2x16xbf16>
// CHECK-NOT: fp4.hadamard
func.func @hadamard_resource() -> tensor<2x16xbf16> {
  %x = arith.constant dense_resource<w> : tensor<2x16xbf16>
  %h = fp4.hadamard %x {size = 16} : tensor<2x16xbf16>
  return %h : tensor<2x16xbf16>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x020000008040000000000000000000000000000000000000000000000000000000000000803F803F803F803F803F803F803F803F803F803F803F803F803F803F803F803F"
    }
  }
#-}

// -----

// Non-constant operands are left alone.
// CHECK-LABEL: func.func @not_constant
// CHECK: fp4.quantize
func.func @not_constant(%x: tensor<2x16xf32>) -> !fp4.tensor<2x16, nvfp4> {
  %q = fp4.quantize %x : tensor<2x16xf32> -> !fp4.tensor<2x16, nvfp4>
  return %q : !fp4.tensor<2x16, nvfp4>
}

// -----

// A constant matmul folds to its f32 result: 1x32 row of 1.0 against itself.
// CHECK-LABEL: func.func @matmul
// CHECK: arith.constant dense<3.200000e+01> : tensor<1x1xf32>
func.func @matmul() -> tensor<1x1xf32> {
  %x = arith.constant dense<1.0> : tensor<1x32xf32>
  %q = fp4.quantize %x : tensor<1x32xf32> -> !fp4.tensor<1x32, nvfp4>
  %c = fp4.matmul %q, %q : !fp4.tensor<1x32, nvfp4>, !fp4.tensor<1x32, nvfp4> -> tensor<1x1xf32>
  return %c : tensor<1x1xf32>
}
