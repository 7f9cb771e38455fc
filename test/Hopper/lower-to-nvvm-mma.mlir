// The benchmark graphs of bench/gen_bench.py (issue "Hopper performance")
// through --fp4-lower-to-nvvm for sm_90a: the decode contractions and the
// W4A4 GEMMs become mma.sync kernels that ptxas assembles without spills or
// local memory, with 16-byte code loads (decode) and cp.async (both);
// shapes off the kernels' tiles keep the emulated kernels.
// REQUIRES: ptxas
// RUN: rm -rf %t && fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a dump-kernels-to=%t" -o %t.mlir
// RUN: %python %S/check_mma_kernels.py %t --ptxas %ptxas --arch sm_90a | FileCheck %s
// RUN: rm -rf %t.fused && fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a exact-dequantize=false dump-kernels-to=%t.fused" -o %t.fused.mlir
// RUN: %python %S/check_mma_kernels.py %t.fused --ptxas %ptxas --arch sm_90a | FileCheck %s --check-prefix=FUSED
// RUN: rm -rf %t.emu && fp4-opt %s --fp4-lower-to-nvvm="chip=sm_90a matmul=emulated dump-kernels-to=%t.emu" -o %t.emu.mlir
// RUN: %python %S/check_mma_kernels.py %t.emu --ptxas %ptxas --arch sm_90a | FileCheck %s --check-prefix=EMU

// CHECK: decode_16x4096x14336.fp4.mma_decode.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 16 ldg16 8 cpasync {{[1-9][0-9]*}} local 0
// CHECK: decode_16x8192x8192.fp4.mma_decode.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 16 ldg16 8 cpasync {{[1-9][0-9]*}} local 0
// CHECK: decode_1x4096x14336.fp4.mma_decode.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 8 ldg16 8 cpasync {{[1-9][0-9]*}} local 0
// CHECK: decode_1x8192x8192.fp4.mma_decode.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 8 ldg16 8 cpasync {{[1-9][0-9]*}} local 0
// CHECK: decode_f32_mxfp4.fp4.mma_decode.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 16 ldg16 {{[1-9]}} cpasync {{[1-9][0-9]*}} local 0
// CHECK-NOT: decode_k192.fp4.mma
// CHECK: decode_k192.kernel
// CHECK: gemm_4096.fp4.mma_gemm.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 64 ldg16 0 cpasync {{[1-9][0-9]*}} local 0
// CHECK: gemm_8192.fp4.mma_gemm.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 64 ldg16 0 cpasync {{[1-9][0-9]*}} local 0
// CHECK-NOT: gemm_m200.fp4.mma
// CHECK: gemm_m200.fp4.matmul
// CHECK: gemm_mxfp4.fp4.mma_gemm.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 64
// FUSED: decode_16x8192x8192.fp4.mma_decode.0: regs {{[0-9]+}} spill 0/0 stack 0 mma 16
// EMU-NOT: mma {{[1-9]}}

func.func @decode_1x8192x8192(%x: memref<1x8192xbf16>, %wv: memref<8192x4096xi8>, %ws: memref<8192x512xf8E4M3FN>, %wa: memref<1xf32>, %y: memref<1x8192xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %x_t = bufferization.to_tensor %x restrict : memref<1x8192xbf16> to tensor<1x8192xbf16>
  %wv_t = bufferization.to_tensor %wv restrict : memref<8192x4096xi8> to tensor<8192x4096xi8>
  %ws_t = bufferization.to_tensor %ws restrict : memref<8192x512xf8E4M3FN> to tensor<8192x512xf8E4M3FN>
  %wal = memref.load %wa[%c0] : memref<1xf32>
  %wq = fp4.pack %wv_t, %ws_t, %wal : tensor<8192x4096xi8>, tensor<8192x512xf8E4M3FN>, f32 -> !fp4.tensor<8192x8192, nvfp4>
  %wd = fp4.dequantize %wq : !fp4.tensor<8192x8192, nvfp4> -> tensor<8192x8192xbf16>
  %e = tensor.empty() : tensor<1x8192xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8192xf32>) -> tensor<1x8192xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x_t, %wd : tensor<1x8192xbf16>, tensor<8192x8192xbf16>) outs(%f : tensor<1x8192xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %qf = arith.extf %q : bf16 to f32
    %pq = arith.mulf %pf, %qf : f32
    %s = arith.addf %o, %pq : f32
    linalg.yield %s : f32
  } -> tensor<1x8192xf32>
  %yb = arith.truncf %acc : tensor<1x8192xf32> to tensor<1x8192xbf16>
  bufferization.materialize_in_destination %yb in writable %y : (tensor<1x8192xbf16>, memref<1x8192xbf16>) -> ()
  return
}

