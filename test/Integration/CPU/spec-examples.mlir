// The worked examples of SPEC sections 2.1 and 2.2, compiled for the CPU and
// checked byte for byte.
// RUN: fp4-opt %s --fp4-lower-to-cpu | %run_cpu | FileCheck %s
// The constant folder computes the same bytes at compile time.
// RUN: fp4-opt %s --fp4-fold-constants --fp4-lower-to-cpu | %run_cpu | FileCheck %s

func.func private @printMemrefI32(tensor<*xi32>)
func.func private @printMemrefF32(tensor<*xf32>)

func.func @print_bytes(%t: tensor<16xi8>) {
  %e = arith.extui %t : tensor<16xi8> to tensor<16xi32>
  %u = tensor.cast %e : tensor<16xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @main() {
  // SPEC 2.1: amax operand 1536 makes enc = 1 and alpha = 1 (four_over_six).
  // Block 0 [10, 20, 30, 40, 0 x 12]: sf6 = 6.5 has MSE 17.3125, sf4 = 10 is
  // exact -> keeps sf4 = 10 (E4M3 0x52 = 82), codes 1, 2, 3, 4.
  // Block 1 [15, 30, 120, 180, 0 x 11, -0.1]: sf6 = 30 is exact -> keeps 30
  // (0x5F = 95), codes 0.5, 1, 4, 6; -0.1 rounds to -0 (code 0x8).
  %x = arith.constant dense<[[10.0, 20.0, 30.0, 40.0, 0.0, 0.0, 0.0, 0.0,
                              0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              15.0, 30.0, 120.0, 180.0, 0.0, 0.0, 0.0, 0.0,
                              0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.1]]> : tensor<1x32xf32>
  %amax = arith.constant 1536.0 : f32
  %q = fp4.quantize %x amax(%amax) {rule = #fp4.rule<four_over_six>}
      : tensor<1x32xf32>, f32 -> !fp4.tensor<1x32, nvfp4>
  %v = fp4.values %q : !fp4.tensor<1x32, nvfp4> -> tensor<1x16xi8>
  %vf = tensor.collapse_shape %v [[0, 1]] : tensor<1x16xi8> into tensor<16xi8>
  // CHECK: [66,  101,  0,  0,  0,  0,  0,  0,  33,  118,  0,  0,  0,  0,  0,  128]
  call @print_bytes(%vf) : (tensor<16xi8>) -> ()
  %s = fp4.scales %q : !fp4.tensor<1x32, nvfp4> -> tensor<1x2xf8E4M3FN>
  %si = arith.bitcast %s : tensor<1x2xf8E4M3FN> to tensor<1x2xi8>
  %s32 = arith.extui %si : tensor<1x2xi8> to tensor<1x2xi32>
  %su = tensor.cast %s32 : tensor<1x2xi32> to tensor<*xi32>
  // CHECK: {{\[}}[82,   95]]
  call @printMemrefI32(%su) : (tensor<*xi32>) -> ()
  %t = fp4.tensor_scale %q : !fp4.tensor<1x32, nvfp4> -> f32
  // CHECK-NEXT: 1
  vector.print %t : f32
  %d = fp4.dequantize %q : !fp4.tensor<1x32, nvfp4> -> tensor<1x32xf32>
  %du = tensor.cast %d : tensor<1x32xf32> to tensor<*xf32>
  // CHECK: {{\[}}[10,   20,   30,   40,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   15,   30,   120,   180,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   -0]]
  call @printMemrefF32(%du) : (tensor<*xf32>) -> ()

  // static6 on the same input (hand-worked).
  %q6 = fp4.quantize %x amax(%amax) {rule = #fp4.rule<static6>}
      : tensor<1x32xf32>, f32 -> !fp4.tensor<1x32, nvfp4>
  %v6 = fp4.values %q6 : !fp4.tensor<1x32, nvfp4> -> tensor<1x16xi8>
  %v6f = tensor.collapse_shape %v6 [[0, 1]] : tensor<1x16xi8> into tensor<16xi8>
  // With amax 1536, static6 has enc = 2688 / 1536 = 1.75: block 0 scale
  // e4m3(40 / 6 * 1.75 = 11.67) = 12, y = x / (12 / 1.75) -> 1.458, 2.917,
  // 4.375, 5.833 -> codes 1.5, 3, 4, 6; block 1: e4m3(52.5) = 52, codes
  // 0.5, 1, 4, 6 (y = 0.505, 1.01, 4.04, 6.06).
  // CHECK: [83,  118,  0,  0,  0,  0,  0,  0,  33,  118,  0,  0,  0,  0,  0,  128]
  call @print_bytes(%v6f) : (tensor<16xi8>) -> ()

  // SPEC 2.2: b = 7. mx_ceil: E = 128, 3.5 (7 * 2^-1) -> code of 4 (6),
  // 3.5 * 0.5 = 1.75 -> 2 (4). mx_floor: E = 127, 7 -> 6 (7), 3.5 -> 4 (6).
  %m = arith.constant dense<[[7.0, 3.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x32xf32>
  %mc = fp4.quantize %m {rule = #fp4.rule<mx_ceil>} : tensor<1x32xf32> -> !fp4.tensor<1x32, mxfp4>
  %mcv = fp4.values %mc : !fp4.tensor<1x32, mxfp4> -> tensor<1x16xi8>
  %mcvf = tensor.collapse_shape %mcv [[0, 1]] : tensor<1x16xi8> into tensor<16xi8>
  // CHECK: [70,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0]
  call @print_bytes(%mcvf) : (tensor<16xi8>) -> ()
  %mcs = fp4.scales %mc : !fp4.tensor<1x32, mxfp4> -> tensor<1x1xf8E8M0FNU>
  %mcsi = arith.bitcast %mcs : tensor<1x1xf8E8M0FNU> to tensor<1x1xi8>
  %mcs32 = arith.extui %mcsi : tensor<1x1xi8> to tensor<1x1xi32>
  %mcsu = tensor.cast %mcs32 : tensor<1x1xi32> to tensor<*xi32>
  // CHECK: {{\[}}[128]]
  call @printMemrefI32(%mcsu) : (tensor<*xi32>) -> ()
  %mf = fp4.quantize %m {rule = #fp4.rule<mx_floor>} : tensor<1x32xf32> -> !fp4.tensor<1x32, mxfp4>
  %mfv = fp4.values %mf : !fp4.tensor<1x32, mxfp4> -> tensor<1x16xi8>
  %mfvf = tensor.collapse_shape %mfv [[0, 1]] : tensor<1x16xi8> into tensor<16xi8>
  // CHECK: [103,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0]
  call @print_bytes(%mfvf) : (tensor<16xi8>) -> ()
  %mfs = fp4.scales %mf : !fp4.tensor<1x32, mxfp4> -> tensor<1x1xf8E8M0FNU>
  %mfsi = arith.bitcast %mfs : tensor<1x1xf8E8M0FNU> to tensor<1x1xi8>
  %mfs32 = arith.extui %mfsi : tensor<1x1xi8> to tensor<1x1xi32>
  %mfsu = tensor.cast %mfs32 : tensor<1x1xi32> to tensor<*xi32>
  // CHECK: {{\[}}[127]]
  call @printMemrefI32(%mfsu) : (tensor<*xi32>) -> ()
  %md = fp4.dequantize %mf : !fp4.tensor<1x32, mxfp4> -> tensor<1x32xf32>
  %mdu = tensor.cast %md : tensor<1x32xf32> to tensor<*xf32>
  // CHECK: {{\[}}[6,   4,   0,
  call @printMemrefF32(%mdu) : (tensor<*xf32>) -> ()
  return
}
