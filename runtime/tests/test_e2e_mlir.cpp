//===- test_e2e_mlir.cpp - MLIR-generated host code, linked with fp4rt ----===//
//
// Linked with e2e.o and e2e_jit.o: host objects that MLIR 22 generated from
// runtime/tests/mlir/{e2e,jit}.mlir (scripts/gpu/build_mlir_objects.sh), with
// their GPU code embedded (fatbin for sm_90a, resp. PTX). Their global
// constructors loaded those modules through mgpuModuleLoad(JIT) before main.
// The tests call the C-interface entry points with device memory owned by
// the runtime and check the results on the host.
//
//===----------------------------------------------------------------------===//

#include "Harness.h"
#include "fp4rt/mgpu.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using fp4rt::test::contains;

namespace {

// Ranked memref descriptors as the C interface passes them.
template <typename T, int Rank> struct MemRef {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};
template <typename T> struct MemRef0 {
  T *allocated;
  T *aligned;
  int64_t offset;
};

using F1 = MemRef<float, 1>;

template <typename T> F1 vec(T *p, int64_t n) {
  return F1{reinterpret_cast<float *>(p), reinterpret_cast<float *>(p), 0, {n}, {1}};
}

} // namespace

extern "C" {
void _mlir_ciface_saxpy(F1 *x, F1 *y, float a);
void _mlir_ciface_saxpy_host(F1 *x, F1 *y, float a);
void _mlir_ciface_sgd_step(F1 *w, F1 *m, MemRef<float, 2> *x, F1 *y,
                           MemRef0<float> *lr);
void _mlir_ciface_make_filled(F1 *result, int64_t n, float v);
void _mlir_ciface_free_buffer(F1 *b);
void _mlir_ciface_cluster_ranks(MemRef<int32_t, 1> *out);
void _mlir_ciface_scale_jit(F1 *x, float a);
}

namespace {

struct Env {
  fp4rtContext ctx = nullptr;
  Env() { REQUIRE_OK(fp4rtContextCreate(0, &ctx)); }
  ~Env() {
    if (ctx)
      fp4rtContextDestroy(ctx);
  }
  fp4rtBuffer alloc(size_t bytes) {
    fp4rtBuffer b = nullptr;
    REQUIRE_OK(fp4rtBufferAlloc(ctx, bytes, &b));
    return b;
  }
};

float *devPtr(fp4rtBuffer b) {
  uint64_t p = 0;
  fp4rtBufferDevicePtr(b, &p);
  return reinterpret_cast<float *>(uintptr_t(p));
}

std::vector<float> randomFloats(size_t n, unsigned seed, float lo = -2,
                                float hi = 2) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v)
    x = d(rng);
  return v;
}

bool saxpyOk(float got, float a, float x, float y) {
  return got == std::fma(a, x, y) || got == a * x + y;
}

} // namespace

TEST(generated_modules_loaded, true) {
  // The constructors ran before main: anything they recorded shows here.
  CHECK_OK(fp4rtCheckMgpuErrors());
}

TEST(saxpy_on_runtime_buffers, true) {
  Env env;
  const int64_t n = 100003; // not a multiple of the block size
  std::vector<float> x = randomFloats(n, 1), y = randomFloats(n, 2), out(n);
  fp4rtBuffer bx = env.alloc(n * 4), by = env.alloc(n * 4);
  CHECK_OK(fp4rtBufferUpload(bx, 0, x.data(), n * 4, nullptr));
  CHECK_OK(fp4rtBufferUpload(by, 0, y.data(), n * 4, nullptr));
  F1 dx = vec(devPtr(bx), n), dy = vec(devPtr(by), n);
  _mlir_ciface_saxpy(&dx, &dy, 3.0f);
  CHECK_OK(fp4rtCheckMgpuErrors());
  CHECK_OK(fp4rtBufferDownload(by, 0, out.data(), n * 4, nullptr));
  int bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += !saxpyOk(out[i], 3.0f, x[i], y[i]);
  CHECK_MSG(bad == 0, std::to_string(bad) + " wrong elements");
  // A view of elements [1000, 2000): memref<?xf32> has the identity layout,
  // whose offset is statically 0, so the generated code ignores the offset
  // field; a view moves the aligned pointer instead.
  CHECK_OK(fp4rtBufferUpload(by, 0, y.data(), n * 4, nullptr));
  F1 vx{devPtr(bx), devPtr(bx) + 1000, 0, {1000}, {1}};
  F1 vy{devPtr(by), devPtr(by) + 1000, 0, {1000}, {1}};
  _mlir_ciface_saxpy(&vx, &vy, -1.0f);
  CHECK_OK(fp4rtBufferDownload(by, 0, out.data(), n * 4, nullptr));
  bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += (i >= 1000 && i < 2000) ? !saxpyOk(out[i], -1.0f, x[i], y[i])
                                   : out[i] != y[i];
  CHECK_MSG(bad == 0, std::to_string(bad) + " wrong elements in the view test");
}

