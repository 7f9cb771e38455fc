// fp4-mark-mma-matmuls on the CPU: the marked reference contractions (what
// a GPU runs where fp4-build-mma-kernels does not take them) give the bytes
// of the unmarked program: fp4.matmul (nvfp4 with 16x16 weight blocks,
// mxfp4 with a bf16 result) and W4A16 decode contractions (nvfp4 weights
// dequantized to bf16 - every weight rounded - and to f32, mxfp4 weights
// through linalg.matmul).
// RUN: fp4-opt %s --fp4-lower-to-cpu | %run_cpu | sed -e 's/base@ = 0x[0-9a-f]*//' > %t.emulated
// RUN: fp4-opt %s --fp4-mark-mma-matmuls --fp4-lower-to-cpu | %run_cpu | sed -e 's/base@ = 0x[0-9a-f]*//' > %t.marked
// RUN: diff %t.emulated %t.marked
// RUN: FileCheck %s --input-file=%t.marked --check-prefix=OUT
// RUN: fp4-opt %s --fp4-mark-mma-matmuls | FileCheck %s --check-prefix=IR

// IR-LABEL: func.func @main
// IR-COUNT-2: kind = "gemm"
// IR: kind = "decode"{{.*}}round_weights = true
// IR: kind = "decode"{{.*}}round_weights = false
// IR: kind = "decode"{{.*}}round_weights = false
// IR-NOT: fp4.mma_matmul

func.func private @printMemrefF32(tensor<*xf32>)

// A deterministic R x C input with every sign, a wide range of magnitudes
// and a few ties: ((r * 37 + c * 11) % 97 - 48) * 0.173 * 2^((r + c) % 7 - 3).
func.func @input(%rows: index, %cols: index) -> tensor<?x?xf32> {
  %e = tensor.empty(%rows, %cols) : tensor<?x?xf32>
  %x = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]} outs(%e : tensor<?x?xf32>) {
  ^bb0(%out: f32):
    %r = linalg.index 0 : index
    %c = linalg.index 1 : index
    %c37 = arith.constant 37 : index
    %c11 = arith.constant 11 : index
    %c97 = arith.constant 97 : index
    %c7 = arith.constant 7 : index
    %a = arith.muli %r, %c37 : index
    %b = arith.muli %c, %c11 : index
    %s = arith.addi %a, %b : index
    %m = arith.remui %s, %c97 : index
    %mi = arith.index_cast %m : index to i32
    %c48 = arith.constant 48 : i32
    %v = arith.subi %mi, %c48 : i32
    %f = arith.sitofp %v : i32 to f32
    %k = arith.constant 0.173 : f32
    %y = arith.mulf %f, %k : f32
    %rc = arith.addi %r, %c : index
    %e7 = arith.remui %rc, %c7 : index
    %ei = arith.index_cast %e7 : index to i32
    %c3 = arith.constant 3 : i32
    %p = arith.subi %ei, %c3 : i32
    %pf = arith.sitofp %p : i32 to f32
    %two = arith.constant 2.0 : f32
    %sc = math.powf %two, %pf : f32
    %z = arith.mulf %y, %sc : f32
    linalg.yield %z : f32
  } -> tensor<?x?xf32>
  return %x : tensor<?x?xf32>
}

