//===- test_runtime.cpp - tests of the C API and the mgpu ABI -------------===//
//
// Kernels: tests/kernels/test_kernels.cu, compiled by nvcc at build time to
// FP4RT_TEST_CUBIN / FP4RT_TEST_PTX / FP4RT_TEST_FATBIN.
//
//   fp4rt_test_runtime                 all tests that keep the context usable
//   fp4rt_test_runtime --only NAME     one test (fault_* must run alone)
//   fp4rt_test_runtime --list
//
//===----------------------------------------------------------------------===//

#include "Harness.h"
#include "fp4rt/mgpu.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>
#include <vector>

using fp4rt::test::contains;

namespace {

std::vector<char> readFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
}

/// A context with the fatbin test module loaded; destroyed at scope exit.
struct Env {
  fp4rtContext ctx = nullptr;
  fp4rtModule mod = nullptr;
  Env() {
    REQUIRE_OK(fp4rtContextCreate(0, &ctx));
    REQUIRE_OK(fp4rtModuleLoadFile(ctx, FP4RT_TEST_FATBIN, &mod));
  }
  ~Env() {
    if (ctx)
      fp4rtContextDestroy(ctx);
  }
  fp4rtKernel kernel(const char *name) {
    fp4rtKernel k = nullptr;
    REQUIRE_OK(fp4rtModuleGetKernel(mod, name, &k));
    return k;
  }
  fp4rtBuffer alloc(size_t bytes) {
    fp4rtBuffer b = nullptr;
    REQUIRE_OK(fp4rtBufferAlloc(ctx, bytes, &b));
    return b;
  }
  fp4rtStream stream() {
    fp4rtStream s = nullptr;
    REQUIRE_OK(fp4rtStreamCreate(ctx, &s));
    return s;
  }
};

uint64_t devPtr(fp4rtBuffer b) {
  uint64_t p = 0;
  fp4rtBufferDevicePtr(b, &p);
  return p;
}

std::vector<float> randomFloats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  std::vector<float> v(n);
  for (auto &x : v)
    x = dist(rng);
  return v;
}

fp4rtLaunchConfig config1d(unsigned blocks, unsigned threads,
                           fp4rtStream stream = nullptr) {
  fp4rtLaunchConfig c;
  std::memset(&c, 0, sizeof c);
  c.grid[0] = blocks;
  c.block[0] = threads;
  c.stream = stream;
  return c;
}

/// Launches saxpy(n, a, x, y) through the C API.
fp4rtStatus launchSaxpy(fp4rtKernel k, int n, float a, fp4rtBuffer x,
                        fp4rtBuffer y, fp4rtStream s = nullptr,
                        unsigned threads = 256) {
  uint64_t px = devPtr(x), py = devPtr(y);
  void *params[] = {&n, &a, &px, &py};
  fp4rtLaunchConfig c = config1d((n + 255) / 256, threads, s);
  return fp4rtLaunch(k, &c, params);
}

} // namespace

//===----------------------------------------------------------------------===//
// Tests that need no GPU (they also run in CI)
//===----------------------------------------------------------------------===//

TEST(status_and_version, false) {
  CHECK(fp4rtGetVersion() == FP4RT_VERSION);
  CHECK(!std::strcmp(fp4rtStatusString(FP4RT_ERROR_LAUNCH), "FP4RT_ERROR_LAUNCH"));
  CHECK(contains(fp4rtStatusString(fp4rtStatus(999)), "unknown"));
}

TEST(detect_image_format, false) {
  const unsigned char elf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  const unsigned char fat[] = {0x50, 0xed, 0x55, 0xba, 1, 0, 16, 0};
  const char ptx[] = "\n// Generated\n.version 8.0\n.target sm_90a\n";
  const char junk[] = "hello world, not a module";
  CHECK(fp4rtDetectImageFormat(elf, sizeof elf) == FP4RT_IMAGE_CUBIN);
  CHECK(fp4rtDetectImageFormat(fat, sizeof fat) == FP4RT_IMAGE_FATBIN);
  CHECK(fp4rtDetectImageFormat(ptx, sizeof ptx - 1) == FP4RT_IMAGE_PTX);
  CHECK(fp4rtDetectImageFormat(junk, sizeof junk) == FP4RT_IMAGE_UNKNOWN);
  CHECK(fp4rtDetectImageFormat(nullptr, 10) == FP4RT_IMAGE_UNKNOWN);
  CHECK(fp4rtDetectImageFormat(elf, 2) == FP4RT_IMAGE_UNKNOWN);
  // The images nvcc built.
  for (auto pair : {std::make_pair(FP4RT_TEST_CUBIN, FP4RT_IMAGE_CUBIN),
                    std::make_pair(FP4RT_TEST_FATBIN, FP4RT_IMAGE_FATBIN),
                    std::make_pair(FP4RT_TEST_PTX, FP4RT_IMAGE_PTX)}) {
    std::vector<char> data = readFile(pair.first);
    CHECK_MSG(fp4rtDetectImageFormat(data.data(), data.size()) == pair.second,
              pair.first);
  }
}

TEST(invalid_handles_and_arguments, false) {
  // Garbage, NULL and stale handles are reported, never dereferenced.
  auto *garbage = reinterpret_cast<fp4rtBuffer>(uintptr_t(0x1234));
  CHECK_FAILS(fp4rtBufferFree(garbage), FP4RT_ERROR_INVALID_HANDLE,
              "not a live fp4rtBuffer");
  CHECK_FAILS(fp4rtBufferFree(nullptr), FP4RT_ERROR_INVALID_HANDLE, "NULL");
  CHECK_FAILS(fp4rtLaunch(nullptr, nullptr, nullptr),
              FP4RT_ERROR_INVALID_HANDLE, "kernel");
  CHECK_FAILS(fp4rtStreamSynchronize(nullptr), FP4RT_ERROR_INVALID_HANDLE,
              "stream");
  CHECK_FAILS(fp4rtGraphReplay(reinterpret_cast<fp4rtGraph>(garbage), nullptr, 1),
              FP4RT_ERROR_INVALID_HANDLE, "fp4rtGraph");
  CHECK_FAILS(fp4rtProgramRun(nullptr, nullptr), FP4RT_ERROR_INVALID_HANDLE,
              "program");
  CHECK_FAILS(fp4rtContextCreate(0, nullptr), FP4RT_ERROR_INVALID_ARGUMENT,
              "NULL");
  CHECK_FAILS(fp4rtUnbindStream(), FP4RT_ERROR_INVALID_STATE, "no stream");
  CHECK(!std::strcmp(fp4rtKernelName(nullptr), ""));
  // mgpu calls with null handles record an error instead of crashing.
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_HANDLE,
              "mgpuLaunchKernel");
  CHECK(fp4rtCheckMgpuErrors() == FP4RT_SUCCESS); // cleared
  mgpuModuleUnload(nullptr);
  mgpuStreamDestroy(nullptr);
  mgpuEventDestroy(nullptr);
  mgpuMemFree(nullptr, nullptr);
  CHECK(fp4rtCheckMgpuErrors() == FP4RT_SUCCESS);
}

//===----------------------------------------------------------------------===//
// Devices, modules, launches
//===----------------------------------------------------------------------===//