TEST(saxpy_on_host_memrefs_with_events, true) {
  const int64_t n = 5000;
  std::vector<float> x = randomFloats(n, 3), y = randomFloats(n, 4), y0 = y;
  F1 hx = vec(x.data(), n), hy = vec(y.data(), n);
  _mlir_ciface_saxpy_host(&hx, &hy, 0.25f);
  CHECK_OK(fp4rtCheckMgpuErrors());
  int bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += !saxpyOk(y[i], 0.25f, x[i], y0[i]);
  CHECK_MSG(bad == 0, std::to_string(bad) + " wrong elements");
}

TEST(result_struct_and_host_shared, true) {
  F1 r;
  std::memset(&r, 0, sizeof r);
  _mlir_ciface_make_filled(&r, 1000, 2.5f); // result pointer comes first
  CHECK_OK(fp4rtCheckMgpuErrors());
  REQUIRE(r.aligned != nullptr);
  CHECK(r.sizes[0] == 1000 && r.strides[0] == 1 && r.offset == 0);
  int bad = 0;
  for (int i = 0; i < 1000; ++i)
    bad += r.aligned[i] != 2.5f; // managed memory: readable on the host
  CHECK(bad == 0);
  _mlir_ciface_free_buffer(&r);
  CHECK_OK(fp4rtCheckMgpuErrors());
}

TEST(cluster_launch_from_mlir, true) {
  Env env;
  const int64_t n = 16;
  fp4rtBuffer b = env.alloc(n * 4);
  CHECK_OK(fp4rtBufferMemset(b, 0, 0xff, n * 4, nullptr));
  MemRef<int32_t, 1> out{reinterpret_cast<int32_t *>(devPtr(b)),
                         reinterpret_cast<int32_t *>(devPtr(b)), 0, {n}, {1}};
  _mlir_ciface_cluster_ranks(&out);
  CHECK_OK(fp4rtCheckMgpuErrors());
  int32_t h[n];
  CHECK_OK(fp4rtBufferDownload(b, 0, h, sizeof h, nullptr));
  for (int i = 0; i < n; ++i)
    CHECK_MSG(h[i] == i % 2, std::to_string(i) + ": " + std::to_string(h[i]));
}

TEST(ptx_jit_module, true) {
  Env env;
  const int64_t n = 777;
  std::vector<float> x = randomFloats(n, 5), out(n);
  fp4rtBuffer b = env.alloc(n * 4);
  CHECK_OK(fp4rtBufferUpload(b, 0, x.data(), n * 4, nullptr));
  F1 d = vec(devPtr(b), n);
  _mlir_ciface_scale_jit(&d, -2.0f);
  CHECK_OK(fp4rtCheckMgpuErrors());
  CHECK_OK(fp4rtBufferDownload(b, 0, out.data(), n * 4, nullptr));
  int bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += out[i] != -2.0f * x[i];
  CHECK(bad == 0);
}

namespace {

/// CPU reference of sgd_step (same summation order; the GPU may fuse
/// multiply-adds, hence a tolerance in the comparison).
void sgdReference(std::vector<float> &w, std::vector<float> &m,
                  const std::vector<float> &x, const std::vector<float> &y,
                  float lr, int B, int D) {
  std::vector<float> r(B);
  for (int b = 0; b < B; ++b) {
    float acc = 0;
    for (int d = 0; d < D; ++d)
      acc += x[b * D + d] * w[d];
    r[b] = acc - y[b];
  }
  float scale = 2.0f / float(B);
  for (int d = 0; d < D; ++d) {
    float acc = 0;
    for (int b = 0; b < B; ++b)
      acc += r[b] * x[b * D + d];
    m[d] = 0.9f * m[d] + acc * scale;
    w[d] = w[d] - lr * m[d];
  }
}

double maxRelError(const std::vector<float> &got, const std::vector<float> &ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    num = std::max(num, std::fabs(double(got[i]) - ref[i]));
    den = std::max(den, std::fabs(double(ref[i])));
  }
  return num / (den > 0 ? den : 1);
}

} // namespace

