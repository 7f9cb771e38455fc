// Reading results the way upstream integration tests do: tensor.bitcast,
// bufferization.to_buffer and memref printing, bf16 in and out.
// RUN: fp4-opt %s --fp4-lower-to-cpu | %run_cpu | FileCheck %s
// CHECK: {{\[}}[126]]
// CHECK: {{\[}}[1.33594,   2.67188,   2.67188,   4,   5.34375,   5.34375,   8,   8,   8,   10.6875,   10.6875,   10.6875,   10.6875,   16,   16,   16]]
// CHECK: 0.00595238

func.func private @printMemrefI32(memref<*xi32>)
func.func private @printMemrefF32(memref<*xf32>)
func.func @main() {
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]]> : tensor<1x16xbf16>
  %q = fp4.quantize %x : tensor<1x16xbf16> -> !fp4.tensor<1x16, nvfp4>
  %s = fp4.scales %q : !fp4.tensor<1x16, nvfp4> -> tensor<1x1xf8E4M3FN>
  %sb = tensor.bitcast %s : tensor<1x1xf8E4M3FN> to tensor<1x1xi8>
  %s32 = arith.extui %sb : tensor<1x1xi8> to tensor<1x1xi32>
  %m = bufferization.to_buffer %s32 : tensor<1x1xi32> to memref<1x1xi32>
  %mu = memref.cast %m : memref<1x1xi32> to memref<*xi32>
  call @printMemrefI32(%mu) : (memref<*xi32>) -> ()
  %d = fp4.dequantize %q : !fp4.tensor<1x16, nvfp4> -> tensor<1x16xbf16>
  %df = arith.extf %d : tensor<1x16xbf16> to tensor<1x16xf32>
  %dm = bufferization.to_buffer %df : tensor<1x16xf32> to memref<1x16xf32>
  %du = memref.cast %dm : memref<1x16xf32> to memref<*xf32>
  call @printMemrefF32(%du) : (memref<*xf32>) -> ()
  %t = fp4.tensor_scale %q : !fp4.tensor<1x16, nvfp4> -> f32
  vector.print %t : f32
  return
}
