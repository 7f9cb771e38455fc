// The main sm_100a kernels for SASS inspection (scripts/gpu/inspect_sass.sh):
// NVFP4 quantize (round-to-nearest-even and stochastic), dequantize, and the
// tcgen05 matmul for NVFP4 (kind::mxf4nvf4) and MXFP4 (kind::mxf4).
func.func @sass(%x: memref<256x512xf32>, %w: memref<256x512xf32>, %seed: i64,
                %c: memref<256x256xf32>, %cm: memref<256x256xf32>,
                %d: memref<256x512xf32>) attributes {llvm.emit_c_interface} {
  %xt = bufferization.to_tensor %x restrict : memref<256x512xf32> to tensor<256x512xf32>
  %wt = bufferization.to_tensor %w restrict : memref<256x512xf32> to tensor<256x512xf32>
  %a = fp4.quantize %xt seed(%seed) : tensor<256x512xf32>, i64 -> !fp4.tensor<256x512, nvfp4>
  %b = fp4.quantize %wt {rule = #fp4.rule<four_over_six>} : tensor<256x512xf32> -> !fp4.tensor<256x512, nvfp4>
  %r = fp4.matmul %a, %b : !fp4.tensor<256x512, nvfp4>, !fp4.tensor<256x512, nvfp4> -> tensor<256x256xf32>
  bufferization.materialize_in_destination %r in writable %c : (tensor<256x256xf32>, memref<256x256xf32>) -> ()
  %am = fp4.quantize %xt : tensor<256x512xf32> -> !fp4.tensor<256x512, mxfp4>
  %bm = fp4.quantize %wt : tensor<256x512xf32> -> !fp4.tensor<256x512, mxfp4>
  %rm = fp4.matmul %am, %bm : !fp4.tensor<256x512, mxfp4>, !fp4.tensor<256x512, mxfp4> -> tensor<256x256xf32>
  bufferization.materialize_in_destination %rm in writable %cm : (tensor<256x256xf32>, memref<256x256xf32>) -> ()
  %dq = fp4.dequantize %b : !fp4.tensor<256x512, nvfp4> -> tensor<256x512xf32>
  bufferization.materialize_in_destination %dq in writable %d : (tensor<256x512xf32>, memref<256x512xf32>) -> ()
  return
}
