// fp4-build-tcgen05-kernels replaces a marked contraction on buffers by the
// tcgen05 kernel: TMA descriptors on the host, then one 128-thread CTA per
// 128 x 128 tile with the accumulator in tensor memory.
// RUN: fp4-opt %s --fp4-build-tcgen05-kernels --cse | FileCheck %s
// RUN: fp4-opt %s --fp4-build-tcgen05-kernels --cse | FileCheck %s --check-prefix=MX

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#sa = affine_map<(d0, d1, d2) -> (d0, d2 floordiv 8)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#sb = affine_map<(d0, d1, d2) -> (d1 floordiv 16, d2 floordiv 8)>
#s = affine_map<(d0, d1, d2) -> ()>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @nvfp4
// Host: the zero fill of the reference contraction is gone (the first MMA
// overwrites the accumulator); TMA descriptors of the codes, 128 rows x 128
// bytes, 128-byte swizzle.
// CHECK-NOT:     linalg.fill
// CHECK:         %[[UA:.+]] = memref.cast %[[A:.+]] : memref<256x256xi8> to memref<*xi8>
// CHECK:         %[[DA:.+]] = nvgpu.tma.create.descriptor %[[UA]] box[%c128{{(_[0-9]+)?}}, %c128{{(_[0-9]+)?}}] : memref<*xi8> -> <tensor = memref<128x128xi8, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
// CHECK:         %[[PA:.+]] = builtin.unrealized_conversion_cast %[[DA]]
// CHECK:         nvgpu.tma.create.descriptor
// Grid N/128 x M/128, 128 threads, 1024 + 256 + 4 stages x 36 KiB of
// dynamic shared memory.
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) dynamic_shared_memory_size %c148736_i32{{(_[0-9]+)?}}
// CHECK:           gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:           nvvm.mbarrier.init
// CHECK:           nvvm.fence.mbarrier.init
// CHECK:           nvvm.tcgen05.alloc %{{.+}}, %c256_i32{{(_[0-9]+)?}} : !llvm.ptr<3>, i32
// CHECK:           nvvm.tcgen05.relinquish_alloc_permit
// Prologue: each stage's tile is requested (expect 32 KiB, two TMA copies,
// the scales staged in the 128x4 chunk layout).
// CHECK:           nvvm.mbarrier.arrive.expect_tx %{{.+}}, %c32768_i32{{(_[0-9]+)?}}
// CHECK:           nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.+}}, %[[PA]], %{{.+}}, box[%{{.+}}, %{{.+}}] {isCTAOnly = true
// CHECK:           vector.load %{{.+}}[%{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<256x32xf8E4M3FN>, vector<16xf8E4M3FN>
// CHECK:           llvm.store
// The K loop: scales to tensor memory, four K = 64 MMAs, commit.
// CHECK:           scf.for
// CHECK:             nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK:             nvvm.barrier0
// CHECK:             nvvm.mbarrier.try_wait.parity
// CHECK:             nvvm.tcgen05.fence <after>
// CHECK:             %[[CD:.+]] = nvvm.tcgen05.mma_smem_desc(%{{.+}}, %c8_i32{{(_[0-9]+)?}}, %c8_i32{{(_[0-9]+)?}}, %c0_i8{{(_[0-9]+)?}}, %false{{(_[0-9]+)?}}, %c0_i8{{(_[0-9]+)?}}) : (i32, i32, i32, i8, i1, i8) -> i64
// CHECK:             nvvm.tcgen05.cp %{{.+}}, %[[CD]] {multicast = #nvvm.tcgen05_cp_multicast<warpx4>, shape = #nvvm.tcgen05_cp_shape<shape_32x128b>}
// CHECK-COUNT-7:     nvvm.tcgen05.cp
// CHECK:             %[[AD:.+]] = nvvm.tcgen05.mma_smem_desc(%{{.+}}, %c1_i32{{(_[0-9]+)?}}, %c64_i32{{(_[0-9]+)?}}, %c0_i8{{(_[0-9]+)?}}, %false{{(_[0-9]+)?}}, %c2_i8{{(_[0-9]+)?}}) : (i32, i32, i32, i8, i1, i8) -> i64
// CHECK:             nvvm.tcgen05.mma.block_scale %{{.+}}, %[[AD]], %{{.+}}, %c136316032_i32{{(_[0-9]+)?}}, %{{.+}}, %{{.+}}, %{{.+}} {blockScale = #nvvm.tcgen05_mma_block_scale<block16>, ctaGroup = #nvvm.cta_group<cta_1>, kind = #nvvm.block_scale_kind<mxf4nvf4>}
// CHECK-COUNT-3:     nvvm.tcgen05.mma.block_scale
// CHECK:             nvvm.tcgen05.commit
// Epilogue: 4 x 32 columns per warp, scaled by both tensor scales.
// CHECK:           nvvm.tcgen05.ld %{{.+}} {shape = #nvvm.tcgen05_ldst_shape<shape_32x32b>} : vector<32xi32>
// CHECK:           nvvm.tcgen05.wait <load>
// CHECK:           arith.mulf
// CHECK:           arith.mulf
// CHECK:           vector.store %{{.+}}, %[[C:.+]][%{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<256x256xf32>, vector<32xf32>
// CHECK:           nvvm.tcgen05.dealloc %{{.+}}, %c256_i32{{(_[0-9]+)?}}
// CHECK-NOT:     linalg.generic
func.func @nvfp4(%a: memref<256x256xi8>, %sa: memref<256x32xf8E4M3FN>,
                 %b: memref<256x256xi8>, %sb: memref<16x32xf8E4M3FN>,
                 %alpha_a: f32, %alpha_b: f32, %out: memref<256x256xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<256x256xf32>)
  linalg.generic {indexing_maps = [#a, #sa, #b, #sb, #s, #s, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %sa, %b, %sb, %alpha_a, %alpha_b : memref<256x256xi8>, memref<256x32xf8E4M3FN>, memref<256x256xi8>, memref<16x32xf8E4M3FN>, f32, f32)
      outs(%out : memref<256x256xf32>)
      attrs = {fp4.tcgen05_matmul = {block_cols = 16 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 16 : i64, stages = 4 : i64}} {
  ^bb0(%x: i8, %y: f8E4M3FN, %z: i8, %w: f8E4M3FN, %p: f32, %q: f32, %acc: f32):
    linalg.yield %acc : f32
  }
  return
}

#msa = affine_map<(d0, d1, d2) -> (d0, d2 floordiv 16)>
#msb = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 16)>

// MXFP4: kind::mxf4, block32, UE8M0 scales; two chunks per K tile, the
// scale data ID alternating 0 and 2 (idesc 0x08A00480, 0x48A004A0).
// MX-LABEL: func.func @mxfp4
// MX:         dynamic_shared_memory_size %c75008_i32{{(_[0-9]+)?}}
// MX:         vector.load %{{.+}} {alignment = 8 : i64} : memref<128x8xf8E8M0FNU>, vector<8xf8E8M0FNU>
// MX:         scf.for
// MX-COUNT-4:   nvvm.tcgen05.cp
// MX-NOT:       nvvm.tcgen05.cp
// MX:           nvvm.tcgen05.mma.block_scale %{{.+}}, %{{.+}}, %{{.+}}, %c144704640_i32{{(_[0-9]+)?}}, {{.*}}kind = #nvvm.block_scale_kind<mxf4>
// MX:           nvvm.tcgen05.mma.block_scale %{{.+}}, %{{.+}}, %{{.+}}, %c1218446496_i32{{(_[0-9]+)?}},
// MX:           nvvm.tcgen05.mma.block_scale %{{.+}}, %{{.+}}, %{{.+}}, %c144704640_i32{{(_[0-9]+)?}},
// MX:           nvvm.tcgen05.mma.block_scale %{{.+}}, %{{.+}}, %{{.+}}, %c1218446496_i32{{(_[0-9]+)?}},
// MX-NOT:     arith.mulf
// MX:         nvvm.tcgen05.dealloc
func.func @mxfp4(%a: memref<128x128xi8>, %sa: memref<128x8xf8E8M0FNU>,
                 %b: memref<128x128xi8>, %sb: memref<128x8xf8E8M0FNU>,
                 %out: memref<128x128xf32>) {
  linalg.generic {indexing_maps = [#a, #msa, #b, #msb, #c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %sa, %b, %sb : memref<128x128xi8>, memref<128x8xf8E8M0FNU>, memref<128x128xi8>, memref<128x8xf8E8M0FNU>)
      outs(%out : memref<128x128xf32>)
      attrs = {fp4.tcgen05_matmul = {block_cols = 32 : i64, lhs_block_rows = 1 : i64, rhs_block_rows = 1 : i64, stages = 2 : i64}} {
  ^bb0(%x: i8, %y: f8E8M0FNU, %z: i8, %w: f8E8M0FNU, %acc: f32):
    linalg.yield %acc : f32
  }
  return
}
