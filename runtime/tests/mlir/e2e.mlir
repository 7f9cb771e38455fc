// End-to-end programs for the runtime: lowered HERE (MLIR 22) by
// scripts/gpu/build_mlir_objects.sh into a host object with the GPU code
// embedded as a fatbin, linked THERE (GPU machine) with libfp4rt, called
// through the C interface (_mlir_ciface_*) by runtime/tests/test_e2e_mlir.cpp
// and runtime/tests/test_python.py.
//
// Together they make the generated code call every mgpu function of the
// plain lowering: module load/unload/get-function (global ctor/dtor),
// launch (sync and async), cluster launch, stream create/sync/destroy,
// event create/record/wait/destroy, alloc (device and host_shared), free,
// memcpy, memset (32 bits).
module attributes {gpu.container_module} {

// y = a * x + y on device memrefs (synchronous launch).
func.func @saxpy(%x: memref<?xf32>, %y: memref<?xf32>, %a: f32)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %nb0 = arith.addi %n, %c256 : index
  %nb1 = arith.subi %nb0, %c1 : index
  %nb = arith.divui %nb1, %c256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %nb, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c256 : index
    %i = arith.addi %base, %tx : index
    %in = arith.cmpi ult, %i, %n : index
    scf.if %in {
      %xv = memref.load %x[%i] : memref<?xf32>
      %yv = memref.load %y[%i] : memref<?xf32>
      %ax = arith.mulf %a, %xv : f32
      %r = arith.addf %ax, %yv : f32
      memref.store %r, %y[%i] : memref<?xf32>
    }
    gpu.terminator
  }
  return
}

// The same on HOST memrefs: two independent async chains (device copies of
// x and y, one zero-filled then overwritten) joined by an event, a launch,
// the copy back and the frees.
func.func @saxpy_host(%x: memref<?xf32>, %y: memref<?xf32>, %a: f32)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  %nb0 = arith.addi %n, %c256 : index
  %nb1 = arith.subi %nb0, %c1 : index
  %nb = arith.divui %nb1, %c256 : index
  %ta = gpu.wait async
  %dx, %ta1 = gpu.alloc async [%ta] (%n) : memref<?xf32>
  %ta2 = gpu.memset async [%ta1] %dx, %zero : memref<?xf32>, f32
  %ta3 = gpu.memcpy async [%ta2] %dx, %x : memref<?xf32>, memref<?xf32>
  %tb = gpu.wait async
  %dy, %tb1 = gpu.alloc async [%tb] (%n) : memref<?xf32>
  %tb2 = gpu.memcpy async [%tb1] %dy, %y : memref<?xf32>, memref<?xf32>
  %tj = gpu.wait async [%ta3, %tb2]
  %tl = gpu.launch async [%tj]
      blocks(%bx, %by, %bz) in (%gx = %nb, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c256 : index
    %i = arith.addi %base, %tx : index
    %in = arith.cmpi ult, %i, %n : index
    scf.if %in {
      %xv = memref.load %dx[%i] : memref<?xf32>
      %yv = memref.load %dy[%i] : memref<?xf32>
      %ax = arith.mulf %a, %xv : f32
      %r = arith.addf %ax, %yv : f32
      memref.store %r, %dy[%i] : memref<?xf32>
    }
    gpu.terminator
  }
  %t1 = gpu.memcpy async [%tl] %y, %dy : memref<?xf32>, memref<?xf32>
  %t2 = gpu.dealloc async [%t1] %dx : memref<?xf32>
  %t3 = gpu.dealloc async [%t2] %dy : memref<?xf32>
  gpu.wait [%t3]
  return
}

