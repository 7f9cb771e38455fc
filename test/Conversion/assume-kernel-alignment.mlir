// RUN: fp4-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(fp4-assume-kernel-alignment))' | FileCheck %s
// RUN: fp4-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(fp4-assume-kernel-alignment{alignment=0}))' | FileCheck %s --check-prefix=NONE
// RUN: not fp4-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(fp4-assume-kernel-alignment{alignment=12}))' 2>&1 | FileCheck %s --check-prefix=BAD

// Every pointer parameter of a kernel is marked aligned; other functions and
// integer parameters are left alone.
// CHECK-LABEL: llvm.func @k(
// CHECK-SAME: %{{.+}}: !llvm.ptr {llvm.align = 16 : i64}, %{{.+}}: !llvm.ptr {llvm.align = 16 : i64}, %{{.+}}: i64)
// CHECK-LABEL: llvm.func @helper(
// CHECK-SAME: %{{.+}}: !llvm.ptr)
// NONE-NOT: llvm.align
// BAD: alignment must be a power of two (got 12)
gpu.module @m {
  llvm.func @k(%a: !llvm.ptr, %b: !llvm.ptr, %n: i64) attributes {gpu.kernel, nvvm.kernel} {
    llvm.return
  }
  llvm.func @helper(%a: !llvm.ptr) {
    llvm.return
  }
}
