//===- Program.cpp - compiled graphs with resident state ------------------===//
//
// A program calls one `_mlir_ciface_NAME` entry point of generated host code.
// Every argument is a pointer (to a memref descriptor, and to the result
// struct first when there is one), so one call thunk per arity covers every
// entry point: thunk<N>(fn, args) calls fn(args[0], ..., args[N-1]) with the
// exact C signature void(void*, ..., void*).
//
//===----------------------------------------------------------------------===//

#include "Objects.h"

#include <array>
#include <cstring>
#include <dlfcn.h>
#include <utility>

using namespace fp4rt;

namespace {

using Thunk = void (*)(void *fn, void **args);

template <size_t I> using VoidPtr = void *;

template <size_t... I>
void callWith(void *fn, void **args, std::index_sequence<I...>) {
  using F = void (*)(VoidPtr<I>...);
  reinterpret_cast<F>(fn)(args[I]...);
  (void)args;
}

template <size_t N> void thunk(void *fn, void **args) {
  callWith(fn, args, std::make_index_sequence<N>{});
}

template <size_t... N>
constexpr std::array<Thunk, sizeof...(N)> makeThunks(std::index_sequence<N...>) {
  return {{&thunk<N>...}};
}

// Arities 0 .. MAX_ARGS + 1 (the result pointer).
constexpr auto kThunks =
    makeThunks(std::make_index_sequence<FP4RT_MAX_PROGRAM_ARGS + 2>{});

#define CHECK_ARG(cond, msg)                                                   \
  if (!(cond))                                                                 \
    return fail(FP4RT_ERROR_INVALID_ARGUMENT, msg);

#define CHECK_PROGRAM(var, h)                                                  \
  Program *var = checked<Program>(h, Kind::Program, "program");                \
  if (!var)                                                                    \
    return FP4RT_ERROR_INVALID_HANDLE;

std::string argName(const Program *p, int i) {
  return "argument " + std::to_string(i) + " of program '" + p->name + "'";
}

void dropGraph(const Driver &d, Program *p) {
  if (p->exec)
    d.cuGraphExecDestroy(p->exec);
  if (p->graph)
    d.cuGraphDestroy(p->graph);
  p->exec = nullptr;
  p->graph = nullptr;
}

fp4rtStatus create(Context *ctx, void *library, void *fn, const std::string &name,
                   int numArgs, size_t resultBytes, fp4rtProgram *out) {
  auto p = std::make_unique<Program>(ctx);
  p->name = name;
  p->library = library;
  p->fn = fn;
  p->args.resize(size_t(numArgs));
  p->result.assign(resultBytes, 0);
  *out = reinterpret_cast<fp4rtProgram>(adopt(std::move(p)));
  return FP4RT_SUCCESS;
}

/// The CUstream of a stream handle (NULL = legacy stream).
bool programStream(Program *p, fp4rtStream h, CUstream *out) {
  *out = nullptr;
  if (!h)
    return true;
  Stream *s = checked<Stream>(h, Kind::Stream, "stream");
  if (!s)
    return false;
  if (s->ctx->dev != p->ctx->dev) {
    fail(FP4RT_ERROR_INVALID_ARGUMENT,
         "stream and program are on different devices");
    return false;
  }
  *out = s->stream;
  return true;
}

fp4rtStatus checkBound(const Program *p) {
  for (size_t i = 0; i < p->args.size(); ++i)
    if (!p->args[i].bound)
      return fail(FP4RT_ERROR_INVALID_STATE,
                  argName(p, int(i)) +
                      " is not bound (fp4rtProgramSetArg / AllocArg)");
  return FP4RT_SUCCESS;
}

/// Calls the entry point once on this thread with mgpu bound to `stream`.
/// Returns the first mgpu failure of the call.
fp4rtStatus callOnce(Program *p, CUstream stream) {
  std::array<void *, FP4RT_MAX_PROGRAM_ARGS + 1> ptrs{};
  size_t n = 0;
  if (!p->result.empty()) {
    std::memset(p->result.data(), 0, p->result.size());
    ptrs[n++] = p->result.data();
  }
  for (ProgramArg &a : p->args)
    ptrs[n++] = a.descriptor.data();
  ThreadState &t = thread();
  t.bindings.push_back(Binding{p->ctx->dev, stream, /*async=*/true});
  kThunks[n](p->fn, ptrs.data());
  t.bindings.pop_back();
  releaseStreamCache(stream);
  fp4rtStatus s = fp4rtCheckMgpuErrors();
  if (s != FP4RT_SUCCESS)
    t.lastError = "program '" + p->name + "': " + t.lastError;
  return s;
}

} // namespace

