//===- CApi.cpp - the C API: contexts, modules, buffers, streams, graphs --===//
//
// Programs are in Program.cpp. Each function: check arguments and handles,
// make the context current, call the driver, turn any failure into a status
// and a message. No function throws or aborts on bad input.
//
//===----------------------------------------------------------------------===//

#include "Objects.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unordered_map>

using namespace fp4rt;

//===----------------------------------------------------------------------===//
// Handle table and object lifetime
//===----------------------------------------------------------------------===//

namespace fp4rt {

const char *kindName(Kind k) {
  switch (k) {
  case Kind::Context: return "fp4rtContext";
  case Kind::Module: return "fp4rtModule";
  case Kind::Kernel: return "fp4rtKernel";
  case Kind::Buffer: return "fp4rtBuffer";
  case Kind::Stream: return "fp4rtStream";
  case Kind::Event: return "fp4rtEvent";
  case Kind::Graph: return "fp4rtGraph";
  case Kind::Program: return "fp4rtProgram";
  }
  return "handle";
}

std::recursive_mutex &objectMutex() {
  static auto *m = new std::recursive_mutex;
  return *m;
}

static std::unordered_map<const void *, Kind> &handles() {
  static auto *h = new std::unordered_map<const void *, Kind>;
  return *h;
}

void registerHandle(void *h, Kind k) { handles()[h] = k; }
void unregisterHandle(void *h) { handles().erase(h); }
bool isLive(const void *h, Kind k) {
  auto it = handles().find(h);
  return it != handles().end() && it->second == k;
}

const Driver &drv() {
  // Only called once a context exists, so the driver is loaded.
  return *getDriver();
}

void destroyObject(const Driver &d, Object *obj) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  obj->release(d);
  auto &ch = obj->ctx->children;
  ch.erase(std::remove(ch.begin(), ch.end(), obj), ch.end());
  unregisterHandle(obj);
  delete obj;
}

void Module::release(const Driver &d) {
  for (auto &k : kernels)
    unregisterHandle(k.second.get());
  kernels.clear();
  if (mod) {
    forgetModuleKernels(mod);
    d.cuModuleUnload(mod);
    mod = nullptr;
  }
}

void Buffer::release(const Driver &d) {
  if (owned && ptr)
    d.cuMemFree(ptr);
  ptr = 0;
}

void Stream::release(const Driver &d) {
  if (owned && stream)
    d.cuStreamDestroy(stream);
  stream = nullptr;
}

void Event::release(const Driver &d) {
  if (event)
    d.cuEventDestroy(event);
  event = nullptr;
}

void Graph::release(const Driver &d) {
  if (exec)
    d.cuGraphExecDestroy(exec);
  if (graph)
    d.cuGraphDestroy(graph);
  exec = nullptr;
  graph = nullptr;
}

} // namespace fp4rt

namespace {

/// Makes `ctx` current; records the failure if that fails.
struct Scope {
  explicit Scope(Context *c) : guard(drv(), c->dev->ctx) {}
  bool ok() const {
    if (guard.result() == CUDA_SUCCESS)
      return true;
    cudaFail(guard.result(), "cuCtxPushCurrent");
    return false;
  }
  CtxGuard guard;
};

#define CHECK_HANDLE(var, T, kind, h, what)                                    \
  T *var = checked<T>(h, kind, what);                                          \
  if (!var)                                                                    \
    return FP4RT_ERROR_INVALID_HANDLE;

#define CHECK_ARG(cond, msg)                                                   \
  if (!(cond))                                                                 \
    return fail(FP4RT_ERROR_INVALID_ARGUMENT, msg);

#define CHECK_SCOPE(scope)                                                     \
  if (!(scope).ok())                                                           \
    return FP4RT_ERROR_CUDA;

/// The CUstream of an optional stream handle (NULL = legacy default stream).
/// Returns false (with the error recorded) for a bad handle or a stream of
/// another device.
bool streamOf(fp4rtStream h, Context *ctx, CUstream *out) {
  *out = nullptr;
  if (!h)
    return true;
  Stream *s = checked<Stream>(h, Kind::Stream, "stream");
  if (!s)
    return false;
  if (s->ctx->dev != ctx->dev) {
    fail(FP4RT_ERROR_INVALID_ARGUMENT,
         "stream belongs to device " + std::to_string(s->ctx->dev->ordinal) +
             ", the object to device " + std::to_string(ctx->dev->ordinal));
    return false;
  }
  *out = s->stream;
  return true;
}

#define GET_STREAM(var, h, ctx)                                                \
  CUstream var;                                                                \
  if (!streamOf(h, ctx, &var))                                                 \
    return FP4RT_ERROR_INVALID_HANDLE;

/// Waits for the legacy stream when the caller asked for a synchronous op.
fp4rtStatus finishSync(bool sync, const char *what) {
  if (!sync)
    return FP4RT_SUCCESS;
  if (CUresult r = drv().cuStreamSynchronize(nullptr))
    return cudaFail(r, "cuStreamSynchronize", what);
  return FP4RT_SUCCESS;
}

bool rangeOk(const Buffer *b, size_t offset, size_t bytes) {
  return offset <= b->bytes && bytes <= b->bytes - offset;
}

std::string rangeText(const Buffer *b, size_t offset, size_t bytes) {
  return "bytes [" + std::to_string(offset) + ", " +
         std::to_string(offset + bytes) + ") are outside the buffer of " +
         std::to_string(b->bytes) + " bytes";
}

} // namespace