TEST(device_props, true) {
  int count = 0;
  CHECK_OK(fp4rtGetDeviceCount(&count));
  CHECK(count >= 1);
  fp4rtDeviceProps p;
  REQUIRE_OK(fp4rtGetDeviceProps(0, &p));
  std::printf("    device 0: %s, sm_%d%d, %d SMs, %.1f GiB, driver %d, "
              "%d KiB smem opt-in, %d MiB L2\n",
              p.name, p.cc_major, p.cc_minor, p.sm_count,
              double(p.total_mem_bytes) / (1 << 30), p.driver_version,
              p.max_shared_mem_per_block_optin / 1024,
              p.l2_cache_bytes >> 20);
  CHECK(p.name[0] != 0);
  CHECK(p.cc_major >= 5);
  CHECK(p.sm_count > 0);
  CHECK(p.total_mem_bytes > 0);
  CHECK_FAILS(fp4rtGetDeviceProps(count, &p), FP4RT_ERROR_NO_DEVICE,
              "no CUDA device");
  fp4rtContext ctx;
  CHECK_FAILS(fp4rtContextCreate(-1, &ctx), FP4RT_ERROR_NO_DEVICE,
              "no CUDA device -1");
}

TEST(load_every_format, true) {
  Env env;
  fp4rtDeviceProps p;
  REQUIRE_OK(fp4rtGetDeviceProps(0, &p));
  struct {
    const char *path;
    fp4rtImageFormat format;
  } images[] = {{FP4RT_TEST_CUBIN, FP4RT_IMAGE_CUBIN},
                {FP4RT_TEST_FATBIN, FP4RT_IMAGE_FATBIN},
                {FP4RT_TEST_PTX, FP4RT_IMAGE_PTX}};
  const int n = 1000;
  std::vector<float> x = randomFloats(n, 1), y = randomFloats(n, 2);
  for (auto &img : images) {
    bool native = p.cc_major == 9 && p.cc_minor == 0; // cubin is sm_90a
    if (img.format == FP4RT_IMAGE_CUBIN && !native) {
      std::printf("    (cubin is sm_90a: skipped on sm_%d%d)\n", p.cc_major,
                  p.cc_minor);
      continue;
    }
    // From memory (PTX without a NUL: the runtime terminates it).
    std::vector<char> data = readFile(img.path);
    fp4rtModule m = nullptr;
    REQUIRE_OK(fp4rtModuleLoadData(env.ctx, data.data(), data.size(), img.path, &m));
    fp4rtImageFormat f;
    CHECK_OK(fp4rtModuleGetFormat(m, &f));
    CHECK(f == img.format);
    fp4rtKernel k = nullptr;
    REQUIRE_OK(fp4rtModuleGetKernel(m, "saxpy", &k));
    CHECK(!std::strcmp(fp4rtKernelName(k), "saxpy"));
    fp4rtKernel again = nullptr;
    CHECK_OK(fp4rtModuleGetKernel(m, "saxpy", &again));
    CHECK(again == k);
    fp4rtBuffer bx = env.alloc(n * 4), by = env.alloc(n * 4);
    CHECK_OK(fp4rtBufferUpload(bx, 0, x.data(), n * 4, nullptr));
    CHECK_OK(fp4rtBufferUpload(by, 0, y.data(), n * 4, nullptr));
    CHECK_OK(launchSaxpy(k, n, 1.5f, bx, by));
    std::vector<float> out(n);
    CHECK_OK(fp4rtBufferDownload(by, 0, out.data(), n * 4, nullptr));
    int bad = 0;
    for (int i = 0; i < n; ++i)
      bad += out[i] != std::fma(1.5f, x[i], y[i]) && out[i] != 1.5f * x[i] + y[i];
    CHECK_MSG(bad == 0, std::to_string(bad) + " wrong elements via " + img.path);
    CHECK_OK(fp4rtModuleUnload(m));
    CHECK_FAILS(fp4rtLaunch(k, nullptr, nullptr), FP4RT_ERROR_INVALID_HANDLE,
                "fp4rtKernel"); // unloaded with its module
    fp4rtBufferFree(bx);
    fp4rtBufferFree(by);
  }
}

TEST(module_errors, true) {
  Env env;
  fp4rtModule m = nullptr;
  fp4rtKernel k = nullptr;
  CHECK_FAILS(fp4rtModuleGetKernel(env.mod, "no_such_kernel", &k),
              FP4RT_ERROR_NOT_FOUND, "no_such_kernel");
  CHECK(contains(fp4rtGetLastError(), "cuModuleGetFunction"));
  CHECK(contains(fp4rtGetLastError(), "CUDA_ERROR_NOT_FOUND"));
  const char junk[] = "this is not a module";
  CHECK_FAILS(fp4rtModuleLoadData(env.ctx, junk, sizeof junk, "junk", &m),
              FP4RT_ERROR_INVALID_IMAGE, "junk");
  CHECK_FAILS(fp4rtModuleLoadFile(env.ctx, "/nonexistent/x.cubin", &m),
              FP4RT_ERROR_IO, "/nonexistent/x.cubin");
  std::vector<char> fat = readFile(FP4RT_TEST_FATBIN);
  CHECK_FAILS(fp4rtModuleLoadData(env.ctx, fat.data(), fat.size() / 2, "half",
                                  &m),
              FP4RT_ERROR_INVALID_IMAGE, "fatbin declares");
  std::vector<char> cub = readFile(FP4RT_TEST_CUBIN);
  CHECK_FAILS(fp4rtModuleLoadData(env.ctx, cub.data(), 100, "cut", &m),
              FP4RT_ERROR_INVALID_IMAGE, "cubin");
  const char badPtx[] = ".version 8.0\n.target sm_90\n.address_size 64\n"
                        ".visible .entry broken() { this is not ptx; }\n";
  CHECK_FAILS(fp4rtModuleLoadData(env.ctx, badPtx, sizeof badPtx - 1,
                                  "broken.ptx", &m),
              FP4RT_ERROR_INVALID_IMAGE, "broken.ptx");
  std::printf("    PTX JIT error: %.200s\n", fp4rtGetLastError());
  CHECK(m == nullptr);
}

TEST(launch_errors_name_the_kernel, true) {
  Env env;
  fp4rtKernel k = env.kernel("saxpy");
  fp4rtBuffer x = env.alloc(1024 * 4), y = env.alloc(1024 * 4);
  // 4096 threads per block is over every GPU's limit.
  CHECK_FAILS(launchSaxpy(k, 1024, 1.0f, x, y, nullptr, 4096),
              FP4RT_ERROR_LAUNCH, "kernel 'saxpy'");
  std::string msg = fp4rtGetLastError();
  std::printf("    %s\n", msg.c_str());
  CHECK(contains(msg, "cuLaunchKernel"));
  CHECK(contains(msg, FP4RT_TEST_FATBIN)); // the module
  CHECK(contains(msg, "CUDA_ERROR_INVALID_VALUE"));
  CHECK(fp4rtGetLastCudaError() == 1 /*CUDA_ERROR_INVALID_VALUE*/);
  // More dynamic shared memory than any GPU has.
  fp4rtKernel ks = env.kernel("smem_sum");
  uint64_t px = devPtr(x), py = devPtr(y);
  int n = 16;
  void *params[] = {&px, &py, &n};
  fp4rtLaunchConfig c = config1d(1, 32);
  c.shared_mem_bytes = 8u << 20;
  CHECK_FAILS(fp4rtLaunch(ks, &c, params), FP4RT_ERROR_LAUNCH,
              "kernel 'smem_sum'");
  // The context is still usable.
  CHECK_OK(launchSaxpy(k, 1024, 1.0f, x, y));
  CHECK_OK(fp4rtContextSynchronize(env.ctx));
  fp4rtLaunchConfig bad = config1d(1, 1);
  bad.stream = reinterpret_cast<fp4rtStream>(x); // a buffer, not a stream
  CHECK_FAILS(fp4rtLaunch(k, &bad, params), FP4RT_ERROR_INVALID_HANDLE,
              "fp4rtStream");
}

