// RUN: fp4-opt %s --pass-pipeline='builtin.module(gpu.module(fp4-widen-byte-vector-accesses))' | FileCheck %s

// Byte vectors of 4, 8 and 16 bytes are loaded and stored as 32-bit words
// (same address and alignment); other accesses stay.
// CHECK-LABEL: llvm.func @k
// CHECK: %[[W:.+]] = llvm.load %{{.+}} {alignment = 16 : i64} : !llvm.ptr -> vector<4xi32>
// CHECK: %[[B:.+]] = llvm.bitcast %[[W]] : vector<4xi32> to vector<16xi8>
// CHECK: %[[S:.+]] = llvm.shufflevector %[[B]], %[[B]] [0, 1, 2, 3, 4, 5, 6, 7]
// CHECK: %[[P:.+]] = llvm.bitcast %[[S]] : vector<8xi8> to vector<2xi32>
// CHECK: llvm.store %[[P]], %{{.+}} {alignment = 8 : i64} : vector<2xi32>, !llvm.ptr
// CHECK: %[[Q:.+]] = llvm.bitcast %{{.+}} : vector<4xi8> to i32
// CHECK: llvm.store %[[Q]]
// CHECK: llvm.store %{{.+}} : vector<3xi8>, !llvm.ptr
gpu.module @m {
  llvm.func @k(%p: !llvm.ptr, %q: !llvm.ptr) attributes {gpu.kernel} {
    %v = llvm.load %p {alignment = 16 : i64} : !llvm.ptr -> vector<16xi8>
    %h = llvm.shufflevector %v, %v [0, 1, 2, 3, 4, 5, 6, 7] : vector<16xi8>
    llvm.store %h, %q {alignment = 8 : i64} : vector<8xi8>, !llvm.ptr
    %f = llvm.shufflevector %v, %v [0, 1, 2, 3] : vector<16xi8>
    llvm.store %f, %q : vector<4xi8>, !llvm.ptr
    %t = llvm.shufflevector %v, %v [0, 1, 2] : vector<16xi8>
    llvm.store %t, %q : vector<3xi8>, !llvm.ptr
    llvm.return
  }
}
