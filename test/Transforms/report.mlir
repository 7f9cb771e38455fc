// RUN: fp4-opt %s --fp4-quantize-matmuls="weight-rule=four_over_six keep-high-precision=lm_head" --fp4-report -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=TABLE
// RUN: fp4-opt %s --fp4-quantize-matmuls="weight-rule=four_over_six keep-high-precision=lm_head" --fp4-select-scales --fp4-report -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=TABLE
// RUN: fp4-opt %s --fp4-quantize-matmuls="weight-rule=four_over_six keep-high-precision=lm_head" --fp4-report="table-file= json-file=-" -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=JSON
// RUN: fp4-opt %s --fp4-quantize-matmuls="weight-rule=four_over_six keep-high-precision=lm_head" --fp4-fuse-rotations --fp4-select-scales --fp4-report -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=ROT
// RUN: fp4-opt %s --fp4-quantize-matmuls --fp4-report="table-file=%t.txt json-file=%t.json" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=FILE < %t.txt
// RUN: %python -c "import json, sys; d = json.load(open(sys.argv[1])); print('rows', len(d['matmuls']), 'quantized', d['totals']['quantized'])" %t.json | FileCheck %s --check-prefix=FILE-JSON

// One row per contraction in program order. The weight error columns are
// computed with the numerics core exactly as the weight is quantized (the
// Python oracle gives the same relative MSE for `lossy_proj`:
// 0.006860392320534224): `exact_proj` holds values FP4 represents exactly
// (every 16-block has a +-4, the rest are 0, +-1, +-2), `lossy_proj` a bf16
// ramp. Bytes after = codes (N*K/2) + E4M3 scales (N*K/16) + alpha (4).
// The same table comes out after --fp4-select-scales: the report measures
// the selected scales and gets the same error.
// TABLE: fp4 PTQ report
// TABLE-NEXT: #  name          M x N x K         format  weight rule       act rule          rot  w SQNR dB  w rel.MSE  4-blocks  bytes before   bytes after
// TABLE-NEXT: 0  exact_proj    4x16x32           nvfp4   four_over_six     static6             -        inf   0.00E+00      0.0%          2048           292
// TABLE-NEXT: 1  lossy_proj    4x16x32           nvfp4   four_over_six     static6             -      21.64   6.86E-03    100.0%          1024           292
// TABLE-NEXT: 2  scores        4x8x32            -       high precision: no weight operand (activation x activation: quantized only with activation-matmuls)
// TABLE-NEXT: 3  lm_head       4x16x32           -       high precision: kept in high precision by keep-high-precision 'lm_head' (2048 bytes of f32)
// TABLE-NEXT: 4  dynamic_proj  ?                 -       high precision: dynamic shapes are not supported (2048 bytes of f32)
// TABLE-NEXT: total: 2 quantized, 3 in high precision; weights 7168 -> 4680 bytes (1.53x smaller); weight SQNR 36.34 dB overall

// The JSON has the same data; an infinite SQNR is null.
// JSON:      "index": 0,
// JSON-NEXT: "name": "exact_proj",
// JSON-NEXT: "quantized": true,
// JSON-NEXT: "layer": 0,
// JSON-NEXT: "batch": 1,
// JSON-NEXT: "m": 4,
// JSON-NEXT: "n": 16,
// JSON-NEXT: "k": 32,
// JSON-NEXT: "format": "nvfp4",
// JSON-NEXT: "weight_rule": "four_over_six",
// JSON-NEXT: "activation_rule": "static6",
// JSON-NEXT: "rotation": 0,
// JSON-NEXT: "has_weight": true,
// JSON-NEXT: "weight_type": "f32",
// JSON-NEXT: "bytes_before": 2048,
// JSON-NEXT: "bytes_after": 292,
// JSON-NEXT: "weight_rel_mse": 0,
// JSON-NEXT: "weight_sqnr_db": null,
// JSON-NEXT: "four_fraction": 0
// JSON:      "name": "lossy_proj",
// JSON:      "weight_type": "bf16",
// JSON-NEXT: "bytes_before": 1024,
// JSON-NEXT: "bytes_after": 292,
// JSON-NEXT: "weight_rel_mse": 0.0068603923205342{{[0-9]*}},
// JSON-NEXT: "weight_sqnr_db": 21.636510478834{{[0-9]*}},
// JSON-NEXT: "four_fraction": 1
// JSON:      "name": "scores",
// JSON-NEXT: "quantized": false,
// JSON-NEXT: "reason": "no weight operand (activation x activation: quantized only with activation-matmuls)",
// JSON:      "name": "dynamic_proj",
// JSON-NEXT: "quantized": false,
// JSON-NEXT: "reason": "dynamic shapes are not supported",
// JSON-NEXT: "batch": null,
// JSON-NEXT: "m": null,
// JSON:      "totals": {
// JSON-NEXT: "quantized": 2,
// JSON-NEXT: "high_precision": 3,
// JSON-NEXT: "bytes_before": 7168,
// JSON-NEXT: "bytes_after": 4680,
// JSON-NEXT: "weight_sqnr_db": 36.3427109485{{[0-9]*}}

