// RUN: fp4-opt %s --fp4-quantize-matmuls --split-input-file -verify-diagnostics | FileCheck %s
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="resource-threshold=0" 2>/dev/null | FileCheck %s --check-prefix=RES

// Every contraction spelling with the default options (nvfp4, static6 for
// weights and activations, 1x16 blocks). Contractions left alone are
// checked with -verify-diagnostics (the remark says why) and keep the
// reason in `fp4.high_precision`. The options are tested on the small model
// of the last sections.

// linalg.matmul A x B with a constant B = K x N: transposed at compile time
// to N x K (B[k][n] = 2k + n, so row n of the new constant is n, n+2, ...).
// The zero-filled init disappears: the f32 product is the result.
// CHECK-LABEL: func.func @matmul_kn
// CHECK-SAME: (%[[X:.+]]: tensor<4x16xf32>)
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[0.000000e+00, 2.000000e+00, 4.000000e+00, {{.*}}, 3.000000e+01], [1.000000e+00, 3.000000e+00, {{.*}}, 3.100000e+01]]> : tensor<2x16xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[QX:.+]] = fp4.quantize %[[X]] {rule = #fp4.rule<static6>} : tensor<4x16xf32> -> !fp4.tensor<4x16, nvfp4>
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]] {rule = #fp4.rule<static6>} : tensor<2x16xf32> -> !fp4.tensor<2x16, nvfp4>
// CHECK: %[[C:.+]] = fp4.matmul %[[QX]], %[[QW]] {fp4.layer = 0 : i64, fp4.weight_type = f32} : !fp4.tensor<4x16, nvfp4>, !fp4.tensor<2x16, nvfp4> -> tensor<4x2xf32>
// CHECK: return %[[C]] : tensor<4x2xf32>
// With resource-threshold=0 the transposed weight becomes a blob.
// RES-LABEL: func.func @matmul_kn
// RES: arith.constant dense_resource<fp4_weight> : tensor<2x16xf32>
func.func @matmul_kn(%x: tensor<4x16xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0], [8.0, 9.0], [10.0, 11.0], [12.0, 13.0], [14.0, 15.0], [16.0, 17.0], [18.0, 19.0], [20.0, 21.0], [22.0, 23.0], [24.0, 25.0], [26.0, 27.0], [28.0, 29.0], [30.0, 31.0]]> : tensor<16x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Transposed B (the PyTorch [out, in] layout) from a dense_resource blob:
// already N x K, quantized in place; the name comes from the location.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK: %[[W:.+]] = arith.constant dense_resource<w_nk> : tensor<2x16xbf16>
// CHECK: %[[QX:.+]] = fp4.quantize %{{.+}} {rule = #fp4.rule<static6>} : tensor<8x16xbf16> -> !fp4.tensor<8x16, nvfp4>
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]] {rule = #fp4.rule<static6>} : tensor<2x16xbf16> -> !fp4.tensor<2x16, nvfp4>
// CHECK: fp4.matmul %[[QX]], %[[QW]] {fp4.layer = 0 : i64, fp4.name = "q_proj", fp4.weight_type = bf16} : {{.*}} -> tensor<8x2xf32>
func.func @matmul_transpose_b(%x: tensor<8x16xbf16>) -> tensor<8x2xf32> {
  %w = arith.constant dense_resource<w_nk> : tensor<2x16xbf16>
  %e = tensor.empty() : tensor<8x2xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<8x16xbf16>, tensor<2x16xbf16>) outs(%e : tensor<8x2xf32>) -> tensor<8x2xf32> loc("q_proj")
  return %r : tensor<8x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w_nk: "0x020000000000003E803EC03E003F203F403F603F803F903FA03FB03FC03FD03FE03FF03F0040084010401840204028403040384040404840504058406040684070407840"
    }
  }
#-}

// -----

