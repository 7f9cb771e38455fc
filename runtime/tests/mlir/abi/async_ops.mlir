// ABI probe: set_default_device, async alloc/memcpy/memset (16 and 32 bits),
// token joins (events), async launch, dealloc, host_shared alloc,
// host_register/unregister of a memref, cluster launch, dynamic shared memory.
module attributes {gpu.container_module} {
gpu.module @k {
  gpu.func @kern(%a: memref<1024xf32>) kernel { gpu.return }
}
func.func @async_ops(%a: memref<1024xf32>, %b: memref<1024xi16>, %h: memref<?xf32>) {
  %c1 = arith.constant 1 : index
  %c0i = arith.constant 0 : i32
  gpu.set_default_device %c0i
  %t0 = gpu.wait async
  %t0b = gpu.wait async
  %d, %t1 = gpu.alloc async [%t0] () : memref<1024xf32>
  %t2 = gpu.memcpy async [%t1] %d, %a : memref<1024xf32>, memref<1024xf32>
  %z = arith.constant 0.0 : f32
  %t3 = gpu.memset async [%t2] %d, %z : memref<1024xf32>, f32
  %e, %t4 = gpu.alloc async [%t0b] () : memref<1024xi16>
  %zi = arith.constant 7 : i16
  %t5 = gpu.memset async [%t4] %e, %zi : memref<1024xi16>, i16
  %tm = gpu.wait async [%t3, %t5]
  %t6 = gpu.launch_func async [%tm] @k::@kern blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%d : memref<1024xf32>)
  %t7 = gpu.dealloc async [%t6] %d : memref<1024xf32>
  %t8 = gpu.dealloc async [%t7] %e : memref<1024xi16>
  gpu.wait [%t8]
  %hs = gpu.alloc host_shared () : memref<1024xf32>
  %cast = memref.cast %h : memref<?xf32> to memref<*xf32>
  gpu.host_register %cast : memref<*xf32>
  gpu.host_unregister %cast : memref<*xf32>
  gpu.launch_func @k::@kern clusters in (%c1, %c1, %c1) blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%hs : memref<1024xf32>)
  %c64 = arith.constant 64 : i32
  gpu.launch_func @k::@kern blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) dynamic_shared_memory_size %c64 args(%hs : memref<1024xf32>)
  return
}
}
