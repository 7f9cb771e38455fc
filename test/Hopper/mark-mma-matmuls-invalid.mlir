// With required=true (what --fp4-lower-to-nvvm="matmul=mma" asks for),
// every fp4.matmul the GEMM kernel cannot compute is an error saying why.
// RUN: fp4-opt %s --fp4-mark-mma-matmuls="required=true" -split-input-file -verify-diagnostics
// RUN: not fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a matmul=mma" -split-input-file 2>&1 | FileCheck %s
// CHECK: error: 'fp4.matmul' op mma.sync kernel needs M to be a multiple of 128 (got 100)
// CHECK: error: 'fp4.matmul' op mma.sync kernel needs K to be a multiple of 128 (got 64)
// CHECK: error: 'fp4.matmul' op mma.sync kernel needs 2-D operands (no batch dimensions)

func.func @m(%a: !fp4.tensor<100x256, nvfp4>, %b: !fp4.tensor<128x256, nvfp4>) -> tensor<100x128xf32> {
  // expected-error @+1 {{'fp4.matmul' op mma.sync kernel needs M to be a multiple of 128 (got 100)}}
  %0 = fp4.matmul %a, %b : !fp4.tensor<100x256, nvfp4>, !fp4.tensor<128x256, nvfp4> -> tensor<100x128xf32>
  return %0 : tensor<100x128xf32>
}

// -----

func.func @k(%a: !fp4.tensor<128x64, mxfp4>, %b: !fp4.tensor<128x64, mxfp4>) -> tensor<128x128xf32> {
  // expected-error @+1 {{'fp4.matmul' op mma.sync kernel needs K to be a multiple of 128 (got 64)}}
  %0 = fp4.matmul %a, %b : !fp4.tensor<128x64, mxfp4>, !fp4.tensor<128x64, mxfp4> -> tensor<128x128xf32>
  return %0 : tensor<128x128xf32>
}

// -----

func.func @batch(%a: !fp4.tensor<2x128x64, nvfp4>, %b: !fp4.tensor<2x128x64, nvfp4>) -> tensor<2x128x128xf32> {
  // expected-error @+1 {{'fp4.matmul' op mma.sync kernel needs 2-D operands (no batch dimensions)}}
  %0 = fp4.matmul %a, %b : !fp4.tensor<2x128x64, nvfp4>, !fp4.tensor<2x128x64, nvfp4> -> tensor<2x128x128xf32>
  return %0 : tensor<2x128x128xf32>
}
