/*===- fp4rt.h - fp4 CUDA runtime, C API --------------------------*- C -*-===*
 *
 * The small CUDA runtime that loads and launches what the fp4 compiler
 * generates. Pure C, for embedding (C, C++, Python ctypes, PyTorch).
 *
 * Model, in one paragraph (docs/runtime.md has the long version):
 *
 *  - Everything lives in an fp4rtContext: the CUDA *primary* context of one
 *    device (the one PyTorch and the CUDA runtime API use, so device pointers
 *    and streams are interchangeable with theirs).
 *  - Objects (modules, buffers, streams, events, graphs, programs) are
 *    created from a context and owned by it: destroying the context destroys
 *    whatever is left. Every handle is validated on every call; a stale or
 *    foreign handle is an FP4RT_ERROR_INVALID_HANDLE, never a crash.
 *  - Every function returns an fp4rtStatus. On failure, fp4rtGetLastError()
 *    (per thread) says what failed: the CUDA call, the CUresult name and
 *    text, and for launches the kernel name and module.
 *  - A NULL fp4rtStream means the CUDA legacy default stream (stream 0).
 *    Copies and memsets given a NULL stream are synchronous (they return when
 *    done); launches are always asynchronous.
 *  - Kernels launched through this API or through the mgpu* ABI used by
 *    MLIR-generated host code (fp4rt/mgpu.h) are checked: the launch result
 *    always, and with FP4RT_SYNC=1 in the environment (or
 *    fp4rtSetSyncMode(1)) a stream synchronization after each launch, so an
 *    asynchronous fault is reported with the kernel that caused it.
 *
 * Thread safety: all functions may be called from any thread. The last error
 * and the mgpu stream binding (fp4rtBindStream) are per thread.
 *===----------------------------------------------------------------------===*/
#ifndef FP4RT_FP4RT_H
#define FP4RT_FP4RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define FP4RT_API __declspec(dllexport)
#else
#define FP4RT_API __attribute__((visibility("default")))
#endif

#define FP4RT_VERSION_MAJOR 0
#define FP4RT_VERSION_MINOR 1
#define FP4RT_VERSION_PATCH 0
/* major * 10000 + minor * 100 + patch */
#define FP4RT_VERSION                                                          \
  (FP4RT_VERSION_MAJOR * 10000 + FP4RT_VERSION_MINOR * 100 +                   \
   FP4RT_VERSION_PATCH)

/*===------------------------------------------------------------------------===
 * Status and errors
 *===------------------------------------------------------------------------===*/

typedef enum fp4rtStatus {
  FP4RT_SUCCESS = 0,
  /* A NULL pointer, negative size, out-of-range offset, ... */
  FP4RT_ERROR_INVALID_ARGUMENT = 1,
  /* A handle that is NULL, destroyed, or of another context. */
  FP4RT_ERROR_INVALID_HANDLE = 2,
  /* No CUDA driver (libcuda.so.1 missing), cuInit failed, or no such device.
   * Tests treat this status as "skip". */
  FP4RT_ERROR_NO_DEVICE = 3,
  /* A CUDA driver call failed; the message names it and its CUresult. */
  FP4RT_ERROR_CUDA = 4,
  /* A kernel launch was rejected or a kernel faulted while running; the
   * message names the kernel and its module. A fault (illegal address, trap,
   * ...) leaves the CUDA context unusable: restart the process. */
  FP4RT_ERROR_LAUNCH = 5,
  /* A kernel, symbol, file or program entry point was not found. */
  FP4RT_ERROR_NOT_FOUND = 6,
  /* A module image is not a cubin / fatbin / PTX, or has no code for this
   * GPU, or PTX JIT failed (the JIT log is in the message). */
  FP4RT_ERROR_INVALID_IMAGE = 7,
  FP4RT_ERROR_OUT_OF_MEMORY = 8,
  /* Wrong order of calls: end capture without begin, run a program with an
   * unbound argument, ... */
  FP4RT_ERROR_INVALID_STATE = 9,
  /* Could not read a file or load a shared library. */
  FP4RT_ERROR_IO = 10,
  /* Work is still in progress (fp4rtStreamQuery / fp4rtEventQuery). */
  FP4RT_NOT_READY = 11
} fp4rtStatus;

