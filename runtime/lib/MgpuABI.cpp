//===- MgpuABI.cpp - the mgpu* functions MLIR-generated host code calls ---===//
//
// Signatures: fp4rt/mgpu.h (as emitted by our MLIR 22 toolchain, see
// runtime/lib/mgpu_abi.txt). Semantics follow upstream MLIR's
// CudaRuntimeWrappers, with these differences (docs/runtime.md):
//  - failures never abort or go unnoticed: each is recorded for
//    fp4rtCheckMgpuErrors and printed to stderr (FP4RT_QUIET=1 silences);
//    null or unknown handles are reported, never passed to the driver;
//  - streams can be bound to a caller's stream (fp4rtBindStream), which is
//    what makes generated code capturable into a CUDA graph and callable on
//    PyTorch's current stream;
//  - allocations given a stream are stream-ordered (cuMemAllocAsync);
//  - launches are checked like C API launches (kernel names in messages,
//    FP4RT_SYNC);
//  - tensor maps are cached instead of leaking one device allocation per
//    call.
//
//===----------------------------------------------------------------------===//

#include "Runtime.h"
#include "fp4rt/mgpu.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

using namespace fp4rt;

namespace {

//===----------------------------------------------------------------------===//
// Failure reporting
//===----------------------------------------------------------------------===//

bool quiet() {
  static const bool q = [] {
    const char *s = std::getenv("FP4RT_QUIET");
    return s && *s && std::strcmp(s, "0") != 0;
  }();
  return q;
}

/// Turns the error just recorded by fail()/cudaFail() into an mgpu failure:
/// prefixes the function name, keeps the first one for
/// fp4rtCheckMgpuErrors, prints it.
void report(const char *fn, fp4rtStatus status) {
  ThreadState &t = thread();
  t.lastError = std::string(fn) + ": " + t.lastError;
  if (t.mgpuStatus == FP4RT_SUCCESS) {
    t.mgpuStatus = status;
    t.mgpuMessage = t.lastError;
    t.mgpuCuda = t.lastCuda;
  }
  if (quiet())
    return;
  // "No driver / no device" would repeat for every call: print it once.
  if (status == FP4RT_ERROR_NO_DEVICE) {
    static std::atomic<bool> printed{false};
    if (printed.exchange(true))
      return;
  }
  std::fprintf(stderr, "fp4rt: %s\n", t.lastError.c_str());
}

void reportFail(const char *fn, fp4rtStatus status, const std::string &msg) {
  report(fn, fail(status, msg));
}

//===----------------------------------------------------------------------===//
// What the mgpu functions handed out
//===----------------------------------------------------------------------===//

enum class Alloc { Device, Async, Managed };

struct Allocation {
  Alloc kind;
  uint64_t bytes; // of the block (may exceed what was asked for)
};

/// Stream-ordered blocks freed on a bound stream, kept for the next
/// allocations on that stream (see mgpuMemAlloc).
struct StreamCache {
  Device *dev = nullptr;
  std::multimap<uint64_t, void *> blocks; // size -> block
};

struct Handles {
  std::mutex mu;
  std::unordered_map<CUmodule, std::string> modules; // -> label
  std::unordered_set<CUstream> streams;
  std::unordered_set<CUevent> events;
  std::unordered_map<void *, Allocation> allocs;
  std::unordered_map<CUstream, StreamCache> cache;
  std::string lastModuleLoadFailure;
};

Handles &handles() {
  static auto *h = new Handles; // never destroyed: modules unload at exit
  return *h;
}

/// The innermost binding of this thread to `s`, or nullptr.
const Binding *bindingOf(CUstream s) {
  auto &bs = thread().bindings;
  for (auto it = bs.rbegin(); it != bs.rend(); ++it)
    if (it->stream == s)
      return &*it;
  return nullptr;
}

bool knownStream(CUstream s) {
  if (!s || bindingOf(s))
    return true; // the legacy default stream, or a bound one
  Handles &h = handles();
  std::lock_guard<std::mutex> lock(h.mu);
  return h.streams.count(s) != 0;
}

bool knownEvent(CUevent e) {
  Handles &h = handles();
  std::lock_guard<std::mutex> lock(h.mu);
  return h.events.count(e) != 0;
}

/// The device mgpu calls work on: the bound stream's, else the thread's
/// default device. Records the failure (and returns nullptr) if unusable.
Device *mgpuDevice(const char *fn) {
  if (const Binding *b = currentBinding())
    return b->dev;
  fp4rtStatus status;
  Device *dev = getDevice(defaultDeviceOrdinal(), &status);
  if (!dev)
    report(fn, status);
  return dev;
}

//===----------------------------------------------------------------------===//
// FP4RT_PROFILE: host time spent in each mgpu function
//===----------------------------------------------------------------------===//

/// With FP4RT_PROFILE=1 every mgpu call that reaches the driver adds its
/// host time to a per-function total, printed to stderr at exit: where the
/// host time of a generated call goes when the GPU waits for it.
class Profile {
public:
  static bool enabled() {
    static const bool on = [] {
      const char *s = std::getenv("FP4RT_PROFILE");
      return s && *s && std::strcmp(s, "0") != 0;
    }();
    return on;
  }
  static Profile &get() {
    static auto *p = new Profile; // printed by an atexit handler
    return *p;
  }
  void add(const char *fn, double us) {
    std::lock_guard<std::mutex> lock(mu);
    Entry &e = entries[fn];
    e.calls += 1;
    e.us += us;
  }

private:
  struct Entry {
    uint64_t calls = 0;
    double us = 0;
  };
  Profile() { std::atexit([] { get().print(); }); }
  void print() {
    std::lock_guard<std::mutex> lock(mu);
    std::fprintf(stderr, "fp4rt profile: host time in mgpu calls\n"
                         "%-28s %10s %12s %10s\n",
                 "function", "calls", "total us", "us/call");
    for (auto &[fn, e] : entries)
      std::fprintf(stderr, "%-28s %10llu %12.1f %10.2f\n", fn.c_str(),
                   static_cast<unsigned long long>(e.calls), e.us,
                   e.us / double(e.calls));
  }
  std::mutex mu;
  std::map<std::string, Entry> entries;
};

/// Device + its context made current for one mgpu call.
struct Call {
  explicit Call(const char *fn)
      : fn(fn), start(Profile::enabled() ? std::chrono::steady_clock::now()
                                         : std::chrono::steady_clock::time_point()),
        dev(mgpuDevice(fn)), d(dev ? getDriver() : nullptr) {
    if (d) {
      guard.emplace(*d, dev->ctx);
      if (guard->result() != CUDA_SUCCESS) {
        report(fn, cudaFail(guard->result(), "cuCtxPushCurrent"));
        d = nullptr;
      }
    }
  }
  explicit operator bool() const { return d != nullptr; }
  /// Reports a failed driver call; returns true if `r` is a failure.
  bool failed(CUresult r, const char *call, const std::string &subject = "") {
    if (r == CUDA_SUCCESS)
      return false;
    report(fn, cudaFail(r, call, subject));
    return true;
  }