TEST(dynamic_shared_memory_above_48k, true) {
  Env env;
  fp4rtDeviceProps p;
  REQUIRE_OK(fp4rtGetDeviceProps(0, &p));
  const int n = (p.max_shared_mem_per_block_optin - 1024) / 4; // ~220 KiB on H100
  REQUIRE(n * 4 > 48 * 1024);
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i)
    x[i] = float(i % 7);
  fp4rtBuffer bx = env.alloc(n * 4), bo = env.alloc(4);
  CHECK_OK(fp4rtBufferUpload(bx, 0, x.data(), n * 4, nullptr));
  uint64_t px = devPtr(bx), po = devPtr(bo);
  void *params[] = {&px, &po, (void *)&n};
  fp4rtLaunchConfig c = config1d(1, 256);
  c.shared_mem_bytes = unsigned(n * 4);
  CHECK_OK(fp4rtLaunch(env.kernel("smem_sum"), &c, params));
  float sum = 0, expect = 0;
  for (int i = 0; i < n; ++i)
    expect += x[i];
  CHECK_OK(fp4rtBufferDownload(bo, 0, &sum, 4, nullptr));
  CHECK(sum == expect);
}

TEST(cluster_launch, true) {
  Env env;
  const int blocks = 8;
  fp4rtBuffer out = env.alloc(blocks * 4);
  uint64_t po = devPtr(out);
  void *params[] = {&po};
  fp4rtLaunchConfig c = config1d(blocks, 32);
  c.cluster[0] = 2;
  CHECK_OK(fp4rtLaunch(env.kernel("cluster_rank"), &c, params));
  unsigned ranks[blocks];
  CHECK_OK(fp4rtBufferDownload(out, 0, ranks, sizeof ranks, nullptr));
  for (int i = 0; i < blocks; ++i)
    CHECK(ranks[i] == unsigned(i % 2));
}

//===----------------------------------------------------------------------===//
// Buffers
//===----------------------------------------------------------------------===//

TEST(buffers, true) {
  Env env;
  const size_t n = 4096;
  fp4rtBuffer a = env.alloc(n * 4), b = env.alloc(n * 4);
  size_t size = 0;
  int owned = 0;
  CHECK_OK(fp4rtBufferSize(a, &size));
  CHECK(size == n * 4);
  CHECK_OK(fp4rtBufferIsOwned(a, &owned));
  CHECK(owned == 1);
  // fill32 with 1.0f, memset the first 16 bytes to 0, copy to b.
  uint32_t one;
  float f1 = 1.0f;
  std::memcpy(&one, &f1, 4);
  CHECK_OK(fp4rtBufferFill32(a, 0, one, n, nullptr));
  CHECK_OK(fp4rtBufferMemset(a, 0, 0, 16, nullptr));
  CHECK_OK(fp4rtBufferCopy(b, 0, a, 0, n * 4, nullptr));
  std::vector<float> h(n, -1.0f);
  CHECK_OK(fp4rtBufferDownload(b, 0, h.data(), n * 4, nullptr));
  CHECK(h[0] == 0.0f && h[3] == 0.0f && h[4] == 1.0f && h[n - 1] == 1.0f);
  // Partial upload at an offset, partial download.
  float v[2] = {7.0f, 8.0f}, w[2] = {0, 0};
  CHECK_OK(fp4rtBufferUpload(b, 400, v, 8, nullptr));
  CHECK_OK(fp4rtBufferDownload(b, 400, w, 8, nullptr));
  CHECK(w[0] == 7.0f && w[1] == 8.0f);
  // Range errors are caught before the driver sees them.
  CHECK_FAILS(fp4rtBufferUpload(b, n * 4 - 4, v, 8, nullptr),
              FP4RT_ERROR_INVALID_ARGUMENT, "outside the buffer");
  CHECK_FAILS(fp4rtBufferDownload(b, SIZE_MAX, w, 8, nullptr),
              FP4RT_ERROR_INVALID_ARGUMENT, "outside the buffer");
  CHECK_FAILS(fp4rtBufferFill32(b, 2, one, 1, nullptr),
              FP4RT_ERROR_INVALID_ARGUMENT, "multiple of 4");
  CHECK_FAILS(fp4rtBufferCopy(a, 8, b, 0, n * 4, nullptr),
              FP4RT_ERROR_INVALID_ARGUMENT, "copy destination");
  CHECK_FAILS(fp4rtBufferUpload(b, 0, nullptr, 8, nullptr),
              FP4RT_ERROR_INVALID_ARGUMENT, "src is NULL");
  // Empty buffers are fine.
  fp4rtBuffer e = env.alloc(0);
  CHECK_OK(fp4rtBufferUpload(e, 0, v, 0, nullptr));
  CHECK_OK(fp4rtBufferFree(e));
  CHECK_FAILS(fp4rtBufferFree(e), FP4RT_ERROR_INVALID_HANDLE, "fp4rtBuffer");
  // Asynchronous copies on a stream.
  fp4rtStream s = env.stream();
  CHECK_OK(fp4rtBufferFill32(a, 0, one, n, s));
  CHECK_OK(fp4rtBufferDownload(a, 0, h.data(), n * 4, s));
  CHECK_OK(fp4rtStreamSynchronize(s));
  CHECK(h[0] == 1.0f && h[n - 1] == 1.0f);
  // Out of memory is a status, not a crash.
  fp4rtBuffer huge = nullptr;
  CHECK_FAILS(fp4rtBufferAlloc(env.ctx, size_t(1) << 50, &huge),
              FP4RT_ERROR_OUT_OF_MEMORY, "cuMemAlloc");
  CHECK(huge == nullptr);
  size_t freeB = 0, totalB = 0;
  CHECK_OK(fp4rtContextMemInfo(env.ctx, &freeB, &totalB));
  CHECK(freeB > 0 && totalB >= freeB);
}

TEST(wrap_external_pointers, true) {
  Env env;
  // Memory someone else owns (here: a runtime buffer standing in for a torch
  // tensor's storage).
  fp4rtBuffer owner = env.alloc(1 << 20);
  uint64_t base = devPtr(owner);
  fp4rtBuffer view = nullptr;
  REQUIRE_OK(fp4rtBufferWrap(env.ctx, base + 4096, 8192, &view));
  int owned = 1;
  CHECK_OK(fp4rtBufferIsOwned(view, &owned));
  CHECK(owned == 0);
  uint64_t p = 0;
  CHECK_OK(fp4rtBufferDevicePtr(view, &p));
  CHECK(p == base + 4096);
  std::vector<float> x = randomFloats(2048, 3), y(2048);
  CHECK_OK(fp4rtBufferUpload(view, 0, x.data(), 8192, nullptr));
  CHECK_OK(fp4rtBufferFree(view)); // forgets, does not free
  CHECK_OK(fp4rtBufferDownload(owner, 4096, y.data(), 8192, nullptr));
  CHECK(x == y);
  // Overrunning the allocation, host memory and garbage are refused.
  fp4rtBuffer bad = nullptr;
  CHECK_FAILS(fp4rtBufferWrap(env.ctx, base + 4096, size_t(64) << 20, &bad),
              FP4RT_ERROR_INVALID_ARGUMENT, "overruns");
  CHECK_FAILS(fp4rtBufferWrap(env.ctx, uint64_t(uintptr_t(x.data())), 64, &bad),
              FP4RT_ERROR_INVALID_ARGUMENT, "pointer 0x"); // host memory
  std::printf("    wrapping host memory: %s\n", fp4rtGetLastError());
  CHECK_FAILS(fp4rtBufferWrap(env.ctx, 0, 64, &bad),
              FP4RT_ERROR_INVALID_ARGUMENT, "null device pointer");
  CHECK(bad == nullptr);
}

//===----------------------------------------------------------------------===//
// Streams, events, graphs
//===----------------------------------------------------------------------===//