/* Version of the library (FP4RT_VERSION of the build). */
FP4RT_API int fp4rtGetVersion(void);

/* Name of a status ("FP4RT_ERROR_CUDA"). Never NULL. */
FP4RT_API const char *fp4rtStatusString(fp4rtStatus status);

/* Message of the last failing call on this thread ("" if none). The pointer
 * stays valid until the next failing call on this thread. Example:
 *   "cuLaunchKernel failed for kernel 'saxpy' (module 'kernels.cubin'):
 *    CUDA_ERROR_INVALID_VALUE (invalid argument)" */
FP4RT_API const char *fp4rtGetLastError(void);

/* CUresult of the last failing call on this thread (0 when the failure was
 * not a CUDA call, e.g. an invalid argument). */
FP4RT_API int fp4rtGetLastCudaError(void);

/* Clears this thread's last error. */
FP4RT_API void fp4rtClearLastError(void);

/* Debug/sync mode: after every kernel launch (C API and mgpu ABI), wait for
 * the stream and attribute a fault to the kernel. Initial value: environment
 * variable FP4RT_SYNC (1/true/yes/on). Launches into a stream that is being
 * captured are never synchronized. Process wide. */
FP4RT_API void fp4rtSetSyncMode(int enabled);
FP4RT_API int fp4rtGetSyncMode(void);

/*===------------------------------------------------------------------------===
 * Devices
 *===------------------------------------------------------------------------===*/

/* Number of CUDA devices. FP4RT_ERROR_NO_DEVICE (with the reason in the
 * message) when there is no driver or no device; then *count is 0. */
FP4RT_API fp4rtStatus fp4rtGetDeviceCount(int *count);

typedef struct fp4rtDeviceProps {
  char name[256];                 /* "NVIDIA H100 80GB HBM3" */
  int ordinal;                    /* device index */
  int cc_major, cc_minor;         /* compute capability, 9.0 for Hopper */
  int sm_count;                   /* multiprocessors */
  int max_threads_per_block;
  int max_shared_mem_per_block_optin; /* bytes, after opt-in */
  int l2_cache_bytes;
  int driver_version;             /* e.g. 13000 */
  size_t total_mem_bytes;
} fp4rtDeviceProps;

FP4RT_API fp4rtStatus fp4rtGetDeviceProps(int device, fp4rtDeviceProps *props);

/*===------------------------------------------------------------------------===
 * Handles
 *===------------------------------------------------------------------------===*/

typedef struct fp4rtContext_ *fp4rtContext; /* a device's primary context */
typedef struct fp4rtModule_ *fp4rtModule;   /* loaded cubin/fatbin/PTX */
typedef struct fp4rtKernel_ *fp4rtKernel;   /* owned by its module */
typedef struct fp4rtBuffer_ *fp4rtBuffer;   /* device memory, owned or wrapped */
typedef struct fp4rtStream_ *fp4rtStream;   /* owned or wrapped CUstream */
typedef struct fp4rtEvent_ *fp4rtEvent;
typedef struct fp4rtGraph_ *fp4rtGraph;     /* an instantiated CUDA graph */
typedef struct fp4rtProgram_ *fp4rtProgram; /* a compiled graph + its state */

/*===------------------------------------------------------------------------===
 * Context
 *===------------------------------------------------------------------------===*/

/* Retains the primary context of `device`. Several fp4rtContexts of one
 * device share that CUDA context (and with PyTorch). */
FP4RT_API fp4rtStatus fp4rtContextCreate(int device, fp4rtContext *ctx);
/* Destroys the context handle and every object still created from it. The
 * primary context itself stays alive for the process (generated host code
 * may still hold modules in it). */
FP4RT_API fp4rtStatus fp4rtContextDestroy(fp4rtContext ctx);
/* Waits for all work on the device. */
FP4RT_API fp4rtStatus fp4rtContextSynchronize(fp4rtContext ctx);
FP4RT_API fp4rtStatus fp4rtContextGetDevice(fp4rtContext ctx, int *device);
/* Free and total device memory in bytes. */
FP4RT_API fp4rtStatus fp4rtContextMemInfo(fp4rtContext ctx, size_t *free_bytes,
                                          size_t *total_bytes);