  ~Call() {
    guard.reset();
    if (Profile::enabled())
      Profile::get().add(
          fn, std::chrono::duration<double, std::micro>(
                  std::chrono::steady_clock::now() - start)
                  .count());
  }
  Call(const Call &) = delete;
  Call &operator=(const Call &) = delete;

  const char *fn;
  std::chrono::steady_clock::time_point start;
  Device *dev;
  const Driver *d;
  std::optional<CtxGuard> guard;
};

/// True if work on `s` must not be waited for from the host: the stream is
/// bound in asynchronous mode, or being captured.
bool skipHostWait(const Driver &d, CUstream s) {
  const Binding *b = currentBinding();
  if (b && b->stream == s && b->async)
    return true;
  return s && isCapturing(d, s);
}

bool toDim(intptr_t v, unsigned *out) {
  if (v < 0 || uint64_t(v) > std::numeric_limits<unsigned>::max())
    return false;
  *out = v ? unsigned(v) : 1u;
  return true;
}

std::string moduleLabel(const void *data, size_t size, fp4rtImageFormat f) {
  char buf[512];
  Dl_info info;
  const char *where = (dladdr(data, &info) && info.dli_fname)
                          ? info.dli_fname
                          : "host memory";
  std::snprintf(buf, sizeof buf, "%s of %zu bytes embedded in %s",
                formatName(f), size, where);
  return buf;
}

void *loadModuleImpl(const char *fn, const void *data, size_t size,
                     int optLevel) {
  Call c(fn);
  if (!c)
    return nullptr;
  fp4rtImageFormat format = detectFormat(data, size ? size : 16);
  std::string label = moduleLabel(data, size, format);
  CUmodule m = nullptr;
  fp4rtStatus s = loadModule(*c.d, data, size, label, optLevel, &m, &format);
  Handles &h = handles();
  if (s != FP4RT_SUCCESS) {
    report(fn, s);
    std::lock_guard<std::mutex> lock(h.mu);
    h.lastModuleLoadFailure = thread().lastError;
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(h.mu);
  h.modules[m] = label;
  return m;
}

} // namespace

void fp4rt::releaseStreamCache(CUstream s) {
  if (bindingOf(s))
    return; // still bound on this thread
  StreamCache cache;
  {
    Handles &h = handles();
    std::lock_guard<std::mutex> lock(h.mu);
    auto it = h.cache.find(s);
    if (it == h.cache.end())
      return;
    cache = std::move(it->second);
    h.cache.erase(it);
  }
  const Driver *d = getDriver();
  if (!d || !cache.dev)
    return;
  CtxGuard guard(*d, cache.dev->ctx);
  for (auto &[bytes, ptr] : cache.blocks)
    if (CUresult r =
            d->cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(ptr), s))
      report("fp4rtUnbindStream", cudaFail(r, "cuMemFreeAsync",
                                           "cached scratch block"));
}

