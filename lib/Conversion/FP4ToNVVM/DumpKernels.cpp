//===- DumpKernels.cpp - write every GPU kernel as PTX and cubin ----------===//
//
// fp4-tag-kernel-origins records the fp4 op name in each fp4 op's location;
// the lowerings propagate locations to the loops, launches and outlined
// kernels they create, so fp4-dump-kernels can name each kernel after the
// fp4 op it came from.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Conversion/Passes.h"
#include "FP4Dialect/IR/FP4.h"

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_FP4TAGKERNELORIGINS
#define GEN_PASS_DEF_FP4DUMPKERNELS
#include "FP4Dialect/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// fp4-tag-kernel-origins
//===----------------------------------------------------------------------===//

struct FP4TagKernelOriginsPass
    : fp4::impl::FP4TagKernelOriginsBase<FP4TagKernelOriginsPass> {
  void runOnOperation() override {
    getOperation().walk([](Operation *op) {
      if (!isa<fp4::FP4Dialect>(op->getDialect()))
        return;
      auto name = StringAttr::get(op->getContext(),
                                  op->getName().getStringRef());
      if (auto fused = dyn_cast<FusedLoc>(op->getLoc()))
        if (fused.getMetadata() == name)
          return;
      op->setLoc(FusedLoc::get(op->getContext(), {op->getLoc()}, name));
    });
  }
};

//===----------------------------------------------------------------------===//
// fp4-dump-kernels
//===----------------------------------------------------------------------===//

/// The fp4 op name recorded in `loc` (fp4-tag-kernel-origins), if any.
std::optional<StringRef> originOf(Location loc) {
  std::optional<StringRef> found;
  loc->walk([&](Location l) {
    if (auto fused = dyn_cast<FusedLoc>(l))
      if (auto name = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
        if (name.getValue().starts_with("fp4.")) {
          found = name.getValue();
          return WalkResult::interrupt();
        }
    return WalkResult::advance();
  });
  return found;
}

/// The first file:line:col in `loc`, for the index.
std::string sourceOf(Location loc) {
  std::string text = "?";
  loc->walk([&](Location l) {
    if (auto file = dyn_cast<FileLineColLoc>(l)) {
      text = (file.getFilename().getValue() + ":" + Twine(file.getLine()) +
              ":" + Twine(file.getColumn()))
                 .str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return text;
}

/// ptxas from $CUDA_HOME/bin, $CUDA_PATH/bin, /usr/local/cuda/bin or PATH.
std::optional<std::string> findPtxas() {
  SmallVector<StringRef> dirs;
  std::string home, path;
  if (const char *v = std::getenv("CUDA_HOME"))
    dirs.push_back(home = (Twine(v) + "/bin").str());
  if (const char *v = std::getenv("CUDA_PATH"))
    dirs.push_back(path = (Twine(v) + "/bin").str());
  dirs.push_back("/usr/local/cuda/bin");
  if (auto p = llvm::sys::findProgramByName("ptxas", dirs))
    return *p;
  if (auto p = llvm::sys::findProgramByName("ptxas"))
    return *p;
  return std::nullopt;
}

struct FP4DumpKernelsPass
    : fp4::impl::FP4DumpKernelsBase<FP4DumpKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (dir.empty())
      return;
    if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
      module.emitError("cannot create the kernel dump directory '")
          << dir << "': " << ec.message();
      return signalPassFailure();
    }
    std::optional<std::string> ptxas = cubin ? findPtxas() : std::nullopt;

    // The host function that launches each kernel module.
    llvm::StringMap<std::string> launcher;
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto func = launch->getParentOfType<FunctionOpInterface>();
      launcher.try_emplace(launch.getKernelModuleName().getValue(),
                           func ? func.getName().str() : "host");
    });

    std::string index;
    llvm::raw_string_ostream os(index);
    llvm::StringMap<unsigned> counters;
    std::unique_ptr<SymbolTable> symbols;
    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      ArrayAttr targets = gpuModule.getTargetsAttr();
      auto target = targets ? llvm::find_if(targets,
                                            [](Attribute a) {
                                              return isa<NVVM::NVVMTargetAttr>(a);
                                            })
                            : nullptr;
      if (!targets || target == targets.end())
        continue;
      auto nvvm = cast<NVVM::NVVMTargetAttr>(*target);
      auto iface = cast<gpu::TargetAttrInterface>(nvvm);

      // Kernel name: <host function>.<fp4 op>.<n>.
      Location loc = gpuModule.getLoc();
      std::string symbol = gpuModule.getName().str();
      for (auto func : gpuModule.getOps<LLVM::LLVMFuncOp>())
        if (func->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName())) {
          loc = func.getLoc();
          symbol += "::" + func.getName().str();
          break;
        }
      StringRef origin = originOf(loc).value_or("kernel");
      std::string host = launcher.lookup(gpuModule.getName());
      if (host.empty())
        host = gpuModule.getName().str();
      std::string prefix = host + "." + origin.str();
      std::string stem = prefix + "." + std::to_string(counters[prefix]++);

      auto getSymbols = [&]() -> SymbolTable * {
        if (!symbols)
          symbols = std::make_unique<SymbolTable>(module);
        return symbols.get();
      };
      gpu::TargetOptions options(/*toolkitPath=*/{}, /*librariesToLink=*/{},
                                 /*cmdOptions=*/{}, /*elfSection=*/{},
                                 gpu::CompilationTarget::Assembly, getSymbols);
      std::optional<SmallVector<char, 0>> ptx =
          iface.serializeToObject(gpuModule, options);
      if (!ptx) {
        gpuModule.emitError("cannot serialize the kernel to PTX for the dump");
        return signalPassFailure();
      }
      // The assembly is NUL-terminated.
      StringRef text(ptx->data(), ptx->size());
      text = text.take_until([](char c) { return c == '\0'; });
      SmallString<256> ptxPath(dir);
      llvm::sys::path::append(ptxPath, stem + ".ptx");
      if (failed(write(ptxPath, text, gpuModule)))
        return signalPassFailure();

      std::string cubinNote = "-";
      if (ptxas) {
        SmallString<256> cubinPath(dir);
        llvm::sys::path::append(cubinPath, stem + ".cubin");
        std::string arch = "-arch=" + nvvm.getChip().str();
        std::string out = cubinPath.str().str();
        std::string in = ptxPath.str().str();
        StringRef args[] = {*ptxas, arch, "-O3", in, "-o", out};
        std::string err;
        int rc = llvm::sys::ExecuteAndWait(*ptxas, args, std::nullopt, {}, 0,
                                           0, &err);
        if (rc != 0) {
          gpuModule.emitError("ptxas failed on ")
              << ptxPath << (err.empty() ? "" : ": ") << err;
          return signalPassFailure();
        }
        cubinNote = stem + ".cubin";
      } else if (cubin) {
        cubinNote = "- (ptxas not found)";
      }
      os << stem << "\t" << symbol << "\t" << nvvm.getChip() << "\t"
         << sourceOf(loc) << "\t" << stem << ".ptx\t" << cubinNote << "\n";
    }
    SmallString<256> indexPath(dir);
    llvm::sys::path::append(indexPath, "kernels.txt");
    if (failed(write(indexPath,
                     "# name\tkernel\tchip\tsource\tptx\tcubin\n" + index,
                     module)))
      signalPassFailure();
  }

  static LogicalResult write(StringRef path, StringRef text, Operation *op) {
    std::error_code ec;
    llvm::raw_fd_ostream file(path, ec);
    if (ec)
      return op->emitError("cannot write ") << path << ": " << ec.message();
    file << text;
    return success();
  }
};

} // namespace
