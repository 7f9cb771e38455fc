// The target-independent parts of convert-fp4-to-nvvm run on the CPU and
// must give the emulated path's bytes: the Hadamard fused into the
// quantize kernels (and their tensor amax), and the reference contraction
// that carries a tcgen05-eligible fp4.matmul until fp4-build-tcgen05-kernels
// replaces it (it is the loop nest a GPU without that pass would run).
// RUN: fp4-opt %s --fp4-lower-to-cpu | %run_cpu | sed -e 's/base@ = 0x[0-9a-f]*//' > %t.emulated
// RUN: fp4-opt %s --convert-fp4-to-nvvm="chip=sm_100a native-converts=false" --fp4-lower-to-cpu | %run_cpu | sed -e 's/base@ = 0x[0-9a-f]*//' > %t.blackwell
// RUN: diff %t.emulated %t.blackwell
// RUN: FileCheck %s --input-file=%t.blackwell --check-prefix=OUT
// RUN: fp4-opt %s --convert-fp4-to-nvvm="chip=sm_100a native-converts=false" | FileCheck %s --check-prefix=IR

// RUN: fp4-opt %s --convert-fp4-to-nvvm="chip=sm_100a native-converts=false fuse-hadamard=false" | FileCheck %s --check-prefix=UNFUSED

// IR-LABEL: func.func @main
// The fused Hadamards leave no rotated tensor behind (the unfused expansion
// writes one per fp4.hadamard).
// IR-NOT: tensor.empty() : tensor<4x64x
// UNFUSED-LABEL: func.func @main
// UNFUSED-COUNT-2: tensor.empty() : tensor<4x64x
// IR: fp4.tcgen05_matmul = {block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 16 : i64, stages = 4 : i64}
// IR: fp4.tcgen05_matmul = {block_cols = 32 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, stages = 4 : i64}

func.func private @printMemrefI32(tensor<*xi32>)
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

func.func @print_codes(%v: tensor<?x?xi8>) {
  %e = arith.extui %v : tensor<?x?xi8> to tensor<?x?xi32>
  %u = tensor.cast %e : tensor<?x?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @main() {
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index

  // NVFP4 after a signed 16-point Hadamard (bf16 rotation result): the
  // tensor amax and the block kernels read the rotated values.
  %xd = call @input(%c4, %c64) : (index, index) -> tensor<?x?xf32>
  %x = tensor.cast %xd : tensor<?x?xf32> to tensor<4x64xf32>
  %xb = arith.truncf %x : tensor<4x64xf32> to tensor<4x64xbf16>
  %h = fp4.hadamard %xb {size = 16, signs = array<i8: 1,-1,1,1,-1,1,1,1,-1,-1,1,1,1,-1,1,-1>} : tensor<4x64xbf16>
  %q = fp4.quantize %h {rule = #fp4.rule<four_over_six>} : tensor<4x64xbf16> -> !fp4.tensor<4x64, nvfp4>
  %qv = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi8>
  %qvd = tensor.cast %qv : tensor<4x32xi8> to tensor<?x?xi8>
  // OUT: Unranked Memref
  call @print_codes(%qvd) : (tensor<?x?xi8>) -> ()
  %qs = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E4M3FN>
  %qsi = arith.bitcast %qs : tensor<4x4xf8E4M3FN> to tensor<4x4xi8>
  %qsd = tensor.cast %qsi : tensor<4x4xi8> to tensor<?x?xi8>
  call @print_codes(%qsd) : (tensor<?x?xi8>) -> ()
  %qa = fp4.tensor_scale %q : !fp4.tensor<4x64, nvfp4> -> f32
  vector.print %qa : f32

  // MXFP4 after a 32-point Hadamard, stochastic rounding.
  %seed = arith.constant 12345 : i64
  %h32 = fp4.hadamard %x {size = 32} : tensor<4x64xf32>
  %m = fp4.quantize %h32 seed(%seed) : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, mxfp4>
  %mv = fp4.values %m : !fp4.tensor<4x64, mxfp4> -> tensor<4x32xi8>
  %mvd = tensor.cast %mv : tensor<4x32xi8> to tensor<?x?xi8>
  call @print_codes(%mvd) : (tensor<?x?xi8>) -> ()

  // NVFP4 matmul with 16x16 weight blocks (the reference contraction).
  %ad = call @input(%c128, %c256) : (index, index) -> tensor<?x?xf32>
  %a = tensor.cast %ad : tensor<?x?xf32> to tensor<128x256xf32>
  %wd = call @input(%c256, %c256) : (index, index) -> tensor<?x?xf32>
  %w = tensor.cast %wd : tensor<?x?xf32> to tensor<256x256xf32>
  %w128 = tensor.extract_slice %w[64, 0] [128, 256] [1, 1] : tensor<256x256xf32> to tensor<128x256xf32>
  %qa1 = fp4.quantize %a : tensor<128x256xf32> -> !fp4.tensor<128x256, nvfp4>
  %qw1 = fp4.quantize %w128 : tensor<128x256xf32> -> !fp4.tensor<128x256, nvfp4, block = 16x16>
  %c1 = fp4.matmul %qa1, %qw1 : !fp4.tensor<128x256, nvfp4>, !fp4.tensor<128x256, nvfp4, block = 16x16> -> tensor<128x128xf32>
  %c1u = tensor.cast %c1 : tensor<128x128xf32> to tensor<*xf32>
  call @printMemrefF32(%c1u) : (tensor<*xf32>) -> ()

  // MXFP4 matmul, bf16 result.
  %qa2 = fp4.quantize %a : tensor<128x256xf32> -> !fp4.tensor<128x256, mxfp4>
  %qw2 = fp4.quantize %w : tensor<256x256xf32> -> !fp4.tensor<256x256, mxfp4>
  %c2 = fp4.matmul %qa2, %qw2 : !fp4.tensor<128x256, mxfp4>, !fp4.tensor<256x256, mxfp4> -> tensor<128x256xbf16>
  %c2f = arith.extf %c2 : tensor<128x256xbf16> to tensor<128x256xf32>
  %c2u = tensor.cast %c2f : tensor<128x256xf32> to tensor<*xf32>
  call @printMemrefF32(%c2u) : (tensor<*xf32>) -> ()
  return
}