/*===------------------------------------------------------------------------===
 * Modules and kernels
 *===------------------------------------------------------------------------===*/

typedef enum fp4rtImageFormat {
  FP4RT_IMAGE_UNKNOWN = 0,
  FP4RT_IMAGE_CUBIN = 1,  /* ELF: nvcc -cubin, ptxas */
  FP4RT_IMAGE_FATBIN = 2, /* nvcc -fatbin, fatbinary, MLIR cubin-format=fatbin */
  FP4RT_IMAGE_PTX = 3     /* text with .version/.target, JIT-compiled */
} fp4rtImageFormat;

/* Format of an image, by its first bytes. */
FP4RT_API fp4rtImageFormat fp4rtDetectImageFormat(const void *image,
                                                  size_t size);

/* Loads a module from memory; the format is detected. `image` is copied
 * (PTX need not be NUL-terminated). `label` names the module in error
 * messages (may be NULL). PTX JIT errors come back with the JIT log. */
FP4RT_API fp4rtStatus fp4rtModuleLoadData(fp4rtContext ctx, const void *image,
                                          size_t size, const char *label,
                                          fp4rtModule *module);
/* Loads a module from a file (label = the path). */
FP4RT_API fp4rtStatus fp4rtModuleLoadFile(fp4rtContext ctx, const char *path,
                                          fp4rtModule *module);
/* Unloads the module; its kernels become invalid handles. */
FP4RT_API fp4rtStatus fp4rtModuleUnload(fp4rtModule module);
FP4RT_API fp4rtStatus fp4rtModuleGetFormat(fp4rtModule module,
                                           fp4rtImageFormat *format);

/* Looks up a kernel by its (mangled or extern "C") name. The handle is owned
 * by the module; looking the same name up twice gives the same handle. */
FP4RT_API fp4rtStatus fp4rtModuleGetKernel(fp4rtModule module,
                                           const char *name,
                                           fp4rtKernel *kernel);
/* Name of the kernel; valid while the module is loaded. */
FP4RT_API const char *fp4rtKernelName(fp4rtKernel kernel);
/* The CUfunction, for interop. */
FP4RT_API fp4rtStatus fp4rtKernelGetNative(fp4rtKernel kernel, void **cu_function);

typedef struct fp4rtLaunchConfig {
  unsigned grid[3];          /* blocks; 0 is treated as 1 */
  unsigned block[3];         /* threads per block; 0 is treated as 1 */
  unsigned cluster[3];       /* thread-block cluster (sm_90+); {0,0,0} = none */
  unsigned shared_mem_bytes; /* dynamic shared memory; above 48 KiB the
                                kernel's limit is raised automatically */
  fp4rtStream stream;        /* NULL = legacy default stream */
} fp4rtLaunchConfig;

/* Launches `kernel`. `params` is the CUDA kernel-parameter array: one pointer
 * per kernel parameter, pointing at its value (a device pointer parameter is
 * passed as a pointer to a CUdeviceptr / void*). Asynchronous; in sync mode
 * the stream is synchronized and a fault is reported with the kernel name. */
FP4RT_API fp4rtStatus fp4rtLaunch(fp4rtKernel kernel,
                                  const fp4rtLaunchConfig *config,
                                  void **params);

/*===------------------------------------------------------------------------===
 * Buffers (device memory)
 *===------------------------------------------------------------------------===*/

/* Allocates `bytes` of device memory (cuMemAlloc; 256-byte aligned). The
 * contents are undefined. bytes == 0 gives a valid empty buffer. */
FP4RT_API fp4rtStatus fp4rtBufferAlloc(fp4rtContext ctx, size_t bytes,
                                       fp4rtBuffer *buffer);
/* Wraps memory someone else owns (a torch tensor's data_ptr(), cudaMalloc,
 * ...). The runtime never frees it; the owner must keep it alive while the
 * buffer is used. The pointer is checked: it must be device (or managed)
 * memory of this context's device, and [ptr, ptr+bytes) must lie inside one
 * allocation. */
FP4RT_API fp4rtStatus fp4rtBufferWrap(fp4rtContext ctx, uint64_t device_ptr,
                                      size_t bytes, fp4rtBuffer *buffer);
