// An unsupported chip is a diagnostic on the first fp4 op, before anything
// reaches NVPTX.
// RUN: fp4-opt %s --fp4-lower-to-nvvm="chip=sm_80" -verify-diagnostics -o /dev/null
// RUN: fp4-opt %s --fp4-check-target="chip=sm_75" -verify-diagnostics -o /dev/null

func.func @quant(%x: tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4> {
  // expected-error @+1 {{fp4 GPU lowering does not support chip}}
  %q = fp4.quantize %x : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return %q : !fp4.tensor<4x64, nvfp4>
}
