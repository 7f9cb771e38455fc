// RUN: fp4-opt %s --fp4-legalize-gpu-host --split-input-file | FileCheck %s

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

// -----

// Scalars that kernels use are recomputed in the kernels: the amax load and
// the tensor scale computed from it move into the quantize kernel and into
// the one-thread kernel that stores alpha; nothing is read on the host.
// CHECK-LABEL: func.func @recompute
// CHECK-NOT: gpu.memcpy
// CHECK: gpu.launch
// CHECK: %[[A:.+]] = memref.load %arg0
// CHECK: %[[E:.+]] = arith.divf %{{.+}}, %[[A]]
// CHECK: arith.mulf %{{.+}}, %[[E]]
// CHECK: gpu.launch
// CHECK: %[[A2:.+]] = memref.load %arg0
// CHECK: %[[E2:.+]] = arith.divf %{{.+}}, %[[A2]]
// CHECK: memref.store %[[E2]], %arg2
// CHECK-NOT: memref.alloca
// CHECK: return
func.func @recompute(%amax: memref<1xf32>, %x: memref<256xf32>, %alpha: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 2688.0 : f32
  %a = memref.load %amax[%c0] : memref<1xf32>
  %enc = arith.divf %cst, %a : f32
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    %v = memref.load %x[%t0] : memref<256xf32>
    %y = arith.mulf %v, %enc : f32
    memref.store %y, %x[%t0] : memref<256xf32>
    gpu.terminator
  }
  memref.store %enc, %alpha[%c0] : memref<1xf32>
  return
}

// -----

// A load is not moved past a write to its buffer: here the kernel writes
// %amax, so the host reads it (through a one-thread kernel and a copy).
// CHECK-LABEL: func.func @stable_only
// CHECK: gpu.launch
// CHECK: memref.load %arg0
// CHECK: gpu.memcpy
// CHECK: gpu.launch
// CHECK-NOT: memref.load %arg0
// CHECK: memref.store %{{.+}}, %arg0
// CHECK: return
func.func @stable_only(%amax: memref<1xf32>, %x: memref<256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.load %amax[%c0] : memref<1xf32>
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    %v = memref.load %x[%t0] : memref<256xf32>
    memref.store %v, %amax[%c0] : memref<1xf32>
    %y = arith.mulf %v, %a : f32
    memref.store %y, %x[%t0] : memref<256xf32>
    gpu.terminator
  }
  return
}
