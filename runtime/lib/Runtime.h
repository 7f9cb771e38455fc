//===- Runtime.h - fp4rt core (internal) ------------------------*- C++ -*-===//
//
// The pieces shared by the C API (CApi.cpp, Program.cpp) and the mgpu ABI
// (MgpuABI.cpp): the error model, devices and their primary contexts, the
// kernel-name registry, module loading, checked launches and the per-thread
// stream binding. No global object here has a destructor that runs at exit:
// generated host code unloads its modules from global destructors, which may
// run after ours would have.
//
//===----------------------------------------------------------------------===//
#ifndef FP4RT_LIB_RUNTIME_H
#define FP4RT_LIB_RUNTIME_H

#include "Driver.h"
#include "fp4rt/fp4rt.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fp4rt {

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// Records `msg` as this thread's last error and returns `status`.
fp4rtStatus fail(fp4rtStatus status, std::string msg,
                 CUresult cuda = CUDA_SUCCESS);

/// Records the failure of driver call `call` with result `r`. `subject`
/// ("kernel 'k' (module 'm')", "buffer of 64 bytes"...) is optional. The
/// status follows the CUresult (out of memory, image, launch fault...). For
/// asynchronous faults the most recently launched kernel is named.
fp4rtStatus cudaFail(CUresult r, const char *call,
                     const std::string &subject = std::string());

/// FP4RT_ERROR_NO_DEVICE with the reason the driver is unusable.
fp4rtStatus noDriver(const std::string &why);

/// True for the CUresults that mean a kernel faulted (sticky errors).
bool isExecutionFault(CUresult r);

/// Sync mode (FP4RT_SYNC / fp4rtSetSyncMode).
bool syncMode();
void setSyncMode(bool on);

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

/// One device and its retained primary context, for the whole process.
struct Device {
  int ordinal = 0;
  CUdevice dev = 0;
  CUcontext ctx = nullptr;

  std::mutex mu; // guards the caches below
  /// Functions whose dynamic shared-memory limit was raised, and to what.
  std::unordered_map<CUfunction, unsigned> smemLimit;
  /// Encoded tensor maps (raw 128 bytes) -> device copy.
  std::unordered_map<std::string, CUdeviceptr> tensorMaps;
};

/// The device `ordinal`, its primary context retained on first use. On
/// failure returns nullptr, records the error and sets `*status` (optional).
Device *getDevice(int ordinal, fp4rtStatus *status = nullptr);

/// Makes `ctx` current for the lifetime of the guard if it is not already.
class CtxGuard {
public:
  CtxGuard(const Driver &d, CUcontext ctx);
  ~CtxGuard();
  CtxGuard(const CtxGuard &) = delete;
  CtxGuard &operator=(const CtxGuard &) = delete;
  /// CUDA_SUCCESS unless making the context current failed.
  CUresult result() const { return result_; }

private:
  const Driver &d_;
  bool pushed_ = false;
  CUresult result_ = CUDA_SUCCESS;
};

//===----------------------------------------------------------------------===//
// Kernels and launches
//===----------------------------------------------------------------------===//

/// What a CUfunction is called, for error messages.
struct KernelInfo {
  std::string name;
  std::string module;
};

/// Global CUfunction -> name registry (both C API and mgpu modules).
void registerKernel(CUfunction f, CUmodule m, const std::string &name,
                    const std::string &moduleLabel);
void forgetModuleKernels(CUmodule m);
KernelInfo lookupKernel(CUfunction f);
/// "kernel 'name' (module 'label')"
std::string describeKernel(const KernelInfo &k);

struct LaunchDims {
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned cluster[3] = {0, 0, 0}; // all 0 = no cluster
  unsigned smem = 0;
};

/// Checked launch: raises the dynamic shared-memory limit when needed,
/// launches (cuLaunchKernel or cuLaunchKernelEx for clusters), reports any
/// failure with the kernel's name and module, remembers the launch for
/// asynchronous fault attribution and, in sync mode, synchronizes the stream
/// (unless it is being captured). The device's context must be current.
fp4rtStatus launch(const Driver &d, Device &dev, CUfunction f,
                   const KernelInfo &info, const LaunchDims &dims,
                   CUstream stream, void **params, void **extra);

//===----------------------------------------------------------------------===//
// Modules
//===----------------------------------------------------------------------===//

fp4rtImageFormat detectFormat(const void *data, size_t size);
const char *formatName(fp4rtImageFormat f);

/// Loads an image of `size` bytes (size 0: PTX up to its NUL, or a cubin /
/// fatbin trusted to be complete) into the current context. `optLevel` < 0
/// keeps the JIT default. The JIT error log goes into the error message.
fp4rtStatus loadModule(const Driver &d, const void *data, size_t size,
                       const std::string &label, int optLevel, CUmodule *out,
                       fp4rtImageFormat *format);

//===----------------------------------------------------------------------===//
// Per-thread state: stream binding for the mgpu ABI, pending mgpu errors
//===----------------------------------------------------------------------===//

struct Binding {
  Device *dev = nullptr;
  CUstream stream = nullptr; // nullptr = legacy default stream
  bool async = false;
};

struct ThreadState {
  std::string lastError;
  int lastCuda = 0;
  /// First mgpu failure since the last fp4rtCheckMgpuErrors.
  fp4rtStatus mgpuStatus = FP4RT_SUCCESS;
  std::string mgpuMessage;
  int mgpuCuda = 0;
  std::vector<Binding> bindings; // a stack
  int defaultDevice = -1;        // -1: FP4RT_DEVICE or 0
};

ThreadState &thread();

/// The innermost binding of this thread, or nullptr.
const Binding *currentBinding();

/// The thread's default device ordinal for the mgpu ABI.
int defaultDeviceOrdinal();

/// True if `stream` is currently being captured (false on any error).
bool isCapturing(const Driver &d, CUstream stream);

/// Frees the scratch blocks mgpuMemFree kept for the bound stream `s`
/// (stream-ordered), unless `s` is still bound on this thread. Called when a
/// binding is popped.
void releaseStreamCache(CUstream s);

} // namespace fp4rt

#endif // FP4RT_LIB_RUNTIME_H