/* Frees an owned buffer (after waiting for the device), or forgets a wrapped
 * one. */
FP4RT_API fp4rtStatus fp4rtBufferFree(fp4rtBuffer buffer);
FP4RT_API fp4rtStatus fp4rtBufferDevicePtr(fp4rtBuffer buffer, uint64_t *ptr);
FP4RT_API fp4rtStatus fp4rtBufferSize(fp4rtBuffer buffer, size_t *bytes);
FP4RT_API fp4rtStatus fp4rtBufferIsOwned(fp4rtBuffer buffer, int *owned);

/* Host -> device copy of `bytes` at byte `offset`. Synchronous with a NULL
 * stream; otherwise asynchronous (the host memory must stay valid until the
 * stream reaches the copy). Range-checked. */
FP4RT_API fp4rtStatus fp4rtBufferUpload(fp4rtBuffer buffer, size_t offset,
                                        const void *src, size_t bytes,
                                        fp4rtStream stream);
/* Device -> host copy. Same rules as upload. */
FP4RT_API fp4rtStatus fp4rtBufferDownload(fp4rtBuffer buffer, size_t offset,
                                          void *dst, size_t bytes,
                                          fp4rtStream stream);
/* Device -> device copy between (possibly the same) buffers. */
FP4RT_API fp4rtStatus fp4rtBufferCopy(fp4rtBuffer dst, size_t dst_offset,
                                      fp4rtBuffer src, size_t src_offset,
                                      size_t bytes, fp4rtStream stream);
/* Sets `bytes` bytes to `value`. */
FP4RT_API fp4rtStatus fp4rtBufferMemset(fp4rtBuffer buffer, size_t offset,
                                        uint8_t value, size_t bytes,
                                        fp4rtStream stream);
/* Sets `count` 32-bit words to `value` (offset must be 4-byte aligned);
 * e.g. value = bits of 1.0f fills floats. */
FP4RT_API fp4rtStatus fp4rtBufferFill32(fp4rtBuffer buffer, size_t offset,
                                        uint32_t value, size_t count,
                                        fp4rtStream stream);

/*===------------------------------------------------------------------------===
 * Streams and events
 *===------------------------------------------------------------------------===*/

/* Creates a non-blocking stream (no implicit sync with stream 0). */
FP4RT_API fp4rtStatus fp4rtStreamCreate(fp4rtContext ctx, fp4rtStream *stream);
/* Wraps an existing CUstream / cudaStream_t (e.g. PyTorch's
 * torch.cuda.current_stream().cuda_stream); never destroyed by the runtime.
 * 0 wraps the legacy default stream. */
FP4RT_API fp4rtStatus fp4rtStreamWrap(fp4rtContext ctx, void *cu_stream,
                                      fp4rtStream *stream);
FP4RT_API fp4rtStatus fp4rtStreamDestroy(fp4rtStream stream);
FP4RT_API fp4rtStatus fp4rtStreamSynchronize(fp4rtStream stream);
/* FP4RT_SUCCESS when all work is done, FP4RT_NOT_READY otherwise. */
FP4RT_API fp4rtStatus fp4rtStreamQuery(fp4rtStream stream);
FP4RT_API fp4rtStatus fp4rtStreamWaitEvent(fp4rtStream stream,
                                           fp4rtEvent event);
FP4RT_API fp4rtStatus fp4rtStreamGetNative(fp4rtStream stream,
                                           void **cu_stream);

/* enable_timing = 0 gives a cheaper event (no fp4rtEventElapsedMs). */
FP4RT_API fp4rtStatus fp4rtEventCreate(fp4rtContext ctx, int enable_timing,
                                       fp4rtEvent *event);
FP4RT_API fp4rtStatus fp4rtEventDestroy(fp4rtEvent event);
FP4RT_API fp4rtStatus fp4rtEventRecord(fp4rtEvent event, fp4rtStream stream);
FP4RT_API fp4rtStatus fp4rtEventSynchronize(fp4rtEvent event);
FP4RT_API fp4rtStatus fp4rtEventQuery(fp4rtEvent event);
FP4RT_API fp4rtStatus fp4rtEventElapsedMs(fp4rtEvent start, fp4rtEvent end,
                                          float *ms);