//===----------------------------------------------------------------------===//
// Errors and modes
//===----------------------------------------------------------------------===//

extern "C" {

int fp4rtGetVersion(void) { return FP4RT_VERSION; }

const char *fp4rtStatusString(fp4rtStatus s) {
  switch (s) {
  case FP4RT_SUCCESS: return "FP4RT_SUCCESS";
  case FP4RT_ERROR_INVALID_ARGUMENT: return "FP4RT_ERROR_INVALID_ARGUMENT";
  case FP4RT_ERROR_INVALID_HANDLE: return "FP4RT_ERROR_INVALID_HANDLE";
  case FP4RT_ERROR_NO_DEVICE: return "FP4RT_ERROR_NO_DEVICE";
  case FP4RT_ERROR_CUDA: return "FP4RT_ERROR_CUDA";
  case FP4RT_ERROR_LAUNCH: return "FP4RT_ERROR_LAUNCH";
  case FP4RT_ERROR_NOT_FOUND: return "FP4RT_ERROR_NOT_FOUND";
  case FP4RT_ERROR_INVALID_IMAGE: return "FP4RT_ERROR_INVALID_IMAGE";
  case FP4RT_ERROR_OUT_OF_MEMORY: return "FP4RT_ERROR_OUT_OF_MEMORY";
  case FP4RT_ERROR_INVALID_STATE: return "FP4RT_ERROR_INVALID_STATE";
  case FP4RT_ERROR_IO: return "FP4RT_ERROR_IO";
  case FP4RT_NOT_READY: return "FP4RT_NOT_READY";
  }
  return "FP4RT_ERROR_<unknown status>";
}

const char *fp4rtGetLastError(void) { return thread().lastError.c_str(); }
int fp4rtGetLastCudaError(void) { return thread().lastCuda; }
void fp4rtClearLastError(void) {
  thread().lastError.clear();
  thread().lastCuda = 0;
}

void fp4rtSetSyncMode(int enabled) { setSyncMode(enabled != 0); }
int fp4rtGetSyncMode(void) { return syncMode() ? 1 : 0; }

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

fp4rtStatus fp4rtGetDeviceCount(int *count) {
  CHECK_ARG(count, "count is NULL");
  *count = 0;
  std::string why;
  const Driver *d = getDriver(&why);
  if (!d)
    return noDriver(why);
  if (CUresult r = d->cuDeviceGetCount(count))
    return cudaFail(r, "cuDeviceGetCount");
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtGetDeviceProps(int device, fp4rtDeviceProps *props) {
  CHECK_ARG(props, "props is NULL");
  std::memset(props, 0, sizeof *props);
  fp4rtStatus status;
  Device *dev = getDevice(device, &status);
  if (!dev)
    return status;
  const Driver &d = drv();
  props->ordinal = device;
  if (CUresult r = d.cuDeviceGetName(props->name, sizeof props->name - 1,
                                     dev->dev))
    return cudaFail(r, "cuDeviceGetName");
  struct {
    CUdevice_attribute attr;
    int *out;
  } attrs[] = {
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &props->cc_major},
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &props->cc_minor},
      {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &props->sm_count},
      {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
       &props->max_threads_per_block},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
       &props->max_shared_mem_per_block_optin},
      {CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, &props->l2_cache_bytes},
  };
  for (auto &a : attrs)
    if (CUresult r = d.cuDeviceGetAttribute(a.out, a.attr, dev->dev))
      return cudaFail(r, "cuDeviceGetAttribute");
  if (CUresult r = d.cuDeviceTotalMem(&props->total_mem_bytes, dev->dev))
    return cudaFail(r, "cuDeviceTotalMem");
  if (CUresult r = d.cuDriverGetVersion(&props->driver_version))
    return cudaFail(r, "cuDriverGetVersion");
  return FP4RT_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Context
