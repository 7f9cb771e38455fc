# -*- Python -*-
import os
import subprocess

import lit.formats
import lit.util
from lit.llvm import llvm_config

config.name = "FP4"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt", "Inputs",
                   "cases.py", "run_cases.py", "build_model.py",
                   "fp4_oracle.py", "runner.py", "mma_kernel_model.py", "check_mma_kernels.py", "check_ref.py", "check_cpu_vs_oracle.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fp4_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%fp4_src", config.fp4_src_root))
config.substitutions.append(("%fp4_obj", config.fp4_obj_root))
runner_libs = ",".join(
    os.path.join(config.llvm_lib_dir, lib)
    for lib in ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so"))
config.substitutions.append(("%mlir_runner_libs", runner_libs))
config.substitutions.append(
    ("%run_cpu",
     "mlir-runner -e main -entry-point-result=void -shared-libs=" + runner_libs))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.fp4_tools_dir, config.llvm_tools_dir]
tools = ["fp4-opt", "fp4-ref", "mlir-runner", "mlir-translate", "FP4NumericsTests"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.fp4_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment(
    "PYTHONPATH", os.path.join(config.fp4_src_root, "test", "oracle"),
    append_path=True)

# Optional features.
try:
    subprocess.check_call([config.python_executable, "-c",
                           "import numpy, ml_dtypes"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config.available_features.add("ml_dtypes")
except Exception:
    if os.environ.get("CI"):
        lit_config.fatal("numpy/ml_dtypes are not importable by %s: CI must "
                         "run the oracle tests" % config.python_executable)
    lit_config.warning("numpy/ml_dtypes not importable: oracle tests are skipped")
nvcc = os.path.join(os.path.dirname(config.ptxas or "/usr/local/cuda/bin/ptxas"), "nvcc")
if os.path.exists(nvcc):
    config.available_features.add("nvcc")
    config.substitutions.append(("%cuda_bin", os.path.dirname(nvcc)))
if config.ptxas and os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))
