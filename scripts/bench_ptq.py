#!/usr/bin/env python3
"""Compile-time benchmark of --fp4-ptq-pipeline on generated Llama-style
models: does the pipeline scale linearly with model size, and how fast does
it fold bf16 weights into FP4 codes?

    scripts/bench_ptq.py                          # 1, 4, 16 layers, hidden 2048
    scripts/bench_ptq.py --layers 1,2 --hidden 512 --intermediate 1408
    scripts/bench_ptq.py --markdown               # the docs/results.md table

For each size, examples/gen_llama.py writes the model (bf16 weights as
dense_resource blobs, no @main) into a temporary directory (the 16-layer
model is ~3.3 GB of IR text), then `build/bin/fp4-opt MODEL
--fp4-ptq-pipeline=OPTIONS -o OUT --mlir-timing` runs once per size. The
script reports wall and CPU seconds and the peak resident memory of that
process (os.wait4 rusage), the per-pass times from --mlir-timing, and two
throughputs in MB of bf16 weights per second:

* fold MB/s: weight MB / (fp4-select-scales + fp4-fold-constants seconds),
  the time spent quantizing weights at compile time. Both passes run on
  one thread, so this is the per-core rate.
* end-to-end MB/s: weight MB / wall seconds of the whole fp4-opt run
  (parsing the hex blobs and printing the result included).

Linear scaling is checked by fitting wall = a + b * layers and reporting
the largest relative deviation of a measurement from the fit, and the
seconds per layer of the largest model against the smallest.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSES = {
    "parse": "Parser",
    "quantize-matmuls": "FP4QuantizeMatmuls",
    "fuse-rotations": "FP4FuseRotations",
    "select-scales": "FP4SelectScales",
    "report": "FP4Report",
    "fold-constants": "FP4FoldConstants",
    "canonicalize": "Canonicalizer",
    "cse": "CSE",
    "output": "Output",
}


def weight_params(layers, hidden, intermediate):
    """Weights of the projections (q, k, v, o: hidden^2; gate, up, down:
    hidden x intermediate)."""
    return layers * (4 * hidden * hidden + 3 * hidden * intermediate)


def run_measured(cmd):
    """Runs `cmd`; returns (wall s, user+sys s, peak RSS bytes, stderr)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    if p.returncode:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{text[-3000:]}")
    # ru_maxrss is in KiB on Linux.
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, text