// The shape of a training loop on a compiled graph: resident weights and
// optimizer state, the batch uploaded into fixed buffers each step, the
// learning rate a device scalar; eager steps, then one capture and replays.
TEST(training_step_program_eager_then_graph, true) {
  Env env;
  const int B = 64, D = 96, eagerSteps = 5, graphSteps = 200;
  fp4rtProgram p = nullptr;
  REQUIRE_OK(fp4rtProgramCreateFromPointer(env.ctx, (void *)&_mlir_ciface_sgd_step,
                                           "sgd_step", 5, 0, &p));
  const int64_t dShape[1] = {D}, xShape[2] = {B, D}, yShape[1] = {B};
  fp4rtBuffer w, m, x, y, lr;
  REQUIRE_OK(fp4rtProgramAllocArg(p, 0, 4, 1, dShape, &w));
  REQUIRE_OK(fp4rtProgramAllocArg(p, 1, 4, 1, dShape, &m));
  REQUIRE_OK(fp4rtProgramAllocArg(p, 2, 4, 2, xShape, &x));
  REQUIRE_OK(fp4rtProgramAllocArg(p, 3, 4, 1, yShape, &y));
  REQUIRE_OK(fp4rtProgramAllocArg(p, 4, 4, 0, nullptr, &lr));
  std::vector<float> hw = randomFloats(D, 10, -0.1f, 0.1f), hm(D, 0.0f);
  CHECK_OK(fp4rtBufferUpload(w, 0, hw.data(), D * 4, nullptr));
  CHECK_OK(fp4rtBufferMemset(m, 0, 0, D * 4, nullptr));
  // A fixed linear target, batches drawn per step.
  std::vector<float> target = randomFloats(D, 11);
  auto batch = [&](int step, std::vector<float> &bx, std::vector<float> &by) {
    bx = randomFloats(size_t(B) * D, 1000 + step, -1, 1);
    by.assign(B, 0.0f);
    for (int b = 0; b < B; ++b)
      for (int d = 0; d < D; ++d)
        by[b] += bx[b * D + d] * target[d];
  };
  fp4rtStream s;
  REQUIRE_OK(fp4rtStreamCreate(env.ctx, &s));
  std::vector<std::vector<float>> bxs(eagerSteps + graphSteps),
      bys(eagerSteps + graphSteps);
  for (int i = 0; i < eagerSteps + graphSteps; ++i)
    batch(i, bxs[i], bys[i]);
  auto lrAt = [](int step) { return step < 100 ? 0.05f : 0.02f; };

  auto runSteps = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      float l = lrAt(i);
      CHECK_OK(fp4rtBufferUpload(x, 0, bxs[i].data(), size_t(B) * D * 4, s));
      CHECK_OK(fp4rtBufferUpload(y, 0, bys[i].data(), size_t(B) * 4, s));
      CHECK_OK(fp4rtBufferUpload(lr, 0, &l, 4, s));
      CHECK_OK(fp4rtProgramRun(p, s));
      sgdReference(hw, hm, bxs[i], bys[i], l, B, D);
    }
  };
  runSteps(0, eagerSteps);
  CHECK_OK(fp4rtStreamSynchronize(s));
  std::vector<float> got(D);
  CHECK_OK(fp4rtBufferDownload(w, 0, got.data(), D * 4, nullptr));
  double errEager = maxRelError(got, hw);
  std::printf("    after %d eager steps: max rel error vs CPU %.2e\n",
              eagerSteps, errEager);
  CHECK(errEager < 1e-4);

  REQUIRE_OK(fp4rtProgramCapture(p, s)); // records, does not run
  int has = 0;
  CHECK_OK(fp4rtProgramHasGraph(p, &has));
  CHECK(has == 1);
  fp4rtEvent e0, e1;
  REQUIRE_OK(fp4rtEventCreate(env.ctx, 1, &e0));
  REQUIRE_OK(fp4rtEventCreate(env.ctx, 1, &e1));
  CHECK_OK(fp4rtEventRecord(e0, s));
  runSteps(eagerSteps, eagerSteps + graphSteps);
  CHECK_OK(fp4rtEventRecord(e1, s));
  CHECK_OK(fp4rtStreamSynchronize(s));
  float ms = 0;
  CHECK_OK(fp4rtEventElapsedMs(e0, e1, &ms));
  CHECK_OK(fp4rtBufferDownload(w, 0, got.data(), D * 4, nullptr));
  std::vector<float> gotM(D);
  CHECK_OK(fp4rtBufferDownload(m, 0, gotM.data(), D * 4, nullptr));
  double errW = maxRelError(got, hw), errM = maxRelError(gotM, hm);
  double dist = 0;
  for (int d = 0; d < D; ++d)
    dist = std::max(dist, double(std::fabs(got[d] - target[d])));
  std::printf("    after %d graph replays (%.1f us/step incl. uploads): max rel "
              "error w %.2e, m %.2e; max |w - target| %.3g\n",
              graphSteps, 1000.0 * ms / graphSteps, errW, errM, dist);
  CHECK(errW < 1e-3 && errM < 1e-3);
  CHECK(dist < 0.1); // it trained

  // Eager timing of the same step for comparison (no uploads).
  CHECK_OK(fp4rtProgramDropGraph(p));
  CHECK_OK(fp4rtEventRecord(e0, s));
  for (int i = 0; i < 100; ++i)
    CHECK_OK(fp4rtProgramRun(p, s));
  CHECK_OK(fp4rtEventRecord(e1, s));
  CHECK_OK(fp4rtStreamSynchronize(s));
  CHECK_OK(fp4rtEventElapsedMs(e0, e1, &ms));
  float eagerUs = 10.0f * ms;
  REQUIRE_OK(fp4rtProgramCapture(p, s));
  CHECK_OK(fp4rtEventRecord(e0, s));
  for (int i = 0; i < 100; ++i)
    CHECK_OK(fp4rtProgramRun(p, s));
  CHECK_OK(fp4rtEventRecord(e1, s));
  CHECK_OK(fp4rtStreamSynchronize(s));
  CHECK_OK(fp4rtEventElapsedMs(e0, e1, &ms));
  std::printf("    step time: eager %.1f us, graph replay %.1f us\n", eagerUs,
              10.0f * ms);
  CHECK_OK(fp4rtProgramDestroy(p));
}