// Transposed A: the activation K x M is transposed at run time.
// CHECK-LABEL: func.func @matmul_transpose_a
// CHECK-SAME: (%[[X:.+]]: tensor<32x4xf32>)
// CHECK: %[[W:.+]] = arith.constant dense<1.000000e+00> : tensor<8x32xf32>
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[X]] : tensor<32x4xf32>) outs(%{{.+}} : tensor<4x32xf32>) permutation = [1, 0]
// CHECK: %[[QX:.+]] = fp4.quantize %[[T]] {{.*}} : tensor<4x32xf32> -> !fp4.tensor<4x32, nvfp4>
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]] {{.*}} : tensor<8x32xf32> -> !fp4.tensor<8x32, nvfp4>
// CHECK: fp4.matmul %[[QX]], %[[QW]] {{.*}} -> tensor<4x8xf32>
func.func @matmul_transpose_a(%x: tensor<32x4xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<32x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<32x4xf32>, tensor<32x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// Both operands transposed, weight argument marked fp4.weight: A^T at run
// time, B^T is already N x K.
// CHECK-LABEL: func.func @matmul_transpose_both
// CHECK-SAME: (%[[X:.+]]: tensor<32x4xf32>, %[[W:.+]]: tensor<8x32xf32> {fp4.weight})
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[X]] : tensor<32x4xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[QX:.+]] = fp4.quantize %[[T]]
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]] {{.*}} : tensor<8x32xf32> -> !fp4.tensor<8x32, nvfp4>
// CHECK: fp4.matmul %[[QX]], %[[QW]]
func.func @matmul_transpose_both(%x: tensor<32x4xf32>, %w: tensor<8x32xf32> {fp4.weight}) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<32x4xf32>, tensor<8x32xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// batch_matmul with a per-batch weight argument [B, K, N]: transposed to
// [B, N, K] at run time; a batched fp4.matmul.
// CHECK-LABEL: func.func @batch_matmul_arg
// CHECK-SAME: (%[[X:.+]]: tensor<2x4x32xf32>, %[[W:.+]]: tensor<2x32x16xf32> {fp4.weight})
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[W]] : tensor<2x32x16xf32>) outs(%{{.+}} : tensor<2x16x32xf32>) permutation = [0, 2, 1]
// CHECK: %[[QX:.+]] = fp4.quantize %[[X]] {{.*}} : tensor<2x4x32xf32> -> !fp4.tensor<2x4x32, nvfp4>
// CHECK: %[[QW:.+]] = fp4.quantize %[[T]] {{.*}} : tensor<2x16x32xf32> -> !fp4.tensor<2x16x32, nvfp4>
// CHECK: fp4.matmul %[[QX]], %[[QW]] {{.*}} : !fp4.tensor<2x4x32, nvfp4>, !fp4.tensor<2x16x32, nvfp4> -> tensor<2x4x16xf32>
func.func @batch_matmul_arg(%x: tensor<2x4x32xf32>, %w: tensor<2x32x16xf32> {fp4.weight}) -> tensor<2x4x16xf32> {
  %e = tensor.empty() : tensor<2x4x16xf32>
  %r = linalg.batch_matmul ins(%x, %w : tensor<2x4x32xf32>, tensor<2x32x16xf32>) outs(%e : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %r : tensor<2x4x16xf32>
}

// -----

// batch_matmul whose 2-D weight is shared by every batch (indexing maps):
// the weight stays one N x K matrix, the batch becomes a leading M
// dimension of the activation.
// CHECK-LABEL: func.func @batch_matmul_shared_weight
// CHECK: %[[W:.+]] = arith.constant dense<2.000000e+00> : tensor<16x32xf32>
// CHECK: %[[QX:.+]] = fp4.quantize %{{.+}} {{.*}} : tensor<3x4x32xf32> -> !fp4.tensor<3x4x32, nvfp4>
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]] {{.*}} : tensor<16x32xf32> -> !fp4.tensor<16x32, nvfp4>
// CHECK: fp4.matmul %[[QX]], %[[QW]] {{.*}} : !fp4.tensor<3x4x32, nvfp4>, !fp4.tensor<16x32, nvfp4> -> tensor<3x4x16xf32>
func.func @batch_matmul_shared_weight(%x: tensor<3x4x32xf32>) -> tensor<3x4x16xf32> {
  %w = arith.constant dense<2.0> : tensor<32x16xf32>
  %e = tensor.empty() : tensor<3x4x16xf32>
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%x, %w : tensor<3x4x32xf32>, tensor<32x16xf32>) outs(%e : tensor<3x4x16xf32>) -> tensor<3x4x16xf32>
  return %r : tensor<3x4x16xf32>
}

// -----

