//===- Runtime.cpp - fp4rt core: errors, devices, modules, launches -------===//

#include "Runtime.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace fp4rt {

//===----------------------------------------------------------------------===//
// Per-thread state
//===----------------------------------------------------------------------===//

namespace {
// Set when this thread's state is destroyed (thread exit, or process exit
// for the main thread). Generated code may still call mgpuModuleUnload from
// a global destructor after that; it then gets a process-wide fallback.
thread_local bool threadStateDead = false;
struct ThreadStateHolder {
  ThreadState state;
  ~ThreadStateHolder() { threadStateDead = true; }
};
} // namespace

ThreadState &thread() {
  if (threadStateDead) {
    static auto *fallback = new ThreadState; // never destroyed
    return *fallback;
  }
  static thread_local ThreadStateHolder holder;
  return holder.state;
}

const Binding *currentBinding() {
  auto &b = thread().bindings;
  return b.empty() ? nullptr : &b.back();
}

int defaultDeviceOrdinal() {
  int dev = thread().defaultDevice;
  if (dev >= 0)
    return dev;
  static const int fromEnv = [] {
    const char *s = std::getenv("FP4RT_DEVICE");
    return (s && *s) ? std::atoi(s) : 0;
  }();
  return fromEnv;
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

namespace {

std::mutex &lastLaunchMutex() {
  static auto *m = new std::mutex;
  return *m;
}
KernelInfo &lastLaunch() {
  static auto *k = new KernelInfo;
  return *k;
}

bool envFlag(const char *name) {
  const char *s = std::getenv(name);
  if (!s)
    return false;
  return !std::strcmp(s, "1") || !strcasecmp(s, "true") ||
         !strcasecmp(s, "yes") || !strcasecmp(s, "on");
}

std::atomic<int> &syncFlag() {
  static std::atomic<int> flag{envFlag("FP4RT_SYNC") ? 1 : 0};
  return flag;
}

} // namespace

bool syncMode() { return syncFlag().load(std::memory_order_relaxed) != 0; }
void setSyncMode(bool on) { syncFlag().store(on ? 1 : 0); }

fp4rtStatus fail(fp4rtStatus status, std::string msg, CUresult cuda) {
  ThreadState &t = thread();
  t.lastError = std::move(msg);
  t.lastCuda = int(cuda);
  return status;
}

bool isExecutionFault(CUresult r) {
  switch (r) {
  case CUDA_ERROR_ILLEGAL_ADDRESS:
  case CUDA_ERROR_LAUNCH_FAILED:
  case CUDA_ERROR_ILLEGAL_INSTRUCTION:
  case CUDA_ERROR_MISALIGNED_ADDRESS:
  case CUDA_ERROR_INVALID_ADDRESS_SPACE:
  case CUDA_ERROR_INVALID_PC:
  case CUDA_ERROR_HARDWARE_STACK_ERROR:
  case CUDA_ERROR_ASSERT:
  case CUDA_ERROR_LAUNCH_TIMEOUT:
  case CUDA_ERROR_ECC_UNCORRECTABLE:
    return true;
  default:
    return false;
  }
}

static fp4rtStatus statusFor(CUresult r) {
  switch (r) {
  case CUDA_SUCCESS:
    return FP4RT_SUCCESS;
  case CUDA_ERROR_NOT_READY:
    return FP4RT_NOT_READY;
  case CUDA_ERROR_OUT_OF_MEMORY:
    return FP4RT_ERROR_OUT_OF_MEMORY;
  case CUDA_ERROR_NO_DEVICE:
  case CUDA_ERROR_INVALID_DEVICE:
  case CUDA_ERROR_NOT_INITIALIZED:
  case CUDA_ERROR_DEINITIALIZED:
    return FP4RT_ERROR_NO_DEVICE;
  case CUDA_ERROR_NO_BINARY_FOR_GPU:
  case CUDA_ERROR_INVALID_IMAGE:
  case CUDA_ERROR_INVALID_PTX:
  case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
  case CUDA_ERROR_JIT_COMPILER_NOT_FOUND:
  case CUDA_ERROR_SHARED_OBJECT_INIT_FAILED:
  case CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND:
    return FP4RT_ERROR_INVALID_IMAGE;
  case CUDA_ERROR_NOT_FOUND:
    return FP4RT_ERROR_NOT_FOUND;
  case CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED:
  case CUDA_ERROR_STREAM_CAPTURE_INVALIDATED:
  case CUDA_ERROR_STREAM_CAPTURE_MERGE:
  case CUDA_ERROR_STREAM_CAPTURE_UNMATCHED:
  case CUDA_ERROR_STREAM_CAPTURE_UNJOINED:
  case CUDA_ERROR_STREAM_CAPTURE_ISOLATION:
  case CUDA_ERROR_STREAM_CAPTURE_IMPLICIT:
  case CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD:
  case CUDA_ERROR_CAPTURED_EVENT:
  case CUDA_ERROR_ILLEGAL_STATE:
    return FP4RT_ERROR_INVALID_STATE;
  default:
    return isExecutionFault(r) ? FP4RT_ERROR_LAUNCH : FP4RT_ERROR_CUDA;
  }
}

static std::string faultHint(CUresult r, bool withLastLaunch) {
  if (!isExecutionFault(r))
    return std::string();
  std::string s = "; a kernel faulted, which leaves the CUDA context unusable "
                  "(restart the process)";
  if (withLastLaunch) {
    std::lock_guard<std::mutex> lock(lastLaunchMutex());
    if (!lastLaunch().name.empty())
      s += "; most recently launched: " + describeKernel(lastLaunch()) +
           " (run with FP4RT_SYNC=1 to attribute faults exactly)";
  }
  return s;
}

fp4rtStatus cudaFail(CUresult r, const char *call,
                     const std::string &subject) {
  std::string msg = std::string(call) + " failed";
  if (!subject.empty())
    msg += " for " + subject;
  msg += ": " + describeResult(r) + faultHint(r, /*withLastLaunch=*/true);
  return fail(statusFor(r), std::move(msg), r);
}

fp4rtStatus noDriver(const std::string &why) {
  return fail(FP4RT_ERROR_NO_DEVICE, why);
}

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

namespace {
struct DeviceTable {
  std::mutex mu;
  std::vector<std::unique_ptr<Device>> devices; // index = ordinal
};
DeviceTable &deviceTable() {
  static auto *t = new DeviceTable; // never destroyed (see file comment)
  return *t;
}
} // namespace

static void keepPoolMemory(const Driver &d, Device &dev);

Device *getDevice(int ordinal, fp4rtStatus *status) {
  fp4rtStatus ignored;
  fp4rtStatus &st = status ? *status : ignored;
  st = FP4RT_SUCCESS;
  std::string why;
  const Driver *d = getDriver(&why);
  if (!d) {
    st = noDriver(why);
    return nullptr;
  }
  DeviceTable &t = deviceTable();
  std::lock_guard<std::mutex> lock(t.mu);
  int count = 0;
  if (CUresult r = d->cuDeviceGetCount(&count)) {
    st = cudaFail(r, "cuDeviceGetCount");
    return nullptr;
  }
  if (ordinal < 0 || ordinal >= count) {
    st = fail(FP4RT_ERROR_NO_DEVICE, "no CUDA device " + std::to_string(ordinal) +
                                    " (the machine has " +
                                    std::to_string(count) + ")");
    return nullptr;
  }
  if (t.devices.size() < size_t(count))
    t.devices.resize(count);
  if (t.devices[ordinal])
    return t.devices[ordinal].get();
  auto dev = std::make_unique<Device>();
  dev->ordinal = ordinal;
  if (CUresult r = d->cuDeviceGet(&dev->dev, ordinal)) {
    st = cudaFail(r, "cuDeviceGet", "device " + std::to_string(ordinal));
    return nullptr;
  }
  // Retained for the life of the process: modules loaded by generated code
  // in global constructors live in it, and PyTorch shares it.
  if (CUresult r = d->cuDevicePrimaryCtxRetain(&dev->ctx, dev->dev)) {
    st = cudaFail(r, "cuDevicePrimaryCtxRetain", "device " + std::to_string(ordinal));
    return nullptr;
  }
  keepPoolMemory(*d, *dev);
  t.devices[ordinal] = std::move(dev);
  return t.devices[ordinal].get();
}

/// Stream-ordered allocations (mgpuMemAlloc with a stream: the scratch
/// buffers of generated code) come from the device's default memory pool.
/// With its default release threshold (0) the pool returns its memory to the
/// OS at every synchronization, and the next call maps it again: keep it,
/// as PyTorch's caching allocator does. FP4RT_POOL_RELEASE=1 keeps the
/// driver's default. Failure only costs speed, so it is not reported.
static void keepPoolMemory(const Driver &d, Device &dev) {
  if (envFlag("FP4RT_POOL_RELEASE") || !d.cuDeviceGetDefaultMemPool ||
      !d.cuMemPoolSetAttribute)
    return;
  CUmemoryPool pool = nullptr;
  if (d.cuDeviceGetDefaultMemPool(&pool, dev.dev) != CUDA_SUCCESS || !pool)
    return;
  cuuint64_t threshold = ~cuuint64_t(0);
  (void)d.cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD,
                                &threshold);
}