TEST(streams_and_events, true) {
  Env env;
  fp4rtStream s1 = env.stream(), s2 = env.stream();
  fp4rtEvent start, stop, done;
  REQUIRE_OK(fp4rtEventCreate(env.ctx, 1, &start));
  REQUIRE_OK(fp4rtEventCreate(env.ctx, 1, &stop));
  REQUIRE_OK(fp4rtEventCreate(env.ctx, 0, &done));
  const int n = 1 << 16;
  fp4rtBuffer x = env.alloc(n * 4);
  CHECK_OK(fp4rtBufferMemset(x, 0, 0, n * 4, nullptr));
  uint64_t px = devPtr(x);
  void *addParams[] = {&px, (void *)&n};
  long long cycles = 20 * 1000 * 1000; // ~10 ms: s2 must really wait
  void *spinParams[] = {&cycles};
  fp4rtLaunchConfig spin = config1d(1, 1, s1);
  fp4rtLaunchConfig add1 = config1d(n / 256, 256, s1);
  fp4rtLaunchConfig add2 = config1d(n / 256, 256, s2);
  CHECK_OK(fp4rtEventRecord(start, s1));
  CHECK_OK(fp4rtLaunch(env.kernel("spin"), &spin, spinParams));
  CHECK_OK(fp4rtLaunch(env.kernel("add_one"), &add1, addParams));
  CHECK_OK(fp4rtEventRecord(done, s1));
  CHECK_OK(fp4rtStreamWaitEvent(s2, done));
  CHECK_OK(fp4rtLaunch(env.kernel("add_one"), &add2, addParams)); // after s1's
  CHECK_OK(fp4rtEventRecord(stop, s2));
  fp4rtStatus q = fp4rtStreamQuery(s2);
  CHECK(q == FP4RT_NOT_READY || q == FP4RT_SUCCESS);
  CHECK_OK(fp4rtEventSynchronize(stop));
  CHECK(fp4rtEventQuery(stop) == FP4RT_SUCCESS);
  CHECK(fp4rtStreamQuery(s2) == FP4RT_SUCCESS);
  float ms = 0;
  CHECK_OK(fp4rtEventElapsedMs(start, stop, &ms));
  std::printf("    spin + 2 dependent kernels on 2 streams: %.2f ms\n", ms);
  CHECK(ms > 0.5f);
  CHECK_FAILS(fp4rtEventElapsedMs(start, done, &ms), FP4RT_ERROR_CUDA,
              "enable_timing");
  std::vector<float> h(n);
  CHECK_OK(fp4rtBufferDownload(x, 0, h.data(), n * 4, nullptr));
  int bad = 0;
  for (float v : h)
    bad += v != 2.0f;
  CHECK_MSG(bad == 0, std::to_string(bad) + " elements not 2");
  // Wrapping: the native handle of s1, and the legacy stream.
  void *native = nullptr;
  CHECK_OK(fp4rtStreamGetNative(s1, &native));
  fp4rtStream w = nullptr, legacy = nullptr;
  CHECK_OK(fp4rtStreamWrap(env.ctx, native, &w));
  CHECK_OK(fp4rtStreamWrap(env.ctx, nullptr, &legacy));
  CHECK_OK(fp4rtStreamSynchronize(w));
  CHECK_OK(fp4rtStreamDestroy(w)); // does not destroy s1
  CHECK_OK(fp4rtStreamSynchronize(s1));
  CHECK_OK(fp4rtStreamSynchronize(legacy));
}

TEST(graph_capture_and_replay, true) {
  Env env;
  fp4rtStream s = env.stream();
  const int n = 10000;
  fp4rtBuffer x = env.alloc(n * 4), y = env.alloc(n * 4);
  CHECK_OK(fp4rtBufferMemset(x, 0, 0, n * 4, nullptr));
  uint64_t px = devPtr(x);
  void *params[] = {&px, (void *)&n};
  fp4rtLaunchConfig c = config1d((n + 255) / 256, 256, s);
  // Capture: x += 1, then copy x to y (a kernel node and a memcpy node).
  REQUIRE_OK(fp4rtStreamBeginCapture(s, FP4RT_CAPTURE_THREAD_LOCAL));
  CHECK_OK(fp4rtLaunch(env.kernel("add_one"), &c, params));
  CHECK_OK(fp4rtBufferCopy(y, 0, x, 0, n * 4, s));
  fp4rtGraph g = nullptr;
  REQUIRE_OK(fp4rtStreamEndCapture(s, &g));
  size_t nodes = 0;
  CHECK_OK(fp4rtGraphNodeCount(g, &nodes));
  CHECK(nodes == 2);
  // Capturing records, it does not run.
  std::vector<float> h(n);
  CHECK_OK(fp4rtBufferDownload(x, 0, h.data(), n * 4, nullptr));
  CHECK(h[0] == 0.0f);
  CHECK_OK(fp4rtGraphReplay(g, s, 100));
  CHECK_OK(fp4rtStreamSynchronize(s));
  CHECK_OK(fp4rtBufferDownload(y, 0, h.data(), n * 4, nullptr));
  int bad = 0;
  for (float v : h)
    bad += v != 100.0f;
  CHECK_MSG(bad == 0, std::to_string(bad) + " elements are not 100 after 100 replays");
  CHECK_OK(fp4rtGraphLaunch(g, s));
  CHECK_OK(fp4rtStreamSynchronize(s));
  CHECK_OK(fp4rtBufferDownload(x, 0, h.data(), 4, nullptr));
  CHECK(h[0] == 101.0f);
  CHECK_OK(fp4rtGraphDestroy(g));
  // Misuse is reported.
  CHECK(fp4rtStreamEndCapture(s, &g) != FP4RT_SUCCESS);
  CHECK(contains(fp4rtGetLastError(), "cuStreamEndCapture"));
  std::printf("    end capture without begin: %s\n", fp4rtGetLastError());
  fp4rtStream legacy = nullptr;
  CHECK_OK(fp4rtStreamWrap(env.ctx, nullptr, &legacy));
  CHECK_FAILS(fp4rtStreamBeginCapture(legacy, FP4RT_CAPTURE_THREAD_LOCAL),
              FP4RT_ERROR_INVALID_ARGUMENT, "legacy");
  // Synchronizing a stream during its capture fails and invalidates the
  // capture: EndCapture says so.
  REQUIRE_OK(fp4rtStreamBeginCapture(s, FP4RT_CAPTURE_THREAD_LOCAL));
  CHECK_OK(fp4rtLaunch(env.kernel("add_one"), &c, params));
  fp4rtStatus bad1 = fp4rtStreamSynchronize(s);
  CHECK(bad1 != FP4RT_SUCCESS);
  std::printf("    sync during capture: %s\n", fp4rtGetLastError());
  fp4rtStatus endStatus = fp4rtStreamEndCapture(s, &g);
  CHECK(endStatus != FP4RT_SUCCESS);
  std::printf("    end capture: %s\n", fp4rtGetLastError());
  CHECK(g == nullptr);
  // The stream still works afterwards.
  CHECK_OK(fp4rtLaunch(env.kernel("add_one"), &c, params));
  CHECK_OK(fp4rtStreamSynchronize(s));
}