def pass_times(timing):
    """Seconds per pass from the --mlir-timing report (wall column)."""
    times = {}
    for key, name in PASSES.items():
        total = 0.0
        for m in re.finditer(r"^\s*([0-9.]+) \(\s*[0-9.]+%\)\s+" + re.escape(name) + r"\s*$",
                             timing, re.M):
            total += float(m.group(1))
        times[key] = total
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", default="1,4,16",
                    help="comma-separated layer counts (default 1,4,16)")
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--intermediate", type=int, default=5632)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--seq", type=int, default=32)
    ap.add_argument("--options", default="weight-rule=four_over_six activation-rule=four_over_six",
                    help="--fp4-ptq-pipeline options (default: Four Over Six weights "
                         "and activations, scales selected and folded at compile time)")
    ap.add_argument("--tmpdir", help="where the generated models go (default: a "
                    "temporary directory, removed afterwards)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--markdown", action="store_true", help="print the table as markdown")
    a = ap.parse_args()

    fp4_opt = os.path.join(ROOT, "build", "bin", "fp4-opt")
    if not os.path.exists(fp4_opt):
        sys.exit("build/bin/fp4-opt not found: build first (scripts/bootstrap.sh --no-run)")
    layers = [int(n) for n in a.layers.split(",")]
    tmp = a.tmpdir or tempfile.mkdtemp(prefix="fp4-bench-ptq-")
    os.makedirs(tmp, exist_ok=True)
    rows = []
    try:
        for n in layers:
            model = os.path.join(tmp, f"llama{n}.mlir")
            out = os.path.join(tmp, f"llama{n}.fp4.mlir")
            t0 = time.perf_counter()
            subprocess.run([sys.executable, os.path.join(ROOT, "examples", "gen_llama.py"),
                            "--layers", str(n), "--hidden", str(a.hidden),
                            "--intermediate", str(a.intermediate), "--heads", str(a.heads),
                            "--seq", str(a.seq), "--no-main", "-o", model], check=True)
            gen_s = time.perf_counter() - t0
            cmd = [fp4_opt, model, f"--fp4-ptq-pipeline={a.options}", "-o", out,
                   "--mlir-timing", "--mlir-print-op-on-diagnostic=false"]
            wall, cpu, rss, err = run_measured(cmd)
            passes = pass_times(err)
            wmb = weight_params(n, a.hidden, a.intermediate) * 2 / 1e6
            fold_s = passes["select-scales"] + passes["fold-constants"]
            rows.append(dict(layers=n, weight_mb=wmb, in_mb=os.path.getsize(model) / 1e6,
                             out_mb=os.path.getsize(out) / 1e6, wall=wall, cpu=cpu,
                             rss_mb=rss / 1e6, gen_s=gen_s, fold_s=fold_s,
                             fold_mbs=wmb / fold_s if fold_s else float("inf"),
                             e2e_mbs=wmb / wall, **{f"t_{k}": v for k, v in passes.items()}))
            r = rows[-1]
            print(f"# {n} layer(s): generated in {gen_s:.1f} s ({r['in_mb']:.0f} MB of IR), "
                  f"fp4-opt {wall:.2f} s, peak RSS {r['rss_mb']:.0f} MB", file=sys.stderr)
            if not a.keep:
                os.remove(model)
                os.remove(out)
    finally:
        if not a.keep and not a.tmpdir:
            shutil.rmtree(tmp, ignore_errors=True)

    cols = [("layers", "layers", "{:d}"),
            ("bf16 weights MB", "weight_mb", "{:.0f}"),
            ("IR in MB", "in_mb", "{:.0f}"),
            ("IR out MB", "out_mb", "{:.0f}"),
            ("wall s", "wall", "{:.2f}"),
            ("CPU s", "cpu", "{:.2f}"),
            ("peak RSS MB", "rss_mb", "{:.0f}"),
            ("parse s", "t_parse", "{:.2f}"),
            ("quantize-matmuls s", "t_quantize-matmuls", "{:.3f}"),
            ("select-scales s", "t_select-scales", "{:.2f}"),
            ("fold-constants s", "t_fold-constants", "{:.2f}"),
            ("output s", "t_output", "{:.2f}"),
            ("fold MB/s", "fold_mbs", "{:.0f}"),
            ("end-to-end MB/s", "e2e_mbs", "{:.0f}")]
    print(f"fp4-opt --fp4-ptq-pipeline=\"{a.options}\" on examples/gen_llama.py models "
          f"(hidden {a.hidden}, intermediate {a.intermediate}, {a.heads} heads, bf16 weights)")
    if a.markdown:
        print("| " + " | ".join(c[0] for c in cols) + " |")
        print("|" + "---:|" * len(cols))
        for r in rows:
            print("| " + " | ".join(f.format(r[k]) for _, k, f in cols) + " |")
    else:
        widths = [max(len(c[0]), 8) for c in cols]
        print("  ".join(c[0].rjust(w) for c, w in zip(cols, widths)))
        for r in rows:
            print("  ".join(f.format(r[k]).rjust(w) for (_, k, f), w in zip(cols, widths)))

    # Linear scaling: least-squares fit wall = a + b * layers.
    if len(rows) >= 2:
        xs = [r["layers"] for r in rows]
        ys = [r["wall"] for r in rows]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
        a0 = my - b * mx
        dev = max(abs(y - (a0 + b * x)) / y for x, y in zip(xs, ys))
        per_layer = [r["wall"] / r["layers"] for r in rows]
        print(f"scaling: wall = {a0:.2f} s + {b:.2f} s/layer (largest deviation from the "
              f"fit {dev * 100:.1f}%); seconds per layer {per_layer[0]:.2f} "
              f"({rows[0]['layers']} layer(s)) -> {per_layer[-1]:.2f} ({rows[-1]['layers']} layers); "
              f"peak RSS per MB of bf16 weights {rows[-1]['rss_mb'] / rows[-1]['weight_mb']:.1f}")
    slowest = min(r["fold_mbs"] for r in rows)
    print(f"folding: {slowest:.0f} MB/s of bf16 weights per core at worst "
          f"({'meets' if slowest >= 50 else 'BELOW'} the 50 MB/s target)")


if __name__ == "__main__":
    main()
