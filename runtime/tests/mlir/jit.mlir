// Lowered with cubin-format=isa: the GPU code is embedded as PTX and the
// generated host code loads it with mgpuModuleLoadJIT (JIT at load time).
// Called by runtime/tests/test_e2e_mlir.cpp as _mlir_ciface_scale_jit.
module attributes {gpu.container_module} {
// x = a * x on a device memref.
func.func @scale_jit(%x: memref<?xf32>, %a: f32) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %nb0 = arith.addi %n, %c128 : index
  %nb1 = arith.subi %nb0, %c1 : index
  %nb = arith.divui %nb1, %c128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %nb, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c128 : index
    %i = arith.addi %base, %tx : index
    %in = arith.cmpi ult, %i, %n : index
    scf.if %in {
      %v = memref.load %x[%i] : memref<?xf32>
      %r = arith.mulf %a, %v : f32
      memref.store %r, %x[%i] : memref<?xf32>
    }
    gpu.terminator
  }
  return
}
}
