#!/usr/bin/env python3
"""Renders docs/RESULTS.md from the run directories bin/results wrote (report.json, history.csv)."""
import csv, json, os, sys

out = sys.argv[1]
rows = [
    ("(e) FP32 (pretrain, 2 epochs)", "e-fp32"),
    ("(a) joint {8,6,4,2} + ALRS, fused", "a-joint-alrs-fused"),
    ("(b) joint {8,6,4,2} + ALRS, sequential", "b-joint-alrs-sequential"),
    ("(c) joint {8,6,4,2}, no ALRS", "c-joint-no-alrs"),
    ("(d) single-precision QAT, 8 bits", "d-single-8"),
    ("(d) single-precision QAT, 4 bits", "d-single-4"),
    ("(d) single-precision QAT, 2 bits", "d-single-2"),
]
cols = ["32", "8", "6", "4", "2"]
print("# Results: one-shot multi-precision QAT on Fashion-MNIST\n")
print("Produced by `bin/results` (full Fashion-MNIST: 60,000 training / 10,000 test images; default recipe of "
      "`conf/bitswitch.conf`; `fmnist-cnn`; Spark `local[2]`; first and last layers in FP32). Accuracy is on the "
      "test split, evaluated from the published bundle; quantized rows start from the FP32 bundle of (e).\n")
print("| run | seed | " + " | ".join("w" + c if c != "32" else "FP32" for c in cols)
      + " | wall time (s) | images/s | image-passes/s |")
print("|---|---|" + "---|" * len(cols) + "---|---|---|")
for label, rid in rows:
    d = os.path.join(out, rid)
    if not os.path.exists(os.path.join(d, "report.json")):
        continue
    rep = json.load(open(os.path.join(d, "report.json")))
    acc = rep.get("accuracy", {})
    with open(os.path.join(d, "history.csv")) as f:
        hist = list(csv.DictReader(f))
    secs = sum(float(r["seconds"]) for r in hist)
    passes = sum(1 for k in hist[0] if k.startswith("loss_")) if hist else 0
    batch = float(hist[0]["images_per_second"]) * float(hist[0]["seconds"]) if hist else 0
    imgs = len(hist) * round(batch) / secs if secs else 0
    cells = [f"{100 * acc[c]:.2f}" if c in acc else "" for c in cols]
    seed = rep.get("seed", "")
    print(f"| {label} | {seed} | " + " | ".join(cells)
          + f" | {rep.get('seconds', 0):.0f} | {imgs:.0f} | {imgs * passes:.0f} |")
print("\nimages/s: global-batch images per second of training steps (from `history.csv`); image-passes/s: "
      "images/s × bit-widths per step (one pass = one image at one bit-width). Wall time: the whole command "
      "(data loading, training, evaluation, publishing).")

# Targets of issue 3, for run (a) against (e).
a = os.path.join(out, "a-joint-alrs-fused", "report.json")
e = os.path.join(out, "e-fp32", "report.json")
if os.path.exists(a) and os.path.exists(e):
    acc = json.load(open(a))["accuracy"]
    fp = json.load(open(e))["accuracy"]["32"]
    print("\n## Accuracy targets, run (a) against FP32\n")
    print("| bits | accuracy | FP32 | difference (pt) | target (pt) | met |")
    print("|---|---|---|---|---|---|")
    for b, tol in (("8", 0.1), ("6", 0.1), ("4", 0.1), ("2", 0.5)):
        if b in acc:
            d = 100 * (acc[b] - fp)
            print(f"| {b} | {100 * acc[b]:.2f} | {100 * fp:.2f} | {d:+.2f} | ≥ -{tol} | {'yes' if d >= -tol - 1e-9 else 'no'} |")
bench = os.path.join("docs", "benchmark.txt")
if os.path.exists(bench):
    print("\n## Throughput target\n")
    print("`bin/bitswitch benchmark --master 'local[2]'` on the same 2 cores (output in `docs/benchmark.txt`):\n")
    print("```")
    print(open(bench).read().rstrip())
    print("```")

print("\n## Mixed precision\n")
print("The HASB SuperNet, ILP search and their baselines on the same data are in\n"
      "[`RESULTS-mixed-precision.md`](RESULTS-mixed-precision.md) (`bin/results-mixed`).")
