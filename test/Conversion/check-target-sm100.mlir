// Chip, PTX ISA version and tcgen05 kernel constraints are diagnosed on the
// fp4 ops before anything reaches NVPTX (which would abort with "LLVM ERROR:
// Cannot select" or "PTX version ... does not support target").
// RUN: fp4-opt %s -split-input-file -verify-diagnostics --fp4-check-target="chip=sm_100a matmul=tcgen05"
// RUN: not fp4-opt %s -split-input-file --fp4-check-target="chip=sm_100a features=+ptx85" -o /dev/null 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: not fp4-opt %s -split-input-file --fp4-check-target="chip=sm_120a features=+ptx86" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM120
// RUN: not fp4-opt %s -split-input-file --fp4-check-target="chip=sm_100a features=+ptx99" -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not fp4-opt %s -split-input-file --fp4-check-target="chip=sm_100a matmul=fast" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MODE
// PTX 8.7 is enough for sm_100a's conversions but not for tcgen05 block
// scaling (8.8), nor sm_103a / sm_120a / sm_90a for the tcgen05 kernel.
// RUN: not fp4-opt %s -split-input-file --fp4-check-target="chip=sm_100a features=+ptx87 matmul=tcgen05" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PTX87
// RUN: not fp4-opt %s -split-input-file --fp4-check-target="chip=sm_90a matmul=tcgen05" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM90
// The whole pipeline stops at the same diagnostics.
// RUN: not fp4-opt %s -split-input-file --fp4-lower-to-nvvm="chip=sm_100a features=+ptx85" -o /dev/null 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: not fp4-opt %s -split-input-file --fp4-lower-to-nvvm="chip=sm_100a matmul=tcgen05" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE
// RUN: not fp4-opt %s -split-input-file --fp4-lower-to-nvvm="chip=sm_100a stages=7" -o /dev/null 2>&1 | FileCheck %s --check-prefix=STAGES

// OLD: error: chip 'sm_100a' needs PTX ISA 8.6 or newer (features=+ptx86); got +ptx85
// SM120: error: chip 'sm_120a' needs PTX ISA 8.7 or newer (features=+ptx87); got +ptx86
// UNKNOWN: error: unknown PTX ISA version in features '+ptx99'
// MODE: error: unknown matmul mode 'fast' (expected auto, tcgen05, mma or emulated)
// PTX87: error: 'fp4.matmul' op tcgen05.mma block_scale needs PTX ISA 8.8 (features=+ptx88); got +ptx87
// SM90: error: 'fp4.matmul' op tcgen05 block-scaled MMA is not available on sm_90a (the fp4 tcgen05 kernel targets sm_100a)
// PIPE: error: 'fp4.matmul' op tcgen05 kernel needs M to be a multiple of 128 (got 4)
// STAGES: error: 'fp4.matmul' op the tcgen05 kernel supports 1 to 4 pipeline stages (got 7)

func.func @fits(%a: !fp4.tensor<128x256, nvfp4>, %w: !fp4.tensor<256x256, nvfp4, block = 16x16>) -> tensor<128x256xf32> {
  %c = fp4.matmul %a, %w : !fp4.tensor<128x256, nvfp4>, !fp4.tensor<256x256, nvfp4, block = 16x16> -> tensor<128x256xf32>
  return %c : tensor<128x256xf32>
}

// -----

func.func @small_m(%a: !fp4.tensor<4x256, nvfp4>, %w: !fp4.tensor<128x256, nvfp4>) -> tensor<4x128xf32> {
  // expected-error @+1 {{'fp4.matmul' op tcgen05 kernel needs M to be a multiple of 128 (got 4)}}
  %c = fp4.matmul %a, %w : !fp4.tensor<4x256, nvfp4>, !fp4.tensor<128x256, nvfp4> -> tensor<4x128xf32>
  return %c : tensor<4x128xf32>
}

// -----

func.func @n_tile(%a: !fp4.tensor<128x256, mxfp4>, %w: !fp4.tensor<96x256, mxfp4>) -> tensor<128x96xf32> {
  // expected-error @+1 {{'fp4.matmul' op tcgen05 kernel needs N to be a multiple of 128 (got 96)}}
  %c = fp4.matmul %a, %w : !fp4.tensor<128x256, mxfp4>, !fp4.tensor<96x256, mxfp4> -> tensor<128x96xf32>
  return %c : tensor<128x96xf32>
}

// -----

func.func @k_tile(%a: !fp4.tensor<128x64, nvfp4>, %w: !fp4.tensor<128x64, nvfp4>) -> tensor<128x128xf32> {
  // expected-error @+1 {{'fp4.matmul' op tcgen05 kernel needs K to be a multiple of 256 (got 64)}}
  %c = fp4.matmul %a, %w : !fp4.tensor<128x64, nvfp4>, !fp4.tensor<128x64, nvfp4> -> tensor<128x128xf32>
  return %c : tensor<128x128xf32>
}

// -----

func.func @batched(%a: !fp4.tensor<2x128x256, nvfp4>, %w: !fp4.tensor<128x256, nvfp4>) -> tensor<2x128x128xf32> {
  // expected-error @+1 {{'fp4.matmul' op tcgen05 kernel needs 2-D operands (no batch dimensions)}}
  %c = fp4.matmul %a, %w : !fp4.tensor<2x128x256, nvfp4>, !fp4.tensor<128x256, nvfp4> -> tensor<2x128x128xf32>
  return %c : tensor<2x128x128xf32>
}