TEST(context_destroy_releases_everything, true) {
  fp4rtContext ctx;
  REQUIRE_OK(fp4rtContextCreate(0, &ctx));
  fp4rtModule m;
  fp4rtBuffer b;
  fp4rtStream s;
  fp4rtEvent e;
  fp4rtKernel k;
  REQUIRE_OK(fp4rtModuleLoadFile(ctx, FP4RT_TEST_FATBIN, &m));
  REQUIRE_OK(fp4rtModuleGetKernel(m, "add_one", &k));
  REQUIRE_OK(fp4rtBufferAlloc(ctx, 1 << 20, &b));
  REQUIRE_OK(fp4rtStreamCreate(ctx, &s));
  REQUIRE_OK(fp4rtEventCreate(ctx, 0, &e));
  CHECK_OK(fp4rtContextDestroy(ctx));
  size_t bytes;
  CHECK_FAILS(fp4rtBufferSize(b, &bytes), FP4RT_ERROR_INVALID_HANDLE, "fp4rtBuffer");
  CHECK_FAILS(fp4rtStreamSynchronize(s), FP4RT_ERROR_INVALID_HANDLE, "fp4rtStream");
  CHECK_FAILS(fp4rtEventRecord(e, nullptr), FP4RT_ERROR_INVALID_HANDLE, "fp4rtEvent");
  CHECK_FAILS(fp4rtLaunch(k, nullptr, nullptr), FP4RT_ERROR_INVALID_HANDLE, "fp4rtKernel");
  CHECK_FAILS(fp4rtContextDestroy(ctx), FP4RT_ERROR_INVALID_HANDLE, "fp4rtContext");
}

//===----------------------------------------------------------------------===//
// The mgpu ABI, called directly the way generated host code calls it
//===----------------------------------------------------------------------===//

TEST(mgpu_abi_launch_copy_events, true) {
  std::vector<char> fat = readFile(FP4RT_TEST_FATBIN);
  mgpuSetDefaultDevice(0);
  void *mod = mgpuModuleLoad(fat.data(), int64_t(fat.size()));
  REQUIRE(mod != nullptr);
  void *saxpy = mgpuModuleGetFunction(mod, "saxpy");
  REQUIRE(saxpy != nullptr);
  const int n = 3000;
  std::vector<float> x = randomFloats(n, 4), y = randomFloats(n, 5), out(n);
  void *s1 = mgpuStreamCreate(), *s2 = mgpuStreamCreate();
  REQUIRE(s1 && s2 && s1 != s2);
  void *dx = mgpuMemAlloc(n * 4, s1, 0); // stream-ordered
  void *dy = mgpuMemAlloc(n * 4, nullptr, 0);
  REQUIRE(dx && dy);
  mgpuMemcpy(dx, x.data(), n * 4, s1);
  mgpuMemcpy(dy, y.data(), n * 4, s2);
  void *ev = mgpuEventCreate();
  mgpuEventRecord(ev, s2);
  mgpuStreamWaitEvent(s1, ev);
  float a = -0.75f;
  int nn = n;
  void *params[] = {&nn, &a, &dx, &dy};
  mgpuLaunchKernel(saxpy, (n + 127) / 128, 1, 1, 128, 1, 1, 0, s1, params,
                   nullptr, 4);
  mgpuMemcpy(out.data(), dy, n * 4, s1);
  mgpuStreamSynchronize(s1);
  mgpuEventSynchronize(ev);
  int bad = 0;
  for (int i = 0; i < n; ++i)
    bad += out[i] != std::fma(a, x[i], y[i]) && out[i] != a * x[i] + y[i];
  CHECK_MSG(bad == 0, std::to_string(bad) + " wrong");
  // memset16/32
  mgpuMemset32(dy, 0x3f800000u, n, s1); // 1.0f
  mgpuMemset16(dx, 0xABCD, 4, s1);
  mgpuMemcpy(out.data(), dy, n * 4, s1);
  uint16_t h16[4];
  mgpuMemcpy(h16, dx, 8, s1);
  mgpuStreamSynchronize(s1);
  CHECK(out[0] == 1.0f && out[n - 1] == 1.0f);
  CHECK(h16[0] == 0xABCD && h16[3] == 0xABCD);
  mgpuMemFree(dx, s1);
  mgpuMemFree(dy, nullptr);
  mgpuEventDestroy(ev);
  mgpuStreamDestroy(s1);
  mgpuStreamDestroy(s2);
  mgpuModuleUnload(mod);
  CHECK_OK(fp4rtCheckMgpuErrors());
}

TEST(mgpu_abi_jit_managed_hostregister_cluster, true) {
  // PTX through mgpuModuleLoadJIT (NUL-terminated, as MLIR embeds it).
  std::vector<char> ptx = readFile(FP4RT_TEST_PTX);
  ptx.push_back('\0');
  void *mod = mgpuModuleLoadJIT(ptx.data(), 3);
  REQUIRE(mod != nullptr);
  void *addOne = mgpuModuleGetFunction(mod, "add_one");
  void *rank = mgpuModuleGetFunction(mod, "cluster_rank");
  REQUIRE(addOne && rank);
  // host_shared = managed memory: written by the host, updated by a kernel.
  const int n = 1000;
  float *m = static_cast<float *>(mgpuMemAlloc(n * 4, nullptr, 1));
  REQUIRE(m != nullptr);
  for (int i = 0; i < n; ++i)
    m[i] = float(i);
  void *s = mgpuStreamCreate();
  int nn = n;
  void *params[] = {&m, &nn};
  mgpuLaunchKernel(addOne, (n + 255) / 256, 1, 1, 256, 1, 1, 0, s, params,
                   nullptr, 2);
  mgpuStreamSynchronize(s);
  CHECK(m[0] == 1.0f && m[n - 1] == float(n));
  mgpuMemFree(m, s);
  // Host registration of a memref: {allocated, aligned, offset, size, stride}.
  std::vector<float> host(4096, 2.0f);
  int64_t desc[5] = {int64_t(uintptr_t(host.data())),
                     int64_t(uintptr_t(host.data())), 0, 4096, 1};
  mgpuMemHostRegisterMemRef(1, desc, 4);
  void *d = mgpuMemAlloc(4096 * 4, s, 0);
  mgpuMemcpy(d, host.data(), 4096 * 4, s); // from pinned memory
  mgpuMemset32(d, 0, 1, s);
  mgpuMemcpy(host.data(), d, 4096 * 4, s);
  mgpuStreamSynchronize(s);
  mgpuMemHostUnregisterMemRef(1, desc, 4);
  CHECK(host[0] == 0.0f && host[1] == 2.0f);
  // Cluster launch: 8 blocks in clusters of 2.
  unsigned *ranks = static_cast<unsigned *>(mgpuMemAlloc(8 * 4, nullptr, 1));
  void *rparams[] = {&ranks};
  mgpuLaunchClusterKernel(rank, 2, 1, 1, 8, 1, 1, 32, 1, 1, 0, s, rparams,
                          nullptr);
  mgpuStreamSynchronize(s);
  for (int i = 0; i < 8; ++i)
    CHECK(ranks[i] == unsigned(i % 2));
  mgpuMemFree(ranks, nullptr);
  mgpuMemFree(d, s);
  mgpuStreamDestroy(s);
  mgpuModuleUnload(mod);
  CHECK_OK(fp4rtCheckMgpuErrors());
}

TEST(mgpu_abi_tensor_map, true) {
  // A 256x128 f16 tensor, box 64 rows x 64 columns (128 bytes: swizzle_128b).
  void *d = mgpuMemAlloc(256 * 128 * 2, nullptr, 0);
  REQUIRE(d != nullptr);
  int64_t desc[7] = {int64_t(uintptr_t(d)), int64_t(uintptr_t(d)), 0,
                     256, 128, 128, 1};
  int64_t box[2] = {64, 64};
  const int64_t f16 = 6, swizzle128 = 3;
  void *map = mgpuTensorMapEncodeTiledMemref(2, desc, f16, 0, swizzle128, 0, 0, box);
  CHECK(map != nullptr);
  void *again = mgpuTensorMapEncodeTiledMemref(2, desc, f16, 0, swizzle128, 0, 0, box);
  CHECK(again == map); // cached: no per-call allocation
  int64_t box2[2] = {32, 64};
  void *other = mgpuTensorMapEncodeTiledMemref(2, desc, f16, 0, swizzle128, 0, 0, box2);
  CHECK(other != nullptr && other != map);
  CHECK_OK(fp4rtCheckMgpuErrors());
  // Rank 6 and an invalid box are reported, not crashes.
  CHECK(mgpuTensorMapEncodeTiledMemref(6, desc, f16, 0, 0, 0, 0, box) == nullptr);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_ARGUMENT, "rank 6");
  int64_t hugeBox[2] = {64, 4096};
  CHECK(mgpuTensorMapEncodeTiledMemref(2, desc, f16, 0, swizzle128, 0, 0, hugeBox) == nullptr);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_CUDA, "cuTensorMapEncodeTiled");
  mgpuMemFree(d, nullptr);
}

