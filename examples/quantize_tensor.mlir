// fp4 example: quantize a tensor with NVFP4 (static6 and Four Over Six)
// and MXFP4 on the CPU path and print what was stored and what comes back.
//
//   fp4-opt examples/quantize_tensor.mlir --fp4-lower-to-cpu | \
//     mlir-runner -e main -entry-point-result=void \
//       -shared-libs=$LLVM/lib/libmlir_c_runner_utils.so,$LLVM/lib/libmlir_runner_utils.so
//
// Or: scripts/run-example.sh examples/quantize_tensor.mlir

func.func private @printMemrefI32(tensor<*xi32>)
func.func private @printMemrefF32(tensor<*xf32>)

// Prints sum((d - x)^2) / sum(x^2): the relative quantization error.
func.func @print_rel_error(%x: tensor<4x32xf32>, %d: tensor<4x32xf32>) {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %sums:2 = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                       affine_map<(i, j) -> ()>, affine_map<(i, j) -> ()>],
      iterator_types = ["reduction", "reduction"]}
      ins(%x, %d : tensor<4x32xf32>, tensor<4x32xf32>)
      outs(%zero, %zero : tensor<f32>, tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %e: f32, %n: f32):
    %diff = arith.subf %b, %a : f32
    %sq = arith.mulf %diff, %diff : f32
    %e2 = arith.addf %e, %sq : f32
    %a2 = arith.mulf %a, %a : f32
    %n2 = arith.addf %n, %a2 : f32
    linalg.yield %e2, %n2 : f32, f32
  } -> (tensor<f32>, tensor<f32>)
  %err = tensor.extract %sums#0[] : tensor<f32>
  %norm = tensor.extract %sums#1[] : tensor<f32>
  %rel = arith.divf %err, %norm : f32
  vector.print str "relative squared error: "
  vector.print %rel : f32
  return
}

func.func @show_nvfp4(%x: tensor<4x32xf32>, %q: !fp4.tensor<4x32, nvfp4>) {
  %v = fp4.values %q : !fp4.tensor<4x32, nvfp4> -> tensor<4x16xi8>
  %v32 = arith.extui %v : tensor<4x16xi8> to tensor<4x16xi32>
  %vu = tensor.cast %v32 : tensor<4x16xi32> to tensor<*xi32>
  vector.print str "packed E2M1 codes (two per byte):\n"
  call @printMemrefI32(%vu) : (tensor<*xi32>) -> ()
  %s = fp4.scales %q : !fp4.tensor<4x32, nvfp4> -> tensor<4x2xf8E4M3FN>
  %sb = arith.bitcast %s : tensor<4x2xf8E4M3FN> to tensor<4x2xi8>
  %s32 = arith.extui %sb : tensor<4x2xi8> to tensor<4x2xi32>
  %su = tensor.cast %s32 : tensor<4x2xi32> to tensor<*xi32>
  vector.print str "E4M3 block scales (bytes):\n"
  call @printMemrefI32(%su) : (tensor<*xi32>) -> ()
  %t = fp4.tensor_scale %q : !fp4.tensor<4x32, nvfp4> -> f32
  vector.print str "tensor scale alpha: "
  vector.print %t : f32
  %d = fp4.dequantize %q : !fp4.tensor<4x32, nvfp4> -> tensor<4x32xf32>
  %du = tensor.cast %d : tensor<4x32xf32> to tensor<*xf32>
  vector.print str "dequantized:\n"
  call @printMemrefF32(%du) : (tensor<*xf32>) -> ()
  call @print_rel_error(%x, %d) : (tensor<4x32xf32>, tensor<4x32xf32>) -> ()
  return
}

func.func @main() {
  %x = arith.constant dense<[
      [0.0012, 0.2987, -0.2741, -0.8906, -0.4547, -0.9916, 0.0601, 1.3402, -0.4922, -0.6205, 0.4898, 0.3569, 0.1054, -0.9305, -0.0293, 0.6953, -1.3442, -0.4576, -1.9012, -1.2895, -1.8417, -0.2351, -1.2674, 0.2713, 0.1568, -0.1869, -2.5168, -0.5387, -0.0485, 0.1133, -1.5301, -0.4778],
      [-0.9785, -0.8088, 1.0609, -0.8075, -0.0325, 9.5000, -0.5836, -0.1117, 0.1105, 0.0638, -1.2251, 0.0761, 1.3588, -1.5471, 0.8594, 0.1194, -0.6415, 2.0004, 0.7623, -1.1993, 0.0745, 0.5767, -0.1888, 0.6829, -0.0665, 0.6672, 1.4385, -0.6757, 0.2031, -0.4633, 0.1273, -1.1872],
      [-0.5793, -0.1962, 0.8988, 1.1452, -1.3235, -0.7946, 0.6469, -1.9924, -0.4632, -0.0973, 1.2570, 0.6894, -0.3272, -0.3686, -0.2502, 1.5235, -0.4280, -0.3037, 0.3526, -0.1208, -7.2500, -1.1141, -0.0115, -0.4436, 1.1661, 0.6531, -0.0241, 0.6684, -0.3399, 1.0521, -0.0054, 0.5834],
      [-1.2909, 0.3467, -1.6882, -2.0353, -0.3045, -0.8999, 0.1641, 2.2448, -0.8317, -0.6239, 0.2054, 0.4930, -0.1764, -0.2059, 0.7025, 0.5199, -1.0337, -0.0792, 0.0353, -1.0545, 0.2598, -0.8580, 0.9721, 0.1927, 0.0893, -0.5910, -0.1186, -1.9977, -1.1314, 0.3628, -2.1286, 0.8466]]> : tensor<4x32xf32>
  %xu = tensor.cast %x : tensor<4x32xf32> to tensor<*xf32>
  vector.print str "input:\n"
  call @printMemrefF32(%xu) : (tensor<*xf32>) -> ()

  vector.print str "\n== NVFP4, static6 ==\n"
  %q6 = fp4.quantize %x {rule = #fp4.rule<static6>} : tensor<4x32xf32> -> !fp4.tensor<4x32, nvfp4>
  call @show_nvfp4(%x, %q6) : (tensor<4x32xf32>, !fp4.tensor<4x32, nvfp4>) -> ()

  vector.print str "\n== NVFP4, Four Over Six (mse) ==\n"
  %q46 = fp4.quantize %x {rule = #fp4.rule<four_over_six>} : tensor<4x32xf32> -> !fp4.tensor<4x32, nvfp4>
  call @show_nvfp4(%x, %q46) : (tensor<4x32xf32>, !fp4.tensor<4x32, nvfp4>) -> ()

  vector.print str "\n== MXFP4, mx_ceil, after a 32-point Hadamard rotation ==\n"
  %h = fp4.hadamard %x {size = 32} : tensor<4x32xf32>
  %qm = fp4.quantize %h : tensor<4x32xf32> -> !fp4.tensor<4x32, mxfp4>
  %dm = fp4.dequantize %qm : !fp4.tensor<4x32, mxfp4> -> tensor<4x32xf32>
  // The rotation is orthonormal: rotate back to compare with the input.
  %back = fp4.hadamard %dm {size = 32} : tensor<4x32xf32>
  call @print_rel_error(%x, %back) : (tensor<4x32xf32>, tensor<4x32xf32>) -> ()
  return
}
