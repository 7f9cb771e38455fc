#!/usr/bin/env bash
# One command from a fresh Debian 12 machine: installs the dependencies
# (Debian's LLVM/MLIR 22, CMake, Ninja, GoogleTest; numpy and ml_dtypes for
# the test oracle), builds fp4 into build/, and runs the main example:
# examples/run_llama_block.py quantizes the example decoder block with
# --fp4-ptq-pipeline, runs it on the CPU and prints the report and the
# end-to-end error against the unquantized block.
#
#   scripts/bootstrap.sh            # install, build, run the example
#   scripts/bootstrap.sh --no-run   # install and build only
set -euo pipefail
cd "$(dirname "$0")/.."

run_example=1
[[ "${1:-}" == "--no-run" ]] && run_example=0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

packages=(cmake ninja-build g++ libgtest-dev
          libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! python3 -c "import numpy, ml_dtypes" 2>/dev/null; then
  echo "== installing numpy and ml_dtypes (test oracle)"
  python3 -m pip install -q numpy ml_dtypes 2>/dev/null ||
    python3 -m pip install -q --break-system-packages numpy ml_dtypes
fi

echo "== configuring and building (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPython3_EXECUTABLE="$(command -v python3)" \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
ninja -C build -j"$(nproc)"

if ((run_example)); then
  echo "== example: the Llama-style decoder block quantized with --fp4-ptq-pipeline, run on the CPU"
  echo "   (report + end-to-end error against the unquantized block; a smaller example:"
  echo "   scripts/run-example.sh examples/quantize_tensor.mlir)"
  python3 examples/run_llama_block.py
fi