void fp4rt::Program::release(const Driver &d) {
  dropGraph(d, this);
  // Buffers allocated by fp4rtProgramAllocArg (the context may have
  // destroyed some already, in reverse creation order).
  for (ProgramArg &a : args)
    if (a.ownedByProgram && a.buffer && isLive(a.buffer, Kind::Buffer))
      destroyObject(d, a.buffer);
  args.clear();
  if (library)
    dlclose(library);
  library = nullptr;
}

extern "C" {

fp4rtStatus fp4rtProgramCreate(fp4rtContext h, const char *library,
                               const char *function, int numArgs,
                               size_t resultBytes, fp4rtProgram *out) {
  CHECK_ARG(out, "program is NULL");
  *out = nullptr;
  Context *ctx = checked<Context>(h, Kind::Context, "ctx");
  if (!ctx)
    return FP4RT_ERROR_INVALID_HANDLE;
  CHECK_ARG(function && *function, "function name is NULL or empty");
  CHECK_ARG(numArgs >= 0 && numArgs <= FP4RT_MAX_PROGRAM_ARGS,
            "num_args " + std::to_string(numArgs) + " is not in [0, " +
                std::to_string(FP4RT_MAX_PROGRAM_ARGS) + "]");
  std::string sym = function;
  if (sym.rfind("_mlir_ciface_", 0) != 0)
    sym = "_mlir_ciface_" + sym;
  // Loading runs the library's global constructors, which load its GPU
  // modules through mgpuModuleLoad: make the context current for them and
  // surface their failures (e.g. no code for this GPU) here.
  CtxGuard guard(drv(), ctx->dev->ctx);
  fp4rtCheckMgpuErrors(); // start clean
  void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *err = dlerror();
    return fail(FP4RT_ERROR_IO, std::string("cannot load '") +
                                    (library ? library : "<process>") +
                                    "': " + (err ? err : "dlopen failed"));
  }
  if (fp4rtStatus s = fp4rtCheckMgpuErrors()) {
    thread().lastError = std::string("loading '") +
                         (library ? library : "<process>") +
                         "': " + thread().lastError;
    dlclose(lib);
    return s;
  }
  dlerror();
  void *fn = dlsym(lib, sym.c_str());
  if (!fn) {
    dlclose(lib);
    return fail(FP4RT_ERROR_NOT_FOUND,
                "no symbol " + sym + " in '" +
                    (library ? library : "<process>") +
                    "' (was the function compiled with llvm.emit_c_interface?)");
  }
  return create(ctx, library ? lib : nullptr, fn, function, numArgs,
                resultBytes, out);
}

fp4rtStatus fp4rtProgramCreateFromPointer(fp4rtContext h, void *fn,
                                          const char *name, int numArgs,
                                          size_t resultBytes,
                                          fp4rtProgram *out) {
  CHECK_ARG(out, "program is NULL");
  *out = nullptr;
  Context *ctx = checked<Context>(h, Kind::Context, "ctx");
  if (!ctx)
    return FP4RT_ERROR_INVALID_HANDLE;
  CHECK_ARG(fn, "function pointer is NULL");
  CHECK_ARG(numArgs >= 0 && numArgs <= FP4RT_MAX_PROGRAM_ARGS,
            "num_args " + std::to_string(numArgs) + " is not in [0, " +
                std::to_string(FP4RT_MAX_PROGRAM_ARGS) + "]");
  return create(ctx, nullptr, fn, name && *name ? name : "<function>",
                numArgs, resultBytes, out);
}

