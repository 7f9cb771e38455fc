//===- fp4-ref.cpp - Command-line driver of the fp4 numerics core ---------===//
//
// A thin CLI over FP4Numerics (SPEC section 2) that reads and writes raw
// little-endian files, so that tests in any language (the Python oracle,
// the lit tests) can compare against the reference implementation. Run
// `fp4-ref --help` for the interface.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Numerics/Numerics.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace fp4::num;

static const char *const kHelp =
    R"(fp4-ref - reference implementation of the fp4 numerics (SPEC section 2)

USAGE: fp4-ref <command> [--option value]...

All files are raw little-endian arrays without a header. Tensors are
row-major `rows x cols`; blocks run along cols. Numbers given on the command
line are C literals: --amax/--alpha accept anything strtof accepts (decimal,
hex float such as 0x1.8p+3, inf, nan) and --seed a u64 (decimal or 0x...).

COMMANDS

  quantize --format nvfp4|mxfp4 [--rule R] [--metric M] [--block B]
           --rows R --cols C [--amax A] [--seed S] --in X.f32 --out PREFIX
      SPEC 2.1 / 2.2 quantization. Writes PREFIX.values (rows*cols/2 bytes,
      element 2j in the low nibble of byte j), PREFIX.scales (one byte per
      block, row-major: E4M3 for nvfp4, E8M0 for mxfp4) and PREFIX.alpha
      (one f32; 1.0 for mxfp4). --amax is the explicit amax operand (nvfp4
      only); --seed selects stochastic rounding (SPEC 2.4).

  scale-select --format F [--rule R] [--metric M] [--block B]
               --rows R --cols C [--amax A] --in X.f32 --out PREFIX
      The scales `quantize` would choose (fp4.scale_select): writes
      PREFIX.scales and PREFIX.alpha.

  quantize-with-scales --format F [--block B] --rows R --cols C
                       --scales S.u8 [--alpha A | --alpha-file A.f32]
                       [--seed S] --in X.f32 --out PREFIX
      fp4.quantize %x scales(...): encodes with the given scale bytes (and
      alpha, nvfp4 only; default 1.0), which are passed through. Writes
      PREFIX.values, PREFIX.scales and PREFIX.alpha.

  dequantize --format F [--block B] --rows R --cols C --in PREFIX --out Y.f32
      Reads PREFIX.values, PREFIX.scales and (nvfp4) PREFIX.alpha; writes
      rows*cols f32: nvfp4 (e2m1(q) * sf) * alpha, mxfp4 e2m1(q) * 2^(E-127).

  hadamard --size 16|32|64|128 [--signs S.i8] [--result f32|bf16|f16]
           --rows R --cols C --in X.f32 --out Y.f32
      SPEC 2.3 on every n-block of each row; --signs holds n int8 values
      (+1/-1, default all +1). The f32 result is rounded to --result (default
      f32) and written as f32.

  matmul --format F --m M --n N --k K [--block-a B] [--block-b B]
         --a PREFIX_A --b PREFIX_B --out C.f32
      SPEC 2.5: C[m,n] = sum_k deq(A)[m,k] * deq(B)[n,k] in f32, k ascending.
      A is M x K and B is N x K, both quantized (read as for dequantize).

  convert --to e2m1|e2m1-sr|e4m3|bf16|f16|mx-exponent [--seed S] [--rule R]
          --in X.f32 --out Y
  convert --from e2m1|e4m3|e8m0|bf16|f16 --in Y --out X.f32
      Element conversions. --to writes one u8 per element (e2m1 codes in the
      low nibble, e4m3 bytes, mx-exponent = the E8M0 exponent of |x| for a
      block maximum under --rule mx_ceil|mx_floor, 0xFF for a non-finite x)
      or one u16 (bf16, f16). e2m1-sr rounds stochastically with
      randomBits(--seed, element index). --from decodes u8 (u16 for bf16/f16)
      to f32.

  random-bits --seed S --count N [--start I] --out R.u32
      randomBits(S, I + j) for j < N, as u32.