//===----------------------------------------------------------------------===//

fp4rtStatus fp4rtContextCreate(int device, fp4rtContext *out) {
  CHECK_ARG(out, "ctx is NULL");
  *out = nullptr;
  fp4rtStatus status;
  Device *dev = getDevice(device, &status);
  if (!dev)
    return status;
  auto *ctx = new Context;
  ctx->dev = dev;
  {
    std::lock_guard<std::recursive_mutex> lock(objectMutex());
    registerHandle(ctx, Kind::Context);
  }
  *out = reinterpret_cast<fp4rtContext>(ctx);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtContextDestroy(fp4rtContext h) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  const Driver &d = drv();
  CtxGuard guard(d, ctx->dev->ctx);
  // Reverse creation order: graphs and programs before the buffers and
  // modules they use.
  while (!ctx->children.empty())
    destroyObject(d, ctx->children.back());
  unregisterHandle(ctx);
  delete ctx;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtContextSynchronize(fp4rtContext h) {
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuCtxSynchronize())
    return cudaFail(r, "cuCtxSynchronize");
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtContextGetDevice(fp4rtContext h, int *device) {
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  CHECK_ARG(device, "device is NULL");
  *device = ctx->dev->ordinal;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtContextMemInfo(fp4rtContext h, size_t *freeBytes,
                                size_t *totalBytes) {
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  CHECK_ARG(freeBytes && totalBytes, "free_bytes or total_bytes is NULL");
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuMemGetInfo(freeBytes, totalBytes))
    return cudaFail(r, "cuMemGetInfo");
  return FP4RT_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Modules and kernels
//===----------------------------------------------------------------------===//

fp4rtImageFormat fp4rtDetectImageFormat(const void *image, size_t size) {
  return detectFormat(image, size);
}

fp4rtStatus fp4rtModuleLoadData(fp4rtContext h, const void *image, size_t size,
                                const char *label, fp4rtModule *out) {
  CHECK_ARG(out, "module is NULL");
  *out = nullptr;
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  CHECK_ARG(image && size, "image is NULL or empty");
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  auto m = std::make_unique<Module>(ctx);
  m->label = label && *label ? label : "<memory>";
  if (fp4rtStatus s = loadModule(drv(), image, size, m->label, -1, &m->mod,
                                 &m->format))
    return s;
  *out = reinterpret_cast<fp4rtModule>(adopt(std::move(m)));
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtModuleLoadFile(fp4rtContext h, const char *path,
                                fp4rtModule *out) {
  CHECK_ARG(out, "module is NULL");
  *out = nullptr;
  CHECK_ARG(path, "path is NULL");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(FP4RT_ERROR_IO, std::string("cannot open module file '") +
                                    path + "': " + std::strerror(errno));
  std::vector<char> data((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  if (data.empty())
    return fail(FP4RT_ERROR_INVALID_IMAGE,
                std::string("module file '") + path + "' is empty");
  return fp4rtModuleLoadData(h, data.data(), data.size(), path, out);
}

fp4rtStatus fp4rtModuleUnload(fp4rtModule h) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_HANDLE(m, Module, Kind::Module, h, "module");
  const Driver &d = drv();
  CtxGuard guard(d, m->ctx->dev->ctx);
  destroyObject(d, m);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtModuleGetFormat(fp4rtModule h, fp4rtImageFormat *format) {
  CHECK_HANDLE(m, Module, Kind::Module, h, "module");
  CHECK_ARG(format, "format is NULL");
  *format = m->format;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtModuleGetKernel(fp4rtModule h, const char *name,
                                 fp4rtKernel *out) {
  CHECK_ARG(out, "kernel is NULL");
  *out = nullptr;
  CHECK_ARG(name && *name, "kernel name is NULL or empty");
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_HANDLE(m, Module, Kind::Module, h, "module");
  auto it = m->kernels.find(name);
  if (it != m->kernels.end()) {
    *out = reinterpret_cast<fp4rtKernel>(it->second.get());
    return FP4RT_SUCCESS;
  }
  Scope scope(m->ctx);
  CHECK_SCOPE(scope);
  CUfunction fn = nullptr;
  if (CUresult r = drv().cuModuleGetFunction(&fn, m->mod, name)) {
    fp4rtStatus s = cudaFail(r, "cuModuleGetFunction",
                             std::string("kernel '") + name + "' in module '" +
                                 m->label + "'");
    return s;
  }
  auto k = std::make_unique<Kernel>();
  k->module = m;
  k->fn = fn;
  k->info = KernelInfo{name, m->label};
  registerKernel(fn, m->mod, name, m->label);
  Kernel *raw = k.get();
  m->kernels.emplace(name, std::move(k));
  registerHandle(raw, Kind::Kernel);
  *out = reinterpret_cast<fp4rtKernel>(raw);
  return FP4RT_SUCCESS;
}

const char *fp4rtKernelName(fp4rtKernel h) {
  Kernel *k = checked<Kernel>(h, Kind::Kernel, "kernel");
  return k ? k->info.name.c_str() : "";
}

fp4rtStatus fp4rtKernelGetNative(fp4rtKernel h, void **fn) {
  CHECK_HANDLE(k, Kernel, Kind::Kernel, h, "kernel");
  CHECK_ARG(fn, "cu_function is NULL");
  *fn = k->fn;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtLaunch(fp4rtKernel h, const fp4rtLaunchConfig *config,
                        void **params) {
  CHECK_HANDLE(k, Kernel, Kind::Kernel, h, "kernel");
  CHECK_ARG(config, "config is NULL");
  Context *ctx = k->module->ctx;
  GET_STREAM(stream, config->stream, ctx);
  LaunchDims dims;
  for (int i = 0; i < 3; ++i) {
    dims.grid[i] = config->grid[i] ? config->grid[i] : 1;
    dims.block[i] = config->block[i] ? config->block[i] : 1;
    dims.cluster[i] = config->cluster[i];
  }
  dims.smem = config->shared_mem_bytes;
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  return launch(drv(), *ctx->dev, k->fn, k->info, dims, stream, params,
                nullptr);
}

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

fp4rtStatus fp4rtBufferAlloc(fp4rtContext h, size_t bytes, fp4rtBuffer *out) {
  CHECK_ARG(out, "buffer is NULL");
  *out = nullptr;
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  auto b = std::make_unique<Buffer>(ctx);
  b->bytes = bytes;
  if (bytes) {
    if (CUresult r = drv().cuMemAlloc(&b->ptr, bytes))
      return cudaFail(r, "cuMemAlloc",
                      "a buffer of " + std::to_string(bytes) + " bytes");
  }
  *out = reinterpret_cast<fp4rtBuffer>(adopt(std::move(b)));
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtBufferWrap(fp4rtContext h, uint64_t ptr, size_t bytes,
                            fp4rtBuffer *out) {
  CHECK_ARG(out, "buffer is NULL");
  *out = nullptr;
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  if (bytes) {
    CHECK_ARG(ptr, "cannot wrap a null device pointer");
    const Driver &d = drv();
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)ptr);
    unsigned memType = 0;
    CUresult r = d.cuPointerGetAttribute(
        &memType, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, CUdeviceptr(ptr));
    if (r != CUDA_SUCCESS)
      return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                  std::string("pointer ") + hex +
                      " is not CUDA memory (cuPointerGetAttribute: " +
                      describeResult(r) + ")",
                  r);
    if (memType != CU_MEMORYTYPE_DEVICE && memType != CU_MEMORYTYPE_UNIFIED)
      return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                  std::string("pointer ") + hex +
                      " is host memory, not device memory");
    int ordinal = -1;
    if (d.cuPointerGetAttribute(&ordinal, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL,
                                CUdeviceptr(ptr)) == CUDA_SUCCESS &&
        ordinal != ctx->dev->ordinal)
      return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                  std::string("pointer ") + hex + " is on device " +
                      std::to_string(ordinal) + ", the context on device " +
                      std::to_string(ctx->dev->ordinal));
    CUdeviceptr start = 0;
    size_t rangeSize = 0;
    if (d.cuPointerGetAttribute(&start, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR,
                                CUdeviceptr(ptr)) == CUDA_SUCCESS &&
        d.cuPointerGetAttribute(&rangeSize, CU_POINTER_ATTRIBUTE_RANGE_SIZE,
                                CUdeviceptr(ptr)) == CUDA_SUCCESS &&
        ptr - start + bytes > rangeSize)
      return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                  std::string("wrapping ") + std::to_string(bytes) +
                      " bytes at " + hex + " overruns its allocation (" +
                      std::to_string(rangeSize - (ptr - start)) +
                      " bytes left in it)");
  }
  auto b = std::make_unique<Buffer>(ctx);
  b->ptr = CUdeviceptr(ptr);
  b->bytes = bytes;
  b->owned = false;
  *out = reinterpret_cast<fp4rtBuffer>(adopt(std::move(b)));
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtBufferFree(fp4rtBuffer h) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_HANDLE(b, Buffer, Kind::Buffer, h, "buffer");
  if (b->owner)
    return fail(FP4RT_ERROR_INVALID_STATE,
                "buffer is owned by a program (fp4rtProgramAllocArg); it is "
                "freed with the program");
  const Driver &d = drv();
  CtxGuard guard(d, b->ctx->dev->ctx);
  destroyObject(d, b);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtBufferDevicePtr(fp4rtBuffer h, uint64_t *ptr) {
  CHECK_HANDLE(b, Buffer, Kind::Buffer, h, "buffer");
  CHECK_ARG(ptr, "ptr is NULL");
  *ptr = uint64_t(b->ptr);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtBufferSize(fp4rtBuffer h, size_t *bytes) {
  CHECK_HANDLE(b, Buffer, Kind::Buffer, h, "buffer");
  CHECK_ARG(bytes, "bytes is NULL");
  *bytes = b->bytes;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtBufferIsOwned(fp4rtBuffer h, int *owned) {
  CHECK_HANDLE(b, Buffer, Kind::Buffer, h, "buffer");
  CHECK_ARG(owned, "owned is NULL");
  *owned = b->owned ? 1 : 0;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtBufferUpload(fp4rtBuffer h, size_t offset, const void *src,
                              size_t bytes, fp4rtStream sh) {
  CHECK_HANDLE(b, Buffer, Kind::Buffer, h, "buffer");
  CHECK_ARG(rangeOk(b, offset, bytes), "upload: " + rangeText(b, offset, bytes));
  if (!bytes)
    return FP4RT_SUCCESS;
  CHECK_ARG(src, "upload: src is NULL");
  GET_STREAM(stream, sh, b->ctx);
  Scope scope(b->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuMemcpyAsync(b->ptr + offset, CUdeviceptr(src),
                                       bytes, stream))
    return cudaFail(r, "cuMemcpyAsync",
                    "an upload of " + std::to_string(bytes) + " bytes");
  return finishSync(!sh, "an upload");
}

fp4rtStatus fp4rtBufferDownload(fp4rtBuffer h, size_t offset, void *dst,
                                size_t bytes, fp4rtStream sh) {
  CHECK_HANDLE(b, Buffer, Kind::Buffer, h, "buffer");
  CHECK_ARG(rangeOk(b, offset, bytes),
            "download: " + rangeText(b, offset, bytes));
  if (!bytes)
    return FP4RT_SUCCESS;
  CHECK_ARG(dst, "download: dst is NULL");
  GET_STREAM(stream, sh, b->ctx);
  Scope scope(b->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuMemcpyAsync(CUdeviceptr(dst), b->ptr + offset,
                                       bytes, stream))
    return cudaFail(r, "cuMemcpyAsync",
                    "a download of " + std::to_string(bytes) + " bytes");
  return finishSync(!sh, "a download");
}

fp4rtStatus fp4rtBufferCopy(fp4rtBuffer dh, size_t dstOffset, fp4rtBuffer sh_,
                            size_t srcOffset, size_t bytes, fp4rtStream sh) {
  CHECK_HANDLE(dst, Buffer, Kind::Buffer, dh, "dst");
  CHECK_HANDLE(src, Buffer, Kind::Buffer, sh_, "src");
  CHECK_ARG(rangeOk(dst, dstOffset, bytes),
            "copy destination: " + rangeText(dst, dstOffset, bytes));
  CHECK_ARG(rangeOk(src, srcOffset, bytes),
            "copy source: " + rangeText(src, srcOffset, bytes));
  if (!bytes)
    return FP4RT_SUCCESS;
  GET_STREAM(stream, sh, dst->ctx);
  Scope scope(dst->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuMemcpyAsync(dst->ptr + dstOffset,
                                       src->ptr + srcOffset, bytes, stream))
    return cudaFail(r, "cuMemcpyAsync",
                    "a device copy of " + std::to_string(bytes) + " bytes");
  return finishSync(!sh, "a device copy");
}

fp4rtStatus fp4rtBufferMemset(fp4rtBuffer h, size_t offset, uint8_t value,
                              size_t bytes, fp4rtStream sh) {
  CHECK_HANDLE(b, Buffer, Kind::Buffer, h, "buffer");
  CHECK_ARG(rangeOk(b, offset, bytes), "memset: " + rangeText(b, offset, bytes));
  if (!bytes)
    return FP4RT_SUCCESS;
  GET_STREAM(stream, sh, b->ctx);
  Scope scope(b->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuMemsetD8Async(b->ptr + offset, value, bytes, stream))
    return cudaFail(r, "cuMemsetD8Async");
  return finishSync(!sh, "a memset");
}

fp4rtStatus fp4rtBufferFill32(fp4rtBuffer h, size_t offset, uint32_t value,
                              size_t count, fp4rtStream sh) {
  CHECK_HANDLE(b, Buffer, Kind::Buffer, h, "buffer");
  CHECK_ARG(offset % 4 == 0, "fill32: offset " + std::to_string(offset) +
                                 " is not a multiple of 4");
  CHECK_ARG(count <= SIZE_MAX / 4 && rangeOk(b, offset, count * 4),
            "fill32: " + rangeText(b, offset, count * 4));
  if (!count)
    return FP4RT_SUCCESS;
  GET_STREAM(stream, sh, b->ctx);
  Scope scope(b->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r =
          drv().cuMemsetD32Async(b->ptr + offset, value, count, stream))
    return cudaFail(r, "cuMemsetD32Async");
  return finishSync(!sh, "a fill");
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

fp4rtStatus fp4rtStreamCreate(fp4rtContext h, fp4rtStream *out) {
  CHECK_ARG(out, "stream is NULL");
  *out = nullptr;
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  auto s = std::make_unique<Stream>(ctx);
  if (CUresult r = drv().cuStreamCreate(&s->stream, CU_STREAM_NON_BLOCKING))
    return cudaFail(r, "cuStreamCreate");
  *out = reinterpret_cast<fp4rtStream>(adopt(std::move(s)));
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtStreamWrap(fp4rtContext h, void *cuStream, fp4rtStream *out) {
  CHECK_ARG(out, "stream is NULL");
  *out = nullptr;
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  CUstream cs = static_cast<CUstream>(cuStream);
  if (cs) {
    CUcontext owner = nullptr;
    CUresult r = drv().cuStreamGetCtx(cs, &owner);
    if (r != CUDA_SUCCESS)
      return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                  "cannot wrap stream: cuStreamGetCtx says " +
                      describeResult(r),
                  r);
    if (owner != ctx->dev->ctx)
      return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                  "cannot wrap stream: it belongs to another CUDA context "
                  "than device " +
                      std::to_string(ctx->dev->ordinal) + "'s primary context");
  }
  auto s = std::make_unique<Stream>(ctx);
  s->stream = cs;
  s->owned = false;
  *out = reinterpret_cast<fp4rtStream>(adopt(std::move(s)));
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtStreamDestroy(fp4rtStream h) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_HANDLE(s, Stream, Kind::Stream, h, "stream");
  const Driver &d = drv();
  CtxGuard guard(d, s->ctx->dev->ctx);
  destroyObject(d, s);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtStreamSynchronize(fp4rtStream h) {
  CHECK_HANDLE(s, Stream, Kind::Stream, h, "stream");
  Scope scope(s->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuStreamSynchronize(s->stream))
    return cudaFail(r, "cuStreamSynchronize");
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtStreamQuery(fp4rtStream h) {
  CHECK_HANDLE(s, Stream, Kind::Stream, h, "stream");
  Scope scope(s->ctx);
  CHECK_SCOPE(scope);
  CUresult r = drv().cuStreamQuery(s->stream);
  if (r == CUDA_SUCCESS || r == CUDA_ERROR_NOT_READY)
    return r == CUDA_SUCCESS ? FP4RT_SUCCESS : FP4RT_NOT_READY;
  return cudaFail(r, "cuStreamQuery");
}

fp4rtStatus fp4rtStreamWaitEvent(fp4rtStream h, fp4rtEvent eh) {
  CHECK_HANDLE(s, Stream, Kind::Stream, h, "stream");
  CHECK_HANDLE(e, Event, Kind::Event, eh, "event");
  Scope scope(s->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuStreamWaitEvent(s->stream, e->event, 0))
    return cudaFail(r, "cuStreamWaitEvent");
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtStreamGetNative(fp4rtStream h, void **cuStream) {
  CHECK_HANDLE(s, Stream, Kind::Stream, h, "stream");
  CHECK_ARG(cuStream, "cu_stream is NULL");
  *cuStream = s->stream;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtEventCreate(fp4rtContext h, int timing, fp4rtEvent *out) {
  CHECK_ARG(out, "event is NULL");
  *out = nullptr;
  CHECK_HANDLE(ctx, Context, Kind::Context, h, "ctx");
  Scope scope(ctx);
  CHECK_SCOPE(scope);
  auto e = std::make_unique<Event>(ctx);
  if (CUresult r = drv().cuEventCreate(
          &e->event, timing ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING))
    return cudaFail(r, "cuEventCreate");
  *out = reinterpret_cast<fp4rtEvent>(adopt(std::move(e)));
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtEventDestroy(fp4rtEvent h) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_HANDLE(e, Event, Kind::Event, h, "event");
  const Driver &d = drv();
  CtxGuard guard(d, e->ctx->dev->ctx);
  destroyObject(d, e);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtEventRecord(fp4rtEvent h, fp4rtStream sh) {
  CHECK_HANDLE(e, Event, Kind::Event, h, "event");
  GET_STREAM(stream, sh, e->ctx);
  Scope scope(e->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuEventRecord(e->event, stream))
    return cudaFail(r, "cuEventRecord");
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtEventSynchronize(fp4rtEvent h) {
  CHECK_HANDLE(e, Event, Kind::Event, h, "event");
  Scope scope(e->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuEventSynchronize(e->event))
    return cudaFail(r, "cuEventSynchronize");
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtEventQuery(fp4rtEvent h) {
  CHECK_HANDLE(e, Event, Kind::Event, h, "event");
  Scope scope(e->ctx);
  CHECK_SCOPE(scope);
  CUresult r = drv().cuEventQuery(e->event);
  if (r == CUDA_SUCCESS || r == CUDA_ERROR_NOT_READY)
    return r == CUDA_SUCCESS ? FP4RT_SUCCESS : FP4RT_NOT_READY;
  return cudaFail(r, "cuEventQuery");
}

fp4rtStatus fp4rtEventElapsedMs(fp4rtEvent sh, fp4rtEvent eh, float *ms) {
  CHECK_HANDLE(start, Event, Kind::Event, sh, "start");
  CHECK_HANDLE(end, Event, Kind::Event, eh, "end");
  CHECK_ARG(ms, "ms is NULL");
  Scope scope(start->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuEventElapsedTime(ms, start->event, end->event))
    return cudaFail(r, "cuEventElapsedTime",
                    "events (both need enable_timing and must be recorded)");
  return FP4RT_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Graph capture and replay
//===----------------------------------------------------------------------===//

fp4rtStatus fp4rtStreamBeginCapture(fp4rtStream h, fp4rtCaptureMode mode) {
  CHECK_HANDLE(s, Stream, Kind::Stream, h, "stream");
  CHECK_ARG(s->stream, "the legacy default stream cannot be captured; "
                       "capture a stream from fp4rtStreamCreate");
  CUstreamCaptureMode cm;
  switch (mode) {
  case FP4RT_CAPTURE_THREAD_LOCAL: cm = CU_STREAM_CAPTURE_MODE_THREAD_LOCAL; break;
  case FP4RT_CAPTURE_GLOBAL: cm = CU_STREAM_CAPTURE_MODE_GLOBAL; break;
  case FP4RT_CAPTURE_RELAXED: cm = CU_STREAM_CAPTURE_MODE_RELAXED; break;
  default:
    return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                "unknown capture mode " + std::to_string(int(mode)));
  }
  Scope scope(s->ctx);
  CHECK_SCOPE(scope);
  if (CUresult r = drv().cuStreamBeginCapture(s->stream, cm))
    return cudaFail(r, "cuStreamBeginCapture");
  // Generated host code called on this thread now records into the capture.
  thread().bindings.push_back(Binding{s->ctx->dev, s->stream, /*async=*/true});
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtStreamEndCapture(fp4rtStream h, fp4rtGraph *out) {
  CHECK_ARG(out, "graph is NULL");
  *out = nullptr;
  CHECK_HANDLE(s, Stream, Kind::Stream, h, "stream");
  // Drop the binding pushed by BeginCapture (the innermost one for s).
  auto &bs = thread().bindings;
  for (auto it = bs.rbegin(); it != bs.rend(); ++it)
    if (it->stream == s->stream && it->async) {
      bs.erase(std::next(it).base());
      releaseStreamCache(s->stream);
      break;
    }
  Scope scope(s->ctx);
  CHECK_SCOPE(scope);
  const Driver &d = drv();
  CUgraph graph = nullptr;
  CUresult r = d.cuStreamEndCapture(s->stream, &graph);
  if (r != CUDA_SUCCESS) {
    if (graph)
      d.cuGraphDestroy(graph);
    fp4rtStatus st = cudaFail(r, "cuStreamEndCapture");
    if (r == CUDA_ERROR_ILLEGAL_STATE)
      thread().lastError += " (the stream was not being captured)";
    else if (r == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED)
      thread().lastError +=
          " (an operation during the capture was not capturable, e.g. a "
          "synchronous copy, cuMemAlloc or a sync; see the earlier error)";
    return st;
  }
  auto g = std::make_unique<Graph>(s->ctx);
  g->graph = graph;
  size_t nodes = 0;
  if (d.cuGraphGetNodes(graph, nullptr, &nodes) == CUDA_SUCCESS)
    g->nodes = nodes;
  if ((r = d.cuGraphInstantiate(&g->exec, graph, 0))) {
    d.cuGraphDestroy(graph);
    return cudaFail(r, "cuGraphInstantiate");
  }
  *out = reinterpret_cast<fp4rtGraph>(adopt(std::move(g)));
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtGraphReplay(fp4rtGraph h, fp4rtStream sh, int count) {
  CHECK_HANDLE(g, Graph, Kind::Graph, h, "graph");
  CHECK_ARG(count >= 0, "replay count is negative");
  GET_STREAM(stream, sh, g->ctx);
  Scope scope(g->ctx);
  CHECK_SCOPE(scope);
  const Driver &d = drv();
  for (int i = 0; i < count; ++i) {
    if (CUresult r = d.cuGraphLaunch(g->exec, stream))
      return cudaFail(r, "cuGraphLaunch",
                      "replay " + std::to_string(i) + " of " +
                          std::to_string(count));
    if (syncMode() && !isCapturing(d, stream))
      if (CUresult r = d.cuStreamSynchronize(stream))
        return cudaFail(r, "cuStreamSynchronize (FP4RT_SYNC) after cuGraphLaunch",
                        "replay " + std::to_string(i));
  }
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtGraphLaunch(fp4rtGraph h, fp4rtStream sh) {
  return fp4rtGraphReplay(h, sh, 1);
}

fp4rtStatus fp4rtGraphNodeCount(fp4rtGraph h, size_t *count) {
  CHECK_HANDLE(g, Graph, Kind::Graph, h, "graph");
  CHECK_ARG(count, "count is NULL");
  *count = g->nodes;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtGraphDestroy(fp4rtGraph h) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_HANDLE(g, Graph, Kind::Graph, h, "graph");
  const Driver &d = drv();
  CtxGuard guard(d, g->ctx->dev->ctx);
  destroyObject(d, g);
  return FP4RT_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Stream binding for generated code
//===----------------------------------------------------------------------===//

fp4rtStatus fp4rtBindStream(fp4rtStream h, fp4rtBindFlags flags) {
  CHECK_ARG(flags == FP4RT_BIND_SYNC || flags == FP4RT_BIND_ASYNC,
            "unknown bind flags " + std::to_string(int(flags)));
  CHECK_ARG(h, "stream is NULL: wrap the legacy stream with "
               "fp4rtStreamWrap(ctx, 0, ...) to bind it");
  CHECK_HANDLE(s, Stream, Kind::Stream, h, "stream");
  thread().bindings.push_back(
      Binding{s->ctx->dev, s->stream, flags == FP4RT_BIND_ASYNC});
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtUnbindStream(void) {
  auto &bs = thread().bindings;
  if (bs.empty())
    return fail(FP4RT_ERROR_INVALID_STATE, "no stream is bound on this thread");
  CUstream s = bs.back().stream;
  bs.pop_back();
  releaseStreamCache(s);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtCheckMgpuErrors(void) {
  ThreadState &t = thread();
  fp4rtStatus s = t.mgpuStatus;
  if (s != FP4RT_SUCCESS) {
    t.lastError = t.mgpuMessage;
    t.lastCuda = t.mgpuCuda;
    t.mgpuStatus = FP4RT_SUCCESS;
    t.mgpuMessage.clear();
    t.mgpuCuda = 0;
  }
  return s;
}

} // extern "C"