extern "C" {

//===----------------------------------------------------------------------===//
// Modules
//===----------------------------------------------------------------------===//

void *mgpuModuleLoad(void *data, int64_t size) {
  if (size < 0) {
    reportFail("mgpuModuleLoad", FP4RT_ERROR_INVALID_ARGUMENT,
               "negative image size " + std::to_string(size));
    return nullptr;
  }
  return loadModuleImpl("mgpuModuleLoad", data, size_t(size), -1);
}

void *mgpuModuleLoadJIT(void *data, int32_t optLevel) {
  if (optLevel < 0 || optLevel > 4)
    optLevel = 4;
  return loadModuleImpl("mgpuModuleLoadJIT", data, 0, optLevel);
}

void mgpuModuleUnload(void *module) {
  if (!module)
    return; // its load failed and was reported then
  CUmodule m = static_cast<CUmodule>(module);
  Handles &h = handles();
  {
    std::lock_guard<std::mutex> lock(h.mu);
    if (!h.modules.erase(m)) {
      reportFail("mgpuModuleUnload", FP4RT_ERROR_INVALID_HANDLE,
                 "not a module loaded by mgpuModuleLoad");
      return;
    }
  }
  forgetModuleKernels(m);
  std::string why;
  const Driver *d = getDriver(&why);
  if (!d)
    return;
  CUresult r = d->cuModuleUnload(m);
  // At process exit the driver may be shut down before global destructors of
  // generated code run: nothing left to free then.
  if (r != CUDA_SUCCESS && r != CUDA_ERROR_DEINITIALIZED)
    report("mgpuModuleUnload", cudaFail(r, "cuModuleUnload"));
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  const char *fn = "mgpuModuleGetFunction";
  if (!name) {
    reportFail(fn, FP4RT_ERROR_INVALID_ARGUMENT, "kernel name is NULL");
    return nullptr;
  }
  Handles &h = handles();
  std::string label;
  {
    std::lock_guard<std::mutex> lock(h.mu);
    auto it = module ? h.modules.find(static_cast<CUmodule>(module))
                     : h.modules.end();
    if (it == h.modules.end()) {
      std::string msg = std::string("no module to look up kernel '") + name +
                        "' in: ";
      msg += module ? "not a module loaded by mgpuModuleLoad"
                    : "its mgpuModuleLoad failed";
      if (!module && !h.lastModuleLoadFailure.empty())
        msg += " (" + h.lastModuleLoadFailure + ")";
      reportFail(fn, module ? FP4RT_ERROR_INVALID_HANDLE
                            : FP4RT_ERROR_INVALID_STATE,
                 msg);
      return nullptr;
    }
    label = it->second;
  }
  Call c(fn);
  if (!c)
    return nullptr;
  CUfunction f = nullptr;
  if (c.failed(c.d->cuModuleGetFunction(&f, static_cast<CUmodule>(module), name),
               "cuModuleGetFunction",
               std::string("kernel '") + name + "' in module '" + label + "'"))
    return nullptr;
  registerKernel(f, static_cast<CUmodule>(module), name, label);
  return f;
}

//===----------------------------------------------------------------------===//
// Launches
//===----------------------------------------------------------------------===//

static void launchImpl(const char *fn, void *function, const intptr_t *cluster,
                       intptr_t gx, intptr_t gy, intptr_t gz, intptr_t bx,
                       intptr_t by, intptr_t bz, int32_t smem, void *stream,
                       void **params, void **extra) {
  if (!function) {
    reportFail(fn, FP4RT_ERROR_INVALID_HANDLE,
               "launch of a null function (mgpuModuleGetFunction failed)");
    return;
  }
  CUfunction f = static_cast<CUfunction>(function);
  KernelInfo info = lookupKernel(f);
  LaunchDims dims;
  bool ok = toDim(gx, &dims.grid[0]) && toDim(gy, &dims.grid[1]) &&
            toDim(gz, &dims.grid[2]) && toDim(bx, &dims.block[0]) &&
            toDim(by, &dims.block[1]) && toDim(bz, &dims.block[2]) && smem >= 0;
  if (cluster)
    for (int i = 0; i < 3; ++i)
      ok = ok && toDim(cluster[i], &dims.cluster[i]);
  if (!ok) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "invalid launch dimensions grid (%ld,%ld,%ld) block "
                  "(%ld,%ld,%ld) smem %d for ",
                  long(gx), long(gy), long(gz), long(bx), long(by), long(bz),
                  int(smem));
    reportFail(fn, FP4RT_ERROR_INVALID_ARGUMENT, buf + describeKernel(info));
    return;
  }
  dims.smem = unsigned(smem);
  CUstream s = static_cast<CUstream>(stream);
  if (!knownStream(s)) {
    reportFail(fn, FP4RT_ERROR_INVALID_HANDLE,
               "unknown stream for " + describeKernel(info));
    return;
  }
  Call c(fn);
  if (!c)
    return;
  if (fp4rtStatus st =
          launch(*c.d, *c.dev, f, info, dims, s, params, extra))
    report(fn, st);
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  launchImpl("mgpuLaunchKernel", function, nullptr, gridX, gridY, gridZ,
             blockX, blockY, blockZ, smem, stream, params, extra);
}

