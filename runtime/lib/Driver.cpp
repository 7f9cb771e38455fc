//===- Driver.cpp - loading the CUDA driver -------------------------------===//

#include "Driver.h"

#include <cstdlib>
#include <mutex>

#ifndef FP4RT_LINK_DRIVER
#include <dlfcn.h>
#endif

namespace fp4rt {

#define FP4RT_STR_(x) #x
#define FP4RT_STR(x) FP4RT_STR_(x) // expands the cuda.h macro first

namespace {

struct LoadedDriver {
  Driver table;
  bool ok = false;
  std::string why;
};

std::string resultName(const Driver &d, CUresult r) {
  const char *name = nullptr, *text = nullptr;
  if (d.cuGetErrorName)
    d.cuGetErrorName(r, &name);
  if (d.cuGetErrorString)
    d.cuGetErrorString(r, &text);
  std::string s = name ? name : ("CUresult " + std::to_string(int(r)));
  if (text)
    s += std::string(" (") + text + ")";
  return s;
}

LoadedDriver *load() {
  auto *ld = new LoadedDriver; // process lifetime: never freed
  Driver &d = ld->table;
#ifdef FP4RT_LINK_DRIVER
#define FP4RT_DRIVER_BIND(name) d.name = &::name;
  FP4RT_DRIVER_FUNCTIONS(FP4RT_DRIVER_BIND)
#undef FP4RT_DRIVER_BIND
#else
  const char *path = std::getenv("FP4RT_LIBCUDA");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *err = dlerror();
    ld->why = std::string("no NVIDIA driver: cannot load ") + path + " (" +
              (err ? err : "dlopen failed") + ")";
    return ld;
  }
  std::string missing;
#define FP4RT_DRIVER_BIND(name)                                                \
  d.name = reinterpret_cast<decltype(d.name)>(dlsym(lib, FP4RT_STR(name)));    \
  if (!d.name)                                                                 \
    missing += std::string(missing.empty() ? "" : ", ") + FP4RT_STR(name);
  FP4RT_DRIVER_FUNCTIONS(FP4RT_DRIVER_BIND)
#undef FP4RT_DRIVER_BIND
  if (!missing.empty()) {
    ld->why = std::string("the NVIDIA driver in ") + path +
              " is too old: it lacks " + missing;
    return ld;
  }
#endif
  CUresult r = d.cuInit(0);
  if (r != CUDA_SUCCESS) {
    ld->why = "cuInit failed: " + resultName(d, r);
    return ld;
  }
  int count = 0;
  r = d.cuDeviceGetCount(&count);
  if (r != CUDA_SUCCESS || count == 0) {
    ld->why = r != CUDA_SUCCESS ? "cuDeviceGetCount failed: " + resultName(d, r)
                                : std::string("no CUDA device");
    return ld;
  }
  ld->ok = true;
  return ld;
}

LoadedDriver &loaded() {
  static LoadedDriver *ld = load(); // thread-safe static init
  return *ld;
}

} // namespace

const Driver *getDriver(std::string *why) {
  LoadedDriver &ld = loaded();
  if (!ld.ok) {
    if (why)
      *why = ld.why;
    return nullptr;
  }
  return &ld.table;
}

std::string describeResult(CUresult r) {
  return resultName(loaded().table, r);
}

} // namespace fp4rt