// A weight broadcast over the batch by linalg.broadcast is folded into the
// indexing map: quantized once, not once per batch.
// CHECK-LABEL: func.func @batch_matmul_broadcast
// CHECK-NOT: linalg.broadcast
// CHECK: %[[QW:.+]] = fp4.quantize %{{.+}} {{.*}} : tensor<16x32xbf16> -> !fp4.tensor<16x32, nvfp4>
// CHECK: fp4.matmul %{{.+}}, %[[QW]] {{.*}} : !fp4.tensor<3x4x32, nvfp4>, !fp4.tensor<16x32, nvfp4> -> tensor<3x4x16xf32>
func.func @batch_matmul_broadcast(%x: tensor<3x4x32xf32>) -> tensor<3x4x16xf32> {
  %w = arith.constant dense<1.0> : tensor<16x32xbf16>
  %be = tensor.empty() : tensor<3x16x32xbf16>
  %wb = linalg.broadcast ins(%w : tensor<16x32xbf16>) outs(%be : tensor<3x16x32xbf16>) dimensions = [0]
  %e = tensor.empty() : tensor<3x4x16xf32>
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%x, %wb : tensor<3x4x32xf32>, tensor<3x16x32xbf16>) outs(%e : tensor<3x4x16xf32>) -> tensor<3x4x16xf32>
  return %r : tensor<3x4x16xf32>
}

// -----

// linalg.contract with the weight on the left, W x X = (X^T W^T)^T, and a
// non-zero accumulator (a function argument) added in f32 afterwards.
// CHECK-LABEL: func.func @contract_weight_left_acc
// CHECK-SAME: (%[[X:.+]]: tensor<32x4xf32>, %[[ACC:.+]]: tensor<8x4xf32>)
// CHECK: %[[W:.+]] = arith.constant dense<1.000000e+00> : tensor<8x32xf32>
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[X]] : tensor<32x4xf32>) outs(%{{.+}} : tensor<4x32xf32>) permutation = [1, 0]
// CHECK: %[[QX:.+]] = fp4.quantize %[[T]]
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]]
// CHECK: %[[C:.+]] = fp4.matmul %[[QX]], %[[QW]] {{.*}} -> tensor<4x8xf32>
// CHECK: %[[CT:.+]] = linalg.transpose ins(%[[C]] : tensor<4x8xf32>) outs(%{{.+}} : tensor<8x4xf32>) permutation = [1, 0]
// CHECK: %[[R:.+]] = linalg.generic {{.*}} ins(%[[CT]], %[[ACC]] : tensor<8x4xf32>, tensor<8x4xf32>) outs(%[[ACC]] : tensor<8x4xf32>)
// CHECK: ^bb0(%[[P:.+]]: f32, %[[A:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[A]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: return %[[R]]
func.func @contract_weight_left_acc(%x: tensor<32x4xf32>, %acc: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %w = arith.constant dense<1.0> : tensor<8x32xf32>
  %r = linalg.contract indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%w, %x : tensor<8x32xf32>, tensor<32x4xf32>) outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

// linalg.generic with a batch dimension on both operands, bf16 throughout:
// fp4.matmul produces bf16 directly.
// CHECK-LABEL: func.func @generic_batch_bf16
// CHECK-SAME: (%[[X:.+]]: tensor<2x4x32xbf16>, %[[W:.+]]: tensor<2x16x32xbf16> {fp4.weight})
// CHECK: %[[QX:.+]] = fp4.quantize %[[X]] {{.*}} : tensor<2x4x32xbf16> -> !fp4.tensor<2x4x32, nvfp4>
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]] {{.*}} : tensor<2x16x32xbf16> -> !fp4.tensor<2x16x32, nvfp4>
// CHECK: %[[C:.+]] = fp4.matmul %[[QX]], %[[QW]] {fp4.layer = 0 : i64, fp4.weight_type = bf16} : {{.*}} -> tensor<2x4x16xbf16>
// CHECK-NEXT: return %[[C]] : tensor<2x4x16xbf16>
func.func @generic_batch_bf16(%x: tensor<2x4x32xbf16>, %w: tensor<2x16x32xbf16> {fp4.weight}) -> tensor<2x4x16xbf16> {
  %zero = arith.constant 0.0 : bf16
  %e = tensor.empty() : tensor<2x4x16xbf16>
  %f = linalg.fill ins(%zero : bf16) outs(%e : tensor<2x4x16xbf16>) -> tensor<2x4x16xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x4x32xbf16>, tensor<2x16x32xbf16>) outs(%f : tensor<2x4x16xbf16>) {
  ^bb0(%a: bf16, %b: bf16, %o: bf16):
    %p = arith.mulf %a, %b : bf16
    %s = arith.addf %o, %p : bf16
    linalg.yield %s : bf16
  } -> tensor<2x4x16xbf16>
  return %r : tensor<2x4x16xbf16>
}

// -----