CtxGuard::CtxGuard(const Driver &d, CUcontext ctx) : d_(d) {
  CUcontext cur = nullptr;
  result_ = d.cuCtxGetCurrent(&cur);
  if (result_ == CUDA_SUCCESS && cur != ctx) {
    result_ = d.cuCtxPushCurrent(ctx);
    pushed_ = result_ == CUDA_SUCCESS;
  }
}

CtxGuard::~CtxGuard() {
  if (pushed_) {
    CUcontext popped = nullptr;
    d_.cuCtxPopCurrent(&popped);
  }
}

bool isCapturing(const Driver &d, CUstream stream) {
  CUstreamCaptureStatus st = CU_STREAM_CAPTURE_STATUS_NONE;
  if (d.cuStreamIsCapturing(stream, &st) != CUDA_SUCCESS)
    return false;
  return st != CU_STREAM_CAPTURE_STATUS_NONE;
}

//===----------------------------------------------------------------------===//
// Kernel registry
//===----------------------------------------------------------------------===//

namespace {
struct KernelRegistry {
  std::mutex mu;
  std::unordered_map<CUfunction, KernelInfo> byFunction;
  std::unordered_map<CUmodule, std::vector<CUfunction>> byModule;
};
KernelRegistry &kernelRegistry() {
  static auto *r = new KernelRegistry;
  return *r;
}
} // namespace

