//===- Harness.h - a tiny test harness (no GoogleTest on the GPU machine) -===//
//
// TEST(name, needsGpu) { ... } registers a test; CHECK(cond) and
// CHECK_OK(fp4rt call) record failures and go on; REQUIRE_OK stops the test.
// main() is fp4rt::test::main(argc, argv): runs every test (or --only NAME),
// prints one line per test and a summary. Without a usable GPU the tests
// that need one print "SKIP: <reason>" and count as skipped, so the process
// exits 0 and CI stays green with a visible reason.
//
//===----------------------------------------------------------------------===//
#ifndef FP4RT_TESTS_HARNESS_H
#define FP4RT_TESTS_HARNESS_H

#include "fp4rt/fp4rt.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace fp4rt {
namespace test {

struct Case {
  const char *name;
  bool needsGpu;
  bool explicitOnly; // run only with --only (e.g. tests that kill the context)
  void (*fn)();
};

inline std::vector<Case> &registry() {
  static std::vector<Case> cases;
  return cases;
}

struct Register {
  Register(const char *name, bool gpu, bool explicitOnly, void (*fn)()) {
    registry().push_back({name, gpu, explicitOnly, fn});
  }
};

inline int &failures() {
  static int n = 0;
  return n;
}

struct Stop {}; // thrown by REQUIRE_*

inline void report(const char *file, int line, const std::string &what) {
  ++failures();
  std::printf("    %s:%d: FAILED: %s\n", file, line, what.c_str());
}

inline std::string statusText(fp4rtStatus s) {
  return std::string(fp4rtStatusString(s)) + " (" + fp4rtGetLastError() + ")";
}

/// True if `haystack` contains `needle`.
inline bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

inline int main(int argc, char **argv) {
  const char *only = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--only") && i + 1 < argc)
      only = argv[++i];
    else if (!std::strcmp(argv[i], "--list")) {
      for (auto &c : registry())
        std::printf("%s%s\n", c.name, c.explicitOnly ? " (--only)" : "");
      return 0;
    }
  }
  int count = 0;
  std::string why;
  bool gpu = fp4rtGetDeviceCount(&count) == FP4RT_SUCCESS && count > 0;
  if (!gpu)
    why = fp4rtGetLastError();
  if (!gpu)
    std::printf("no GPU: %s\n", why.c_str());
  int passed = 0, failed = 0, skipped = 0, ran = 0;
  for (auto &c : registry()) {
    if (only ? std::strcmp(only, c.name) != 0 : c.explicitOnly)
      continue;
    ++ran;
    if (c.needsGpu && !gpu) {
      std::printf("[ SKIP ] %s (no GPU)\n", c.name);
      ++skipped;
      continue;
    }
    std::printf("[ RUN  ] %s\n", c.name);
    std::fflush(stdout);
    int before = failures();
    fp4rtClearLastError();
    try {
      c.fn();
    } catch (Stop &) {
    }
    if (failures() == before) {
      std::printf("[   OK ] %s\n", c.name);
      ++passed;
    } else {
      std::printf("[ FAIL ] %s\n", c.name);
      ++failed;
    }
    std::fflush(stdout);
  }
  if (only && !ran) {
    std::printf("no test named '%s' (--list)\n", only);
    return 2;
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  // The line ctest's SKIP_REGULAR_EXPRESSION looks for: only when nothing
  // failed, so a skip never hides a failure.
  if (!gpu && skipped && !failed)
    std::printf("SKIP: %d GPU tests not run: %s\n", skipped, why.c_str());
  return failed ? 1 : 0;
}

} // namespace test
} // namespace fp4rt

#define TEST_IMPL(name, gpu, explicitOnly)                                     \
  static void test_##name();                                                   \
  static fp4rt::test::Register register_##name(#name, gpu, explicitOnly,       \
                                               &test_##name);                  \
  static void test_##name()

/// A test; `gpu` says whether it needs a device.
#define TEST(name, gpu) TEST_IMPL(name, gpu, false)
/// A test run only with --only (own process).
#define TEST_ONLY(name) TEST_IMPL(name, true, true)

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond))                                                               \
      fp4rt::test::report(__FILE__, __LINE__, #cond);                          \
  } while (0)

#define CHECK_MSG(cond, msg)                                                   \
  do {                                                                         \
    if (!(cond))                                                               \
      fp4rt::test::report(__FILE__, __LINE__,                                  \
                          std::string(#cond) + ": " + (msg));                  \
  } while (0)

#define CHECK_OK(expr)                                                         \
  do {                                                                         \
    fp4rtStatus s_ = (expr);                                                   \
    if (s_ != FP4RT_SUCCESS)                                                   \
      fp4rt::test::report(__FILE__, __LINE__,                                  \
                          std::string(#expr) + " -> " +                        \
                              fp4rt::test::statusText(s_));                    \
  } while (0)

#define REQUIRE_OK(expr)                                                       \
  do {                                                                         \
    fp4rtStatus s_ = (expr);                                                   \
    if (s_ != FP4RT_SUCCESS) {                                                 \
      fp4rt::test::report(__FILE__, __LINE__,                                  \
                          std::string(#expr) + " -> " +                        \
                              fp4rt::test::statusText(s_));                    \
      throw fp4rt::test::Stop();                                               \
    }                                                                          \
  } while (0)

#define REQUIRE(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fp4rt::test::report(__FILE__, __LINE__, #cond);                          \
      throw fp4rt::test::Stop();                                               \
    }                                                                          \
  } while (0)

/// Checks that `expr` fails with `status` and a message containing `needle`.
#define CHECK_FAILS(expr, status, needle)                                      \
  do {                                                                         \
    fp4rtStatus s_ = (expr);                                                   \
    std::string m_ = fp4rtGetLastError();                                      \
    if (s_ != (status) || !fp4rt::test::contains(m_, needle))                  \
      fp4rt::test::report(__FILE__, __LINE__,                                  \
                          std::string(#expr) + " -> " +                        \
                              fp4rtStatusString(s_) + " '" + m_ +              \
                              "', expected " + fp4rtStatusString(status) +     \
                              " containing '" + (needle) + "'");               \
  } while (0)

#endif // FP4RT_TESTS_HARNESS_H