void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, void *stream, void **params,
                             void **extra) {
  const intptr_t cluster[3] = {clusterX, clusterY, clusterZ};
  launchImpl("mgpuLaunchClusterKernel", function, cluster, gridX, gridY, gridZ,
             blockX, blockY, blockZ, smem, stream, params, extra);
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

void *mgpuStreamCreate(void) {
  if (const Binding *b = currentBinding())
    return b->stream;
  Call c("mgpuStreamCreate");
  if (!c)
    return nullptr;
  CUstream s = nullptr;
  if (c.failed(c.d->cuStreamCreate(&s, CU_STREAM_NON_BLOCKING),
               "cuStreamCreate"))
    return nullptr;
  Handles &h = handles();
  std::lock_guard<std::mutex> lock(h.mu);
  h.streams.insert(s);
  return s;
}

void mgpuStreamDestroy(void *stream) {
  CUstream s = static_cast<CUstream>(stream);
  if (!s)
    return; // legacy stream, or a failed mgpuStreamCreate (reported)
  if (bindingOf(s))
    return; // bound streams belong to the caller
  Handles &h = handles();
  {
    std::lock_guard<std::mutex> lock(h.mu);
    if (!h.streams.erase(s)) {
      reportFail("mgpuStreamDestroy", FP4RT_ERROR_INVALID_HANDLE,
                 "not a stream created by mgpuStreamCreate");
      return;
    }
  }
  Call c("mgpuStreamDestroy");
  if (c)
    c.failed(c.d->cuStreamDestroy(s), "cuStreamDestroy");
}

void mgpuStreamSynchronize(void *stream) {
  CUstream s = static_cast<CUstream>(stream);
  if (!knownStream(s)) {
    reportFail("mgpuStreamSynchronize", FP4RT_ERROR_INVALID_HANDLE,
               "not a stream created by mgpuStreamCreate");
    return;
  }
  Call c("mgpuStreamSynchronize");
  if (!c || skipHostWait(*c.d, s))
    return;
  c.failed(c.d->cuStreamSynchronize(s), "cuStreamSynchronize");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  CUstream s = static_cast<CUstream>(stream);
  CUevent e = static_cast<CUevent>(event);
  if (!knownStream(s) || !e || !knownEvent(e)) {
    reportFail("mgpuStreamWaitEvent", FP4RT_ERROR_INVALID_HANDLE,
               !knownStream(s) ? "unknown stream" : "unknown or null event");
    return;
  }
  Call c("mgpuStreamWaitEvent");
  if (c)
    c.failed(c.d->cuStreamWaitEvent(s, e, 0), "cuStreamWaitEvent");
}

void *mgpuEventCreate(void) {
  Call c("mgpuEventCreate");
  if (!c)
    return nullptr;
  CUevent e = nullptr;
  if (c.failed(c.d->cuEventCreate(&e, CU_EVENT_DISABLE_TIMING),
               "cuEventCreate"))
    return nullptr;
  Handles &h = handles();
  std::lock_guard<std::mutex> lock(h.mu);
  h.events.insert(e);
  return e;
}

void mgpuEventDestroy(void *event) {
  CUevent e = static_cast<CUevent>(event);
  if (!e)
    return;
  Handles &h = handles();
  {
    std::lock_guard<std::mutex> lock(h.mu);
    if (!h.events.erase(e)) {
      reportFail("mgpuEventDestroy", FP4RT_ERROR_INVALID_HANDLE,
                 "not an event created by mgpuEventCreate");
      return;
    }
  }
  Call c("mgpuEventDestroy");
  if (c)
    c.failed(c.d->cuEventDestroy(e), "cuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  CUevent e = static_cast<CUevent>(event);
  if (!e || !knownEvent(e)) {
    reportFail("mgpuEventSynchronize", FP4RT_ERROR_INVALID_HANDLE,
               "unknown or null event");
    return;
  }
  Call c("mgpuEventSynchronize");
  if (!c)
    return;
  // Waiting on the host for an event of a bound asynchronous or captured
  // stream would break the caller's stream order / the capture.
  if (const Binding *b = currentBinding())
    if (skipHostWait(*c.d, b->stream))
      return;
  c.failed(c.d->cuEventSynchronize(e), "cuEventSynchronize");
}

void mgpuEventRecord(void *event, void *stream) {
  CUevent e = static_cast<CUevent>(event);
  CUstream s = static_cast<CUstream>(stream);
  if (!e || !knownEvent(e) || !knownStream(s)) {
    reportFail("mgpuEventRecord", FP4RT_ERROR_INVALID_HANDLE,
               !knownStream(s) ? "unknown stream" : "unknown or null event");
    return;
  }
  Call c("mgpuEventRecord");
  if (c)
    c.failed(c.d->cuEventRecord(e, s), "cuEventRecord");
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, uint8_t isHostShared) {
  if (sizeBytes == 0)
    return nullptr; // nothing to allocate; mgpuMemFree(nullptr) is a no-op
  CUstream s = static_cast<CUstream>(stream);
  Call c("mgpuMemAlloc");
  if (!c)
    return nullptr;
  CUdeviceptr p = 0;
  Alloc kind;
  uint64_t bytes = sizeBytes;
  const std::string what = std::to_string(sizeBytes) + " bytes";
  // A bound stream orders everything the call does, the legacy stream
  // included, so its allocations are stream-ordered too.
  const bool ordered = s || bindingOf(s);
  Handles &h = handles();
  if (isHostShared) {
    kind = Alloc::Managed;
    if (c.failed(c.d->cuMemAllocManaged(&p, sizeBytes, CU_MEM_ATTACH_GLOBAL),
                 "cuMemAllocManaged", what + " (gpu.alloc host_shared)"))
      return nullptr;
  } else if (ordered) {
    kind = Alloc::Async;
    // A block freed earlier on this bound stream: everything queued on the
    // stream after that free runs after its last use (no driver call). Not
    // while capturing: the graph must own its allocations.
    if (bindingOf(s) && !isCapturing(*c.d, s)) {
      std::lock_guard<std::mutex> lock(h.mu);
      auto cached = h.cache.find(s);
      if (cached != h.cache.end()) {
        auto &blocks = cached->second.blocks;
        auto it = blocks.lower_bound(sizeBytes);
        if (it != blocks.end() && it->first <= 2 * sizeBytes) {
          void *ptr = it->second;
          h.allocs[ptr] = Allocation{kind, it->first};
          blocks.erase(it);
          return ptr;
        }
      }
    }
    if (c.failed(c.d->cuMemAllocAsync(&p, sizeBytes, s), "cuMemAllocAsync",
                 what))
      return nullptr;
  } else {
    kind = Alloc::Device;
    if (c.failed(c.d->cuMemAlloc(&p, sizeBytes), "cuMemAlloc", what))
      return nullptr;
  }
  void *ptr = reinterpret_cast<void *>(p);
  std::lock_guard<std::mutex> lock(h.mu);
  h.allocs[ptr] = Allocation{kind, bytes};
  return ptr;
}

void mgpuMemFree(void *ptr, void *stream) {
  if (!ptr)
    return;
  Allocation a;
  Handles &h = handles();
  {
    std::lock_guard<std::mutex> lock(h.mu);
    auto it = h.allocs.find(ptr);
    if (it == h.allocs.end()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%p", ptr);
      reportFail("mgpuMemFree", FP4RT_ERROR_INVALID_ARGUMENT,
                 std::string("pointer ") + buf +
                     " was not allocated by mgpuMemAlloc (or already freed)");
      return;
    }
    a = it->second;
    h.allocs.erase(it);
  }
  Call c("mgpuMemFree");
  if (!c)
    return;
  CUstream s = static_cast<CUstream>(stream);
  CUdeviceptr p = reinterpret_cast<CUdeviceptr>(ptr);
  if (a.kind != Alloc::Async) {
    c.failed(c.d->cuMemFree(p), "cuMemFree");
    return;
  }
  // Freed on a bound stream: keep the block for the stream's next
  // allocations (released when the stream is unbound).
  if (const Binding *b = bindingOf(s); b && !isCapturing(*c.d, s)) {
    std::lock_guard<std::mutex> lock(h.mu);
    StreamCache &cache = h.cache[s];
    cache.dev = b->dev;
    cache.blocks.emplace(a.bytes, ptr);
    return;
  }
  c.failed(c.d->cuMemFreeAsync(p, s), "cuMemFreeAsync");
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  if (!sizeBytes)
    return;
  Call c("mgpuMemcpy");
  if (c)
    c.failed(c.d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                                static_cast<CUstream>(stream)),
             "cuMemcpyAsync", std::to_string(sizeBytes) + " bytes");
}

void mgpuMemset32(void *dst, uint32_t value, size_t count, void *stream) {
  if (!count)
    return;
  Call c("mgpuMemset32");
  if (c)
    c.failed(c.d->cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                   count, static_cast<CUstream>(stream)),
             "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, uint16_t value, size_t count, void *stream) {
  if (!count)
    return;
  Call c("mgpuMemset16");
  if (c)
    c.failed(c.d->cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                   count, static_cast<CUstream>(stream)),
             "cuMemsetD16Async");
}

