//===- NVVMTarget.h - what an NVIDIA chip + PTX version can do ---*- C++ -*-===//
//
// The GPU lowering decides from the chip (`sm_100a`, ...) and the PTX ISA
// version (`features=+ptx88`) which native instructions it may emit. LLVM's
// NVPTX backend aborts ("LLVM ERROR: Cannot select", "PTX version 8.5 does
// not support target") when an instruction or chip needs a newer PTX ISA or
// another chip, so every such decision is made here, once, and the passes
// report a diagnostic instead.
//
// Requirements (PTX ISA release notes; checked against LLVM 22's NVPTX
// backend and CUDA 13.0's ptxas):
//   chip           minimum PTX   e2m1x2 cvt  e2m1x4 cvt.rs  tcgen05 mma.block_scale
//   sm_90, sm_90a  7.8, 8.0      -           -              -
//   sm_100         8.6           -           -              -
//   sm_100a        8.6           8.6         8.7            8.8
//   sm_103a        8.8           8.8         8.8            - (MLIR 22: sm_100a/101a)
//   sm_120a        8.7           8.7         -              -
// E4M3 `cvt.rn.satfinite.e4m3x2.f32` exists from sm_89 / PTX 7.8.
//
//===----------------------------------------------------------------------===//

#ifndef FP4DIALECT_CONVERSION_NVVMTARGET_H
#define FP4DIALECT_CONVERSION_NVVMTARGET_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir::fp4 {

struct NVVMTargetInfo {
  std::string chip;  // e.g. "sm_100a"
  int sm = 0;        // e.g. 100
  bool archSpecific; // the "a" suffix
  int ptx = 0;       // PTX ISA version x10 in use (e.g. 88)
  int minPTX = 0;    // the oldest PTX ISA version that supports the chip

  /// Parses `chip` and the LLVM feature string `features` (e.g. "+ptx88";
  /// empty: the chip's default version). Returns std::nullopt and sets
  /// `error` for an unsupported chip, an unknown PTX version, or a version
  /// older than the chip needs.
  static std::optional<NVVMTargetInfo> get(llvm::StringRef chip,
                                           llvm::StringRef features,
                                           std::string *error = nullptr);

  /// The chips the fp4 GPU lowering supports, for diagnostics.
  static llvm::StringRef supportedChips();
  /// The PTX ISA version used when `features` names none.
  static int defaultPTX(llvm::StringRef chip);

  /// "+ptxNN" for the version in use.
  std::string features() const;
  /// "8.8" for 88.
  static std::string ptxString(int ptx);

  bool isBlackwellDatacenter() const { return sm == 100 || sm == 101 || sm == 103; }

  /// Native conversion availability (with the PTX version each needs).
  /// `cvt.rn.satfinite.e2m1x2.f32` and `cvt.rn.f16x2.e2m1x2`.
  bool hasE2M1Convert() const { return e2m1ConvertPTX() && ptx >= e2m1ConvertPTX(); }
  int e2m1ConvertPTX() const;
  /// `cvt.rs.satfinite.e2m1x4.f32` (stochastic rounding).
  bool hasStochasticE2M1Convert() const {
    return stochasticE2M1ConvertPTX() && ptx >= stochasticE2M1ConvertPTX();
  }
  int stochasticE2M1ConvertPTX() const;
  /// `cvt.rn.satfinite.e4m3x2.f32` and `cvt.rn.f16x2.e4m3x2`.
  bool hasE4M3Convert() const { return sm >= 89 && ptx >= 78; }
  /// `tcgen05.mma.cta_group::1.kind::{mxf4nvf4,mxf4}.block_scale` with the
  /// tcgen05 alloc/cp/commit/ld/dealloc family.
  bool hasTcgen05BlockScale() const {
    return tcgen05BlockScalePTX() && ptx >= tcgen05BlockScalePTX();
  }
  int tcgen05BlockScalePTX() const;
};

} // namespace mlir::fp4

#endif // FP4DIALECT_CONVERSION_NVVMTARGET_H
