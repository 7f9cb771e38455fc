// RUN: fp4-opt %s --fp4-legalize-gpu-host | FileCheck %s

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// Host allocations, copies and constants move to the device; a host load of
// device memory goes through a one-thread kernel and a one-element copy.
// CHECK-LABEL: func.func @host
// CHECK: %[[G:.+]] = memref.get_global @table
// CHECK: %[[D:.+]] = gpu.alloc () : memref<4xf32>
// CHECK: gpu.memcpy %[[D]], %[[G]]
// CHECK: %[[A:.+]] = gpu.alloc () : memref<4xf32>
// CHECK: gpu.memcpy %[[A]], %[[D]]
// CHECK: %[[S:.+]] = gpu.alloc () : memref<1xf32>
// CHECK: gpu.launch
// CHECK: memref.load %[[A]]
// CHECK: memref.store %{{.+}}, %[[S]]
// CHECK: %[[H:.+]] = memref.alloca() : memref<1xf32>
// CHECK: gpu.memcpy %[[H]], %[[S]]
// CHECK: gpu.dealloc %[[S]]
// CHECK: %[[V:.+]] = memref.load %[[H]]
// CHECK: gpu.dealloc %[[A]]
// CHECK: gpu.dealloc %[[D]]
// CHECK: return %[[V]]
func.func @host() -> f32 {
  %c2 = arith.constant 2 : index
  %g = memref.get_global @table : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  memref.copy %g, %a : memref<4xf32> to memref<4xf32>
  %v = memref.load %a[%c2] : memref<4xf32>
  memref.dealloc %a : memref<4xf32>
  return %v : f32
}