void registerKernel(CUfunction f, CUmodule m, const std::string &name,
                    const std::string &moduleLabel) {
  KernelRegistry &r = kernelRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto inserted = r.byFunction.emplace(f, KernelInfo{name, moduleLabel});
  if (inserted.second)
    r.byModule[m].push_back(f);
}

void forgetModuleKernels(CUmodule m) {
  KernelRegistry &r = kernelRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.byModule.find(m);
  if (it == r.byModule.end())
    return;
  for (CUfunction f : it->second)
    r.byFunction.erase(f);
  r.byModule.erase(it);
}

KernelInfo lookupKernel(CUfunction f) {
  KernelRegistry &r = kernelRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.byFunction.find(f);
  if (it != r.byFunction.end())
    return it->second;
  char buf[64];
  std::snprintf(buf, sizeof buf, "<unregistered CUfunction %p>",
                static_cast<void *>(f));
  return KernelInfo{buf, "?"};
}

std::string describeKernel(const KernelInfo &k) {
  return "kernel '" + k.name + "' (module '" + k.module + "')";
}

//===----------------------------------------------------------------------===//
// Launches
//===----------------------------------------------------------------------===//

fp4rtStatus launch(const Driver &d, Device &dev, CUfunction f,
                   const KernelInfo &info, const LaunchDims &dims,
                   CUstream stream, void **params, void **extra) {
  const std::string who = describeKernel(info);
  if (!f)
    return fail(FP4RT_ERROR_INVALID_HANDLE,
                "launch of a null function (" + who + ")");

  // Kernels need an opt-in above 48 KiB of dynamic shared memory.
  if (dims.smem > 48 * 1024) {
    std::lock_guard<std::mutex> lock(dev.mu);
    unsigned &limit = dev.smemLimit[f];
    if (limit < dims.smem) {
      CUresult r = d.cuFuncSetAttribute(
          f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, int(dims.smem));
      if (r != CUDA_SUCCESS) {
        int optin = 0;
        d.cuDeviceGetAttribute(
            &optin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
            dev.dev);
        fp4rtStatus s = cudaFail(
            r, "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)",
            who + " asking for " + std::to_string(dims.smem) +
                " bytes of dynamic shared memory (device limit " +
                std::to_string(optin) + ")");
        (void)s;
        return FP4RT_ERROR_LAUNCH;
      }
      limit = dims.smem;
    }
  }

  const bool cluster = dims.cluster[0] || dims.cluster[1] || dims.cluster[2];
  CUresult r;
  const char *call;
  if (!cluster) {
    call = "cuLaunchKernel";
    r = d.cuLaunchKernel(f, dims.grid[0], dims.grid[1], dims.grid[2],
                         dims.block[0], dims.block[1], dims.block[2], dims.smem,
                         stream, params, extra);
  } else {
    call = "cuLaunchKernelEx";
    CUlaunchConfig config;
    std::memset(&config, 0, sizeof config);
    config.gridDimX = dims.grid[0];
    config.gridDimY = dims.grid[1];
    config.gridDimZ = dims.grid[2];
    config.blockDimX = dims.block[0];
    config.blockDimY = dims.block[1];
    config.blockDimZ = dims.block[2];
    config.sharedMemBytes = dims.smem;
    config.hStream = stream;
    CUlaunchAttribute attr[1];
    std::memset(attr, 0, sizeof attr);
    attr[0].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attr[0].value.clusterDim.x = dims.cluster[0] ? dims.cluster[0] : 1;
    attr[0].value.clusterDim.y = dims.cluster[1] ? dims.cluster[1] : 1;
    attr[0].value.clusterDim.z = dims.cluster[2] ? dims.cluster[2] : 1;
    config.attrs = attr;
    config.numAttrs = 1;
    r = d.cuLaunchKernelEx(&config, f, params, extra);
  }
  if (r != CUDA_SUCCESS) {
    char dimsText[160];
    std::snprintf(dimsText, sizeof dimsText,
                  " with grid (%u,%u,%u), block (%u,%u,%u), %u bytes of "
                  "dynamic shared memory",
                  dims.grid[0], dims.grid[1], dims.grid[2], dims.block[0],
                  dims.block[1], dims.block[2], dims.smem);
    fp4rtStatus s = cudaFail(r, call, who + dimsText);
    // A rejected launch is a launch error even when the CUresult is generic.
    return s == FP4RT_ERROR_CUDA ? FP4RT_ERROR_LAUNCH : s;
  }
  {
    std::lock_guard<std::mutex> lock(lastLaunchMutex());
    lastLaunch() = info;
  }
  if (syncMode() && !isCapturing(d, stream)) {
    r = d.cuStreamSynchronize(stream);
    if (r != CUDA_SUCCESS)
      return fail(isExecutionFault(r) ? FP4RT_ERROR_LAUNCH : FP4RT_ERROR_CUDA,
                  who + " failed while running (FP4RT_SYNC: " +
                      "cuStreamSynchronize after the launch returned " +
                      describeResult(r) + ")" + faultHint(r, false),
                  r);
  }
  return FP4RT_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Modules
//===----------------------------------------------------------------------===//

static bool isSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

fp4rtImageFormat detectFormat(const void *data, size_t size) {
  if (!data || size < 4)
    return FP4RT_IMAGE_UNKNOWN;
  const auto *p = static_cast<const unsigned char *>(data);
  if (p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F')
    return FP4RT_IMAGE_CUBIN;
  uint32_t magic;
  std::memcpy(&magic, p, 4);
  if (magic == 0xBA55ED50u) // fatbin container
    return FP4RT_IMAGE_FATBIN;
  // PTX: text, starting (after blanks) with a comment or a directive, with a
  // .version directive.
  size_t i = 0;
  while (i < size && isSpace(p[i]))
    ++i;
  if (i == size || (p[i] != '/' && p[i] != '.'))
    return FP4RT_IMAGE_UNKNOWN;
  std::string head(reinterpret_cast<const char *>(p),
                   std::min<size_t>(size, 1 << 16));
  if (head.find(".version") == std::string::npos)
    return FP4RT_IMAGE_UNKNOWN;
  return FP4RT_IMAGE_PTX;
}

const char *formatName(fp4rtImageFormat f) {
  switch (f) {
  case FP4RT_IMAGE_CUBIN:
    return "cubin";
  case FP4RT_IMAGE_FATBIN:
    return "fatbin";
  case FP4RT_IMAGE_PTX:
    return "PTX";
  default:
    return "unknown";
  }
}

/// Checks that an image declares no more bytes than it has (the driver reads
/// cubins and fatbins by their headers).
static std::string truncation(fp4rtImageFormat f, const unsigned char *p,
                              size_t size) {
  if (size == 0)
    return std::string();
  if (f == FP4RT_IMAGE_FATBIN) {
    if (size < 16)
      return "fatbin header is truncated";
    uint16_t headerSize;
    uint64_t fatSize;
    std::memcpy(&headerSize, p + 6, 2);
    std::memcpy(&fatSize, p + 8, 8);
    if (uint64_t(headerSize) + fatSize > size)
      return "fatbin declares " + std::to_string(headerSize + fatSize) +
             " bytes but the image has " + std::to_string(size);
  } else if (f == FP4RT_IMAGE_CUBIN) {
    if (size < 64 || p[4] != 2 /*ELFCLASS64*/)
      return "not a 64-bit ELF cubin";
    uint64_t shoff;
    uint16_t shentsize, shnum;
    std::memcpy(&shoff, p + 0x28, 8);
    std::memcpy(&shentsize, p + 0x3A, 2);
    std::memcpy(&shnum, p + 0x3C, 2);
    if (shoff + uint64_t(shentsize) * shnum > size)
      return "cubin section headers end past the image (" +
             std::to_string(size) + " bytes)";
  }
  return std::string();
}

fp4rtStatus loadModule(const Driver &d, const void *data, size_t size,
                       const std::string &label, int optLevel, CUmodule *out,
                       fp4rtImageFormat *format) {
  *out = nullptr;
  if (!data)
    return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                "module image '" + label + "' is a null pointer");
  const auto *p = static_cast<const unsigned char *>(data);
  // Size 0 (mgpuModuleLoadJIT): a NUL-terminated PTX string, or a binary
  // that the driver sizes from its header.
  size_t probe = size ? size : 16;
  if (!size && p[0] != 0x7f && p[0] != 0x50)
    probe = std::strlen(reinterpret_cast<const char *>(p));
  fp4rtImageFormat f = detectFormat(data, probe);
  if (format)
    *format = f;
  if (f == FP4RT_IMAGE_UNKNOWN)
    return fail(FP4RT_ERROR_INVALID_IMAGE,
                "module '" + label +
                    "' is not a cubin (ELF), fatbin or PTX image (" +
                    std::to_string(size) + " bytes)");
  std::string bad = truncation(f, p, size);
  if (!bad.empty())
    return fail(FP4RT_ERROR_INVALID_IMAGE, "module '" + label + "': " + bad);

  std::string ptx; // PTX must be NUL-terminated for the driver
  const void *image = data;
  if (f == FP4RT_IMAGE_PTX) {
    ptx.assign(reinterpret_cast<const char *>(p), size ? size : probe);
    image = ptx.c_str();
  }
  char errorLog[8192] = {0};
  CUjit_option opts[3] = {CU_JIT_ERROR_LOG_BUFFER,
                          CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                          CU_JIT_OPTIMIZATION_LEVEL};
  void *vals[3] = {errorLog, reinterpret_cast<void *>(sizeof errorLog),
                   reinterpret_cast<void *>(intptr_t(optLevel))};
  unsigned nopts = optLevel >= 0 ? 3 : 2;
  CUresult r = d.cuModuleLoadDataEx(out, image, nopts, opts, vals);
  if (r != CUDA_SUCCESS) {
    *out = nullptr;
    std::string subject = std::string(formatName(f)) + " module '" + label + "'";
    fp4rtStatus s = cudaFail(r, "cuModuleLoadDataEx", subject);
    if (errorLog[0])
      thread().lastError += std::string("; JIT log: ") + errorLog;
    if (r == CUDA_ERROR_NO_BINARY_FOR_GPU)
      thread().lastError += "; the image has no code for this GPU's "
                            "architecture (build for it, or embed PTX)";
    return s;
  }
  return FP4RT_SUCCESS;
}

} // namespace fp4rt
