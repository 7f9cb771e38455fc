// RUN: fp4-opt %s --fp4-forward-destinations --split-input-file | FileCheck %s

// A block loop whose result is only stored into a writable argument writes
// into that argument.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%{{.+}}: tensor<4x32xf32>, %[[OUT:.+]]: memref<4x16xi8>)
// CHECK-NOT: tensor.empty
// CHECK: %[[T:.+]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: scf.forall {{.*}} shared_outs(%{{.+}} = %[[T]])
// CHECK: bufferization.materialize_in_destination %{{.+}} in writable %[[OUT]]
func.func @forward(%x: tensor<4x32xf32>, %out: memref<4x16xi8>) {
  %e = tensor.empty() : tensor<4x16xi8>
  %r = scf.forall (%i, %j) in (4, 2) shared_outs(%o = %e) -> (tensor<4x16xi8>) {
    %c = arith.constant dense<1> : tensor<1x8xi8>
    %c8 = arith.constant 8 : index
    %col = arith.muli %j, %c8 : index
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %c into %o[%i, %col] [1, 8] [1, 1] : tensor<1x8xi8> into tensor<4x16xi8>
    }
  }
  bufferization.materialize_in_destination %r in writable %out : (tensor<4x16xi8>, memref<4x16xi8>) -> ()
  return
}

// -----

// Not when the result has another use, or the destination is used elsewhere.
// CHECK-LABEL: func.func @keep
// CHECK-COUNT-2: tensor.empty
// CHECK-NOT: to_tensor {{.*}} restrict writable
func.func @keep(%out: memref<4xi8>, %out2: memref<4xi8>) -> tensor<4xi8> {
  %e = tensor.empty() : tensor<4xi8>
  %r = scf.forall (%i) in (4) shared_outs(%o = %e) -> (tensor<4xi8>) {
    %c = arith.constant dense<1> : tensor<1xi8>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %c into %o[%i] [1] [1] : tensor<1xi8> into tensor<4xi8>
    }
  }
  bufferization.materialize_in_destination %r in writable %out : (tensor<4xi8>, memref<4xi8>) -> ()
  %e2 = tensor.empty() : tensor<4xi8>
  %r2 = scf.forall (%i) in (4) shared_outs(%o = %e2) -> (tensor<4xi8>) {
    %c = arith.constant dense<2> : tensor<1xi8>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %c into %o[%i] [1] [1] : tensor<1xi8> into tensor<4xi8>
    }
  }
  bufferization.materialize_in_destination %r2 in writable %out2 : (tensor<4xi8>, memref<4xi8>) -> ()
  %v = bufferization.to_tensor %out2 : memref<4xi8> to tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

// A linalg op writes into its init: the f32 -> bf16 rounding of an
// accumulator writes the output buffer; the accumulator itself (read by
// the rounding, not stored) keeps its empty tensor.
// CHECK-LABEL: func.func @forward_linalg
// CHECK-SAME:    (%[[ACC:.+]]: tensor<4xf32>, %[[OUT:.+]]: memref<4xbf16>)
// CHECK:         %[[T:.+]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         linalg.generic {{.*}} ins(%[[ACC]] : tensor<4xf32>) outs(%[[T]] : tensor<4xbf16>)
// CHECK-NOT:     tensor.empty
func.func @forward_linalg(%acc: tensor<4xf32>, %out: memref<4xbf16>) {
  %e = tensor.empty() : tensor<4xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%acc : tensor<4xf32>) outs(%e : tensor<4xbf16>) {
  ^bb0(%a: f32, %o: bf16):
    %t = arith.truncf %a : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<4xbf16>
  bufferization.materialize_in_destination %r in writable %out : (tensor<4xbf16>, memref<4xbf16>) -> ()
  return
}