func.func @decode_1x4096x14336(%x: memref<1x14336xbf16>, %wv: memref<4096x7168xi8>, %ws: memref<4096x896xf8E4M3FN>, %wa: memref<1xf32>, %y: memref<1x4096xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %x_t = bufferization.to_tensor %x restrict : memref<1x14336xbf16> to tensor<1x14336xbf16>
  %wv_t = bufferization.to_tensor %wv restrict : memref<4096x7168xi8> to tensor<4096x7168xi8>
  %ws_t = bufferization.to_tensor %ws restrict : memref<4096x896xf8E4M3FN> to tensor<4096x896xf8E4M3FN>
  %wal = memref.load %wa[%c0] : memref<1xf32>
  %wq = fp4.pack %wv_t, %ws_t, %wal : tensor<4096x7168xi8>, tensor<4096x896xf8E4M3FN>, f32 -> !fp4.tensor<4096x14336, nvfp4>
  %wd = fp4.dequantize %wq : !fp4.tensor<4096x14336, nvfp4> -> tensor<4096x14336xbf16>
  %e = tensor.empty() : tensor<1x4096xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x_t, %wd : tensor<1x14336xbf16>, tensor<4096x14336xbf16>) outs(%f : tensor<1x4096xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %qf = arith.extf %q : bf16 to f32
    %pq = arith.mulf %pf, %qf : f32
    %s = arith.addf %o, %pq : f32
    linalg.yield %s : f32
  } -> tensor<1x4096xf32>
  %yb = arith.truncf %acc : tensor<1x4096xf32> to tensor<1x4096xbf16>
  bufferization.materialize_in_destination %yb in writable %y : (tensor<1x4096xbf16>, memref<1x4096xbf16>) -> ()
  return
}

func.func @decode_16x8192x8192(%x: memref<16x8192xbf16>, %wv: memref<8192x4096xi8>, %ws: memref<8192x512xf8E4M3FN>, %wa: memref<1xf32>, %y: memref<16x8192xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %x_t = bufferization.to_tensor %x restrict : memref<16x8192xbf16> to tensor<16x8192xbf16>
  %wv_t = bufferization.to_tensor %wv restrict : memref<8192x4096xi8> to tensor<8192x4096xi8>
  %ws_t = bufferization.to_tensor %ws restrict : memref<8192x512xf8E4M3FN> to tensor<8192x512xf8E4M3FN>
  %wal = memref.load %wa[%c0] : memref<1xf32>
  %wq = fp4.pack %wv_t, %ws_t, %wal : tensor<8192x4096xi8>, tensor<8192x512xf8E4M3FN>, f32 -> !fp4.tensor<8192x8192, nvfp4>
  %wd = fp4.dequantize %wq : !fp4.tensor<8192x8192, nvfp4> -> tensor<8192x8192xbf16>
  %e = tensor.empty() : tensor<16x8192xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<16x8192xf32>) -> tensor<16x8192xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x_t, %wd : tensor<16x8192xbf16>, tensor<8192x8192xbf16>) outs(%f : tensor<16x8192xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %qf = arith.extf %q : bf16 to f32
    %pq = arith.mulf %pf, %qf : f32
    %s = arith.addf %o, %pq : f32
    linalg.yield %s : f32
  } -> tensor<16x8192xf32>
  %yb = arith.truncf %acc : tensor<16x8192xf32> to tensor<16x8192xbf16>
  bufferization.materialize_in_destination %yb in writable %y : (tensor<16x8192xbf16>, memref<16x8192xbf16>) -> ()
  return
}