// A generic einsum "bsh,hdn->bsn"-like contraction with two K loops (h, d)
// and mixed precision (bf16 weight extended in the body, f16 result): the K
// loops are flattened (K = 2 x 16), the constant weight is transposed and
// reshaped at compile time to N x K (W[h][d][n] = n + 1, so row n holds
// n + 1: bf16 0x3F80, 0x4000, 0x4040, ...), and the f32 product is
// truncated.
// CHECK-LABEL: func.func @generic_two_k_f16
// CHECK: %[[W:.+]] = arith.constant dense<"0x{{(803F){32}(0040){32}(4040){32}8040}}{{.*}}"> : tensor<8x32xbf16>
// CHECK: %[[XC:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0], [1], [2, 3]] : tensor<2x4x2x16xf32> into tensor<2x4x32xf32>
// CHECK: %[[QX:.+]] = fp4.quantize %[[XC]] {{.*}} : tensor<2x4x32xf32> -> !fp4.tensor<2x4x32, nvfp4>
// CHECK: %[[QW:.+]] = fp4.quantize %[[W]] {{.*}} : tensor<8x32xbf16> -> !fp4.tensor<8x32, nvfp4>
// CHECK: %[[C:.+]] = fp4.matmul %[[QX]], %[[QW]] {{.*}} -> tensor<2x4x8xf32>
// CHECK: %[[R:.+]] = arith.truncf %[[C]] : tensor<2x4x8xf32> to tensor<2x4x8xf16>
// CHECK: return %[[R]]
func.func @generic_two_k_f16(%x: tensor<2x4x2x16xf32>) -> tensor<2x4x8xf16> {
  %w = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]],
                             [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]]]> : tensor<2x16x8xbf16>
  %zero = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<2x4x8xf16>
  %f = linalg.fill ins(%zero : f16) outs(%e : tensor<2x4x8xf16>) -> tensor<2x4x8xf16>
  %r = linalg.generic {indexing_maps = [affine_map<(b, s, n, h, d) -> (b, s, h, d)>, affine_map<(b, s, n, h, d) -> (h, d, n)>, affine_map<(b, s, n, h, d) -> (b, s, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<2x4x2x16xf32>, tensor<2x16x8xbf16>) outs(%f : tensor<2x4x8xf16>) {
  ^bb0(%a: f32, %b: bf16, %o: f16):
    %bf = arith.extf %b : bf16 to f32
    %p = arith.mulf %a, %bf : f32
    %t = arith.truncf %p : f32 to f16
    %s = arith.addf %o, %t : f16
    linalg.yield %s : f16
  } -> tensor<2x4x8xf16>
  return %r : tensor<2x4x8xf16>
}

// -----

// A bf16 accumulator argument: the product is added to it in f32 and
// rounded back to bf16.
// CHECK-LABEL: func.func @bf16_accumulator
// CHECK-SAME: %[[ACC:[^:]+]]: tensor<4x16xbf16>
// CHECK: %[[C:.+]] = fp4.matmul {{.*}} -> tensor<4x16xf32>
// CHECK: linalg.generic {{.*}} ins(%[[C]], %[[ACC]] : tensor<4x16xf32>, tensor<4x16xbf16>) outs(%[[ACC]] : tensor<4x16xbf16>)
// CHECK: ^bb0(%[[P:.+]]: f32, %[[A:.+]]: bf16, %{{.+}}: bf16):
// CHECK-NEXT: %[[AE:.+]] = arith.extf %[[A]] : bf16 to f32
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[AE]], %[[P]] : f32
// CHECK-NEXT: %[[ST:.+]] = arith.truncf %[[S]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[ST]] : bf16
func.func @bf16_accumulator(%x: tensor<4x32xbf16>, %w: tensor<32x16xbf16> {fp4.weight}, %acc: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %r = linalg.matmul ins(%x, %w : tensor<4x32xbf16>, tensor<32x16xbf16>) outs(%acc : tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return %r : tensor<4x16xbf16>
}

// -----

// bf16 in and out with the sum computed in f32 inside the body (extf of the
// accumulator, truncf of the sum): a contraction; fp4.matmul gives bf16.
// CHECK-LABEL: func.func @generic_wide_accumulator
// CHECK: %[[C:.+]] = fp4.matmul {{.*}} -> tensor<4x16xbf16>
// CHECK-NEXT: return %[[C]]
func.func @generic_wide_accumulator(%x: tensor<4x32xbf16>, %w: tensor<16x32xbf16> {fp4.weight}) -> tensor<4x16xbf16> {
  %e = tensor.empty() : tensor<4x16xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x32xbf16>, tensor<16x32xbf16>) outs(%e : tensor<4x16xbf16>) {
  ^bb0(%a: bf16, %b: bf16, %o: bf16):
    %a32 = arith.extf %a : bf16 to f32
    %b32 = arith.extf %b : bf16 to f32
    %o32 = arith.extf %o : bf16 to f32
    %p = arith.mulf %a32, %b32 : f32
    %s = arith.addf %o32, %p : f32
    %t = arith.truncf %s : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<4x16xbf16>
  return %r : tensor<4x16xbf16>
}

// -----

// Matrix-vector products: the missing M or N is a unit dimension.
// CHECK-LABEL: func.func @matvec
// CHECK-SAME: (%[[X:.+]]: tensor<32xf32>)
// CHECK: %[[XE:.+]] = tensor.expand_shape %[[X]] {{\[}}[0, 1]] output_shape [1, 32] : tensor<32xf32> into tensor<1x32xf32>
// CHECK: %[[QX:.+]] = fp4.quantize %[[XE]] {{.*}} : tensor<1x32xf32> -> !fp4.tensor<1x32, nvfp4>
// CHECK: %[[C:.+]] = fp4.matmul %[[QX]], %{{.+}} {{.*}} -> tensor<1x8xf32>
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[C]] {{\[}}[0, 1]] : tensor<1x8xf32> into tensor<8xf32>
// CHECK: return %[[R]]
func.func @matvec(%x: tensor<32xf32>) -> tensor<8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x32xf32>
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.matvec ins(%w, %x : tensor<8x32xf32>, tensor<32xf32>) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// CHECK-LABEL: func.func @dot
// CHECK: fp4.matmul {{.*}} : !fp4.tensor<1x32, nvfp4>, !fp4.tensor<1x32, nvfp4> -> tensor<1x1xf32>
// CHECK: tensor.collapse_shape %{{.+}} [] : tensor<1x1xf32> into tensor<f32>
func.func @dot(%x: tensor<32xf32>, %w: tensor<32xf32> {fp4.weight}) -> tensor<f32> {
  %e = tensor.empty() : tensor<f32>
  %r = linalg.dot ins(%x, %w : tensor<32xf32>, tensor<32xf32>) outs(%e : tensor<f32>) -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// A fused QKV constant (rows Q, Q, K, K, V, V; row i holds i) split by
// extract_slice: the K slice is evaluated at compile time.
// CHECK-LABEL: func.func @fused_qkv_slice
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 2.000000e+00, {{.*}}], [3.000000e+00, {{.*}}, 3.000000e+00]]> : tensor<2x16xf32>
// CHECK-NOT: tensor.extract_slice
// CHECK: fp4.quantize %[[W]] {{.*}} : tensor<2x16xf32> -> !fp4.tensor<2x16, nvfp4>
func.func @fused_qkv_slice(%x: tensor<4x16xf32>) -> tensor<4x2xf32> {
  %qkv = arith.constant dense<[
                              [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                              [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
                              [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],
                              [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0],
                              [4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0],
                              [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]]> : tensor<6x16xf32>
  %wk = tensor.extract_slice %qkv[2, 0] [2, 16] [1, 1] : tensor<6x16xf32> to tensor<2x16xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %wk : tensor<4x16xf32>, tensor<2x16xf32>) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// One constant used by two contractions in the same layout: transposed
// once.
// CHECK-LABEL: func.func @shared_weight
// CHECK: %[[W:.+]] = arith.constant dense<3.000000e+00> : tensor<16x32xf32>
// CHECK-NOT: arith.constant dense<3.000000e+00>
// CHECK: %[[Q1:.+]] = fp4.quantize %[[W]]
// CHECK: fp4.matmul %{{.+}}, %[[Q1]] {fp4.layer = 0 : i64
// CHECK: %[[Q2:.+]] = fp4.quantize %[[W]]
// CHECK: fp4.matmul %{{.+}}, %[[Q2]] {fp4.layer = 1 : i64
func.func @shared_weight(%x: tensor<4x32xf32>, %y: tensor<4x32xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %w = arith.constant dense<3.0> : tensor<32x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  %r1 = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %r2 = linalg.matmul ins(%y, %w : tensor<4x32xf32>, tensor<32x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r1, %r2 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// Left alone, with a remark and the reason recorded for --fp4-report.

// CHECK-LABEL: func.func @attention_scores
// CHECK: linalg.batch_matmul {fp4.high_precision = "no weight operand (activation x activation: quantized only with activation-matmuls)"}
func.func @attention_scores(%q: tensor<2x8x32xf32>, %k: tensor<2x32x8xf32>) -> tensor<2x8x8xf32> {
  %e = tensor.empty() : tensor<2x8x8xf32>
  // expected-remark @+1 {{not quantized: no weight operand (activation x activation: quantized only with activation-matmuls)}}
  %r = linalg.batch_matmul ins(%q, %k : tensor<2x8x32xf32>, tensor<2x32x8xf32>) outs(%e : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  return %r : tensor<2x8x8xf32>
}

// CHECK-LABEL: func.func @unmarked_argument
// CHECK: linalg.matmul {fp4.high_precision
func.func @unmarked_argument(%x: tensor<4x32xf32>, %w: tensor<32x16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{not quantized: no weight operand}}
  %r = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @two_weights
func.func @two_weights(%w1: tensor<4x32xf32> {fp4.weight}) -> tensor<4x16xf32> {
  %w2 = arith.constant dense<1.0> : tensor<32x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{not quantized: both operands are weights}}
  %r = linalg.matmul ins(%w1, %w2 : tensor<4x32xf32>, tensor<32x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @integer
// CHECK: linalg.matmul {fp4.high_precision = "element types (i8, i8 -> i32) are not f32, bf16 or f16"}
func.func @integer(%x: tensor<4x32xi8>) -> tensor<4x16xi32> {
  %w = arith.constant dense<1> : tensor<32x16xi8>
  %e = tensor.empty() : tensor<4x16xi32>
  // expected-remark @+1 {{not quantized: element types (i8, i8 -> i32) are not f32, bf16 or f16}}
  %r = linalg.matmul ins(%x, %w : tensor<4x32xi8>, tensor<32x16xi8>) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// CHECK-LABEL: func.func @f64
func.func @f64(%x: tensor<4x32xf64>) -> tensor<4x16xf64> {
  %w = arith.constant dense<1.0> : tensor<32x16xf64>
  %e = tensor.empty() : tensor<4x16xf64>
  // expected-remark @+1 {{not quantized: element types (f64, f64 -> f64) are not f32, bf16 or f16}}
  %r = linalg.matmul ins(%x, %w : tensor<4x32xf64>, tensor<32x16xf64>) outs(%e : tensor<4x16xf64>) -> tensor<4x16xf64>
  return %r : tensor<4x16xf64>
}

// CHECK-LABEL: func.func @dynamic
// CHECK: linalg.matmul {fp4.high_precision = "dynamic shapes are not supported"}
func.func @dynamic(%x: tensor<?x32xf32>, %acc: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %w = arith.constant dense<1.0> : tensor<32x16xf32>
  // expected-remark @+1 {{not quantized: dynamic shapes are not supported}}
  %r = linalg.matmul ins(%x, %w : tensor<?x32xf32>, tensor<32x16xf32>) outs(%acc : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

// CHECK-LABEL: func.func @k_not_multiple_of_block
// CHECK: linalg.matmul {fp4.high_precision = "K (24) is not a multiple of the nvfp4 block width (16)"}
func.func @k_not_multiple_of_block(%x: tensor<4x24xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<1.0> : tensor<24x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{not quantized: K (24) is not a multiple of the nvfp4 block width (16)}}
  %r = linalg.matmul ins(%x, %w : tensor<4x24xf32>, tensor<24x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @empty
func.func @empty(%x: tensor<0x32xf32>) -> tensor<0x16xf32> {
  %w = arith.constant dense<1.0> : tensor<32x16xf32>
  %e = tensor.empty() : tensor<0x16xf32>
  // expected-remark @+1 {{not quantized: empty tensors are not supported}}
  %r = linalg.matmul ins(%x, %w : tensor<0x32xf32>, tensor<32x16xf32>) outs(%e : tensor<0x16xf32>) -> tensor<0x16xf32>
  return %r : tensor<0x16xf32>
}

// A contraction-shaped generic whose body is not a multiply-add.
// CHECK-LABEL: func.func @subtracting_body
// CHECK: linalg.generic
// CHECK-NOT: fp4.matmul
func.func @subtracting_body(%x: tensor<4x32xf32>, %acc: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<1.0> : tensor<16x32xf32>
  // expected-remark @+1 {{not quantized: the body is not a float multiply-add 'out + a * b'}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x32xf32>, tensor<16x32xf32>) outs(%acc : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.subf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// Not contraction-shaped (no reduction): not considered, no remark.
// CHECK-LABEL: func.func @elementwise_multiply_add
// CHECK: linalg.generic
// CHECK-NOT: fp4.high_precision
// CHECK-NOT: fp4.matmul
func.func @elementwise_multiply_add(%x: tensor<4x32xf32>, %acc: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<1.0> : tensor<4x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m, k)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %w : tensor<4x32xf32>, tensor<4x32xf32>) outs(%acc : tensor<4x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Options (the RUN lines at the top of the section; their outputs are
// checked on the functions below only).
//===----------------------------------------------------------------------===//

// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="format=mxfp4 weight-rule=mx_floor" 2>/dev/null | FileCheck %s --check-prefix=MX
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="weight-rule=four_over_six:mae activation-rule=static4" 2>/dev/null | FileCheck %s --check-prefix=RULES
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="weight-rule=four_over_six weight-block-2d=1" 2>/dev/null | FileCheck %s --check-prefix=BLOCK2D
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="weight-block-2d=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BLOCK2D-REMARK
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="keep-high-precision=lm_head,*.down_proj" 2>/dev/null | FileCheck %s --check-prefix=KEEP-NAME
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="keep-high-precision=first,-2" 2>/dev/null | FileCheck %s --check-prefix=KEEP-POS
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="keep-high-precision=last,layers.0.*" -o /dev/null 2>&1 | FileCheck %s --check-prefix=KEEP-REMARK
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls="activation-matmuls=1 activation-rule=four_over_six" 2>/dev/null | FileCheck %s --check-prefix=ACT

// A small model: four linear layers named by their locations, attention in
// between (two activations).

// CHECK-LABEL: func.func @model
// CHECK-COUNT-4: fp4.matmul
// CHECK-NOT: fp4.matmul

// mxfp4: 1x32 blocks everywhere, mx_floor weights, mx_ceil (the default)
// activations; 16x16 weight blocks and four_over_six do not exist there.
// MX-LABEL: func.func @model
// MX: fp4.quantize %{{.+}} {rule = #fp4.rule<mx_ceil>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
// MX: fp4.quantize %{{.+}} {rule = #fp4.rule<mx_floor>} : tensor<32x64xbf16> -> !fp4.tensor<32x64, mxfp4>
// MX: fp4.matmul {{.*}} : !fp4.tensor<4x64, mxfp4>, !fp4.tensor<32x64, mxfp4> -> tensor<4x32xf32>

// RULES-LABEL: func.func @model
// RULES: fp4.quantize %{{.+}} {rule = #fp4.rule<static4>} : tensor<4x64xf32>
// RULES: fp4.quantize %{{.+}} {rule = #fp4.rule<four_over_six, mae>} : tensor<32x64xbf16>

// 16x16 weight blocks, 1x16 activation blocks; the 8-row lm_head weight
// cannot be tiled by 16 and gets 1x16 blocks with a remark.
// BLOCK2D-LABEL: func.func @model
// BLOCK2D: fp4.quantize %{{.+}} {rule = #fp4.rule<four_over_six>} : tensor<32x64xbf16> -> !fp4.tensor<32x64, nvfp4, block = 16x16>
// BLOCK2D: fp4.matmul {{.*}} : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<4x32xf32>
// BLOCK2D: fp4.quantize %{{.+}} : tensor<8x32xf32> -> !fp4.tensor<8x32, nvfp4>
// BLOCK2D-REMARK: remark: weight N (8) is not a multiple of 16: 1x16 weight blocks instead of 16x16

// KEEP-NAME-LABEL: func.func @model
// KEEP-NAME: fp4.matmul {{.*}}fp4.name = "embed_proj"
// KEEP-NAME: fp4.matmul {{.*}}fp4.name = "layers.0.q_proj"
// KEEP-NAME: linalg.matmul {{.*}}{fp4.high_precision = "kept in high precision by keep-high-precision '*.down_proj'"}
// KEEP-NAME: linalg.matmul {{.*}}{fp4.high_precision = "kept in high precision by keep-high-precision 'lm_head'"}
// KEEP-NAME-NOT: fp4.matmul

// Positions count the linear layers: first = embed_proj (0), -2 =
// layers.0.down_proj (2).
// KEEP-POS-LABEL: func.func @model
// KEEP-POS: linalg.matmul {{.*}}{fp4.high_precision = "kept in high precision by keep-high-precision 'first'"}
// KEEP-POS: fp4.matmul {{.*}}fp4.layer = 1 : i64, fp4.name = "layers.0.q_proj"
// KEEP-POS: linalg.matmul {{.*}}{fp4.high_precision = "kept in high precision by keep-high-precision '-2'"}
// KEEP-POS: fp4.matmul {{.*}}fp4.layer = 3 : i64, fp4.name = "lm_head"

// KEEP-REMARK: remark: loc("layers.0.q_proj"): not quantized: kept in high precision by keep-high-precision 'layers.0.*'
// KEEP-REMARK: remark: loc("layers.0.down_proj"): not quantized: kept in high precision by keep-high-precision 'layers.0.*'
// KEEP-REMARK: remark: loc("lm_head"): not quantized: kept in high precision by keep-high-precision 'last'

// activation-matmuls: attention is quantized with the activation rule on
// both sides (no weight type).
// ACT-LABEL: func.func @model
// ACT: fp4.quantize %{{.+}} {rule = #fp4.rule<four_over_six>} : tensor<2x4x16xf32>
// ACT: fp4.quantize %{{.+}} {rule = #fp4.rule<four_over_six>} : tensor<2x4x16xf32>
// ACT: fp4.matmul %{{.+}}, %{{.+}} : !fp4.tensor<2x4x16, nvfp4>, !fp4.tensor<2x4x16, nvfp4> -> tensor<2x4x4xf32>

func.func @model(%x: tensor<4x64xf32>) -> tensor<4x8xf32> {
  %w0 = arith.constant dense<0.5> : tensor<32x64xbf16>
  %w1 = arith.constant dense<0.25> : tensor<32x32xbf16>
  %w2 = arith.constant dense<1.5> : tensor<32x32xf32>
  %w3 = arith.constant dense<2.0> : tensor<32x8xf32>
  %e = tensor.empty() : tensor<4x32xf32>
  %h0 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w0 : tensor<4x64xf32>, tensor<32x64xbf16>) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32> loc("embed_proj")
  %h1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%h0, %w1 : tensor<4x32xf32>, tensor<32x32xbf16>) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32> loc("layers.0.q_proj")
  %q = tensor.expand_shape %h1 [[0], [1, 2]] output_shape [4, 2, 16] : tensor<4x32xf32> into tensor<4x2x16xf32>
  %te = tensor.empty() : tensor<2x4x16xf32>
  %qt = linalg.transpose ins(%q : tensor<4x2x16xf32>) outs(%te : tensor<2x4x16xf32>) permutation = [1, 0, 2]
  %se = tensor.empty() : tensor<2x4x4xf32>
  // expected-remark @+1 {{not quantized: no weight operand}}
  %s = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%qt, %qt : tensor<2x4x16xf32>, tensor<2x4x16xf32>) outs(%se : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %h2 = linalg.matmul ins(%h1, %w2 : tensor<4x32xf32>, tensor<32x32xf32>) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32> loc("layers.0.down_proj")
  %e8 = tensor.empty() : tensor<4x8xf32>
  %y = linalg.matmul ins(%h2, %w3 : tensor<4x32xf32>, tensor<32x8xf32>) outs(%e8 : tensor<4x8xf32>) -> tensor<4x8xf32> loc("lm_head")
  return %y : tensor<4x8xf32>
}

// -----

// Invalid options are errors naming the option.
// RUN: not fp4-opt %s --split-input-file --fp4-quantize-matmuls=format=fp8 2>&1 | FileCheck %s --check-prefix=BAD-FORMAT
// BAD-FORMAT: error: fp4-quantize-matmuls: unknown format 'fp8' (expected nvfp4 or mxfp4)
// RUN: not fp4-opt %s --split-input-file --fp4-quantize-matmuls=weight-rule=mx_ceil 2>&1 | FileCheck %s --check-prefix=BAD-RULE
// BAD-RULE: error: fp4-quantize-matmuls: weight-rule: rule 'mx_ceil' is not valid for nvfp4
// RUN: not fp4-opt %s --split-input-file --fp4-quantize-matmuls="format=mxfp4 activation-rule=four_over_six" 2>&1 | FileCheck %s --check-prefix=BAD-ACT-RULE
// BAD-ACT-RULE: error: fp4-quantize-matmuls: activation-rule: rule 'four_over_six' is not valid for mxfp4
// RUN: not fp4-opt %s --split-input-file --fp4-quantize-matmuls=weight-rule=static6:mae 2>&1 | FileCheck %s --check-prefix=BAD-METRIC
// BAD-METRIC: error: fp4-quantize-matmuls: weight-rule: metric 'mae' is not valid (four_over_six takes mse, mae or absmax)
// RUN: not fp4-opt %s --split-input-file --fp4-quantize-matmuls="format=mxfp4 weight-block-2d=1" 2>&1 | FileCheck %s --check-prefix=BAD-2D
// BAD-2D: error: fp4-quantize-matmuls: weight-block-2d needs nvfp4 (mxfp4 has 1x32 blocks only)
// RUN: fp4-opt %s --split-input-file --fp4-quantize-matmuls=keep-high-precision=7 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD-POSITION
// BAD-POSITION: warning: fp4-quantize-matmuls: keep-high-precision position '7' is out of range: the module has 4 linear layers