/*===------------------------------------------------------------------------===
 * Graph capture and replay
 *===------------------------------------------------------------------------===*/

typedef enum fp4rtCaptureMode {
  /* Default: this thread may not make calls that are unsafe during capture
   * (cuMemAlloc, synchronous copies...); other threads are unaffected. */
  FP4RT_CAPTURE_THREAD_LOCAL = 0,
  FP4RT_CAPTURE_GLOBAL = 1,
  FP4RT_CAPTURE_RELAXED = 2
} fp4rtCaptureMode;

/* Starts capturing `stream` (not NULL: the legacy stream cannot be
 * captured). Until fp4rtStreamEndCapture, this thread's mgpu calls (MLIR-
 * generated host code) are bound to `stream` in asynchronous mode (see
 * fp4rtBindStream), so a call of a compiled function is recorded too. */
FP4RT_API fp4rtStatus fp4rtStreamBeginCapture(fp4rtStream stream,
                                              fp4rtCaptureMode mode);
/* Ends the capture and instantiates the graph. On failure (an operation that
 * is illegal during capture invalidated it) nothing is returned and the
 * message says why. */
FP4RT_API fp4rtStatus fp4rtStreamEndCapture(fp4rtStream stream,
                                            fp4rtGraph *graph);
/* Launches the graph once / `count` times in a row on `stream`. */
FP4RT_API fp4rtStatus fp4rtGraphLaunch(fp4rtGraph graph, fp4rtStream stream);
FP4RT_API fp4rtStatus fp4rtGraphReplay(fp4rtGraph graph, fp4rtStream stream,
                                       int count);
/* Number of nodes captured. */
FP4RT_API fp4rtStatus fp4rtGraphNodeCount(fp4rtGraph graph, size_t *count);
FP4RT_API fp4rtStatus fp4rtGraphDestroy(fp4rtGraph graph);

/*===------------------------------------------------------------------------===
 * Binding MLIR-generated host code (the mgpu ABI) to a stream
 *===------------------------------------------------------------------------===*/

typedef enum fp4rtBindFlags {
  /* The generated code's stream synchronizations happen (a call returns when
   * its GPU work is done). */
  FP4RT_BIND_SYNC = 0,
  /* They are skipped: the call only enqueues work on the bound stream, in
   * order with whatever else runs there (PyTorch's current stream). Only for
   * functions whose host code does not read results on the host. */
  FP4RT_BIND_ASYNC = 1
} fp4rtBindFlags;

/* From now on, on this thread, every stream the generated code creates
 * (mgpuStreamCreate) is `stream`, destroying it is a no-op, and allocations
 * are stream-ordered on it. `stream` NULL = the legacy default stream;
 * fp4rtUnbindStream() restores the default (a fresh stream per call on the
 * device of mgpuSetDefaultDevice). Bindings nest: each bind pushes, each
 * unbind pops. */
FP4RT_API fp4rtStatus fp4rtBindStream(fp4rtStream stream, fp4rtBindFlags flags);
FP4RT_API fp4rtStatus fp4rtUnbindStream(void);

/* The mgpu functions return nothing, so they record failures: this returns
 * the first failure recorded on this thread since the last call (with its
 * message in fp4rtGetLastError) and clears it, or FP4RT_SUCCESS.
 * fp4rtProgramRun calls it for you. Failures are also printed to stderr
 * unless FP4RT_QUIET=1. */
FP4RT_API fp4rtStatus fp4rtCheckMgpuErrors(void);

/*===------------------------------------------------------------------------===
 * Programs: a compiled graph and its resident state
 *===------------------------------------------------------------------------===
 *
 * A program is one entry point of compiler-generated host code, in the C
 * interface that `llvm.emit_c_interface` gives:
 *
 *     void _mlir_ciface_NAME([Result *result,] Desc0 *arg0, Desc1 *arg1, ...)
 *
 * where every argument is a ranked memref passed as a pointer to its
 * descriptor {allocated, aligned, offset, sizes[rank], strides[rank]}.
 * Compiled graphs pass scalars (learning rate, step count) as rank-0 memrefs
 * in device memory, so they can change without recapturing a graph.
 *
 * The program keeps one descriptor per argument. Bind each argument once
 * (fp4rtProgramAllocArg for weights / optimizer state / fixed-address batch
 * staging, owned by the program; fp4rtProgramSetArg for buffers you own,
 * e.g. wrapped torch tensors), then call fp4rtProgramRun once per step,
 * changing only what you upload into the batch buffers. fp4rtProgramCapture
 * records one run into a CUDA graph; later runs replay it. Rebinding an
 * argument to a different address or shape drops the graph (runs go eager
 * until the next capture).
 */