func.func @decode_16x4096x14336(%x: memref<16x14336xbf16>, %wv: memref<4096x7168xi8>, %ws: memref<4096x896xf8E4M3FN>, %wa: memref<1xf32>, %y: memref<16x4096xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %x_t = bufferization.to_tensor %x restrict : memref<16x14336xbf16> to tensor<16x14336xbf16>
  %wv_t = bufferization.to_tensor %wv restrict : memref<4096x7168xi8> to tensor<4096x7168xi8>
  %ws_t = bufferization.to_tensor %ws restrict : memref<4096x896xf8E4M3FN> to tensor<4096x896xf8E4M3FN>
  %wal = memref.load %wa[%c0] : memref<1xf32>
  %wq = fp4.pack %wv_t, %ws_t, %wal : tensor<4096x7168xi8>, tensor<4096x896xf8E4M3FN>, f32 -> !fp4.tensor<4096x14336, nvfp4>
  %wd = fp4.dequantize %wq : !fp4.tensor<4096x14336, nvfp4> -> tensor<4096x14336xbf16>
  %e = tensor.empty() : tensor<16x4096xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<16x4096xf32>) -> tensor<16x4096xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x_t, %wd : tensor<16x14336xbf16>, tensor<4096x14336xbf16>) outs(%f : tensor<16x4096xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %qf = arith.extf %q : bf16 to f32
    %pq = arith.mulf %pf, %qf : f32
    %s = arith.addf %o, %pq : f32
    linalg.yield %s : f32
  } -> tensor<16x4096xf32>
  %yb = arith.truncf %acc : tensor<16x4096xf32> to tensor<16x4096xbf16>
  bufferization.materialize_in_destination %yb in writable %y : (tensor<16x4096xbf16>, memref<16x4096xbf16>) -> ()
  return
}

func.func @decode_f32_mxfp4(%x: memref<16x512xbf16>, %wv: memref<256x256xi8>, %ws: memref<256x16xf8E8M0FNU>, %y: memref<16x256xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %x_t = bufferization.to_tensor %x restrict : memref<16x512xbf16> to tensor<16x512xbf16>
  %wv_t = bufferization.to_tensor %wv restrict : memref<256x256xi8> to tensor<256x256xi8>
  %ws_t = bufferization.to_tensor %ws restrict : memref<256x16xf8E8M0FNU> to tensor<256x16xf8E8M0FNU>
  %wq = fp4.pack %wv_t, %ws_t : tensor<256x256xi8>, tensor<256x16xf8E8M0FNU> -> !fp4.tensor<256x512, mxfp4>
  %wd = fp4.dequantize %wq : !fp4.tensor<256x512, mxfp4> -> tensor<256x512xf32>
  %e = tensor.empty() : tensor<16x256xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<16x256xf32>) -> tensor<16x256xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x_t, %wd : tensor<16x512xbf16>, tensor<256x512xf32>) outs(%f : tensor<16x256xf32>) {
  ^bb0(%p: bf16, %q: f32, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %pq = arith.mulf %pf, %q : f32
    %s = arith.addf %o, %pq : f32
    linalg.yield %s : f32
  } -> tensor<16x256xf32>
  %yb = arith.truncf %acc : tensor<16x256xf32> to tensor<16x256xbf16>
  bufferization.materialize_in_destination %yb in writable %y : (tensor<16x256xbf16>, memref<16x256xbf16>) -> ()
  return
}

