//===- Driver.h - the CUDA driver API entry points fp4rt uses ---*- C++ -*-===//
//
// libfp4rt does not link libcuda: it opens libcuda.so.1 on first use (unless
// built with FP4RT_DLOPEN_DRIVER=OFF, then the table points at the linked
// functions). A binary linked against the toolkit's stub libcuda.so cannot
// even start on a machine without the NVIDIA driver (the loader needs
// libcuda.so.1), so loading it lazily is what lets every test print
// "SKIP: <reason>" on a CI machine without a GPU, and lets `import fp4rt`
// succeed there.
//
// Each entry is declared with the type of the cuda.h prototype and looked up
// by the name cuda.h maps it to (cuMemAlloc -> cuMemAlloc_v2, ...), which is
// the ABI the header was written for.
//
//===----------------------------------------------------------------------===//
#ifndef FP4RT_LIB_DRIVER_H
#define FP4RT_LIB_DRIVER_H

#include <cuda.h>

#include <string>

namespace fp4rt {

// X(name): every driver function used anywhere in the runtime.
#define FP4RT_DRIVER_FUNCTIONS(X)                                              \
  X(cuInit)                                                                    \
  X(cuDriverGetVersion)                                                        \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDeviceTotalMem)                                                          \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuDeviceGetDefaultMemPool)                                                 \
  X(cuMemPoolSetAttribute)                                                     \
  X(cuCtxGetCurrent)                                                           \
  X(cuCtxPushCurrent)                                                          \
  X(cuCtxPopCurrent)                                                           \
  X(cuCtxSynchronize)                                                          \
  X(cuMemGetInfo)                                                              \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncSetAttribute)                                                        \
  X(cuFuncGetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuLaunchKernelEx)                                                          \
  X(cuMemAlloc)                                                                \
  X(cuMemAllocAsync)                                                           \
  X(cuMemAllocManaged)                                                         \
  X(cuMemFree)                                                                 \
  X(cuMemFreeAsync)                                                            \
  X(cuMemcpy)                                                                  \
  X(cuMemcpyAsync)                                                             \
  X(cuMemcpyHtoD)                                                              \
  X(cuMemcpyDtoH)                                                              \
  X(cuMemsetD8)                                                                \
  X(cuMemsetD32)                                                               \
  X(cuMemsetD8Async)                                                           \
  X(cuMemsetD16Async)                                                          \
  X(cuMemsetD32Async)                                                          \
  X(cuMemHostRegister)                                                         \
  X(cuMemHostUnregister)                                                       \
  X(cuPointerGetAttribute)                                                     \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamQuery)                                                             \
  X(cuStreamWaitEvent)                                                         \
  X(cuStreamGetCtx)                                                            \
  X(cuStreamIsCapturing)                                                       \
  X(cuStreamBeginCapture)                                                      \
  X(cuStreamEndCapture)                                                        \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventQuery)                                                              \
  X(cuEventElapsedTime)                                                        \
  X(cuGraphInstantiate)                                                        \
  X(cuGraphGetNodes)                                                           \
  X(cuGraphLaunch)                                                             \
  X(cuGraphExecDestroy)                                                        \
  X(cuGraphDestroy)                                                            \
  X(cuTensorMapEncodeTiled)

/// The driver entry points. Fields are named after the cuda.h API names
/// (drv.cuMemAlloc(...) calls cuMemAlloc_v2).
struct Driver {
#define FP4RT_DRIVER_FIELD(name) decltype(&::name) name = nullptr;
  FP4RT_DRIVER_FUNCTIONS(FP4RT_DRIVER_FIELD)
#undef FP4RT_DRIVER_FIELD
};

/// The driver, loaded and cuInit-ed once per process. Returns nullptr when
/// it is not usable; `why` then says why ("libcuda.so.1 not found ...",
/// "cuInit failed: CUDA_ERROR_NO_DEVICE ..."). Thread-safe.
const Driver *getDriver(std::string *why = nullptr);

/// "CUDA_ERROR_INVALID_VALUE (invalid argument)" for `r`; works without a
/// driver too.
std::string describeResult(CUresult r);

} // namespace fp4rt

#endif // FP4RT_LIB_DRIVER_H