TEST(mgpu_abi_errors, true) {
  std::vector<char> fat = readFile(FP4RT_TEST_FATBIN);
  void *mod = mgpuModuleLoad(fat.data(), int64_t(fat.size()));
  REQUIRE(mod != nullptr);
  // Unknown kernel: null function, the name in the message.
  CHECK(mgpuModuleGetFunction(mod, "nope") == nullptr);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_NOT_FOUND, "kernel 'nope'");
  // A rejected launch names the kernel.
  void *saxpy = mgpuModuleGetFunction(mod, "saxpy");
  mgpuLaunchKernel(saxpy, 1, 1, 1, 4096, 1, 1, 0, nullptr, nullptr, nullptr, 4);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_LAUNCH, "kernel 'saxpy'");
  std::printf("    %s\n", fp4rtGetLastError());
  mgpuLaunchKernel(saxpy, -1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 4);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_ARGUMENT,
              "invalid launch dimensions");
  // Foreign handles are refused.
  int local = 0;
  mgpuMemFree(&local, nullptr);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_ARGUMENT,
              "not allocated by mgpuMemAlloc");
  mgpuStreamDestroy(&local);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_HANDLE,
              "mgpuStreamDestroy");
  mgpuEventRecord(&local, nullptr);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_HANDLE, "event");
  // A bad image: null module, and GetFunction on it explains why.
  const char junk[] = "garbage garbage garbage";
  CHECK(mgpuModuleLoad((void *)junk, sizeof junk) == nullptr);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_IMAGE, "mgpuModuleLoad");
  CHECK(mgpuModuleGetFunction(nullptr, "saxpy") == nullptr);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_STATE, "mgpuModuleLoad failed");
  // Only the first failure is kept until checked.
  mgpuStreamDestroy(&local);
  mgpuMemFree(&local, nullptr);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_HANDLE, "mgpuStreamDestroy");
  CHECK(fp4rtCheckMgpuErrors() == FP4RT_SUCCESS);
  mgpuModuleUnload(mod);
  mgpuModuleUnload(mod); // twice: reported, not a double unload
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_INVALID_HANDLE, "mgpuModuleUnload");
}

// What generated code does, written by hand: create a stream, allocate a
// temporary, launch, copy, free, synchronize, destroy.
static void fakeGeneratedStep(void *addOne, float *x, int n) {
  void *s = mgpuStreamCreate();
  float *tmp = static_cast<float *>(mgpuMemAlloc(n * 4, s, 0));
  mgpuMemcpy(tmp, x, n * 4, s);
  void *params[] = {&tmp, &n};
  mgpuLaunchKernel(addOne, (n + 255) / 256, 1, 1, 256, 1, 1, 0, s, params,
                   nullptr, 2);
  mgpuMemcpy(x, tmp, n * 4, s);
  mgpuMemFree(tmp, s);
  mgpuStreamSynchronize(s);
  mgpuStreamDestroy(s);
}

TEST(mgpu_abi_under_capture_and_binding, true) {
  Env env;
  std::vector<char> fat = readFile(FP4RT_TEST_FATBIN);
  void *mod = mgpuModuleLoad(fat.data(), int64_t(fat.size()));
  void *addOne = mgpuModuleGetFunction(mod, "add_one");
  REQUIRE(addOne != nullptr);
  const int n = 5000;
  fp4rtBuffer x = env.alloc(n * 4);
  CHECK_OK(fp4rtBufferMemset(x, 0, 0, n * 4, nullptr));
  float *px = reinterpret_cast<float *>(uintptr_t(devPtr(x)));
  fp4rtStream s = env.stream();
  // Capture the "generated" step: its stream is ours, its allocation is a
  // graph memory node, its synchronize and destroy are skipped.
  REQUIRE_OK(fp4rtStreamBeginCapture(s, FP4RT_CAPTURE_THREAD_LOCAL));
  fakeGeneratedStep(addOne, px, n);
  fp4rtGraph g = nullptr;
  REQUIRE_OK(fp4rtStreamEndCapture(s, &g));
  CHECK_OK(fp4rtCheckMgpuErrors());
  size_t nodes = 0;
  CHECK_OK(fp4rtGraphNodeCount(g, &nodes));
  std::printf("    captured generated-style step: %zu nodes\n", nodes);
  CHECK(nodes >= 5); // alloc, copy, kernel, copy, free
  CHECK_OK(fp4rtGraphReplay(g, s, 100));
  CHECK_OK(fp4rtStreamSynchronize(s));
  std::vector<float> h(n);
  CHECK_OK(fp4rtBufferDownload(x, 0, h.data(), n * 4, nullptr));
  CHECK(h[0] == 100.0f && h[n - 1] == 100.0f);
  // Bound asynchronously: the call enqueues on s and returns.
  REQUIRE_OK(fp4rtBindStream(s, FP4RT_BIND_ASYNC));
  CHECK(mgpuStreamCreate() == [&] {
    void *native = nullptr;
    fp4rtStreamGetNative(s, &native);
    return native;
  }());
  fakeGeneratedStep(addOne, px, n);
  CHECK_OK(fp4rtUnbindStream());
  CHECK_OK(fp4rtStreamSynchronize(s));
  CHECK_OK(fp4rtBufferDownload(x, 0, h.data(), 4, nullptr));
  CHECK(h[0] == 101.0f);
  // Unbound: fresh stream per call, synchronous.
  fakeGeneratedStep(addOne, px, n);
  CHECK_OK(fp4rtBufferDownload(x, 0, h.data(), 4, nullptr));
  CHECK(h[0] == 102.0f);
  CHECK_OK(fp4rtCheckMgpuErrors());
  CHECK_OK(fp4rtGraphDestroy(g));
  mgpuModuleUnload(mod);
}

TEST(mgpu_abi_bound_streams_keep_scratch_blocks, true) {
  // On a bound stream (the legacy one included) scratch blocks freed by a
  // call are handed to the next call's allocations of the same size class,
  // without a driver allocation; unbinding returns them to the driver.
  Env env;
  std::vector<char> fat = readFile(FP4RT_TEST_FATBIN);
  void *mod = mgpuModuleLoad(fat.data(), int64_t(fat.size()));
  void *addOne = mgpuModuleGetFunction(mod, "add_one");
  REQUIRE(addOne != nullptr);
  const int n = 4096;
  fp4rtBuffer x = env.alloc(n * 4);
  CHECK_OK(fp4rtBufferMemset(x, 0, 0, n * 4, nullptr));
  float *px = reinterpret_cast<float *>(uintptr_t(devPtr(x)));
  fp4rtStream legacy = nullptr;
  REQUIRE_OK(fp4rtStreamWrap(env.ctx, nullptr, &legacy));
  for (fp4rtStream s : {env.stream(), legacy}) {
    REQUIRE_OK(fp4rtBindStream(s, FP4RT_BIND_ASYNC));
    void *st = mgpuStreamCreate();
    void *a = mgpuMemAlloc(n * 4, st, 0);
    mgpuMemFree(a, st);
    void *b = mgpuMemAlloc(n * 4 - 100, st, 0); // same block, smaller ask
    void *c = mgpuMemAlloc(n * 4, st, 0);       // a new one
    CHECK(a != nullptr && b == a && c != a);
    mgpuMemFree(b, st);
    mgpuMemFree(c, st);
    void *d = mgpuMemAlloc(n, st, 0); // 4x smaller: not from the cache
    CHECK(d != nullptr && d != a);
    mgpuMemFree(d, st);
    for (int i = 0; i < 10; ++i)
      fakeGeneratedStep(addOne, px, n); // reuses the blocks, in order
    CHECK_OK(fp4rtUnbindStream());
    CHECK_OK(fp4rtStreamSynchronize(s));
  }
  std::vector<float> h(n);
  CHECK_OK(fp4rtBufferDownload(x, 0, h.data(), n * 4, nullptr));
  CHECK(h[0] == 20.0f && h[n - 1] == 20.0f);
  CHECK_OK(fp4rtCheckMgpuErrors());
  CHECK_OK(fp4rtStreamDestroy(legacy));
  mgpuModuleUnload(mod);
}