func.func @decode_k192(%x: memref<4x192xbf16>, %wv: memref<64x96xi8>, %ws: memref<64x12xf8E4M3FN>, %wa: memref<1xf32>, %y: memref<4x64xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %x_t = bufferization.to_tensor %x restrict : memref<4x192xbf16> to tensor<4x192xbf16>
  %wv_t = bufferization.to_tensor %wv restrict : memref<64x96xi8> to tensor<64x96xi8>
  %ws_t = bufferization.to_tensor %ws restrict : memref<64x12xf8E4M3FN> to tensor<64x12xf8E4M3FN>
  %wal = memref.load %wa[%c0] : memref<1xf32>
  %wq = fp4.pack %wv_t, %ws_t, %wal : tensor<64x96xi8>, tensor<64x12xf8E4M3FN>, f32 -> !fp4.tensor<64x192, nvfp4>
  %wd = fp4.dequantize %wq : !fp4.tensor<64x192, nvfp4> -> tensor<64x192xbf16>
  %e = tensor.empty() : tensor<4x64xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(i, j, l) -> (i, l)>, affine_map<(i, j, l) -> (j, l)>, affine_map<(i, j, l) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x_t, %wd : tensor<4x192xbf16>, tensor<64x192xbf16>) outs(%f : tensor<4x64xf32>) {
  ^bb0(%p: bf16, %q: bf16, %o: f32):
    %pf = arith.extf %p : bf16 to f32
    %qf = arith.extf %q : bf16 to f32
    %pq = arith.mulf %pf, %qf : f32
    %s = arith.addf %o, %pq : f32
    linalg.yield %s : f32
  } -> tensor<4x64xf32>
  %yb = arith.truncf %acc : tensor<4x64xf32> to tensor<4x64xbf16>
  bufferization.materialize_in_destination %yb in writable %y : (tensor<4x64xbf16>, memref<4x64xbf16>) -> ()
  return
}

func.func @gemm_4096(%av: memref<4096x2048xi8>, %as: memref<4096x256xf8E4M3FN>, %aa: memref<1xf32>, %bv: memref<4096x2048xi8>, %bs: memref<4096x256xf8E4M3FN>, %ba: memref<1xf32>, %c: memref<4096x4096xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %av_t = bufferization.to_tensor %av restrict : memref<4096x2048xi8> to tensor<4096x2048xi8>
  %as_t = bufferization.to_tensor %as restrict : memref<4096x256xf8E4M3FN> to tensor<4096x256xf8E4M3FN>
  %aal = memref.load %aa[%c0] : memref<1xf32>
  %aq = fp4.pack %av_t, %as_t, %aal : tensor<4096x2048xi8>, tensor<4096x256xf8E4M3FN>, f32 -> !fp4.tensor<4096x4096, nvfp4>
  %bv_t = bufferization.to_tensor %bv restrict : memref<4096x2048xi8> to tensor<4096x2048xi8>
  %bs_t = bufferization.to_tensor %bs restrict : memref<4096x256xf8E4M3FN> to tensor<4096x256xf8E4M3FN>
  %bal = memref.load %ba[%c0] : memref<1xf32>
  %bq = fp4.pack %bv_t, %bs_t, %bal : tensor<4096x2048xi8>, tensor<4096x256xf8E4M3FN>, f32 -> !fp4.tensor<4096x4096, nvfp4>
  %r = fp4.matmul %aq, %bq : !fp4.tensor<4096x4096, nvfp4>, !fp4.tensor<4096x4096, nvfp4> -> tensor<4096x4096xbf16>
  bufferization.materialize_in_destination %r in writable %c : (tensor<4096x4096xbf16>, memref<4096x4096xbf16>) -> ()
  return
}

func.func @gemm_8192(%av: memref<8192x4096xi8>, %as: memref<8192x512xf8E4M3FN>, %aa: memref<1xf32>, %bv: memref<8192x4096xi8>, %bs: memref<8192x512xf8E4M3FN>, %ba: memref<1xf32>, %c: memref<8192x8192xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %av_t = bufferization.to_tensor %av restrict : memref<8192x4096xi8> to tensor<8192x4096xi8>
  %as_t = bufferization.to_tensor %as restrict : memref<8192x512xf8E4M3FN> to tensor<8192x512xf8E4M3FN>
  %aal = memref.load %aa[%c0] : memref<1xf32>
  %aq = fp4.pack %av_t, %as_t, %aal : tensor<8192x4096xi8>, tensor<8192x512xf8E4M3FN>, f32 -> !fp4.tensor<8192x8192, nvfp4>
  %bv_t = bufferization.to_tensor %bv restrict : memref<8192x4096xi8> to tensor<8192x4096xi8>
  %bs_t = bufferization.to_tensor %bs restrict : memref<8192x512xf8E4M3FN> to tensor<8192x512xf8E4M3FN>
  %bal = memref.load %ba[%c0] : memref<1xf32>
  %bq = fp4.pack %bv_t, %bs_t, %bal : tensor<8192x4096xi8>, tensor<8192x512xf8E4M3FN>, f32 -> !fp4.tensor<8192x8192, nvfp4>
  %r = fp4.matmul %aq, %bq : !fp4.tensor<8192x8192, nvfp4>, !fp4.tensor<8192x8192, nvfp4> -> tensor<8192x8192xbf16>
  bufferization.materialize_in_destination %r in writable %c : (tensor<8192x8192xbf16>, memref<8192x8192xbf16>) -> ()
  return
}

