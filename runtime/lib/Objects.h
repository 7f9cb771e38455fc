//===- Objects.h - the objects behind the C API handles ---------*- C++ -*-===//
//
// Every C handle is a pointer to one of these objects. A global table holds
// the live ones with their kind, so each API call checks its handles before
// touching them: a destroyed, foreign or garbage handle is reported as
// FP4RT_ERROR_INVALID_HANDLE instead of being dereferenced.
//
// Ownership: a Context owns every object created from it (in creation order;
// destroyed in reverse). A Module owns its Kernels. A Program owns the
// buffers it allocated (fp4rtProgramAllocArg).
//
//===----------------------------------------------------------------------===//
#ifndef FP4RT_LIB_OBJECTS_H
#define FP4RT_LIB_OBJECTS_H

#include "Runtime.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fp4rt {

enum class Kind { Context, Module, Kernel, Buffer, Stream, Event, Graph, Program };
const char *kindName(Kind k);

struct Context;

/// Base of everything a context owns.
struct Object {
  explicit Object(Kind k, Context *c) : kind(k), ctx(c) {}
  virtual ~Object() = default;
  /// Releases the CUDA resources (called with the context current).
  virtual void release(const Driver &d) = 0;
  const Kind kind;
  Context *const ctx;
  /// Set when the object is owned by another object (a program's buffers)
  /// and must not be destroyed directly.
  Object *owner = nullptr;
};

struct Context {
  Device *dev = nullptr;
  std::vector<Object *> children; // owned, creation order
};

struct Kernel {
  struct Module *module = nullptr;
  CUfunction fn = nullptr;
  KernelInfo info;
};

struct Module final : Object {
  explicit Module(Context *c) : Object(Kind::Module, c) {}
  void release(const Driver &d) override;
  CUmodule mod = nullptr;
  fp4rtImageFormat format = FP4RT_IMAGE_UNKNOWN;
  std::string label;
  std::map<std::string, std::unique_ptr<Kernel>> kernels;
};

struct Buffer final : Object {
  explicit Buffer(Context *c) : Object(Kind::Buffer, c) {}
  void release(const Driver &d) override;
  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  bool owned = true;
};

struct Stream final : Object {
  explicit Stream(Context *c) : Object(Kind::Stream, c) {}
  void release(const Driver &d) override;
  CUstream stream = nullptr;
  bool owned = true;
};

struct Event final : Object {
  explicit Event(Context *c) : Object(Kind::Event, c) {}
  void release(const Driver &d) override;
  CUevent event = nullptr;
};

struct Graph final : Object {
  explicit Graph(Context *c) : Object(Kind::Graph, c) {}
  void release(const Driver &d) override;
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
  size_t nodes = 0;
};

/// One argument of a program: a memref descriptor over a buffer.
struct ProgramArg {
  bool bound = false;
  Buffer *buffer = nullptr;
  bool ownedByProgram = false;
  size_t elemBytes = 0;
  int rank = 0;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
  /// {allocated, aligned, offset, sizes..., strides...} as 8-byte words,
  /// the layout of a ranked memref descriptor on 64-bit targets.
  std::vector<int64_t> descriptor;
};

struct Program final : Object {
  explicit Program(Context *c) : Object(Kind::Program, c) {}
  void release(const Driver &d) override;
  std::string name;
  void *library = nullptr; // dlopen handle, or nullptr
  void *fn = nullptr;      // _mlir_ciface_...
  std::vector<ProgramArg> args;
  std::vector<unsigned char> result; // empty: no result struct
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
};

//===----------------------------------------------------------------------===//
// Handle table
//===----------------------------------------------------------------------===//

/// The global lock for the object graph and handle table.
std::recursive_mutex &objectMutex();

void registerHandle(void *h, Kind k);
void unregisterHandle(void *h);
/// True if `h` is a live handle of kind `k`. Call with objectMutex held.
bool isLive(const void *h, Kind k);

/// Checks a handle and returns the object, or nullptr with an
/// FP4RT_ERROR_INVALID_HANDLE recorded (`what` names the argument).
template <typename T> T *checked(const void *h, Kind k, const char *what) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  if (!h) {
    fail(FP4RT_ERROR_INVALID_HANDLE, std::string(what) + " is NULL");
    return nullptr;
  }
  if (!isLive(h, k)) {
    fail(FP4RT_ERROR_INVALID_HANDLE,
         std::string(what) + " is not a live " + kindName(k) +
             " handle (destroyed, or never created)");
    return nullptr;
  }
  return static_cast<T *>(const_cast<void *>(h));
}

/// Adds `obj` to its context and the handle table (takes ownership).
template <typename T> T *adopt(std::unique_ptr<T> obj) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  T *raw = obj.release();
  raw->ctx->children.push_back(raw);
  registerHandle(raw, raw->kind);
  return raw;
}

/// Releases and deletes `obj` (and forgets it); the context must be current.
void destroyObject(const Driver &d, Object *obj);

/// The driver (always loaded once a context exists).
const Driver &drv();

} // namespace fp4rt

#endif // FP4RT_LIB_OBJECTS_H