TEST(mgpu_abi_threads_bind_their_own_streams, true) {
  // Bindings are per thread: four threads run "generated" steps, each on its
  // own bound stream, concurrently, on their own buffers.
  Env env;
  std::vector<char> fat = readFile(FP4RT_TEST_FATBIN);
  void *mod = mgpuModuleLoad(fat.data(), int64_t(fat.size()));
  void *addOne = mgpuModuleGetFunction(mod, "add_one");
  REQUIRE(addOne != nullptr);
  const int n = 4096, threads = 4, steps = 50;
  std::vector<fp4rtBuffer> bufs;
  std::vector<fp4rtStream> streams;
  for (int t = 0; t < threads; ++t) {
    bufs.push_back(env.alloc(n * 4));
    CHECK_OK(fp4rtBufferMemset(bufs.back(), 0, 0, n * 4, nullptr));
    streams.push_back(env.stream());
  }
  std::vector<int> errors(threads, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      float *px = reinterpret_cast<float *>(uintptr_t(devPtr(bufs[t])));
      if (fp4rtBindStream(streams[t], FP4RT_BIND_ASYNC) != FP4RT_SUCCESS) {
        errors[t] = 1;
        return;
      }
      for (int i = 0; i < steps; ++i)
        fakeGeneratedStep(addOne, px, n);
      errors[t] += fp4rtUnbindStream() != FP4RT_SUCCESS;
      errors[t] += fp4rtCheckMgpuErrors() != FP4RT_SUCCESS;
      errors[t] += fp4rtStreamSynchronize(streams[t]) != FP4RT_SUCCESS;
    });
  for (auto &th : pool)
    th.join();
  for (int t = 0; t < threads; ++t) {
    CHECK_MSG(errors[t] == 0, "thread " + std::to_string(t));
    float first = 0, last = 0;
    CHECK_OK(fp4rtBufferDownload(bufs[t], 0, &first, 4, nullptr));
    CHECK_OK(fp4rtBufferDownload(bufs[t], (n - 1) * 4, &last, 4, nullptr));
    CHECK(first == float(steps) && last == float(steps));
  }
  mgpuModuleUnload(mod);
}

//===----------------------------------------------------------------------===//
// Programs (compiled graphs with resident state)
//===----------------------------------------------------------------------===//

namespace {
void *gAxpyKernel = nullptr;

struct Desc1 {
  float *allocated, *aligned;
  int64_t offset, size, stride;
};
struct Desc0 {
  float *allocated, *aligned;
  int64_t offset;
};

// A hand-written entry point in the C-interface convention of a compiled
// training step (every argument a memref descriptor): w = w + 0.5 * g with
// resident weights w and a per-step input g.
extern "C" void fake_ciface_step(Desc1 *w, Desc1 *g) {
  void *s = mgpuStreamCreate();
  int n = int(w->size);
  float a = 0.5f;
  float *gp = g->aligned + g->offset, *wp = w->aligned + w->offset;
  void *params[] = {&n, &a, &gp, &wp};
  mgpuLaunchKernel(gAxpyKernel, (n + 255) / 256, 1, 1, 256, 1, 1, 0, s, params,
                   nullptr, 4);
  mgpuStreamSynchronize(s);
  mgpuStreamDestroy(s);
}
Desc1 gSeen;
int gCalls = 0;
// Records the descriptor it is called with (result struct first).
extern "C" void record_ciface(int64_t *result, Desc1 *a) {
  gSeen = *a;
  ++gCalls;
  result[0] = 42;
}
} // namespace

TEST(program_descriptor_layout, true) {
  Env env;
  fp4rtProgram p = nullptr;
  REQUIRE_OK(fp4rtProgramCreateFromPointer(env.ctx, (void *)&record_ciface,
                                           "record", 1, 16, &p));
  fp4rtBuffer b = env.alloc(4096);
  const int64_t size = 100, stride = 3;
  CHECK_OK(fp4rtProgramSetArg(p, 0, b, 4, 10, 1, &size, &stride));
  CHECK_OK(fp4rtProgramRun(p, nullptr));
  uint64_t base = devPtr(b);
  CHECK(gCalls == 1);
  CHECK(uint64_t(uintptr_t(gSeen.allocated)) == base);
  CHECK(uint64_t(uintptr_t(gSeen.aligned)) == base + 40); // offset applied
  CHECK(gSeen.offset == 0 && gSeen.size == 100 && gSeen.stride == 3);
  void *res = nullptr;
  CHECK_OK(fp4rtProgramResult(p, &res));
  CHECK(res && static_cast<int64_t *>(res)[0] == 42);
  // 10 + 99 * 3 + 1 = 308 elements: fits 4096 bytes; 1100 does not.
  const int64_t tooMany = 400;
  CHECK_FAILS(fp4rtProgramSetArg(p, 0, b, 4, 10, 1, &tooMany, &stride),
              FP4RT_ERROR_INVALID_ARGUMENT, "the view needs 4832 bytes");
}

