// fp4-build-mma-kernels replaces each marked contraction on buffers by an
// mma.sync kernel (the reference bodies here are placeholders: the pass
// reads only the operands and the marker).
// RUN: fp4-opt %s --fp4-build-mma-kernels --cse -split-input-file | FileCheck %s

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#v = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 2)>
#s16 = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 16)>
#s = affine_map<(d0, d1, d2) -> ()>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// Decode, M = 16, N = K = 8192: 256 CTAs of 8 warps, 2 row groups of 16
// rows x 4 k-groups; two buffers of 4 steps x 16 rows x 256 bytes of
// activations in shared memory. K is not split across CTAs: the zero fill
// is erased and C is stored.
// CHECK-LABEL: func.func @decode_nvfp4
// CHECK-NOT:     linalg.fill
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) dynamic_shared_memory_size %c32768_i32
// CHECK:           gpu.dynamic_shared_memory
// Prologue: the first activation step by cp.async, the first weights by
// 16-byte read-only loads (codes) and 16-bit loads (two E4M3 scales).
// CHECK:           nvvm.cp.async.shared.global %{{.+}}, %{{.+}}, 16, cache = cg
// CHECK:           nvvm.cp.async.commit.group
// CHECK:           llvm.load %{{.+}} invariant {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xi32>
// CHECK:           llvm.load %{{.+}} invariant {alignment = 2 : i64} : !llvm.ptr<1> -> i16
// CHECK:           scf.for {{.*}} iter_args(
// CHECK:             nvvm.cp.async.shared.global
// CHECK:             nvvm.cp.async.commit.group
// CHECK:             llvm.load %{{.+}} invariant {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xi32>
// CHECK:             nvvm.cp.async.wait.group 1
// CHECK:             nvvm.barrier0
// Activation fragments: 16-byte shared loads, pairs (j, j + 4).
// CHECK:             llvm.load %{{.+}} {alignment = 16 : i64} : !llvm.ptr<3> -> vector<8xbf16>
// CHECK:             vector.shuffle %{{.+}}, %{{.+}} [0, 4, 1, 5, 2, 6, 3, 7] : vector<8xbf16>, vector<8xbf16>
// Weights: scale words (E4M3 bits into bf16, times 2^119 twice), code pairs
// times the scale word, rounded like fp4.dequantize to bf16.
// CHECK:             arith.mulf %{{.+}}, %{{.+}} : vector<2xbf16>
// CHECK:             arith.andi %{{.+}}, %c29360576_i32
// CHECK:             arith.andi %{{.+}}, %c-2147450880_i32
// CHECK:             arith.truncf %{{.+}} : vector<2xf32> to vector<2xbf16>
// Two 8-column tiles x 8 MMAs per step.
// CHECK-COUNT-16:    nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:             nvvm.barrier0
// CHECK:             scf.yield
// The k-groups' sums meet in shared memory; k-group 0 adds them in order
// and stores C.
// CHECK:           nvvm.cp.async.wait.group 0
// CHECK:           llvm.store %{{.+}}, %{{.+}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<3>
// CHECK:           nvvm.barrier0
// CHECK:           scf.if
// CHECK-COUNT-6:     llvm.load %{{.+}} {alignment = 16 : i64} : !llvm.ptr<3> -> vector<4xf32>
// CHECK-NOT:         memref.atomic_rmw
// CHECK:             memref.store %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}] : memref<16x8192xf32>
// CHECK-NOT:     linalg.generic
func.func @decode_nvfp4(%x: memref<16x8192xbf16>, %codes: memref<8192x4096xi8>,
                        %scales: memref<8192x512xf8E4M3FN>, %alpha: f32,
                        %out: memref<16x8192xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%out : memref<16x8192xf32>)
  linalg.generic {indexing_maps = [#a, #v, #s16, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %codes, %scales, %alpha : memref<16x8192xbf16>, memref<8192x4096xi8>, memref<8192x512xf8E4M3FN>, f32)
      outs(%out : memref<16x8192xf32>)
      attrs = {fp4.mma_matmul = {kind = "decode", block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = true}} {
  ^bb0(%p: bf16, %q: i8, %r: f8E4M3FN, %t: f32, %o: f32):
    linalg.yield %o : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#v = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 2)>
#s32 = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 32)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// Decode, M = 1, N = 32, mxfp4: two CTAs of 2 warps (k-groups: K has 2
// steps, one each). One 8-column tile whose columns past M are dropped, one
// scale byte per row, exact weights, a plain read-add-write of C (no fill
// to erase: C's contents are part of the result).
// CHECK-LABEL: func.func @decode_mxfp4
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c64{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) dynamic_shared_memory_size %c1024_i32
// CHECK:           llvm.load %{{.+}} invariant {alignment = 1 : i64} : !llvm.ptr<1> -> i8
// CHECK:           scf.for
// CHECK-NOT:         arith.truncf
// CHECK-COUNT-8:     nvvm.mma.sync
// CHECK:             scf.yield
// CHECK-NOT:       memref.atomic_rmw
// CHECK:           memref.load
// CHECK:           arith.addf
// CHECK:           memref.store
func.func @decode_mxfp4(%x: memref<1x256xbf16>, %codes: memref<32x128xi8>,
                        %scales: memref<32x8xf8E8M0FNU>, %out: memref<1x32xf32>) {
  linalg.generic {indexing_maps = [#a, #v, #s32, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %codes, %scales : memref<1x256xbf16>, memref<32x128xi8>, memref<32x8xf8E8M0FNU>)
      outs(%out : memref<1x32xf32>)
      attrs = {fp4.mma_matmul = {kind = "decode", block_cols = 32 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = false}} {
  ^bb0(%p: bf16, %q: i8, %r: f8E8M0FNU, %o: f32):
    linalg.yield %o : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#sa = affine_map<(d0, d1, d2) -> (d0, d2 floordiv 8)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#sb = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 8)>
#s = affine_map<(d0, d1, d2) -> ()>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// GEMM 256 x 256 x 512 nvfp4: the zero fill is gone (the kernel stores C);
// 2 x 2 CTAs of 256 threads, 4 stages of 9 KiB; per K tile two 16-byte code
// chunks and a 4-byte scale chunk per thread, 4 x 4 MMAs x 4 K steps per
// warp; the epilogue rescales by 2^16 and both tensor scales.
// CHECK-LABEL: func.func @gemm_nvfp4
// CHECK-NOT:     linalg.fill
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) dynamic_shared_memory_size %c36864_i32
// CHECK-COUNT-3:   nvvm.cp.async.commit.group
// CHECK:           scf.for
// CHECK:             nvvm.cp.async.wait.group 2
// CHECK:             nvvm.barrier0
// CHECK:             nvvm.cp.async.shared.global %{{.+}}, %{{.+}}, 16, cache = cg
// CHECK:             nvvm.cp.async.shared.global %{{.+}}, %{{.+}}, 16, cache = cg
// CHECK:             nvvm.cp.async.shared.global %{{.+}}, %{{.+}}, 4, cache = ca
// CHECK:             nvvm.cp.async.commit.group
// CHECK:             llvm.load %{{.+}} {alignment = 8 : i64} : !llvm.ptr<3> -> vector<2xi32>
// CHECK-COUNT-64:    nvvm.mma.sync
// CHECK:             scf.yield
// CHECK:           arith.constant 6.553600e+04 : f32
// CHECK:           vector.store %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}] {alignment = 8 : i64} : memref<256x256xf32>, vector<2xf32>
// CHECK-NOT:     linalg.generic
func.func @gemm_nvfp4(%a: memref<256x256xi8>, %sa: memref<256x32xf8E4M3FN>,
                      %b: memref<256x256xi8>, %sb: memref<256x32xf8E4M3FN>,
                      %alpha_a: f32, %alpha_b: f32, %out: memref<256x256xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%out : memref<256x256xf32>)
  linalg.generic {indexing_maps = [#a, #sa, #b, #sb, #s, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %sa, %b, %sb, %alpha_a, %alpha_b : memref<256x256xi8>, memref<256x32xf8E4M3FN>, memref<256x256xi8>, memref<256x32xf8E4M3FN>, f32, f32)
      outs(%out : memref<256x256xf32>)
      attrs = {fp4.mma_matmul = {kind = "gemm", block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = false}} {
  ^bb0(%i0: i8, %i1: f8E4M3FN, %i2: i8, %i3: f8E4M3FN, %i4: f32, %i5: f32, %o: f32):
    linalg.yield %o : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#sa = affine_map<(d0, d1, d2) -> (d0, d2 floordiv 16)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// GEMM mxfp4 into a C that is not freshly zeroed: the kernel adds to it.
// CHECK-LABEL: func.func @gemm_mxfp4_accumulate
// CHECK:         gpu.launch
// CHECK-NOT:       6.553600e+04
// CHECK:           scf.for
// CHECK:           vector.load %{{.+}}[%{{.+}}, %{{.+}}] : memref<128x128xf32>, vector<2xf32>
// CHECK:           arith.addf
// CHECK:           vector.store
func.func @gemm_mxfp4_accumulate(%a: memref<128x64xi8>, %sa: memref<128x4xf8E8M0FNU>,
                                 %b: memref<128x64xi8>, %sb: memref<128x4xf8E8M0FNU>,
                                 %out: memref<128x128xf32>) {
  linalg.generic {indexing_maps = [#a, #sa, #b, #sa, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %sa, %b, %sb : memref<128x64xi8>, memref<128x4xf8E8M0FNU>, memref<128x64xi8>, memref<128x4xf8E8M0FNU>)
      outs(%out : memref<128x128xf32>)
      attrs = {fp4.mma_matmul = {kind = "gemm", block_cols = 32 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = false}} {
  ^bb0(%i0: i8, %i1: f8E8M0FNU, %i2: i8, %i3: f8E8M0FNU, %o: f32):
    linalg.yield %o : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#v = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 2)>
#s16 = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 16)>
#s = affine_map<(d0, d1, d2) -> ()>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// The tensor scale read from a device buffer on the host is read by the
// kernel itself (no copy to the host, no synchronization per call) ...
// CHECK-LABEL: func.func @decode_alpha_in_kernel
// CHECK-SAME:    %[[ABUF:[a-z0-9_]+]]: memref<1xf32>
// CHECK:         gpu.launch
// CHECK-NEXT:      memref.load %[[ABUF]][%{{.+}}] : memref<1xf32>
func.func @decode_alpha_in_kernel(%x: memref<1x8192xbf16>, %codes: memref<8192x4096xi8>,
                        %scales: memref<8192x512xf8E4M3FN>, %abuf: memref<1xf32>,
                        %out: memref<1x8192xf32>) {
  %c0 = arith.constant 0 : index
  %alpha = memref.load %abuf[%c0] : memref<1xf32>
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%out : memref<1x8192xf32>)
  linalg.generic {indexing_maps = [#a, #v, #s16, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %codes, %scales, %alpha : memref<1x8192xbf16>, memref<8192x4096xi8>, memref<8192x512xf8E4M3FN>, f32)
      outs(%out : memref<1x8192xf32>)
      attrs = {fp4.mma_matmul = {kind = "decode", block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = true}} {
  ^bb0(%p: bf16, %q: i8, %r: f8E4M3FN, %t: f32, %o: f32):
    linalg.yield %o : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#v = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 2)>
#s16 = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 16)>
#s = affine_map<(d0, d1, d2) -> ()>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// ... unless the buffer may change between the read and the contraction:
// then the kernel gets the value read before (the host load stays).
// CHECK-LABEL: func.func @decode_alpha_overwritten
// CHECK:         %[[A:.+]] = memref.load
// CHECK:         memref.store
// CHECK:         gpu.launch
// CHECK-NOT:       memref.load %{{.+}} : memref<1xf32>
// CHECK:           arith.mulf %[[A]]
func.func @decode_alpha_overwritten(%x: memref<1x8192xbf16>, %codes: memref<8192x4096xi8>,
                        %scales: memref<8192x512xf8E4M3FN>, %abuf: memref<1xf32>,
                        %out: memref<1x8192xf32>) {
  %c0 = arith.constant 0 : index
  %alpha = memref.load %abuf[%c0] : memref<1xf32>
  %z = arith.constant 0.0 : f32
  memref.store %z, %abuf[%c0] : memref<1xf32>
  linalg.fill ins(%z : f32) outs(%out : memref<1x8192xf32>)
  linalg.generic {indexing_maps = [#a, #v, #s16, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %codes, %scales, %alpha : memref<1x8192xbf16>, memref<8192x4096xi8>, memref<8192x512xf8E4M3FN>, f32)
      outs(%out : memref<1x8192xf32>)
      attrs = {fp4.mma_matmul = {kind = "decode", block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = true}} {
  ^bb0(%p: bf16, %q: i8, %r: f8E4M3FN, %t: f32, %o: f32):
    linalg.yield %o : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#v = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 2)>
#s16 = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 16)>
#s = affine_map<(d0, d1, d2) -> ()>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// A temporary f32 result only rounded to bf16 afterwards: the kernel
// rounds and writes the bf16 output itself (one launch, no temporary).
// CHECK-LABEL: func.func @decode_rounded
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<1x8192xbf16>)
// CHECK-NOT:     memref.alloc
// CHECK:         gpu.launch
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:           memref.store %{{.+}}, %[[Y]][%{{.+}}, %{{.+}}] : memref<1x8192xbf16>
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     memref.dealloc
func.func @decode_rounded(%x: memref<1x8192xbf16>, %codes: memref<8192x4096xi8>,
                          %scales: memref<8192x512xf8E4M3FN>, %alpha: f32,
                          %y: memref<1x8192xbf16>) {
  %z = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<1x8192xf32>
  linalg.fill ins(%z : f32) outs(%acc : memref<1x8192xf32>)
  linalg.generic {indexing_maps = [#a, #v, #s16, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %codes, %scales, %alpha : memref<1x8192xbf16>, memref<8192x4096xi8>, memref<8192x512xf8E4M3FN>, f32)
      outs(%acc : memref<1x8192xf32>)
      attrs = {fp4.mma_matmul = {kind = "decode", block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = true}} {
  ^bb0(%p: bf16, %q: i8, %r: f8E4M3FN, %t: f32, %o: f32):
    linalg.yield %o : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<1x8192xf32>) outs(%y : memref<1x8192xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %r = arith.truncf %in : f32 to bf16
    linalg.yield %r : bf16
  }
  memref.dealloc %acc : memref<1x8192xf32>
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#v = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 2)>
#s16 = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 16)>
#s = affine_map<(d0, d1, d2) -> ()>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// The f32 result is also read elsewhere: the kernel writes it, the
// rounding stays.
// CHECK-LABEL: func.func @decode_rounded_and_kept
// CHECK:         memref.alloc
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}] : memref<1x8192xf32>
// CHECK:         linalg.generic
// CHECK:         memref.copy
func.func @decode_rounded_and_kept(%x: memref<1x8192xbf16>, %codes: memref<8192x4096xi8>,
                          %scales: memref<8192x512xf8E4M3FN>, %alpha: f32,
                          %y: memref<1x8192xbf16>, %y32: memref<1x8192xf32>) {
  %z = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<1x8192xf32>
  linalg.fill ins(%z : f32) outs(%acc : memref<1x8192xf32>)
  linalg.generic {indexing_maps = [#a, #v, #s16, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %codes, %scales, %alpha : memref<1x8192xbf16>, memref<8192x4096xi8>, memref<8192x512xf8E4M3FN>, f32)
      outs(%acc : memref<1x8192xf32>)
      attrs = {fp4.mma_matmul = {kind = "decode", block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, round_weights = true}} {
  ^bb0(%p: bf16, %q: i8, %r: f8E4M3FN, %t: f32, %o: f32):
    linalg.yield %o : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<1x8192xf32>) outs(%y : memref<1x8192xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %r = arith.truncf %in : f32 to bf16
    linalg.yield %r : bf16
  }
  memref.copy %acc, %y32 : memref<1x8192xf32> to memref<1x8192xf32>
  memref.dealloc %acc : memref<1x8192xf32>
  return
}