void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  if (!ptr || !sizeBytes)
    return;
  Call c("mgpuMemHostRegister");
  if (c)
    c.failed(c.d->cuMemHostRegister(ptr, sizeBytes, 0), "cuMemHostRegister",
             std::to_string(sizeBytes) + " bytes");
}

void mgpuMemHostUnregister(void *ptr) {
  if (!ptr)
    return;
  Call c("mgpuMemHostUnregister");
  if (c)
    c.failed(c.d->cuMemHostUnregister(ptr), "cuMemHostUnregister");
}

/// Start pointer and byte extent of a ranked memref descriptor
/// {allocated, aligned, offset, sizes[rank], strides[rank]}.
static bool memrefExtent(const char *fn, int64_t rank, void *descriptor,
                         int64_t elemBytes, char **start, uint64_t *bytes) {
  if (!descriptor || rank < 0 || rank > 64 || elemBytes <= 0) {
    reportFail(fn, FP4RT_ERROR_INVALID_ARGUMENT,
               "bad memref (rank " + std::to_string(rank) + ", element size " +
                   std::to_string(elemBytes) + ", descriptor " +
                   (descriptor ? "set" : "NULL") + ")");
    return false;
  }
  const int64_t *w = static_cast<const int64_t *>(descriptor);
  char *aligned = reinterpret_cast<char *>(w[1]);
  int64_t offset = w[2];
  const int64_t *sizes = w + 3, *strides = w + 3 + rank;
  uint64_t span = 1;
  for (int64_t i = 0; i < rank; ++i) {
    if (sizes[i] <= 0) {
      *bytes = 0;
      *start = aligned;
      return true;
    }
    span += uint64_t(sizes[i] - 1) * uint64_t(std::llabs(strides[i]));
  }
  *start = aligned + offset * elemBytes;
  *bytes = span * uint64_t(elemBytes);
  return true;
}