TEST(program_resident_state_and_graph, true) {
  Env env;
  std::vector<char> fat = readFile(FP4RT_TEST_FATBIN);
  void *mod = mgpuModuleLoad(fat.data(), int64_t(fat.size()));
  gAxpyKernel = mgpuModuleGetFunction(mod, "saxpy");
  REQUIRE(gAxpyKernel != nullptr);
  fp4rtProgram p = nullptr;
  REQUIRE_OK(fp4rtProgramCreateFromPointer(env.ctx, (void *)&fake_ciface_step,
                                           "fake_step", 2, 0, &p));
  const int64_t n = 1000;
  CHECK_FAILS(fp4rtProgramRun(p, nullptr), FP4RT_ERROR_INVALID_STATE,
              "argument 0 of program 'fake_step' is not bound");
  fp4rtBuffer w = nullptr;
  REQUIRE_OK(fp4rtProgramAllocArg(p, 0, 4, 1, &n, &w)); // resident weights
  CHECK_OK(fp4rtBufferMemset(w, 0, 0, n * 4, nullptr));
  CHECK_FAILS(fp4rtBufferFree(w), FP4RT_ERROR_INVALID_STATE, "owned by a program");
  fp4rtBuffer batch = env.alloc(n * 4); // the per-step input, fixed address
  CHECK_OK(fp4rtProgramSetArg(p, 1, batch, 4, 0, 1, &n, nullptr));
  // View checks.
  const int64_t tooBig = n + 1, neg = -1, two = 2;
  CHECK_FAILS(fp4rtProgramSetArg(p, 1, batch, 4, 0, 1, &tooBig, nullptr),
              FP4RT_ERROR_INVALID_ARGUMENT, "the view needs 4004 bytes");
  CHECK_FAILS(fp4rtProgramSetArg(p, 1, batch, 4, 0, 1, &neg, nullptr),
              FP4RT_ERROR_INVALID_ARGUMENT, "negative size");
  CHECK_FAILS(fp4rtProgramSetArg(p, 1, batch, 4, 0, 1, &n, &two),
              FP4RT_ERROR_INVALID_ARGUMENT, "the view needs");
  CHECK_FAILS(fp4rtProgramSetArg(p, 2, batch, 4, 0, 1, &n, nullptr),
              FP4RT_ERROR_INVALID_ARGUMENT, "argument index 2");
  fp4rtStream s = env.stream();
  // 3 eager steps with different batches, then capture, then 100 replays.
  std::vector<float> g(n), h(n);
  float expect = 0;
  for (int step = 1; step <= 3; ++step) {
    std::fill(g.begin(), g.end(), float(step));
    CHECK_OK(fp4rtBufferUpload(batch, 0, g.data(), n * 4, s));
    CHECK_OK(fp4rtProgramRun(p, s));
    expect += 0.5f * step;
  }
  REQUIRE_OK(fp4rtProgramCapture(p, s));
  int has = 0;
  CHECK_OK(fp4rtProgramHasGraph(p, &has));
  CHECK(has == 1);
  for (int step = 0; step < 100; ++step) {
    float v = float(step % 4);
    std::fill(g.begin(), g.end(), v);
    CHECK_OK(fp4rtBufferUpload(batch, 0, g.data(), n * 4, s));
    CHECK_OK(fp4rtProgramRun(p, s)); // replays the graph
    CHECK_OK(fp4rtStreamSynchronize(s)); // g is reused on the host
    expect += 0.5f * v;
  }
  CHECK_OK(fp4rtBufferDownload(w, 0, h.data(), n * 4, nullptr));
  CHECK_MSG(h[0] == expect && h[n - 1] == expect,
            std::to_string(h[0]) + " != " + std::to_string(expect));
  // Rebinding to another address drops the graph.
  fp4rtBuffer batch2 = env.alloc(n * 4);
  CHECK_OK(fp4rtProgramSetArg(p, 1, batch2, 4, 0, 1, &n, nullptr));
  CHECK_OK(fp4rtProgramHasGraph(p, &has));
  CHECK(has == 0);
  fp4rtBuffer got = nullptr;
  CHECK_OK(fp4rtProgramGetArg(p, 1, &got));
  CHECK(got == batch2);
  void *res = nullptr;
  CHECK_FAILS(fp4rtProgramResult(p, &res), FP4RT_ERROR_INVALID_STATE, "without a result");
  CHECK_OK(fp4rtProgramDestroy(p));
  size_t bytes;
  CHECK_FAILS(fp4rtBufferSize(w, &bytes), FP4RT_ERROR_INVALID_HANDLE, "fp4rtBuffer");
  CHECK_OK(fp4rtBufferSize(batch, &bytes)); // not the program's
  // Errors of the generated code come back from Run.
  REQUIRE_OK(fp4rtProgramCreateFromPointer(env.ctx, (void *)&fake_ciface_step,
                                           "fake_step", 2, 0, &p));
  const int64_t big = 1 << 20;
  fp4rtBuffer bigw = nullptr;
  CHECK_OK(fp4rtProgramAllocArg(p, 0, 4, 1, &big, &bigw));
  CHECK_OK(fp4rtProgramAllocArg(p, 1, 4, 1, &big, nullptr));
  void *saved = gAxpyKernel;
  gAxpyKernel = nullptr; // as if mgpuModuleGetFunction had failed
  CHECK_FAILS(fp4rtProgramRun(p, s), FP4RT_ERROR_INVALID_HANDLE,
              "program 'fake_step': mgpuLaunchKernel");
  gAxpyKernel = saved;
  CHECK_OK(fp4rtProgramRun(p, s));
  CHECK_OK(fp4rtStreamSynchronize(s));
  // Programs from a shared library: a missing one is an I/O error.
  fp4rtProgram q = nullptr;
  CHECK_FAILS(fp4rtProgramCreate(env.ctx, "/nonexistent/libstep.so", "step", 1,
                                 0, &q),
              FP4RT_ERROR_IO, "/nonexistent/libstep.so");
  CHECK_FAILS(fp4rtProgramCreate(env.ctx, nullptr, "no_such_step", 1, 0, &q),
              FP4RT_ERROR_NOT_FOUND, "_mlir_ciface_no_such_step");
  mgpuModuleUnload(mod);
}

//===----------------------------------------------------------------------===//
// Faults: each kills the CUDA context, so each runs alone (--only NAME)
//===----------------------------------------------------------------------===//

static void oobLaunch(Env &env, fp4rtStatus *launchStatus, fp4rtStatus *syncStatus) {
  fp4rtBuffer x = env.alloc(256);
  uint64_t px = devPtr(x);
  long long offset = 1LL << 40; // 4 TiB past the buffer
  void *params[] = {&px, &offset};
  fp4rtLaunchConfig c = config1d(1, 32);
  *launchStatus = fp4rtLaunch(env.kernel("oob_write"), &c, params);
  *syncStatus = *launchStatus ? *launchStatus : fp4rtContextSynchronize(env.ctx);
}

// FP4RT_SYNC=1: the launch itself reports the fault with the kernel's name.
TEST_ONLY(fault_sync_mode) {
  Env env;
  fp4rtSetSyncMode(1);
  fp4rtStatus launch, sync;
  oobLaunch(env, &launch, &sync);
  std::string msg = fp4rtGetLastError();
  std::printf("    %s\n", msg.c_str());
  CHECK(launch == FP4RT_ERROR_LAUNCH);
  CHECK(contains(msg, "kernel 'oob_write'"));
  CHECK(contains(msg, FP4RT_TEST_FATBIN));
  CHECK(contains(msg, "CUDA_ERROR_ILLEGAL_ADDRESS"));
  CHECK(contains(msg, "restart the process"));
}

// Without sync mode the fault surfaces at the next synchronization; the
// message names the most recently launched kernel.
TEST_ONLY(fault_async) {
  Env env;
  fp4rtSetSyncMode(0);
  fp4rtStatus launch, sync;
  oobLaunch(env, &launch, &sync);
  std::string msg = fp4rtGetLastError();
  std::printf("    %s\n", msg.c_str());
  CHECK(launch == FP4RT_SUCCESS);
  CHECK(sync == FP4RT_ERROR_LAUNCH);
  CHECK(contains(msg, "cuCtxSynchronize"));
  CHECK(contains(msg, "most recently launched: kernel 'oob_write'"));
  CHECK(contains(msg, "FP4RT_SYNC=1"));
}

// The same through the mgpu ABI in sync mode.
TEST_ONLY(fault_mgpu_sync_mode) {
  fp4rtSetSyncMode(1);
  std::vector<char> fat = readFile(FP4RT_TEST_FATBIN);
  void *mod = mgpuModuleLoad(fat.data(), int64_t(fat.size()));
  void *oob = mgpuModuleGetFunction(mod, "oob_write");
  REQUIRE(oob != nullptr);
  void *x = mgpuMemAlloc(256, nullptr, 0);
  long long offset = 1LL << 40;
  void *params[] = {&x, &offset};
  void *s = mgpuStreamCreate();
  mgpuLaunchKernel(oob, 1, 1, 1, 32, 1, 1, 0, s, params, nullptr, 2);
  CHECK_FAILS(fp4rtCheckMgpuErrors(), FP4RT_ERROR_LAUNCH,
              "mgpuLaunchKernel: kernel 'oob_write'");
  std::printf("    %s\n", fp4rtGetLastError());
}

int main(int argc, char **argv) {
  // The mgpu tests provoke failures on purpose: keep stderr readable.
  setenv("FP4RT_QUIET", "1", 0);
  return fp4rt::test::main(argc, argv);
}
