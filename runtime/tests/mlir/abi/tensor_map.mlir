// ABI probe: nvgpu.tma.create.descriptor (Hopper TMA) becomes
// mgpuTensorMapEncodeTiledMemref. The cast to !llvm.ptr only keeps the
// descriptor alive through the lowering.
!desc = !nvgpu.tensormap.descriptor<tensor = memref<128x64xf16, 3>, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
func.func @tma(%a: memref<1024x1024xf16>) -> !llvm.ptr {
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %u = memref.cast %a : memref<1024x1024xf16> to memref<*xf16>
  %d = nvgpu.tma.create.descriptor %u box[%c128, %c64] : memref<*xf16> -> !desc
  %p = builtin.unrealized_conversion_cast %d : !desc to !llvm.ptr
  return %p : !llvm.ptr
}
