// Programs may read NVFP4/MXFP4 scales as floats: arith.extf from
// f8E4M3FN is expanded to integer code (fp4-expand-f8-conversions), from
// f8E8M0FNU by upstream arith-expand.
// RUN: fp4-opt %s --fp4-lower-to-cpu | %run_cpu | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  // Tensor amax 180, four_over_six: enc = 1536 / 180. Block 0 keeps the
  // 4-candidate e4m3(40 / 6 * enc * 1.5) = 88, block 1 the 6-candidate 256.
  %x = arith.constant dense<[[10.0, 20.0, 30.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              15.0, 30.0, 120.0, 180.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x32xf32>
  %q = fp4.quantize %x {rule = #fp4.rule<four_over_six>} : tensor<1x32xf32> -> !fp4.tensor<1x32, nvfp4>
  %s = fp4.scales %q : !fp4.tensor<1x32, nvfp4> -> tensor<1x2xf8E4M3FN>
  %sf = arith.extf %s : tensor<1x2xf8E4M3FN> to tensor<1x2xf32>
  %u = tensor.cast %sf : tensor<1x2xf32> to tensor<*xf32>
  // CHECK: {{\[}}[88,   256]]
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  // MXFP4 mx_ceil: b = 180, 180 / 6 = 30 -> 2^5.
  %m = fp4.quantize %x : tensor<1x32xf32> -> !fp4.tensor<1x32, mxfp4>
  %ms = fp4.scales %m : !fp4.tensor<1x32, mxfp4> -> tensor<1x1xf8E8M0FNU>
  %msf = arith.extf %ms : tensor<1x1xf8E8M0FNU> to tensor<1x1xf32>
  %mu = tensor.cast %msf : tensor<1x1xf32> to tensor<*xf32>
  // CHECK: {{\[}}[32]]
  call @printMemrefF32(%mu) : (tensor<*xf32>) -> ()
  // truncf to E4M3 rounds to nearest-even; beyond the range is NaN.
  %f = arith.constant dense<[0.3, 17.0, 448.0, 464.0, 470.0, -2.5]> : tensor<6xf32>
  %t = arith.truncf %f : tensor<6xf32> to tensor<6xf8E4M3FN>
  %te = arith.extf %t : tensor<6xf8E4M3FN> to tensor<6xf32>
  %tu = tensor.cast %te : tensor<6xf32> to tensor<*xf32>
  // CHECK: [0.3125,  16,  448,  448,  nan,  -2.5]
  call @printMemrefF32(%tu) : (tensor<*xf32>) -> ()
  return
}