// With a Hadamard rotation the weights are measured in the rotated basis
// (the exact weight is no longer exact there); the rotation column says 16.
// ROT: 0  exact_proj    4x16x32           nvfp4   four_over_six     static6            16      21.06   7.83E-03     46.9%          2048           292
// ROT: 1  lossy_proj    4x16x32           nvfp4   four_over_six     static6            16      26.58   2.20E-03     21.9%          1024           292

// Written to files instead of stdout.
// FILE: fp4 PTQ report
// FILE: 1  lossy_proj    4x16x32           nvfp4   static6           static6
// FILE-JSON: rows 5 quantized 3
func.func @model(%x: tensor<4x32xf32>, %y: tensor<32x8xf32>, %z: tensor<?x32xf32>, %acc: tensor<?x16xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xbf16>, tensor<4x8xf32>, tensor<4x16xf32>, tensor<?x16xf32>) {
  %w1 = arith.constant dense<[[4.0, 4.0, 0.0, 4.0, 2.0, 2.0, -2.0, -1.0, -4.0, 0.0, 1.0, -1.0, 2.0, -1.0, 0.0, 0.0, -4.0, 0.0, 1.0, -4.0, 1.0, -2.0, 4.0, 1.0, 1.0, 2.0, 1.0, -4.0, 1.0, -4.0, 4.0, 4.0],
      [4.0, -1.0, -2.0, 2.0, -2.0, -2.0, -2.0, 0.0, -4.0, 2.0, -4.0, 1.0, -1.0, -4.0, 1.0, 0.0, -4.0, -2.0, 0.0, -4.0, -1.0, 1.0, 2.0, -4.0, -4.0, -4.0, -1.0, 0.0, 4.0, -2.0, 4.0, 0.0],
      [4.0, 2.0, -1.0, 2.0, -4.0, 1.0, 2.0, -1.0, -1.0, 4.0, 1.0, -1.0, 0.0, 1.0, 1.0, -2.0, -4.0, 2.0, 1.0, 4.0, 4.0, 1.0, 0.0, -1.0, 1.0, 4.0, 2.0, 2.0, -1.0, 2.0, -4.0, 1.0],
      [4.0, 0.0, -1.0, -4.0, -4.0, 0.0, 4.0, 4.0, 2.0, -1.0, -4.0, -4.0, -2.0, -1.0, 1.0, -4.0, -4.0, 2.0, -2.0, 1.0, -1.0, 4.0, 1.0, -2.0, -4.0, -2.0, -2.0, 2.0, -4.0, 1.0, -1.0, -2.0],
      [4.0, 0.0, 1.0, -2.0, 4.0, -2.0, -4.0, -1.0, -1.0, 4.0, 0.0, 1.0, 1.0, -1.0, 1.0, 4.0, -4.0, -1.0, 0.0, -2.0, 0.0, -2.0, 1.0, -4.0, -2.0, -4.0, -2.0, 4.0, -1.0, 4.0, 0.0, 1.0],
      [4.0, -2.0, 2.0, 4.0, -4.0, -1.0, -1.0, 2.0, -2.0, 2.0, -2.0, -4.0, 4.0, -1.0, -1.0, -1.0, -4.0, 0.0, 4.0, -1.0, -1.0, -2.0, 2.0, -4.0, -2.0, -4.0, -2.0, -1.0, -1.0, -4.0, -2.0, 1.0],
      [4.0, 4.0, 0.0, 1.0, -2.0, -1.0, -1.0, 0.0, 1.0, -4.0, 4.0, 4.0, -2.0, 0.0, -1.0, 2.0, -4.0, 1.0, 2.0, 2.0, 2.0, 2.0, -2.0, 0.0, -4.0, -4.0, 4.0, 1.0, 2.0, 2.0, -1.0, 0.0],
      [4.0, 0.0, 4.0, 1.0, -2.0, -1.0, 1.0, -4.0, 2.0, -4.0, 1.0, 2.0, -1.0, 2.0, 0.0, -2.0, -4.0, -4.0, 1.0, -1.0, 0.0, 4.0, 2.0, -1.0, -4.0, -2.0, -4.0, 4.0, -2.0, 2.0, 1.0, -2.0],
      [4.0, -2.0, -1.0, 0.0, 4.0, 0.0, 4.0, 1.0, -1.0, 1.0, 2.0, 1.0, 1.0, 0.0, -4.0, 1.0, -4.0, -2.0, 0.0, -4.0, 4.0, -1.0, -1.0, -1.0, 4.0, -1.0, 1.0, -2.0, 0.0, 4.0, -1.0, -4.0],
      [4.0, -1.0, -4.0, -2.0, 0.0, -1.0, 0.0, 4.0, -1.0, 1.0, 4.0, -4.0, 0.0, 2.0, -1.0, 4.0, -4.0, 2.0, 4.0, -1.0, -2.0, 2.0, 4.0, 0.0, 1.0, 0.0, -4.0, 2.0, 2.0, 2.0, 0.0, 4.0],
      [4.0, 0.0, -2.0, 2.0, -1.0, 2.0, -4.0, -2.0, 2.0, 4.0, -2.0, 2.0, 4.0, 2.0, -2.0, 2.0, -4.0, -2.0, -4.0, 1.0, -1.0, 2.0, -1.0, -2.0, 4.0, 1.0, 0.0, -4.0, 2.0, 4.0, 4.0, -4.0],
      [4.0, -1.0, -4.0, 2.0, -1.0, 1.0, 0.0, 0.0, -4.0, 0.0, 0.0, 1.0, 1.0, -4.0, -1.0, 1.0, -4.0, -2.0, 2.0, 1.0, 0.0, 0.0, 2.0, 1.0, -2.0, -2.0, -1.0, 2.0, 0.0, 2.0, 1.0, 2.0],
      [4.0, 1.0, -1.0, 2.0, 0.0, -4.0, -1.0, 1.0, 1.0, 4.0, 2.0, 1.0, 2.0, 1.0, 1.0, -1.0, -4.0, 0.0, 2.0, -4.0, 2.0, -1.0, 2.0, 1.0, -2.0, 0.0, 2.0, 0.0, 0.0, 1.0, 4.0, -1.0],
      [4.0, -2.0, 0.0, -4.0, 2.0, -4.0, 4.0, 1.0, -1.0, -2.0, 4.0, -4.0, 2.0, 0.0, -4.0, 4.0, -4.0, -1.0, 0.0, 4.0, 1.0, -1.0, -4.0, -2.0, -1.0, 2.0, -2.0, 0.0, 1.0, 4.0, -2.0, 4.0],
      [4.0, 2.0, -1.0, -1.0, 1.0, -4.0, 0.0, -1.0, 0.0, -4.0, -2.0, -1.0, 4.0, -1.0, 2.0, -1.0, -4.0, 0.0, 2.0, 1.0, -4.0, 1.0, -1.0, 0.0, 2.0, 2.0, 4.0, 2.0, 1.0, 0.0, -4.0, 1.0],
      [4.0, -4.0, -1.0, 0.0, -2.0, -1.0, 0.0, -4.0, -4.0, 0.0, 4.0, -1.0, 0.0, 4.0, 4.0, 0.0, -4.0, 0.0, -4.0, -4.0, 4.0, -2.0, 0.0, 1.0, 2.0, 2.0, 0.0, 1.0, -2.0, -4.0, 0.0, -4.0]]> : tensor<16x32xf32>
  %w2 = arith.constant dense<[[-0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125],
      [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625],
      [0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25],
      [-0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5],
      [0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375],
      [-0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375],
      [0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5],
      [-0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25],
      [0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625],
      [-0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125],
      [0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75],
      [-0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0],
      [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75],
      [-0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125],
      [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625],
      [0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, -0.75, -0.625, -0.5, -0.375, -0.25]]> : tensor<16x32xbf16>
  %e = tensor.empty() : tensor<4x16xf32>
  %eb = tensor.empty() : tensor<4x16xbf16>
  %e8 = tensor.empty() : tensor<4x8xf32>
  %exact = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w1 : tensor<4x32xf32>, tensor<16x32xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32> loc("exact_proj")
  %lossy = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w2 : tensor<4x32xf32>, tensor<16x32xbf16>) outs(%eb : tensor<4x16xbf16>) -> tensor<4x16xbf16> loc("lossy_proj")
  %act = linalg.matmul ins(%x, %y : tensor<4x32xf32>, tensor<32x8xf32>) outs(%e8 : tensor<4x8xf32>) -> tensor<4x8xf32> loc("scores")
  %head = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w1 : tensor<4x32xf32>, tensor<16x32xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32> loc("lm_head")
  %dyn = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%z, %w1 : tensor<?x32xf32>, tensor<16x32xf32>) outs(%acc : tensor<?x16xf32>) -> tensor<?x16xf32> loc("dynamic_proj")
  return %exact, %lossy, %act, %head, %dyn : tensor<4x16xf32>, tensor<4x16xbf16>, tensor<4x8xf32>, tensor<4x16xf32>, tensor<?x16xf32>
}