void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSizeBytes) {
  char *p;
  uint64_t n;
  if (memrefExtent("mgpuMemHostRegisterMemRef", rank, descriptor,
                   elementSizeBytes, &p, &n))
    mgpuMemHostRegister(p, n);
}

void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSizeBytes) {
  char *p;
  uint64_t n;
  if (memrefExtent("mgpuMemHostUnregisterMemRef", rank, descriptor,
                   elementSizeBytes, &p, &n) &&
      n)
    mgpuMemHostUnregister(p);
}

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

void mgpuSetDefaultDevice(int32_t device) {
  if (device < 0) {
    reportFail("mgpuSetDefaultDevice", FP4RT_ERROR_INVALID_ARGUMENT,
               "negative device " + std::to_string(device));
    return;
  }
  thread().defaultDevice = device;
}

//===----------------------------------------------------------------------===//
// TMA tensor maps
//===----------------------------------------------------------------------===//

void *mgpuTensorMapEncodeTiledMemref(int64_t tensorRank,
                                     void *rankedDescriptor,
                                     int64_t tensorDataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *boxDims) {
  const char *fn = "mgpuTensorMapEncodeTiledMemref";
  // Element bytes of CU_TENSOR_MAP_DATA_TYPE_UINT8 .. TFLOAT32_FTZ.
  static const int elemBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (tensorRank < 1 || tensorRank > 5 || !rankedDescriptor || !boxDims ||
      tensorDataType < 0 ||
      tensorDataType >= int64_t(sizeof elemBytes / sizeof elemBytes[0])) {
    reportFail(fn, FP4RT_ERROR_INVALID_ARGUMENT,
               "unsupported tensor map: rank " + std::to_string(tensorRank) +
                   " (1-5), data type " + std::to_string(tensorDataType) +
                   " (0-12; sub-byte types need a packed-byte view)" +
                   (rankedDescriptor && boxDims ? "" : ", null argument"));
    return nullptr;
  }
  const int64_t *w = static_cast<const int64_t *>(rankedDescriptor);
  const int rank = int(tensorRank);
  const int64_t *sizes = w + 3, *strides = w + 3 + rank;
  const int eb = elemBytes[tensorDataType];
  // CUDA orders dimensions innermost first; memrefs outermost first.
  cuuint64_t globalDim[5] = {1, 1, 1, 1, 1}, globalStrides[5] = {0};
  cuuint32_t boxDim[5] = {1, 1, 1, 1, 1}, elementStrides[5] = {1, 1, 1, 1, 1};
  for (int i = 0; i < rank; ++i) {
    globalDim[i] = cuuint64_t(sizes[rank - 1 - i]);
    boxDim[i] = cuuint32_t(boxDims[rank - 1 - i]);
  }
  for (int i = 0; i + 1 < rank; ++i)
    globalStrides[i] = cuuint64_t(strides[rank - 2 - i]) * eb;
  void *base = reinterpret_cast<char *>(w[1]) + w[2] * eb;

  Call c(fn);
  if (!c)
    return nullptr;
  CUtensorMap map;
  std::memset(&map, 0, sizeof map);
  CUresult r = c.d->cuTensorMapEncodeTiled(
      &map, CUtensorMapDataType(tensorDataType), cuuint32_t(rank), base,
      globalDim, globalStrides, boxDim, elementStrides,
      CUtensorMapInterleave(interleave), CUtensorMapSwizzle(swizzle),
      CUtensorMapL2promotion(l2Promotion), CUtensorMapFloatOOBfill(oobFill));
  if (r != CUDA_SUCCESS) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "a rank-%d tensor map (type %ld, dims %llu,%llu,%llu,%llu,"
                  "%llu innermost first, box %u,%u,%u,%u,%u, swizzle %ld)",
                  rank, long(tensorDataType), (unsigned long long)globalDim[0],
                  (unsigned long long)globalDim[1],
                  (unsigned long long)globalDim[2],
                  (unsigned long long)globalDim[3],
                  (unsigned long long)globalDim[4], boxDim[0], boxDim[1],
                  boxDim[2], boxDim[3], boxDim[4], long(swizzle));
    c.failed(r, "cuTensorMapEncodeTiled", buf);
    return nullptr;
  }
  std::string key(reinterpret_cast<const char *>(&map), sizeof map);
  std::lock_guard<std::mutex> lock(c.dev->mu);
  auto it = c.dev->tensorMaps.find(key);
  if (it != c.dev->tensorMaps.end())
    return reinterpret_cast<void *>(it->second);
  CUdeviceptr dmap = 0;
  if (c.failed(c.d->cuMemAlloc(&dmap, sizeof map), "cuMemAlloc",
               "a tensor map (first use of this map may not be inside a "
               "graph capture: run once before capturing)"))
    return nullptr;
  if (c.failed(c.d->cuMemcpyHtoD(dmap, &map, sizeof map), "cuMemcpyHtoD",
               "a tensor map")) {
    c.d->cuMemFree(dmap);
    return nullptr;
  }
  c.dev->tensorMaps.emplace(std::move(key), dmap);
  return reinterpret_cast<void *>(dmap);
}

} // extern "C"
