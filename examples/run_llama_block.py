#!/usr/bin/env python3
"""Quantizes the example decoder block with --fp4-ptq-pipeline in several
configurations, runs each on the CPU path (fp4-opt --fp4-lower-to-cpu |
mlir-runner) next to the unquantized model, and prints the fp4 report of the
first configuration and a table of end-to-end output errors.

    examples/run_llama_block.py                      # examples/llama_block.mlir
    examples/run_llama_block.py --model M.mlir --configs nvfp4-4over6
    examples/run_llama_block.py --markdown           # the docs/results.md table

Errors are relative L2 norms over the block's output y (sequence x hidden):
`update` = ||y_q - y|| / ||y - x|| (error relative to what the block adds to
its input x, the residual stream), `output` = ||y_q - y|| / ||y||.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LLVM = "/usr/lib/llvm-22"

# (key, description, --fp4-ptq-pipeline options)
CONFIGS = [
    ("nvfp4-static6", "NVFP4 static6", "weight-rule=static6 activation-rule=static6"),
    ("nvfp4-4over6", "NVFP4 four_over_six", "weight-rule=four_over_six activation-rule=four_over_six"),
    ("nvfp4-4over6-2d", "NVFP4 four_over_six, 16x16 weight blocks", "weight-rule=four_over_six activation-rule=four_over_six weight-block-2d=1"),
    ("nvfp4-static6-rot16", "NVFP4 static6 + Hadamard 16", "weight-rule=static6 activation-rule=static6 rotate=1 rotation-size=16"),
    ("nvfp4-4over6-rot16", "NVFP4 four_over_six + Hadamard 16", "weight-rule=four_over_six activation-rule=four_over_six rotate=1 rotation-size=16"),
    ("mxfp4", "MXFP4 mx_ceil", "format=mxfp4"),
    ("mxfp4-rot32", "MXFP4 mx_ceil + Hadamard 32", "format=mxfp4 rotate=1 rotation-size=32"),
    ("mxfp4-rot32-signs", "MXFP4 mx_ceil + randomized Hadamard 32", "format=mxfp4 rotate=1 rotation-size=32 random-signs=1 seed=1"),
    ("mxfp4-floor", "MXFP4 mx_floor (OCP)", "format=mxfp4 weight-rule=mx_floor activation-rule=mx_floor"),
    ("mxfp4-floor-rot32", "MXFP4 mx_floor + Hadamard 32", "format=mxfp4 weight-rule=mx_floor activation-rule=mx_floor rotate=1 rotation-size=32"),
]


def tool(name):
    local = os.path.join(ROOT, "build", "bin", name)
    if os.path.exists(local):
        return local
    return os.path.join(LLVM, "bin", name)


def run_cpu(ir_path):
    """Lowers and runs @main; returns {tag: float32 array}."""
    libs = ",".join(os.path.join(LLVM, "lib", l) for l in
                    ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so"))
    low = subprocess.run([tool("fp4-opt"), ir_path, "--fp4-lower-to-cpu"],
                         capture_output=True, check=True)
    out = subprocess.run([tool("mlir-runner"), "-e", "main", "-entry-point-result=void",
                          f"-shared-libs={libs}"], input=low.stdout,
                         capture_output=True, check=True)
    res = {}
    for chunk in out.stdout.decode().split("@@")[1:]:
        tag, _, rest = chunk.partition("\n")
        rest = rest.split("data =", 1)[1]
        bits = np.array([int(v) for v in re.findall(r"-?\d+", rest)], np.int64)
        res[tag.strip()] = bits.astype(np.uint32).view(np.float32)
    return res


def quantize(model, options, out_path, report=False):
    cmd = [tool("fp4-opt"), model, f"--fp4-ptq-pipeline={options}",
           "--mlir-print-op-on-diagnostic=false", "-o", out_path]
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"fp4-opt failed:\n{p.stderr}")
    return p.stdout, time.time() - t0


def rel(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b) / np.linalg.norm(b))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "examples", "llama_block.mlir"))
    ap.add_argument("--configs", default="all",
                    help="comma-separated keys of CONFIGS, or 'all'")
    ap.add_argument("--no-report", action="store_true",
                    help="do not print the fp4 report of the first configuration")
    ap.add_argument("--markdown", action="store_true", help="print the table as markdown")
    ap.add_argument("--json", help="write the results as JSON")
    a = ap.parse_args()
    keys = [c[0] for c in CONFIGS] if a.configs == "all" else a.configs.split(",")
    configs = [c for c in CONFIGS if c[0] in keys]

    ref = run_cpu(a.model)
    x, y = ref["in"].astype(np.float64), ref["out"].astype(np.float64)
    if not np.all(np.isfinite(y)):
        sys.exit("the unquantized model produced non-finite values")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (key, desc, options) in enumerate(configs):
            report = i == 0 and not a.no_report
            rjson = os.path.join(tmp, f"{key}.json")
            qpath = os.path.join(tmp, f"{key}.mlir")
            opts = options + f" report-json={rjson}" + (" report=1" if report else "")
            stdout, secs = quantize(a.model, opts, qpath)
            if report:
                print(f"== fp4-opt {os.path.relpath(a.model)} --fp4-ptq-pipeline=\"{options} report=1\"")
                print(stdout)
            with open(rjson) as f:
                totals = json.load(f)["totals"]
            yq = run_cpu(qpath)["out"].astype(np.float64)
            rows.append(dict(key=key, config=desc, options=options,
                             update_err=float(np.linalg.norm(yq - y) / np.linalg.norm(y - x)),
                             output_err=rel(yq, y),
                             weight_sqnr_db=totals.get("weight_sqnr_db"),
                             bytes_before=totals["bytes_before"],
                             bytes_after=totals["bytes_after"],
                             compile_s=secs))
    title = f"End-to-end error of {os.path.relpath(a.model)} vs the unquantized model (CPU path)"
    if a.markdown:
        print("| configuration | `--fp4-ptq-pipeline` options | update error | output error | weight SQNR (dB) | weight bytes |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['config']} | `{r['options']}` | {r['update_err']:.4f} | {r['output_err']:.5f} | "
                  f"{r['weight_sqnr_db']:.2f} | {r['bytes_before']} -> {r['bytes_after']} |")
    else:
        print(f"== {title}")
        print(f"   update error = ||y_q - y|| / ||y - x||, output error = ||y_q - y|| / ||y||")
        w = max(len(r["config"]) for r in rows)
        print(f"   {'configuration':{w}s}  update err  output err  weight SQNR dB  weight MB")
        for r in rows:
            print(f"   {r['config']:{w}s}  {r['update_err']:10.4f}  {r['output_err']:10.5f}  "
                  f"{r['weight_sqnr_db']:14.2f}  {r['bytes_before'] / 1e6:.2f} -> {r['bytes_after'] / 1e6:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
