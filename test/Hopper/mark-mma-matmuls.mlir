// fp4-mark-mma-matmuls: fp4.matmul and W4A16 decode contractions the
// mma.sync kernels can compute become marked reference contractions over
// the fp4 components; everything else is left to the emulated lowering.
// RUN: fp4-opt %s --fp4-mark-mma-matmuls -split-input-file | FileCheck %s
// RUN: fp4-opt %s --fp4-mark-mma-matmuls="exact-dequantize=false" -split-input-file | FileCheck %s --check-prefix=FUSED
// RUN: fp4-opt %s --fp4-mark-mma-matmuls="gemm=false decode=false" -split-input-file | FileCheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @gemm_nvfp4
// CHECK-DAG:     %[[AV:.+]] = fp4.values %arg0 : !fp4.tensor<128x256, nvfp4> -> tensor<128x128xi8>
// CHECK-DAG:     %[[AS:.+]] = fp4.scales %arg0 : !fp4.tensor<128x256, nvfp4> -> tensor<128x16xf8E4M3FN>
// CHECK-DAG:     %[[AT:.+]] = fp4.tensor_scale %arg0
// CHECK-DAG:     %[[BV:.+]] = fp4.values %arg1
// CHECK-DAG:     %[[BS:.+]] = fp4.scales %arg1 : !fp4.tensor<256x256, nvfp4, block = 16x16> -> tensor<16x16xf8E4M3FN>
// CHECK-DAG:     %[[BT:.+]] = fp4.tensor_scale %arg1
// CHECK:         %[[C:.+]] = linalg.generic
// CHECK-SAME:        ins(%[[AV]], %[[AS]], %[[BV]], %[[BS]], %[[AT]], %[[BT]] :
// CHECK-SAME:        fp4.mma_matmul = {block_cols = 16 : i64, kind = "gemm", lhs_block_rows = 1 : i64, rhs_block_rows = 16 : i64, round_weights = false}
// The bf16 result is rounded from the f32 accumulator.
// CHECK:         arith.truncf {{.*}} : f32 to bf16
// CHECK-NOT:     fp4.matmul
// OFF-LABEL: func.func @gemm_nvfp4
// OFF:         fp4.matmul
func.func @gemm_nvfp4(%a: !fp4.tensor<128x256, nvfp4>, %b: !fp4.tensor<256x256, nvfp4, block = 16x16>) -> tensor<128x256xbf16> {
  %c = fp4.matmul %a, %b : !fp4.tensor<128x256, nvfp4>, !fp4.tensor<256x256, nvfp4, block = 16x16> -> tensor<128x256xbf16>
  return %c : tensor<128x256xbf16>
}

// -----

// CHECK-LABEL: func.func @gemm_mxfp4
// CHECK:         linalg.generic
// CHECK-SAME:        fp4.mma_matmul = {block_cols = 32 : i64, kind = "gemm"
func.func @gemm_mxfp4(%a: !fp4.tensor<256x128, mxfp4>, %b: !fp4.tensor<128x128, mxfp4>) -> tensor<256x128xf32> {
  %c = fp4.matmul %a, %b : !fp4.tensor<256x128, mxfp4>, !fp4.tensor<128x128, mxfp4> -> tensor<256x128xf32>
  return %c : tensor<256x128xf32>
}

// -----

// Shapes off the tiles (M not a multiple of 128; mxfp4 K not a multiple of
// 128; batch dimensions) stay fp4.matmul.
// CHECK-LABEL: func.func @gemm_fallbacks
// CHECK-NOT:     fp4.mma_matmul
// CHECK-COUNT-3: fp4.matmul
func.func @gemm_fallbacks(%a: !fp4.tensor<100x256, nvfp4>, %b: !fp4.tensor<128x256, nvfp4>,
                          %c: !fp4.tensor<128x64, mxfp4>, %d: !fp4.tensor<128x64, mxfp4>,
                          %e: !fp4.tensor<2x128x64, nvfp4>, %f: !fp4.tensor<2x128x64, nvfp4>)
    -> (tensor<100x128xf32>, tensor<128x128xf32>, tensor<2x128x128xf32>) {
  %0 = fp4.matmul %a, %b : !fp4.tensor<100x256, nvfp4>, !fp4.tensor<128x256, nvfp4> -> tensor<100x128xf32>
  %1 = fp4.matmul %c, %d : !fp4.tensor<128x64, mxfp4>, !fp4.tensor<128x64, mxfp4> -> tensor<128x128xf32>
  %2 = fp4.matmul %e, %f : !fp4.tensor<2x128x64, nvfp4>, !fp4.tensor<2x128x64, nvfp4> -> tensor<2x128x128xf32>
  return %0, %1, %2 : tensor<100x128xf32>, tensor<128x128xf32>, tensor<2x128x128xf32>
}

// -----