fp4rtStatus fp4rtProgramDestroy(fp4rtProgram h) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_PROGRAM(p, h);
  const Driver &d = drv();
  CtxGuard guard(d, p->ctx->dev->ctx);
  destroyObject(d, p);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtProgramSetArg(fp4rtProgram h, int index, fp4rtBuffer bh,
                               size_t elemBytes, int64_t offset, int rank,
                               const int64_t *sizes, const int64_t *strides) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  CHECK_PROGRAM(p, h);
  CHECK_ARG(index >= 0 && size_t(index) < p->args.size(),
            "argument index " + std::to_string(index) + " is not in [0, " +
                std::to_string(p->args.size()) + ")");
  Buffer *b = checked<Buffer>(bh, Kind::Buffer, "buffer");
  if (!b)
    return FP4RT_ERROR_INVALID_HANDLE;
  const std::string what = argName(p, index);
  CHECK_ARG(b->ctx->dev == p->ctx->dev,
            what + ": the buffer is on another device");
  CHECK_ARG(elemBytes > 0, what + ": element size is 0");
  CHECK_ARG(rank >= 0 && rank <= FP4RT_MAX_RANK,
            what + ": rank " + std::to_string(rank) + " is not in [0, " +
                std::to_string(FP4RT_MAX_RANK) + "]");
  CHECK_ARG(rank == 0 || sizes, what + ": sizes is NULL");
  CHECK_ARG(offset >= 0, what + ": negative offset");

  std::vector<int64_t> sz(sizes, sizes + rank);
  std::vector<int64_t> st(static_cast<size_t>(rank));
  int64_t running = 1;
  bool empty = false;
  for (int i = rank - 1; i >= 0; --i) {
    CHECK_ARG(sz[i] >= 0, what + ": negative size in dimension " +
                              std::to_string(i));
    empty = empty || sz[i] == 0;
    st[i] = strides ? strides[i] : running;
    CHECK_ARG(st[i] >= 0, what + ": negative stride in dimension " +
                              std::to_string(i));
    if (__builtin_mul_overflow(running, sz[i] ? sz[i] : 1, &running))
      return fail(FP4RT_ERROR_INVALID_ARGUMENT, what + ": shape overflows");
  }
  // The view must lie inside the buffer: last element index + 1.
  if (!empty) {
    int64_t last = offset, t;
    for (int i = 0; i < rank; ++i) {
      if (__builtin_mul_overflow(sz[i] - 1, st[i], &t) ||
          __builtin_add_overflow(last, t, &last))
        return fail(FP4RT_ERROR_INVALID_ARGUMENT, what + ": view overflows");
    }
    uint64_t endBytes;
    if (__builtin_mul_overflow(uint64_t(last) + 1, uint64_t(elemBytes),
                               &endBytes) ||
        endBytes > b->bytes)
      return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                  what + ": the view needs " + std::to_string(endBytes) +
                      " bytes but the buffer has " + std::to_string(b->bytes));
  }

  ProgramArg &a = p->args[size_t(index)];
  std::vector<int64_t> desc;
  desc.reserve(3 + 2 * size_t(rank));
  // The view starts at the aligned pointer and the offset field is 0: code
  // compiled for identity-layout memrefs (memref<?xf32>) has a static offset
  // of 0 and never reads the field. Same meaning for dynamic-offset layouts.
  desc.push_back(int64_t(b->ptr));                             // allocated
  desc.push_back(int64_t(b->ptr + uint64_t(offset) * elemBytes)); // aligned
  desc.push_back(0);                                           // offset
  desc.insert(desc.end(), sz.begin(), sz.end());
  desc.insert(desc.end(), st.begin(), st.end());
  if (p->exec && desc != a.descriptor)
    dropGraph(drv(), p); // the graph has the old addresses/shape baked in
  // Replacing a program-owned buffer frees it.
  if (a.ownedByProgram && a.buffer && a.buffer != b &&
      isLive(a.buffer, Kind::Buffer)) {
    const Driver &d = drv();
    CtxGuard guard(d, p->ctx->dev->ctx);
    destroyObject(d, a.buffer);
  }
  a.bound = true;
  a.buffer = b;
  a.ownedByProgram = b->owner == p;
  a.elemBytes = elemBytes;
  a.rank = rank;
  a.offset = offset;
  a.sizes = std::move(sz);
  a.strides = std::move(st);
  a.descriptor = std::move(desc);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtProgramAllocArg(fp4rtProgram h, int index, size_t elemBytes,
                                 int rank, const int64_t *sizes,
                                 fp4rtBuffer *out) {
  std::lock_guard<std::recursive_mutex> lock(objectMutex());
  if (out)
    *out = nullptr;
  CHECK_PROGRAM(p, h);
  CHECK_ARG(index >= 0 && size_t(index) < p->args.size(),
            "argument index " + std::to_string(index) + " is not in [0, " +
                std::to_string(p->args.size()) + ")");
  CHECK_ARG(rank >= 0 && rank <= FP4RT_MAX_RANK,
            argName(p, index) + ": rank " + std::to_string(rank) +
                " is not in [0, " + std::to_string(FP4RT_MAX_RANK) + "]");
  CHECK_ARG(rank == 0 || sizes, argName(p, index) + ": sizes is NULL");
  CHECK_ARG(elemBytes > 0, argName(p, index) + ": element size is 0");
  uint64_t bytes = elemBytes;
  for (int i = 0; i < rank; ++i) {
    CHECK_ARG(sizes[i] >= 0, argName(p, index) + ": negative size");
    if (__builtin_mul_overflow(bytes, uint64_t(sizes[i]), &bytes))
      return fail(FP4RT_ERROR_INVALID_ARGUMENT,
                  argName(p, index) + ": size overflows");
  }
  fp4rtBuffer bh = nullptr;
  if (fp4rtStatus s = fp4rtBufferAlloc(reinterpret_cast<fp4rtContext>(p->ctx),
                                       size_t(bytes), &bh))
    return s;
  Buffer *b = static_cast<Buffer *>(static_cast<void *>(bh));
  b->owner = p;
  if (fp4rtStatus s =
          fp4rtProgramSetArg(h, index, bh, elemBytes, 0, rank, sizes, nullptr)) {
    const Driver &d = drv();
    CtxGuard guard(d, p->ctx->dev->ctx);
    destroyObject(d, b);
    return s;
  }
  if (out)
    *out = bh;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtProgramGetArg(fp4rtProgram h, int index, fp4rtBuffer *out) {
  CHECK_ARG(out, "buffer is NULL");
  *out = nullptr;
  CHECK_PROGRAM(p, h);
  CHECK_ARG(index >= 0 && size_t(index) < p->args.size(),
            "argument index " + std::to_string(index) + " is out of range");
  if (!p->args[size_t(index)].bound)
    return fail(FP4RT_ERROR_INVALID_STATE, argName(p, index) + " is not bound");
  *out = reinterpret_cast<fp4rtBuffer>(p->args[size_t(index)].buffer);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtProgramRun(fp4rtProgram h, fp4rtStream sh) {
  CHECK_PROGRAM(p, h);
  CUstream stream;
  if (!programStream(p, sh, &stream))
    return FP4RT_ERROR_INVALID_HANDLE;
  if (fp4rtStatus s = checkBound(p))
    return s;
  const Driver &d = drv();
  CtxGuard guard(d, p->ctx->dev->ctx);
  if (p->exec) {
    if (CUresult r = d.cuGraphLaunch(p->exec, stream))
      return cudaFail(r, "cuGraphLaunch", "the graph of program '" + p->name + "'");
    if (syncMode() && !isCapturing(d, stream))
      if (CUresult r = d.cuStreamSynchronize(stream))
        return cudaFail(r, "cuStreamSynchronize (FP4RT_SYNC) after cuGraphLaunch",
                        "the graph of program '" + p->name + "'");
    return FP4RT_SUCCESS;
  }
  return callOnce(p, stream);
}

fp4rtStatus fp4rtProgramCapture(fp4rtProgram h, fp4rtStream sh) {
  CHECK_PROGRAM(p, h);
  CHECK_ARG(sh, "capture needs a stream (the legacy stream cannot be captured)");
  CUstream stream;
  if (!programStream(p, sh, &stream))
    return FP4RT_ERROR_INVALID_HANDLE;
  CHECK_ARG(stream, "capture needs a stream (the legacy stream cannot be captured)");
  if (fp4rtStatus s = checkBound(p))
    return s;
  const Driver &d = drv();
  CtxGuard guard(d, p->ctx->dev->ctx);
  if (CUresult r = d.cuStreamBeginCapture(stream,
                                          CU_STREAM_CAPTURE_MODE_THREAD_LOCAL))
    return cudaFail(r, "cuStreamBeginCapture");
  fp4rtStatus callStatus = callOnce(p, stream);
  std::string callError = callStatus ? thread().lastError : std::string();
  CUgraph graph = nullptr;
  CUresult r = d.cuStreamEndCapture(stream, &graph);
  if (callStatus != FP4RT_SUCCESS || r != CUDA_SUCCESS) {
    if (graph)
      d.cuGraphDestroy(graph);
    if (callStatus != FP4RT_SUCCESS)
      return fail(callStatus, "capturing " + callError);
    return cudaFail(r, "cuStreamEndCapture",
                    "the capture of program '" + p->name + "'");
  }
  CUgraphExec exec = nullptr;
  if ((r = d.cuGraphInstantiate(&exec, graph, 0))) {
    d.cuGraphDestroy(graph);
    return cudaFail(r, "cuGraphInstantiate",
                    "the graph of program '" + p->name + "'");
  }
  dropGraph(d, p);
  p->graph = graph;
  p->exec = exec;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtProgramDropGraph(fp4rtProgram h) {
  CHECK_PROGRAM(p, h);
  const Driver &d = drv();
  CtxGuard guard(d, p->ctx->dev->ctx);
  dropGraph(d, p);
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtProgramHasGraph(fp4rtProgram h, int *has) {
  CHECK_PROGRAM(p, h);
  CHECK_ARG(has, "has is NULL");
  *has = p->exec ? 1 : 0;
  return FP4RT_SUCCESS;
}

fp4rtStatus fp4rtProgramResult(fp4rtProgram h, void **result) {
  CHECK_PROGRAM(p, h);
  CHECK_ARG(result, "result is NULL");
  *result = p->result.empty() ? nullptr : p->result.data();
  if (p->result.empty())
    return fail(FP4RT_ERROR_INVALID_STATE,
                "program '" + p->name + "' was created without a result struct");
  return FP4RT_SUCCESS;
}

} // extern "C"
