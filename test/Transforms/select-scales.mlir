// RUN: fp4-opt %s --fp4-select-scales --split-input-file | FileCheck %s
// RUN: fp4-opt %s --fp4-select-scales=all-rules=1 --split-input-file | FileCheck %s --check-prefix=ALL
// RUN: fp4-opt %s --fp4-select-scales --fp4-fold-constants --canonicalize --split-input-file | FileCheck %s --check-prefix=FOLD
// RUN: fp4-opt %s --fp4-select-scales=resource-threshold=0 --split-input-file | FileCheck %s --check-prefix=RES

// SPEC 2.1 worked examples (amax 1536: enc = 1, alpha = 1): block 0 keeps
// sf4 = 10, block 1 keeps sf6 = 30. The choice is made at compile time; the
// quantize only encodes with the given scales, and the rule is recorded.
// CHECK-LABEL: func.func @four_over_six
// CHECK-DAG: %[[X:.+]] = arith.constant dense<{{\[}}[1.000000e+01, 2.000000e+01, {{.*}}]]> : tensor<1x32xf32>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[1.000000e+01, 3.000000e+01]]> : tensor<1x2xf8E4M3FN>
// CHECK-DAG: %[[A:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[Q:.+]] = fp4.quantize %[[X]] scales(%[[S]], %[[A]]) {fp4.selected_rule = #fp4.rule<four_over_six>} : tensor<1x32xf32>, tensor<1x2xf8E4M3FN>, f32 -> !fp4.tensor<1x32, nvfp4>
// CHECK: return %[[Q]]
// Encoding with the selected scales gives the bytes the folded
// four_over_six quantize gives (test/Transforms/fold-constants.mlir).
// FOLD-LABEL: func.func @four_over_six
// FOLD-DAG: %[[V:.+]] = arith.constant dense<{{\[}}[66, 101, 0, 0, 0, 0, 0, 0, 33, 118, 0, 0, 0, 0, 0, -128]]> : tensor<1x16xi8>
// FOLD-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[1.000000e+01, 3.000000e+01]]> : tensor<1x2xf8E4M3FN>
// FOLD-DAG: %[[A:.+]] = arith.constant 1.000000e+00 : f32
// FOLD: fp4.pack %[[V]], %[[S]], %[[A]]
// FOLD-NOT: fp4.quantize
func.func @four_over_six() -> !fp4.tensor<1x32, nvfp4> {
  %x = arith.constant dense<[[10.0, 20.0, 30.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              15.0, 30.0, 120.0, 180.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.1]]> : tensor<1x32xf32>
  %a = arith.constant 1536.0 : f32
  %q = fp4.quantize %x amax(%a) {rule = #fp4.rule<four_over_six>} : tensor<1x32xf32>, f32 -> !fp4.tensor<1x32, nvfp4>
  return %q : !fp4.tensor<1x32, nvfp4>
}

// -----

// The tensor amax of a bf16 weight (no amax operand), metric mae, 16x16
// blocks: one scale per tile. amax = 6 gives enc = 6 * 256 / 6 = 256 and
// alpha = 1/256; the first tile (max 6) has s = 256 and 1.5 s = 384, the
// second (max 1.5) s = 64, 1.5 s = 96. Tile 0 holds 6 and 3 (exact with
// sf6 = 256: codes 6 and 3; sf4 = 384 gives 4 and 2, also exact: the tie
// keeps 6); tile 1 holds 1.5 and 1.0: sf6 = 64 gives codes 6 and 4
// (exact), sf4 = 96 gives 4 and 2.67 -> 3 (inexact), so 6 is kept.
// CHECK-LABEL: func.func @tiles_mae
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[2.560000e+02, 6.400000e+01]]> : tensor<1x2xf8E4M3FN>
// CHECK-DAG: %[[A:.+]] = arith.constant 3.906250e-03 : f32
// CHECK: fp4.quantize %{{.+}} scales(%[[S]], %[[A]]) {fp4.selected_rule = #fp4.rule<four_over_six, mae>} : tensor<16x32xbf16>, tensor<1x2xf8E4M3FN>, f32 -> !fp4.tensor<16x32, nvfp4, block = 16x16>
// FOLD-LABEL: func.func @tiles_mae
// RES-LABEL: func.func @tiles_mae
// RES: arith.constant dense_resource<fp4_scales> : tensor<1x2xf8E4M3FN>
func.func @tiles_mae() -> !fp4.tensor<16x32, nvfp4, block = 16x16> {
  %w = arith.constant dense_resource<tiles> : tensor<16x32xbf16>
  %q = fp4.quantize %w {rule = #fp4.rule<four_over_six, mae>} : tensor<16x32xbf16> -> !fp4.tensor<16x32, nvfp4, block = 16x16>
  return %q : !fp4.tensor<16x32, nvfp4, block = 16x16>
}
{-#
  dialect_resources: {
    builtin: {
      tiles: "0x02000000C040404000000000000000000000000000000000000000000000000000000000C03F803F00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// -----

// Other rules are left to the folder unless all-rules is set: static6
// (enc = 6 * 448 / 6 = 448, block max 6 -> s = 448) and mxfp4 mx_ceil
// (6 / 6 = 1 -> E = 127, scales only).
// CHECK-LABEL: func.func @other_rules
// CHECK: fp4.quantize %{{.+}} : tensor<2x32xf32> -> !fp4.tensor<2x32, nvfp4>
// CHECK: fp4.quantize %{{.+}} : tensor<2x32xf32> -> !fp4.tensor<2x32, mxfp4>
// ALL-LABEL: func.func @other_rules
// ALL-DAG: %[[S6:.+]] = arith.constant dense<4.480000e+02> : tensor<2x2xf8E4M3FN>
// ALL-DAG: %[[A6:.+]] = arith.constant 0.00223214296 : f32
// ALL: fp4.quantize %{{.+}} scales(%[[S6]], %[[A6]]) {fp4.selected_rule = #fp4.rule<static6>}
// ALL: %[[E:.+]] = arith.constant dense<1.000000e+00> : tensor<2x1xf8E8M0FNU>
// ALL: fp4.quantize %{{.+}} scales(%[[E]]) {fp4.selected_rule = #fp4.rule<mx_ceil>} : tensor<2x32xf32>, tensor<2x1xf8E8M0FNU> -> !fp4.tensor<2x32, mxfp4>
func.func @other_rules() -> (!fp4.tensor<2x32, nvfp4>, !fp4.tensor<2x32, mxfp4>) {
  %w = arith.constant dense<6.0> : tensor<2x32xf32>
  %q = fp4.quantize %w : tensor<2x32xf32> -> !fp4.tensor<2x32, nvfp4>
  %m = fp4.quantize %w : tensor<2x32xf32> -> !fp4.tensor<2x32, mxfp4>
  return %q, %m : !fp4.tensor<2x32, nvfp4>, !fp4.tensor<2x32, mxfp4>
}

// -----

// A seed (stochastic rounding) is kept on the given-scales quantize.
// CHECK-LABEL: func.func @seed_kept
// CHECK: %[[SEED:.+]] = arith.constant 42 : i64
// CHECK: fp4.quantize %{{.+}} seed(%[[SEED]]) scales(%{{.+}}, %{{.+}}) {fp4.selected_rule = #fp4.rule<four_over_six>}
func.func @seed_kept() -> !fp4.tensor<1x16, nvfp4> {
  %w = arith.constant dense<1.0> : tensor<1x16xf32>
  %s = arith.constant 42 : i64
  %q = fp4.quantize %w seed(%s) {rule = #fp4.rule<four_over_six>} : tensor<1x16xf32>, i64 -> !fp4.tensor<1x16, nvfp4>
  return %q : !fp4.tensor<1x16, nvfp4>
}

// -----

// Left alone: run-time inputs, run-time amax, scales already given.
// CHECK-LABEL: func.func @left_alone
// CHECK: fp4.quantize %arg0 {rule = #fp4.rule<four_over_six>}
// CHECK: fp4.quantize %{{.+}} amax(%arg1) {rule = #fp4.rule<four_over_six>}
// CHECK: fp4.quantize %{{.+}} scales(%arg2, %arg1) :
// CHECK-NOT: fp4.selected_rule
func.func @left_alone(%x: tensor<1x16xf32>, %amax: f32, %sc: tensor<1x1xf8E4M3FN>) -> (!fp4.tensor<1x16, nvfp4>, !fp4.tensor<1x16, nvfp4>, !fp4.tensor<1x16, nvfp4>) {
  %w = arith.constant dense<1.0> : tensor<1x16xf32>
  %q1 = fp4.quantize %x {rule = #fp4.rule<four_over_six>} : tensor<1x16xf32> -> !fp4.tensor<1x16, nvfp4>
  %q2 = fp4.quantize %w amax(%amax) {rule = #fp4.rule<four_over_six>} : tensor<1x16xf32>, f32 -> !fp4.tensor<1x16, nvfp4>
  %q3 = fp4.quantize %w scales(%sc, %amax) : tensor<1x16xf32>, tensor<1x1xf8E4M3FN>, f32 -> !fp4.tensor<1x16, nvfp4>
  return %q1, %q2, %q3 : !fp4.tensor<1x16, nvfp4>, !fp4.tensor<1x16, nvfp4>, !fp4.tensor<1x16, nvfp4>
}