#define FP4RT_MAX_RANK 8
#define FP4RT_MAX_PROGRAM_ARGS 64

/* Opens `library` (a shared library made from generated host objects and
 * linked with libfp4rt; NULL = the running process and what it has loaded)
 * and finds `_mlir_ciface_<function>` (or `function` itself if it already
 * starts with _mlir_ciface_). `num_args` memref arguments (at most
 * FP4RT_MAX_PROGRAM_ARGS). `result_bytes` > 0 when the function has results:
 * the program then passes a zeroed result struct of that size as the first
 * argument (fp4rtProgramResult). */
FP4RT_API fp4rtStatus fp4rtProgramCreate(fp4rtContext ctx, const char *library,
                                         const char *function, int num_args,
                                         size_t result_bytes,
                                         fp4rtProgram *program);
/* Same from a function pointer (object linked into the executable). */
FP4RT_API fp4rtStatus fp4rtProgramCreateFromPointer(
    fp4rtContext ctx, void *ciface_function, const char *name, int num_args,
    size_t result_bytes, fp4rtProgram *program);
FP4RT_API fp4rtStatus fp4rtProgramDestroy(fp4rtProgram program);

/* Binds argument `index` to a memref view of `buffer`: element size
 * `elem_bytes`, starting `offset` elements into the buffer, `rank` sizes and
 * strides (in elements; strides NULL = row-major contiguous). The view must
 * lie in the buffer. The descriptor is {buffer, buffer + offset *
 * elem_bytes, 0, sizes, strides}: the offset goes into the aligned pointer,
 * because code compiled for identity-layout memrefs (memref<?x?xf32>)
 * assumes offset 0 and never reads the offset field (and such code also
 * assumes row-major contiguous strides). The buffer must outlive the
 * binding. */
FP4RT_API fp4rtStatus fp4rtProgramSetArg(fp4rtProgram program, int index,
                                         fp4rtBuffer buffer, size_t elem_bytes,
                                         int64_t offset, int rank,
                                         const int64_t *sizes,
                                         const int64_t *strides);
/* Allocates a contiguous resident buffer owned by the program and binds it
 * (rank 0 = one element). `buffer` (may be NULL) receives it, to upload
 * weights or the batch into. */
FP4RT_API fp4rtStatus fp4rtProgramAllocArg(fp4rtProgram program, int index,
                                           size_t elem_bytes, int rank,
                                           const int64_t *sizes,
                                           fp4rtBuffer *buffer);
/* The buffer bound to argument `index`. */
FP4RT_API fp4rtStatus fp4rtProgramGetArg(fp4rtProgram program, int index,
                                         fp4rtBuffer *buffer);

/* One call of the entry point, enqueued on `stream` (bound in
 * FP4RT_BIND_ASYNC mode; NULL = legacy default stream). Replays the captured
 * graph instead when there is one. Returns the first mgpu failure of the
 * call, if any. */
FP4RT_API fp4rtStatus fp4rtProgramRun(fp4rtProgram program, fp4rtStream stream);
/* Captures one call on `stream` (not NULL) into a graph and replaces the
 * previous one; the captured call is NOT executed (follow with
 * fp4rtProgramRun). Run once eagerly first so that one-time work (module
 * loading, TMA descriptor creation) is out of the capture. */
FP4RT_API fp4rtStatus fp4rtProgramCapture(fp4rtProgram program,
                                          fp4rtStream stream);
FP4RT_API fp4rtStatus fp4rtProgramDropGraph(fp4rtProgram program);
FP4RT_API fp4rtStatus fp4rtProgramHasGraph(fp4rtProgram program, int *has);
/* The result struct (result_bytes > 0): valid after a synchronized run. */
FP4RT_API fp4rtStatus fp4rtProgramResult(fp4rtProgram program, void **result);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FP4RT_FP4RT_H */
