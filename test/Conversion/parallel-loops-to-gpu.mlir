// RUN: fp4-opt %s --fp4-parallel-loops-to-gpu="threads-per-block=128" 2>/dev/null | FileCheck %s

// A 2-D parallel loop becomes a 1-D launch: ceil(64 * 4 / 128) blocks of
// 128 threads, each delinearizing its id (last dimension fastest) and
// guarded by id < 256.
// CHECK-LABEL: func.func @two_d
// CHECK: %[[C128:.+]] = arith.constant 128 : index
// CHECK: %[[BLOCKS:.+]] = arith.ceildivsi %[[TOTAL:.+]], %[[C128]] : index
// CHECK: scf.if
// CHECK: gpu.launch blocks(%[[BX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[BLOCKS]], {{.*}} threads(%[[TX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C128]]
// CHECK: %[[ID0:.+]] = arith.muli %[[BX]], %[[C128]]
// CHECK: %[[ID:.+]] = arith.addi %[[ID0]], %[[TX]]
// CHECK: %[[IN:.+]] = arith.cmpi slt, %[[ID]], %[[TOTAL]]
// CHECK: scf.if %[[IN]]
// CHECK: arith.remsi %[[ID]]
// CHECK: arith.divsi %[[ID]]
// CHECK: memref.store
// CHECK: gpu.terminator
func.func @two_d(%m: memref<64x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c4) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<64x4xf32>
    scf.reduce
  }
  return
}

// Loops with reductions are left alone with a remark.
// CHECK-LABEL: func.func @reduction
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
func.func @reduction(%m: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %z = arith.constant 0.0 : f32
  %r = scf.parallel (%i) = (%c0) to (%c64) step (%c1) init (%z) -> f32 {
    %v = memref.load %m[%i] : memref<64xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}
