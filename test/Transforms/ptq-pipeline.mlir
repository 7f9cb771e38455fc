// RUN: fp4-opt %s --fp4-ptq-pipeline 2>/dev/null | FileCheck %s
// RUN: fp4-opt %s --fp4-ptq-pipeline 2>/dev/null | FileCheck %s --check-prefix=GONE
// RUN: fp4-opt %s --fp4-ptq-pipeline="weight-rule=four_over_six activation-rule=four_over_six" 2>/dev/null | FileCheck %s --check-prefix=FOS
// RUN: fp4-opt %s --fp4-ptq-pipeline="weight-rule=four_over_six fold=0" 2>/dev/null | FileCheck %s --check-prefix=NOFOLD
// RUN: fp4-opt %s --fp4-ptq-pipeline="weight-rule=four_over_six fold=0 select-scales=0" 2>/dev/null | FileCheck %s --check-prefix=NOSELECT
// RUN: fp4-opt %s --fp4-ptq-pipeline="format=mxfp4 rotate=1 rotation-size=16" 2>/dev/null | FileCheck %s --check-prefix=ROT
// RUN: fp4-opt %s --fp4-ptq-pipeline="weight-block-2d=1 keep-high-precision=last" 2>/dev/null | FileCheck %s --check-prefix=KEEP
// RUN: fp4-opt %s --fp4-ptq-pipeline="report=1 report-json=%t.json" -o %t.mlir 2>/dev/null | FileCheck %s --check-prefix=REPORT
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: not fp4-opt %s --fp4-ptq-pipeline="format=mxfp4 weight-rule=four_over_six" 2>&1 | FileCheck %s --check-prefix=BAD

// A two-layer model: `proj` (a 32x32 weight in PyTorch layout whose first
// rows are [6, 3, 0, ...] and [1.5, 1, 0, ...], the rest zero) and
// `lm_head`.

// The default pipeline (nvfp4, static6): the weights are folded into
// codes, scales and alpha at compile time; only the activations are
// quantized at run time. static6: amax 6 gives alpha = 1/448; row 0 has
// scale 448 (6 -> code 7, 3 -> code 5: byte 0x57 = 87), row 1 scale 112
// (1.5 x 4 = 6 -> 7, 1 x 4 = 4 -> 6: byte 0x67 = 103), zero blocks scale 0
// (the codes are printed in hex: 57 00.. 67 00..).
// CHECK-LABEL: func.func @model
// CHECK-SAME: (%[[X:.+]]: tensor<4x32xf32>)
// CHECK-DAG: %[[V:.+]] = arith.constant dense<"0x5700000000000000000000000000000067000000000000000000000000000000{{(00)+}}"> : tensor<32x16xi8>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[4.480000e+02, 0.000000e+00], [1.120000e+02, 0.000000e+00], [0.000000e+00, 0.000000e+00]{{.*}}]> : tensor<32x2xf8E4M3FN>
// CHECK-DAG: %[[A:.+]] = arith.constant 0.00223214296 : f32
// CHECK: %[[QX:.+]] = fp4.quantize %[[X]] {rule = #fp4.rule<static6>} : tensor<4x32xf32> -> !fp4.tensor<4x32, nvfp4>
// CHECK: %[[W:.+]] = fp4.pack %[[V]], %[[S]], %[[A]] : tensor<32x16xi8>, tensor<32x2xf8E4M3FN>, f32 -> !fp4.tensor<32x32, nvfp4>
// CHECK: %[[H:.+]] = fp4.matmul %[[QX]], %[[W]] {fp4.layer = 0 : i64, fp4.name = "proj", fp4.weight_type = bf16}
// CHECK: %[[QH:.+]] = fp4.quantize %[[H]]
// CHECK: fp4.matmul %[[QH]], %{{.+}} {fp4.layer = 1 : i64, fp4.name = "lm_head", fp4.weight_type = f32}
// CHECK-NOT: linalg.matmul
// No bf16 tensor is left anywhere: the weight was folded and dropped.
// GONE-NOT: xbf16>