func.func @main() {
  %c5 = arith.constant 5 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index

  // NVFP4 matmul with 16x16 weight blocks.
  %ad = call @input(%c128, %c256) : (index, index) -> tensor<?x?xf32>
  %a = tensor.cast %ad : tensor<?x?xf32> to tensor<128x256xf32>
  %wd = call @input(%c256, %c256) : (index, index) -> tensor<?x?xf32>
  %w = tensor.cast %wd : tensor<?x?xf32> to tensor<256x256xf32>
  %w128 = tensor.extract_slice %w[64, 0] [128, 256] [1, 1] : tensor<256x256xf32> to tensor<128x256xf32>
  %qa1 = fp4.quantize %a : tensor<128x256xf32> -> !fp4.tensor<128x256, nvfp4>
  %qw1 = fp4.quantize %w128 : tensor<128x256xf32> -> !fp4.tensor<128x256, nvfp4, block = 16x16>
  %c1 = fp4.matmul %qa1, %qw1 : !fp4.tensor<128x256, nvfp4>, !fp4.tensor<128x256, nvfp4, block = 16x16> -> tensor<128x128xf32>
  %c1u = tensor.cast %c1 : tensor<128x128xf32> to tensor<*xf32>
  // OUT: Unranked Memref
  call @printMemrefF32(%c1u) : (tensor<*xf32>) -> ()

  // MXFP4 matmul, bf16 result.
  %qa2 = fp4.quantize %a : tensor<128x256xf32> -> !fp4.tensor<128x256, mxfp4>
  %qw2 = fp4.quantize %w : tensor<256x256xf32> -> !fp4.tensor<256x256, mxfp4>
  %c2 = fp4.matmul %qa2, %qw2 : !fp4.tensor<128x256, mxfp4>, !fp4.tensor<256x256, mxfp4> -> tensor<128x256xbf16>
  %c2f = arith.extf %c2 : tensor<128x256xbf16> to tensor<128x256xf32>
  %c2u = tensor.cast %c2f : tensor<128x256xf32> to tensor<*xf32>
  call @printMemrefF32(%c2u) : (tensor<*xf32>) -> ()

  // Decode: 5 bf16 activation rows x nvfp4 weights dequantized to bf16.
  %xd = call @input(%c5, %c256) : (index, index) -> tensor<?x?xf32>
  %x = tensor.cast %xd : tensor<?x?xf32> to tensor<5x256xf32>
  %xb = arith.truncf %x : tensor<5x256xf32> to tensor<5x256xbf16>
  %w32 = tensor.extract_slice %w[16, 0] [32, 256] [1, 1] : tensor<256x256xf32> to tensor<32x256xf32>
  %qw3 = fp4.quantize %w32 {rule = #fp4.rule<four_over_six>} : tensor<32x256xf32> -> !fp4.tensor<32x256, nvfp4>
  %dw3 = fp4.dequantize %qw3 : !fp4.tensor<32x256, nvfp4> -> tensor<32x256xbf16>
  %e3 = tensor.empty() : tensor<5x32xf32>
  %z = arith.constant 0.0 : f32
  %f3 = linalg.fill ins(%z : f32) outs(%e3 : tensor<5x32xf32>) -> tensor<5x32xf32>
  %c3 = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xb, %dw3 : tensor<5x256xbf16>, tensor<32x256xbf16>) outs(%f3 : tensor<5x32xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %qf = arith.extf %q : bf16 to f32
    %pq = arith.mulf %pf, %qf : f32
    %s = arith.addf %o, %pq : f32
    linalg.yield %s : f32
  } -> tensor<5x32xf32>
  %c3u = tensor.cast %c3 : tensor<5x32xf32> to tensor<*xf32>
  call @printMemrefF32(%c3u) : (tensor<*xf32>) -> ()

  // The same weights dequantized to f32.
  %dw4 = fp4.dequantize %qw3 : !fp4.tensor<32x256, nvfp4> -> tensor<32x256xf32>
  %e4 = tensor.empty() : tensor<5x32xf32>
  %f4 = linalg.fill ins(%z : f32) outs(%e4 : tensor<5x32xf32>) -> tensor<5x32xf32>
  %c4 = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xb, %dw4 : tensor<5x256xbf16>, tensor<32x256xf32>) outs(%f4 : tensor<5x32xf32>) {
  ^bb0(%p: bf16, %q: f32, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %pq = arith.mulf %q, %pf : f32
    %s = arith.addf %pq, %o : f32
    linalg.yield %s : f32
  } -> tensor<5x32xf32>
  %c4u = tensor.cast %c4 : tensor<5x32xf32> to tensor<*xf32>
  call @printMemrefF32(%c4u) : (tensor<*xf32>) -> ()

  // MXFP4 weights through linalg.matmul (B transposed by its maps).
  %qw5 = fp4.quantize %w32 : tensor<32x256xf32> -> !fp4.tensor<32x256, mxfp4>
  %dw5 = fp4.dequantize %qw5 : !fp4.tensor<32x256, mxfp4> -> tensor<32x256xbf16>
  %e5 = tensor.empty() : tensor<5x32xf32>
  %f5 = linalg.fill ins(%z : f32) outs(%e5 : tensor<5x32xf32>) -> tensor<5x32xf32>
  %c5m = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%xb, %dw5 : tensor<5x256xbf16>, tensor<32x256xbf16>) outs(%f5 : tensor<5x32xf32>) -> tensor<5x32xf32>
  %c5u = tensor.cast %c5m : tensor<5x32xf32> to tensor<*xf32>
  call @printMemrefF32(%c5u) : (tensor<*xf32>) -> ()
  return
}