func.func @gemm_mxfp4(%av: memref<256x256xi8>, %as: memref<256x16xf8E8M0FNU>, %bv: memref<256x256xi8>, %bs: memref<256x16xf8E8M0FNU>, %c: memref<256x256xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %av_t = bufferization.to_tensor %av restrict : memref<256x256xi8> to tensor<256x256xi8>
  %as_t = bufferization.to_tensor %as restrict : memref<256x16xf8E8M0FNU> to tensor<256x16xf8E8M0FNU>
  %aq = fp4.pack %av_t, %as_t : tensor<256x256xi8>, tensor<256x16xf8E8M0FNU> -> !fp4.tensor<256x512, mxfp4>
  %bv_t = bufferization.to_tensor %bv restrict : memref<256x256xi8> to tensor<256x256xi8>
  %bs_t = bufferization.to_tensor %bs restrict : memref<256x16xf8E8M0FNU> to tensor<256x16xf8E8M0FNU>
  %bq = fp4.pack %bv_t, %bs_t : tensor<256x256xi8>, tensor<256x16xf8E8M0FNU> -> !fp4.tensor<256x512, mxfp4>
  %r = fp4.matmul %aq, %bq : !fp4.tensor<256x512, mxfp4>, !fp4.tensor<256x512, mxfp4> -> tensor<256x256xbf16>
  bufferization.materialize_in_destination %r in writable %c : (tensor<256x256xbf16>, memref<256x256xbf16>) -> ()
  return
}

func.func @gemm_m200(%av: memref<200x128xi8>, %as: memref<200x16xf8E4M3FN>, %aa: memref<1xf32>, %bv: memref<128x128xi8>, %bs: memref<128x16xf8E4M3FN>, %ba: memref<1xf32>, %c: memref<200x128xbf16>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %av_t = bufferization.to_tensor %av restrict : memref<200x128xi8> to tensor<200x128xi8>
  %as_t = bufferization.to_tensor %as restrict : memref<200x16xf8E4M3FN> to tensor<200x16xf8E4M3FN>
  %aal = memref.load %aa[%c0] : memref<1xf32>
  %aq = fp4.pack %av_t, %as_t, %aal : tensor<200x128xi8>, tensor<200x16xf8E4M3FN>, f32 -> !fp4.tensor<200x256, nvfp4>
  %bv_t = bufferization.to_tensor %bv restrict : memref<128x128xi8> to tensor<128x128xi8>
  %bs_t = bufferization.to_tensor %bs restrict : memref<128x16xf8E4M3FN> to tensor<128x16xf8E4M3FN>
  %bal = memref.load %ba[%c0] : memref<1xf32>
  %bq = fp4.pack %bv_t, %bs_t, %bal : tensor<128x128xi8>, tensor<128x16xf8E4M3FN>, f32 -> !fp4.tensor<128x256, nvfp4>
  %r = fp4.matmul %aq, %bq : !fp4.tensor<200x256, nvfp4>, !fp4.tensor<128x256, nvfp4> -> tensor<200x128xbf16>
  bufferization.materialize_in_destination %r in writable %c : (tensor<200x128xbf16>, memref<200x128xbf16>) -> ()
  return
}