// Four Over Six: the weight scales are chosen at compile time (row 0: 6 and
// 3 are exact with both candidates, the tie keeps 6: 256; row 1: the 4
// candidate would make 1.0 inexact: 64); the codes are the same.
// Activations choose at run time.
// FOS-LABEL: func.func @model
// FOS-DAG: arith.constant dense<"0x5700000000000000000000000000000067000000000000000000000000000000{{(00)+}}"> : tensor<32x16xi8>
// FOS-DAG: arith.constant dense<{{\[}}[2.560000e+02, 0.000000e+00], [6.400000e+01, 0.000000e+00], [0.000000e+00, {{.*}}> : tensor<32x2xf8E4M3FN>
// FOS-DAG: arith.constant 3.906250e-03 : f32
// FOS: fp4.quantize %{{.+}} {rule = #fp4.rule<four_over_six>} : tensor<4x32xf32>

// Without folding, the selected scales stay next to the weight.
// NOFOLD-LABEL: func.func @model
// NOFOLD: %[[W:.+]] = arith.constant dense<{{.+}}> : tensor<32x32xbf16>
// NOFOLD: fp4.quantize %[[W]] scales(%{{.+}}, %{{.+}}) {fp4.selected_rule = #fp4.rule<four_over_six>} : tensor<32x32xbf16>
// NOSELECT-LABEL: func.func @model
// NOSELECT: fp4.quantize %{{.+}} {rule = #fp4.rule<four_over_six>} : tensor<32x32xbf16> -> !fp4.tensor<32x32, nvfp4>

// MXFP4 with a 16-point rotation: the activations get an fp4.hadamard, the
// weights are rotated and folded at compile time.
// ROT-LABEL: func.func @model
// ROT: fp4.hadamard %{{.+}} {size = 16 : i64} : tensor<4x32xf32>
// ROT: fp4.quantize %{{.+}} {rule = #fp4.rule<mx_ceil>} : tensor<4x32xf32> -> !fp4.tensor<4x32, mxfp4>
// ROT: fp4.matmul {{.*}}fp4.rotation = 16 : i64
// ROT-NOT: tensor<32x32xbf16>

// keep-high-precision and weight-block-2d reach quantize-matmuls.
// KEEP-LABEL: func.func @model
// KEEP: fp4.pack {{.*}} -> !fp4.tensor<32x32, nvfp4, block = 16x16>
// KEEP: fp4.matmul {{.*}}fp4.name = "proj"
// KEEP: linalg.matmul {{.*}}fp4.high_precision = "kept in high precision by keep-high-precision 'last'"

// report=1 prints the table (before the IR); report-json writes the JSON.
// REPORT: fp4 PTQ report
// REPORT: 0  proj     4x32x32           nvfp4   static6           static6             -
// REPORT: 1  lm_head  4x16x32           nvfp4   static6           static6             -
// REPORT: total: 2 quantized, 0 in high precision
// JSON: "name": "proj",
// JSON: "name": "lm_head",
// JSON: "totals"

// BAD: error: fp4-quantize-matmuls: weight-rule: rule 'four_over_six' is not valid for mxfp4

func.func @model(%x: tensor<4x32xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<[[6.0, 3.0, 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [1.5, 1.0, 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.],
                             [0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.]]> : tensor<32x32xbf16>
  %head = arith.constant dense<0.5> : tensor<16x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %h = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<4x32xf32>, tensor<32x32xbf16>) outs(%f : tensor<4x32xf32>) -> tensor<4x32xf32> loc("proj")
  %e2 = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%h, %head : tensor<4x32xf32>, tensor<16x32xf32>) outs(%e2 : tensor<4x16xf32>) -> tensor<4x16xf32> loc("lm_head")
  return %y : tensor<4x16xf32>
}