OPTIONS
  --rule    static6 (nvfp4 default) | static4 | four_over_six |
            mx_ceil (mxfp4 default) | mx_floor
  --metric  mse (default) | mae | absmax; four_over_six only
  --block   1x16 (nvfp4 default) | 16x16 (nvfp4) | 1x32 (mxfp4 default)

Errors print a message to stderr and exit with status 1.
)";

//===----------------------------------------------------------------------===//
// Errors and arguments
//===----------------------------------------------------------------------===//

[[noreturn]] static void fail(const std::string &message) {
  std::cerr << "fp4-ref: error: " << message << "\n";
  std::exit(1);
}

namespace {

/// The `--key value` options of one command.
class Options {
public:
  Options(int argc, char **argv, const std::set<std::string> &allowed) {
    for (int i = 2; i < argc; ++i) {
      std::string key = argv[i];
      if (key.rfind("--", 0) != 0)
        fail("unexpected argument '" + key + "'");
      key = key.substr(2);
      if (!allowed.count(key))
        fail("unknown option '--" + key + "' for this command");
      if (i + 1 >= argc)
        fail("option '--" + key + "' needs a value");
      if (!values.emplace(key, argv[++i]).second)
        fail("option '--" + key + "' given twice");
    }
  }

  bool has(const std::string &key) const { return values.count(key); }

  std::string str(const std::string &key) const {
    auto it = values.find(key);
    if (it == values.end())
      fail("missing option '--" + key + "'");
    return it->second;
  }

  std::string str(const std::string &key, const std::string &dflt) const {
    return has(key) ? str(key) : dflt;
  }

  int64_t positive(const std::string &key) const {
    std::string text = str(key);
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno || *end || text.empty() || v <= 0)
      fail("'--" + key + "' must be a positive integer, got '" + text + "'");
    return v;
  }

  uint64_t u64(const std::string &key) const {
    std::string text = str(key);
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(text.c_str(), &end, 0);
    if (errno || *end || text.empty() || text[0] == '-')
      fail("'--" + key + "' must be an unsigned 64-bit integer, got '" + text +
           "'");
    return v;
  }

  float f32(const std::string &key) const {
    std::string text = str(key);
    char *end = nullptr;
    float v = std::strtof(text.c_str(), &end);
    if (*end || text.empty())
      fail("'--" + key + "' must be a number, got '" + text + "'");
    return v;
  }

private:
  std::map<std::string, std::string> values;
};

Format parseFormat(const std::string &text) {
  if (text == "nvfp4")
    return Format::NVFP4;
  if (text == "mxfp4")
    return Format::MXFP4;
  fail("unknown format '" + text + "' (expected nvfp4 or mxfp4)");
}

RuleKind parseRuleKind(const std::string &text) {
  static const std::map<std::string, RuleKind> kinds = {
      {"static6", RuleKind::Static6},
      {"static4", RuleKind::Static4},
      {"four_over_six", RuleKind::FourOverSix},
      {"mx_ceil", RuleKind::MxCeil},
      {"mx_floor", RuleKind::MxFloor}};
  auto it = kinds.find(text);
  if (it == kinds.end())
    fail("unknown rule '" + text + "'");
  return it->second;
}

Metric parseMetric(const std::string &text) {
  if (text == "mse")
    return Metric::MSE;
  if (text == "mae")
    return Metric::MAE;
  if (text == "absmax")
    return Metric::AbsMax;
  fail("unknown metric '" + text + "' (expected mse, mae or absmax)");
}

BlockShape parseBlock(const Options &opts, const std::string &key,
                      Format format) {
  if (!opts.has(key))
    return defaultBlock(format);
  std::string text = opts.str(key);
  BlockShape block;
  if (text == "1x16")
    block = {1, 16};
  else if (text == "16x16")
    block = {16, 16};
  else if (text == "1x32")
    block = {1, 32};
  else
    fail("unknown block shape '" + text + "' (expected 1x16, 16x16 or 1x32)");
  bool valid = format == Format::NVFP4 ? block.cols == 16 : block.cols == 32;
  if (!valid)
    fail("block " + text + " is not valid for " +
         (format == Format::NVFP4 ? "nvfp4" : "mxfp4"));
  return block;
}

