"""Builds the end-to-end inference check for the GPU machine: the example
decoder block (examples/llama_block.mlir) quantized by the PTQ pipeline
(weights folded at compile time), wrapped as
`@decoder_graph(%x: memref<SxH>, %y: memref<SxH>)` and compiled twice, for
the CPU and for sm_90a, into host objects plus a cases.json that
run_cases.py understands (output compared with relative error <= 1e-5:
accumulation inside the high-precision attention and exp/rsqrt are not
bit-reproducible across CPU and GPU math libraries).

    python3 test/GPU/build_model.py OUT_DIR [--ptq "weight-rule=..."]
"""
import argparse
import json
import os
import re
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LLVM = "/usr/lib/llvm-22/bin"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--model", default=os.path.join(ROOT, "examples", "llama_block.mlir"))
    ap.add_argument("--ptq", default="weight-rule=four_over_six activation-rule=static6")
    ap.add_argument("--fp4-opt", default=os.path.join(ROOT, "build", "bin", "fp4-opt"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    src = open(args.model).read()
    m = re.search(r"func\.func @decoder\(%x: tensor<(\d+)x(\d+)xf32>\)", src)
    s, h = int(m.group(1)), int(m.group(2))
    # Drop @main (it prints on the CPU); keep the resources section.
    main_start = src.index("func.func @main()")
    main_end = src.index("\n}\n", main_start) + 3
    src = src[:main_start] + src[main_end:]
    wrapper = f"""
func.func @decoder_graph(%x: memref<{s}x{h}xf32>, %y: memref<{s}x{h}xf32>) attributes {{llvm.emit_c_interface}} {{
  %xt = bufferization.to_tensor %x restrict : memref<{s}x{h}xf32> to tensor<{s}x{h}xf32>
  %r = func.call @decoder(%xt) : (tensor<{s}x{h}xf32>) -> tensor<{s}x{h}xf32>
  bufferization.materialize_in_destination %r in writable %y : (tensor<{s}x{h}xf32>, memref<{s}x{h}xf32>) -> ()
  return
}}
"""
    res = src.find("{-#")
    src = src[:res] + wrapper + src[res:] if res >= 0 else src + wrapper
    model = os.path.join(args.out, "model.mlir")
    open(model, "w").write(src)

    quantized = run([args.fp4_opt, model, f"--fp4-ptq-pipeline={args.ptq}"])
    open(os.path.join(args.out, "model.ptq.mlir"), "wb").write(quantized)
    for target, passes in [("cpu", ["--fp4-lower-to-cpu"]),
                           ("gpu", ["--fp4-lower-to-nvvm=chip=sm_90a"])]:
        llvm_dialect = run([args.fp4_opt, "-", *passes], input=quantized)
        ir = run([f"{LLVM}/mlir-translate", "--mlir-to-llvmir"], input=llvm_dialect)
        run([f"{LLVM}/llc", "-O2", "-filetype=obj", "-relocation-model=pic",
             "-o", os.path.join(args.out, f"{target}_cases.o")], input=ir)
    cases = [{"name": "decoder_graph", "kind": "rel1e-5", "op": "model",
              "args": [{"name": "x", "shape": [s, h], "dtype": "f32", "io": "in"},
                       {"name": "y", "shape": [s, h], "dtype": "f32", "io": "out"}],
              "outputs": ["y"], "ptq": args.ptq}]
    json.dump(cases, open(os.path.join(args.out, "cases.json"), "w"), indent=1)
    shutil.copy(os.path.join(ROOT, "test", "GPU", "run_cases.py"), args.out)
    print(f"built {args.out}: decoder {s}x{h}, PTQ '{args.ptq}'")


if __name__ == "__main__":
    main()