// The decode form of bench/gen_bench.py: bf16 activations, nvfp4 weights
// dequantized to bf16, f32 accumulator. The dequantization is gone; the
// reference body rounds each weight to bf16 as the dequantize did.
// CHECK-LABEL: func.func @decode_bf16
// CHECK-NOT:     fp4.dequantize
// CHECK:         %[[F:.+]] = linalg.fill
// CHECK-DAG:     %[[V:.+]] = fp4.values %arg1 : !fp4.tensor<256x512, nvfp4> -> tensor<256x256xi8>
// CHECK-DAG:     %[[S:.+]] = fp4.scales %arg1
// CHECK-DAG:     %[[T:.+]] = fp4.tensor_scale %arg1
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%arg0, %[[V]], %[[S]], %[[T]] : tensor<16x512xbf16>, tensor<256x256xi8>, tensor<256x32xf8E4M3FN>, f32)
// CHECK-SAME:        outs(%[[F]] : tensor<16x256xf32>)
// CHECK-SAME:        fp4.mma_matmul = {block_cols = 16 : i64, kind = "decode", lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = true}
// CHECK:           linalg.index 2
// CHECK:           arith.truncf {{.*}} : f32 to bf16
// CHECK:           arith.extf {{.*}} : bf16 to f32
// CHECK:           linalg.yield
// FUSED-LABEL: func.func @decode_bf16
// FUSED:         fp4.mma_matmul = {{{.*}}kind = "decode"{{.*}}round_weights = false}
// OFF-LABEL: func.func @decode_bf16
// OFF:         fp4.dequantize
func.func @decode_bf16(%x: tensor<16x512xbf16>, %q: !fp4.tensor<256x512, nvfp4>) -> tensor<16x256xf32> {
  %w = fp4.dequantize %q : !fp4.tensor<256x512, nvfp4> -> tensor<256x512xbf16>
  %e = tensor.empty() : tensor<16x256xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<16x256xf32>) -> tensor<16x256xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<16x512xbf16>, tensor<256x512xbf16>) outs(%f : tensor<16x256xf32>) {
  ^bb0(%p: bf16, %v: bf16, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %vf = arith.extf %v : bf16 to f32
    %pv = arith.mulf %pf, %vf : f32
    %s = arith.addf %o, %pv : f32
    linalg.yield %s : f32
  } -> tensor<16x256xf32>
  return %acc : tensor<16x256xf32>
}

// -----

// mxfp4 weights through linalg.matmul with transposed-B maps: the scales
// are powers of two, so the bf16 weights are exact (no rounding to keep).
// CHECK-LABEL: func.func @decode_matmul_mxfp4
// CHECK:         linalg.generic
// CHECK-SAME:        ins(%arg0, %{{.+}}, %{{.+}} : tensor<1x256xbf16>, tensor<32x128xi8>, tensor<32x8xf8E8M0FNU>)
// CHECK-SAME:        fp4.mma_matmul = {block_cols = 32 : i64, kind = "decode"{{.*}}round_weights = false}
// CHECK-NOT:     linalg.matmul
func.func @decode_matmul_mxfp4(%x: tensor<1x256xbf16>, %q: !fp4.tensor<32x256, mxfp4>, %f: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %w = fp4.dequantize %q : !fp4.tensor<32x256, mxfp4> -> tensor<32x256xbf16>
  %c = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %w : tensor<1x256xbf16>, tensor<32x256xbf16>) outs(%f : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %c : tensor<1x32xf32>
}

// -----

// Not the decode form, or off the kernel's shapes: M > 16, f16
// activations, K not a multiple of 128, N not a multiple of 16, B not
// transposed (plain linalg.matmul), a body that is not a multiply-add.
// CHECK-LABEL: func.func @decode_fallbacks
// CHECK-NOT:     fp4.mma_matmul
// CHECK-COUNT-6: fp4.dequantize
func.func @decode_fallbacks(%x17: tensor<17x256xbf16>, %xh: tensor<4x256xf16>, %x4: tensor<4x192xbf16>,
                            %q: !fp4.tensor<32x256, nvfp4>, %q192: !fp4.tensor<32x192, nvfp4>,
                            %q24: !fp4.tensor<24x256, nvfp4>, %qt: !fp4.tensor<256x32, nvfp4>,
                            %x256: tensor<4x256xbf16>,
                            %f17: tensor<17x32xf32>, %f4: tensor<4x32xf32>, %f24: tensor<4x24xf32>)
    -> (tensor<17x32xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4x24xf32>, tensor<4x32xf32>, tensor<4x32xf32>) {
  %w = fp4.dequantize %q : !fp4.tensor<32x256, nvfp4> -> tensor<32x256xbf16>
  %0 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x17, %w : tensor<17x256xbf16>, tensor<32x256xbf16>) outs(%f17 : tensor<17x32xf32>) -> tensor<17x32xf32>
  %wh = fp4.dequantize %q : !fp4.tensor<32x256, nvfp4> -> tensor<32x256xf16>
  %1 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%xh, %wh : tensor<4x256xf16>, tensor<32x256xf16>) outs(%f4 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %w192 = fp4.dequantize %q192 : !fp4.tensor<32x192, nvfp4> -> tensor<32x192xbf16>
  %2 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x4, %w192 : tensor<4x192xbf16>, tensor<32x192xbf16>) outs(%f4 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %w24 = fp4.dequantize %q24 : !fp4.tensor<24x256, nvfp4> -> tensor<24x256xbf16>
  %3 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x256, %w24 : tensor<4x256xbf16>, tensor<24x256xbf16>) outs(%f24 : tensor<4x24xf32>) -> tensor<4x24xf32>
  %wt = fp4.dequantize %qt : !fp4.tensor<256x32, nvfp4> -> tensor<256x32xbf16>
  %4 = linalg.matmul ins(%x256, %wt : tensor<4x256xbf16>, tensor<256x32xbf16>) outs(%f4 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %w2 = fp4.dequantize %q : !fp4.tensor<32x256, nvfp4> -> tensor<32x256xbf16>
  %5 = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x256, %w2 : tensor<4x256xbf16>, tensor<32x256xbf16>) outs(%f4 : tensor<4x32xf32>) {
  ^bb0(%p: bf16, %v: bf16, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %vf = arith.extf %v : bf16 to f32
    %pv = arith.mulf %pf, %vf : f32
    %s = arith.subf %o, %pv : f32
    linalg.yield %s : f32
  } -> tensor<4x32xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<17x32xf32>, tensor<4x32xf32>, tensor<4x32xf32>, tensor<4x24xf32>, tensor<4x32xf32>, tensor<4x32xf32>
}
