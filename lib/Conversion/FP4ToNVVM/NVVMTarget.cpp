//===- NVVMTarget.cpp - what an NVIDIA chip + PTX version can do ----------===//

#include "FP4Dialect/Conversion/NVVMTarget.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir::fp4;

namespace {
struct ChipRow {
  llvm::StringLiteral name;
  int sm;
  bool arch;
  int minPTX;     // LLVM NVPTX: oldest PTX ISA version for the chip
  int defaultPTX; // what the pipeline uses when `features` names none
};
// sm_100a defaults to PTX 8.8: tcgen05 block-scaled MMA needs it.
constexpr ChipRow kChips[] = {
    {"sm_90a", 90, true, 80, 80},   {"sm_90", 90, false, 78, 80},
    {"sm_100a", 100, true, 86, 88}, {"sm_100", 100, false, 86, 88},
    {"sm_103a", 103, true, 88, 88}, {"sm_120a", 120, true, 87, 87},
};
// The PTX ISA versions LLVM 22's NVPTX backend knows (`+ptxNN`).
constexpr int kKnownPTX[] = {32, 40, 41, 42, 43, 50, 60, 61, 62, 63, 64, 65,
                             70, 71, 72, 73, 74, 75, 76, 77, 78, 80, 81, 82,
                             83, 84, 85, 86, 87, 88, 90};

const ChipRow *findChip(llvm::StringRef chip) {
  for (const ChipRow &row : kChips)
    if (row.name == chip)
      return &row;
  return nullptr;
}
} // namespace

llvm::StringRef NVVMTargetInfo::supportedChips() {
  return "sm_90a, sm_90, sm_100a, sm_100, sm_103a, sm_120a";
}

int NVVMTargetInfo::defaultPTX(llvm::StringRef chip) {
  const ChipRow *row = findChip(chip);
  return row ? row->defaultPTX : 0;
}

std::string NVVMTargetInfo::ptxString(int ptx) {
  return std::to_string(ptx / 10) + "." + std::to_string(ptx % 10);
}

std::string NVVMTargetInfo::features() const {
  return "+ptx" + std::to_string(ptx);
}

std::optional<NVVMTargetInfo>
NVVMTargetInfo::get(llvm::StringRef chip, llvm::StringRef features,
                    std::string *error) {
  auto fail = [&](std::string msg) -> std::optional<NVVMTargetInfo> {
    if (error)
      *error = std::move(msg);
    return std::nullopt;
  };
  const ChipRow *row = findChip(chip);
  if (!row)
    return fail("fp4 GPU lowering does not support chip '" + chip.str() +
                "' (supported: " + supportedChips().str() + ")");
  NVVMTargetInfo info;
  info.chip = chip.str();
  info.sm = row->sm;
  info.archSpecific = row->arch;
  info.minPTX = row->minPTX;
  info.ptx = row->defaultPTX;

  llvm::SmallVector<llvm::StringRef> parts;
  features.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef f : parts) {
    f = f.trim();
    if (!f.consume_front("+ptx"))
      continue; // other LLVM features pass through untouched
    int version = 0;
    if (f.getAsInteger(10, version) || !llvm::is_contained(kKnownPTX, version))
      return fail("unknown PTX ISA version in features '" + features.str() +
                  "' (LLVM 22 knows +ptx32 ... +ptx90)");
    info.ptx = version;
  }
  if (info.ptx < info.minPTX)
    return fail("chip '" + chip.str() + "' needs PTX ISA " +
                ptxString(info.minPTX) + " or newer (features=+ptx" +
                std::to_string(info.minPTX) + "); got +ptx" +
                std::to_string(info.ptx));
  return info;
}

int NVVMTargetInfo::e2m1ConvertPTX() const {
  if (!archSpecific)
    return 0;
  switch (sm) {
  case 100:
    return 86;
  case 103:
    return 88;
  case 120:
    return 87;
  default:
    return 0;
  }
}

int NVVMTargetInfo::stochasticE2M1ConvertPTX() const {
  if (!archSpecific)
    return 0;
  // MLIR 22: nvvm.convert.f32x4.to.f4x4 requires sm_100a or sm_103a.
  switch (sm) {
  case 100:
    return 87;
  case 103:
    return 88;
  default:
    return 0;
  }
}

int NVVMTargetInfo::tcgen05BlockScalePTX() const {
  // MLIR 22's tcgen05 alloc/cp/commit/ld ops require sm_100a (or sm_101a);
  // kind::mxf4nvf4 block scaling needs PTX ISA 8.8 (LLVM aborts below it).
  return archSpecific && sm == 100 ? 88 : 0;
}
