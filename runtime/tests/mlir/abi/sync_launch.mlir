// ABI probe: a synchronous gpu.launch (module load/unload in global ctor/dtor,
// get-function, stream create/sync/destroy, launch). Lowered twice by
// scripts/gpu/check_mgpu_abi.sh: cubin-format=fatbin and =isa (mgpuModuleLoadJIT).
module attributes {gpu.container_module} {
func.func @saxpy(%x: memref<1024xf32>, %y: memref<1024xf32>, %s: f32) attributes {llvm.emit_c_interface} {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %i0 = arith.muli %bx, %c256 : index
    %i = arith.addi %i0, %tx : index
    %v = memref.load %x[%i] : memref<1024xf32>
    %u = memref.load %y[%i] : memref<1024xf32>
    %w = arith.mulf %v, %s : f32
    %r = arith.addf %w, %u : f32
    memref.store %r, %y[%i] : memref<1024xf32>
    gpu.terminator
  }
  return
}
}