// A toy training step in the shape of a compiled graph: weights %w and
// optimizer state %m resident, a batch (%x: BxD, %y: B), the learning rate
// as a rank-0 device memref (so it can change under graph replay), a
// temporary allocated and freed inside the step (stream-ordered, so it is
// capturable). Least squares with momentum:
//   r[b] = sum_d x[b,d] w[d] - y[b]
//   g[d] = (2/B) sum_b r[b] x[b,d];  m = 0.9 m + g;  w = w - lr m
func.func @sgd_step(%w: memref<?xf32>, %m: memref<?xf32>, %x: memref<?x?xf32>,
                    %y: memref<?xf32>, %lr: memref<f32>)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %f0 = arith.constant 0.0 : f32
  %f2 = arith.constant 2.0 : f32
  %mu = arith.constant 0.9 : f32
  %B = memref.dim %x, %c0 : memref<?x?xf32>
  %D = memref.dim %x, %c1 : memref<?x?xf32>
  %Bi = arith.index_cast %B : index to i64
  %Bf = arith.uitofp %Bi : i64 to f32
  %scale = arith.divf %f2, %Bf : f32
  %gb0 = arith.addi %B, %c128 : index
  %gb1 = arith.subi %gb0, %c1 : index
  %gb = arith.divui %gb1, %c128 : index
  %gd0 = arith.addi %D, %c128 : index
  %gd1 = arith.subi %gd0, %c1 : index
  %gd = arith.divui %gd1, %c128 : index
  %t0 = gpu.wait async
  %r, %t1 = gpu.alloc async [%t0] (%B) : memref<?xf32>
  %t2 = gpu.launch async [%t1]
      blocks(%bx, %by, %bz) in (%gx = %gb, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c128 : index
    %b = arith.addi %base, %tx : index
    %in = arith.cmpi ult, %b, %B : index
    scf.if %in {
      %dot = scf.for %d = %c0 to %D step %c1 iter_args(%acc = %f0) -> (f32) {
        %xv = memref.load %x[%b, %d] : memref<?x?xf32>
        %wv = memref.load %w[%d] : memref<?xf32>
        %p = arith.mulf %xv, %wv : f32
        %s = arith.addf %acc, %p : f32
        scf.yield %s : f32
      }
      %yv = memref.load %y[%b] : memref<?xf32>
      %res = arith.subf %dot, %yv : f32
      memref.store %res, %r[%b] : memref<?xf32>
    }
    gpu.terminator
  }
  %t3 = gpu.launch async [%t2]
      blocks(%bx, %by, %bz) in (%gx = %gd, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c128 : index
    %d = arith.addi %base, %tx : index
    %in = arith.cmpi ult, %d, %D : index
    scf.if %in {
      %sum = scf.for %b = %c0 to %B step %c1 iter_args(%acc = %f0) -> (f32) {
        %rv = memref.load %r[%b] : memref<?xf32>
        %xv = memref.load %x[%b, %d] : memref<?x?xf32>
        %p = arith.mulf %rv, %xv : f32
        %s = arith.addf %acc, %p : f32
        scf.yield %s : f32
      }
      %g = arith.mulf %sum, %scale : f32
      %mv = memref.load %m[%d] : memref<?xf32>
      %mm = arith.mulf %mu, %mv : f32
      %mn = arith.addf %mm, %g : f32
      memref.store %mn, %m[%d] : memref<?xf32>
      %lrv = memref.load %lr[] : memref<f32>
      %step = arith.mulf %lrv, %mn : f32
      %wv = memref.load %w[%d] : memref<?xf32>
      %wn = arith.subf %wv, %step : f32
      memref.store %wn, %w[%d] : memref<?xf32>
    }
    gpu.terminator
  }
  %t4 = gpu.dealloc async [%t3] %r : memref<?xf32>
  gpu.wait [%t4]
  return
}

// Returns a new host_shared (managed) buffer of %n floats set to %v: tests
// the result-struct convention (_mlir_ciface_make_filled(result*, n, v)).
func.func @make_filled(%n: index, %v: f32) -> memref<?xf32>
    attributes {llvm.emit_c_interface} {
  %h = gpu.alloc host_shared (%n) : memref<?xf32>
  %t0 = gpu.wait async
  %t1 = gpu.memset async [%t0] %h, %v : memref<?xf32>, f32
  gpu.wait [%t1]
  return %h : memref<?xf32>
}

// Frees a buffer from make_filled.
func.func @free_buffer(%b: memref<?xf32>) attributes {llvm.emit_c_interface} {
  %t0 = gpu.wait async
  %t1 = gpu.dealloc async [%t0] %b : memref<?xf32>
  gpu.wait [%t1]
  return
}

// out[i] = rank of block i in its cluster of 2 (thread-block clusters are
// sm_90+): the generated code calls mgpuLaunchClusterKernel.
func.func @cluster_ranks(%out: memref<?xi32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %out, %c0 : memref<?xi32>
  gpu.launch clusters(%cx, %cy, %cz) in (%ncx = %c2, %ncy = %c1, %ncz = %c1)
             blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %rank = gpu.cluster_block_id x
    %r32 = arith.index_cast %rank : index to i32
    %bid = gpu.block_id x
    memref.store %r32, %out[%bid] : memref<?xi32>
    gpu.terminator
  }
  return
}
}