/// --rule/--metric, validated against the format.
Rule parseRule(const Options &opts, Format format) {
  Rule rule;
  rule.kind =
      opts.has("rule") ? parseRuleKind(opts.str("rule")) : defaultRule(format);
  if (!isRuleValidFor(format, rule.kind))
    fail("rule '" + opts.str("rule") + "' is not valid for " +
         (format == Format::NVFP4 ? "nvfp4" : "mxfp4"));
  if (opts.has("metric")) {
    if (rule.kind != RuleKind::FourOverSix)
      fail("--metric is only meaningful for rule four_over_six");
    rule.metric = parseMetric(opts.str("metric"));
  }
  return rule;
}

/// rows/cols, checked against the block shape.
void parseShape(const Options &opts, BlockShape block, int64_t &rows,
                int64_t &cols, const char *rowsKey = "rows",
                const char *colsKey = "cols") {
  rows = opts.positive(rowsKey);
  cols = opts.positive(colsKey);
  if (cols % block.cols)
    fail(std::string("--") + colsKey + " " + std::to_string(cols) +
         " is not a multiple of the block width " + std::to_string(block.cols));
  if (rows % block.rows)
    fail(std::string("--") + rowsKey + " " + std::to_string(rows) +
         " is not a multiple of the block height " +
         std::to_string(block.rows));
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

std::vector<uint8_t> readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail("cannot open '" + path + "'");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

/// Reads exactly `count` elements of type T.
template <typename T>
std::vector<T> readArray(const std::string &path, int64_t count) {
  std::vector<uint8_t> bytes = readBytes(path);
  if (bytes.size() != static_cast<size_t>(count) * sizeof(T))
    fail("'" + path + "' holds " + std::to_string(bytes.size()) +
         " bytes, expected " + std::to_string(count * sizeof(T)));
  std::vector<T> out(static_cast<size_t>(count));
  if (count)
    std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

/// Reads a whole file of T elements (any count).
template <typename T> std::vector<T> readAll(const std::string &path) {
  std::vector<uint8_t> bytes = readBytes(path);
  if (bytes.size() % sizeof(T))
    fail("'" + path + "' is not a whole number of " +
         std::to_string(sizeof(T)) + "-byte elements");
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty())
    std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

template <typename T>
void writeArray(const std::string &path, const std::vector<T> &data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    fail("cannot write '" + path + "'");
  out.write(reinterpret_cast<const char *>(data.data()),
            static_cast<std::streamsize>(data.size() * sizeof(T)));
  if (!out)
    fail("error writing '" + path + "'");
}

void writeQuantized(const std::string &prefix, const QuantizedTensor &q,
                    bool withValues) {
  if (withValues)
    writeArray(prefix + ".values", q.values);
  writeArray(prefix + ".scales", q.scales);
  writeArray(prefix + ".alpha", std::vector<float>{q.alpha});
}

/// Reads PREFIX.values/.scales/.alpha of a rows x cols tensor.
QuantizedTensor readQuantized(const std::string &prefix, Format format,
                              BlockShape block, int64_t rows, int64_t cols) {
  QuantizedTensor q;
  q.rows = rows;
  q.cols = cols;
  q.format = format;
  q.block = block;
  q.values = readArray<uint8_t>(prefix + ".values", rows * cols / 2);
  q.scales = readArray<uint8_t>(prefix + ".scales",
                                (rows / block.rows) * (cols / block.cols));
  q.alpha = format == Format::NVFP4 ? readArray<float>(prefix + ".alpha", 1)[0]
                                    : 1.0f;
  return q;
}

//===----------------------------------------------------------------------===//
// Commands
//===----------------------------------------------------------------------===//

/// quantize and scale-select.
int runQuantize(int argc, char **argv, bool scalesOnly) {
  std::set<std::string> allowed = {"format", "rule", "metric", "block", "rows",
                                   "cols",   "amax", "in",     "out"};
  if (!scalesOnly)
    allowed.insert("seed");
  Options opts(argc, argv, allowed);
  QuantizeOptions q;
  q.format = parseFormat(opts.str("format"));
  q.rule = parseRule(opts, q.format);
  q.block = parseBlock(opts, "block", q.format);
  int64_t rows, cols;
  parseShape(opts, q.block, rows, cols);
  if (opts.has("amax")) {
    if (q.format != Format::NVFP4)
      fail("--amax is only valid for nvfp4");
    q.amax = opts.f32("amax");
  }
  if (opts.has("seed"))
    q.seed = opts.u64("seed");
  std::vector<float> x = readArray<float>(opts.str("in"), rows * cols);
  QuantizedTensor result = scalesOnly ? selectScales(x.data(), rows, cols, q)
                                      : quantize(x.data(), rows, cols, q);
  writeQuantized(opts.str("out"), result, !scalesOnly);
  return 0;
}

int runQuantizeWithScales(int argc, char **argv) {
  Options opts(argc, argv,
               {"format", "block", "rows", "cols", "scales", "alpha",
                "alpha-file", "seed", "in", "out"});
  Format format = parseFormat(opts.str("format"));
  BlockShape block = parseBlock(opts, "block", format);
  int64_t rows, cols;
  parseShape(opts, block, rows, cols);
  if (opts.has("alpha") && opts.has("alpha-file"))
    fail("give --alpha or --alpha-file, not both");
  float alpha = 1.0f;
  if (opts.has("alpha") || opts.has("alpha-file")) {
    if (format != Format::NVFP4)
      fail("alpha is only valid for nvfp4");
    alpha = opts.has("alpha") ? opts.f32("alpha")
                              : readArray<float>(opts.str("alpha-file"), 1)[0];
  }
  std::optional<uint64_t> seed;
  if (opts.has("seed"))
    seed = opts.u64("seed");
  std::vector<float> x = readArray<float>(opts.str("in"), rows * cols);
  std::vector<uint8_t> scales = readArray<uint8_t>(
      opts.str("scales"), (rows / block.rows) * (cols / block.cols));
  QuantizedTensor result = quantizeWithScales(
      x.data(), rows, cols, format, block, scales.data(), alpha, seed);
  writeQuantized(opts.str("out"), result, /*withValues=*/true);
  return 0;
}

int runDequantize(int argc, char **argv) {
  Options opts(argc, argv, {"format", "block", "rows", "cols", "in", "out"});
  Format format = parseFormat(opts.str("format"));
  BlockShape block = parseBlock(opts, "block", format);
  int64_t rows, cols;
  parseShape(opts, block, rows, cols);
  QuantizedTensor q = readQuantized(opts.str("in"), format, block, rows, cols);
  std::vector<float> out(static_cast<size_t>(rows * cols));
  dequantize(q, out.data());
  writeArray(opts.str("out"), out);
  return 0;
}

int runHadamard(int argc, char **argv) {
  Options opts(argc, argv,
               {"size", "signs", "result", "rows", "cols", "in", "out"});
  int64_t n = opts.positive("size");
  if (n != 16 && n != 32 && n != 64 && n != 128)
    fail("--size must be 16, 32, 64 or 128");
  int64_t rows, cols;
  parseShape(opts, BlockShape{1, n}, rows, cols);
  std::vector<int8_t> signs;
  if (opts.has("signs")) {
    signs = readArray<int8_t>(opts.str("signs"), n);
    for (int8_t s : signs)
      if (s != 1 && s != -1)
        fail("--signs must hold only +1 and -1");
  }
  std::string result = opts.str("result", "f32");
  if (result != "f32" && result != "bf16" && result != "f16")
    fail("--result must be f32, bf16 or f16");
  std::vector<float> x = readArray<float>(opts.str("in"), rows * cols);
  std::vector<float> y(x.size());
  hadamard(x.data(), y.data(), rows, cols, n,
           signs.empty() ? nullptr : signs.data());
  for (float &v : y) {
    if (result == "bf16")
      v = bf16ToFloat(floatToBF16(v));
    else if (result == "f16")
      v = f16ToFloat(floatToF16(v));
  }
  writeArray(opts.str("out"), y);
  return 0;
}

int runMatmul(int argc, char **argv) {
  Options opts(
      argc, argv,
      {"format", "m", "n", "k", "block-a", "block-b", "a", "b", "out"});
  Format format = parseFormat(opts.str("format"));
  BlockShape blockA = parseBlock(opts, "block-a", format);
  BlockShape blockB = parseBlock(opts, "block-b", format);
  int64_t m, n, k, kb;
  parseShape(opts, blockA, m, k, "m", "k");
  parseShape(opts, blockB, n, kb, "n", "k");
  QuantizedTensor a = readQuantized(opts.str("a"), format, blockA, m, k);
  QuantizedTensor b = readQuantized(opts.str("b"), format, blockB, n, k);
  std::vector<float> c(static_cast<size_t>(m * n));
  matmul(a, b, c.data());
  writeArray(opts.str("out"), c);
  return 0;
}

int runConvert(int argc, char **argv) {
  Options opts(argc, argv, {"to", "from", "seed", "rule", "in", "out"});
  if (opts.has("to") == opts.has("from"))
    fail("convert needs exactly one of --to and --from");
  if (opts.has("from")) {
    std::string from = opts.str("from");
    std::vector<float> out;
    if (from == "bf16" || from == "f16") {
      for (uint16_t v : readAll<uint16_t>(opts.str("in")))
        out.push_back(from == "bf16" ? bf16ToFloat(v) : f16ToFloat(v));
    } else {
      float (*decode)(uint8_t);
      if (from == "e2m1")
        decode = e2m1ToFloat;
      else if (from == "e4m3")
        decode = e4m3ToFloat;
      else if (from == "e8m0")
        decode = e8m0ToFloat;
      else
        fail("unknown --from type '" + from + "'");
      for (uint8_t v : readAll<uint8_t>(opts.str("in")))
        out.push_back(decode(v));
    }
    writeArray(opts.str("out"), out);
    return 0;
  }

  std::string to = opts.str("to");
  std::vector<float> x = readAll<float>(opts.str("in"));
  if (to == "bf16" || to == "f16") {
    std::vector<uint16_t> out;
    for (float v : x)
      out.push_back(to == "bf16" ? floatToBF16(v) : floatToF16(v));
    writeArray(opts.str("out"), out);
    return 0;
  }
  std::vector<uint8_t> out;
  if (to == "e2m1") {
    for (float v : x)
      out.push_back(floatToE2M1(v));
  } else if (to == "e2m1-sr") {
    uint64_t seed = opts.u64("seed");
    for (size_t i = 0; i < x.size(); ++i)
      out.push_back(floatToE2M1Stochastic(x[i], randomBits(seed, i)));
  } else if (to == "e4m3") {
    for (float v : x)
      out.push_back(floatToE4M3(v));
  } else if (to == "mx-exponent") {
    RuleKind rule = parseRuleKind(opts.str("rule", "mx_ceil"));
    if (!isRuleValidFor(Format::MXFP4, rule))
      fail("--rule must be mx_ceil or mx_floor");
    for (float v : x)
      out.push_back(std::isfinite(v) ? mxfp4ScaleExponent(rule, std::fabs(v))
                                     : 0xFF);
  } else {
    fail("unknown --to type '" + to + "'");
  }
  writeArray(opts.str("out"), out);
  return 0;
}

int runRandomBits(int argc, char **argv) {
  Options opts(argc, argv, {"seed", "count", "start", "out"});
  uint64_t seed = opts.u64("seed");
  int64_t count = opts.positive("count");
  uint64_t start = opts.has("start") ? opts.u64("start") : 0;
  std::vector<uint32_t> out;
  for (int64_t j = 0; j < count; ++j)
    out.push_back(randomBits(seed, start + static_cast<uint64_t>(j)));
  writeArray(opts.str("out"), out);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    fail("no command given (see --help)");
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kHelp;
    return 0;
  }
  if (command == "quantize")
    return runQuantize(argc, argv, /*scalesOnly=*/false);
  if (command == "scale-select")
    return runQuantize(argc, argv, /*scalesOnly=*/true);
  if (command == "quantize-with-scales")
    return runQuantizeWithScales(argc, argv);
  if (command == "dequantize")
    return runDequantize(argc, argv);
  if (command == "hadamard")
    return runHadamard(argc, argv);
  if (command == "matmul")
    return runMatmul(argc, argv);
  if (command == "convert")
    return runConvert(argc, argv);
  if (command == "random-bits")
    return runRandomBits(argc, argv);
  fail("unknown command '" + command + "' (see --help)");
}