// The same entry point from the shared library build of the objects.
TEST(program_from_shared_library, true) {
  Env env;
  fp4rtProgram p = nullptr;
  REQUIRE_OK(fp4rtProgramCreate(env.ctx, FP4RT_E2E_LIBRARY, "sgd_step", 5, 0, &p));
  const int64_t one[1] = {1}, x2[2] = {1, 1};
  fp4rtBuffer w, m, x, y, lr;
  REQUIRE_OK(fp4rtProgramAllocArg(p, 0, 4, 1, one, &w));
  REQUIRE_OK(fp4rtProgramAllocArg(p, 1, 4, 1, one, &m));
  REQUIRE_OK(fp4rtProgramAllocArg(p, 2, 4, 2, x2, &x));
  REQUIRE_OK(fp4rtProgramAllocArg(p, 3, 4, 1, one, &y));
  REQUIRE_OK(fp4rtProgramAllocArg(p, 4, 4, 0, nullptr, &lr));
  // w=1, m=0, x=2, y=1, lr=0.5: r = 1; g = 2*1*2 = 4; m = 4; w = 1 - 2 = -1.
  float vw = 1, vx = 2, vy = 1, vlr = 0.5f;
  CHECK_OK(fp4rtBufferUpload(w, 0, &vw, 4, nullptr));
  CHECK_OK(fp4rtBufferMemset(m, 0, 0, 4, nullptr));
  CHECK_OK(fp4rtBufferUpload(x, 0, &vx, 4, nullptr));
  CHECK_OK(fp4rtBufferUpload(y, 0, &vy, 4, nullptr));
  CHECK_OK(fp4rtBufferUpload(lr, 0, &vlr, 4, nullptr));
  CHECK_OK(fp4rtProgramRun(p, nullptr));
  CHECK_OK(fp4rtContextSynchronize(env.ctx));
  float rw = 0, rm = 0;
  CHECK_OK(fp4rtBufferDownload(w, 0, &rw, 4, nullptr));
  CHECK_OK(fp4rtBufferDownload(m, 0, &rm, 4, nullptr));
  CHECK_MSG(rw == -1.0f && rm == 4.0f,
            "w " + std::to_string(rw) + ", m " + std::to_string(rm));
  fp4rtProgram q = nullptr;
  CHECK_FAILS(fp4rtProgramCreate(env.ctx, FP4RT_E2E_LIBRARY, "not_there", 1, 0, &q),
              FP4RT_ERROR_NOT_FOUND, "llvm.emit_c_interface");
}

int main(int argc, char **argv) { return fp4rt::test::main(argc, argv); }
