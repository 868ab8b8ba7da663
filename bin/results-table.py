#!/usr/bin/env python3
"""Renders docs/RESULTS.md from the run directories bin/results wrote (report.json, history.csv)."""
import csv, json, os, statistics, sys

out = sys.argv[1]
BITS = ["32", "8", "6", "4", "2"]
SEEDS = [42, 43, 44]
# The independent PyTorch implementation of the same recipe (one seed, so about ±0.2 pt).
REFERENCE = [
    ("FP32", {"32": 91.85}),
    ("joint {8,6,4,2} + ALRS", {"8": 92.04, "6": 92.19, "4": 92.10, "2": 91.47}),
    ("joint {8,6,4,2}, no ALRS", {"8": 91.85, "6": 91.63, "4": 91.48, "2": 87.47}),
    ("single-precision QAT, 8 / 4 / 2 bits", {"8": 92.16, "4": 91.74, "2": 88.97}),
]
TARGETS = {"8": 92.05, "6": 92.2, "4": 92.1, "2": 91.5}


def report(rid):
    p = os.path.join(out, rid, "report.json")
    return json.load(open(p)) if os.path.exists(p) else None


def history(rid):
    p = os.path.join(out, rid, "history.csv")
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return list(csv.DictReader(f))


def acc(rid):
    r = report(rid)
    return {b: 100 * v for b, v in r["accuracy"].items()} if r else None


def fmt(values):
    if not values:
        return ""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def group(prefix):
    """Accuracies per bit-width of the runs prefix-s42/43/44 that exist."""
    found = [a for a in (acc(f"{prefix}-s{s}") for s in SEEDS) if a]
    return {b: [a[b] for a in found if b in a] for b in BITS}, len(found)


total_seconds = 0.0
for d in sorted(os.listdir(out)) if os.path.isdir(out) else []:
    r = report(d)
    if r:
        total_seconds += r.get("seconds", 0)

print("# Results: one-shot multi-precision QAT on Fashion-MNIST\n")
print("Produced by `bin/results` (full Fashion-MNIST: 60,000 training / 10,000 test images; the default recipe of "
      "`conf/bitswitch.conf`: FP32 2 epochs, then 1 joint epoch, batch 128, Adam 1e-3 cosine, B = {8,6,4,2}, "
      "sequential updates, ALRS, switchable BatchNorm, first and last layers in FP32, fan-in-uniform initialisation, "
      "scales learned in log space; `fmnist-cnn`; Spark `local[2]`). Accuracy (%) is on the test split, evaluated from the "
      "published bundle; every quantized run starts from the FP32 bundle of its seed. Rows with three seeds show "
      "mean ± standard deviation over seeds 42, 43, 44.\n")
print("| run | seeds | FP32 | w8 | w6 | w4 | w2 |")
print("|---|---|---|---|---|---|---|")
for label, values in REFERENCE:
    print(f"| independent implementation: {label} | 1 | " + " | ".join(
        f"{values[b]:.2f}" if b in values else "" for b in BITS) + " |")
rows = [
    ("bitswitch FP32 (pretrain)", "fp32"),
    ("bitswitch joint {8,6,4,2} + ALRS (default)", "joint"),
    ("bitswitch joint {8,6,4,2}, no ALRS", "no-alrs"),
]
for label, prefix in rows:
    g, n = group(prefix)
    if n:
        print(f"| {label} | {n} | " + " | ".join(fmt(g[b]) for b in BITS) + " |")
singles = [("bitswitch FP32, He-normal initialisation", "fp32-he-normal-s42"),
           ("bitswitch `averaged` update mode", "averaged-s42"),
           ("bitswitch in-place distillation (`train.distill=inplace`)", "distill-s42"),
           ("bitswitch single-precision QAT, 8 bits", "single-8-s42"),
           ("bitswitch single-precision QAT, 4 bits", "single-4-s42"),
           ("bitswitch single-precision QAT, 2 bits", "single-2-s42"),
           ("bitswitch default, 1 partition", "partitions-1-s42"),
           ("bitswitch default, 4 partitions", "partitions-4-s42"),
           ("bitswitch default, linear scales (`train.scale-param=linear`)", "linear-scales-s42")]
for label, rid in singles:
    a = acc(rid)
    if a:
        print(f"| {label} | 1 (42) | " + " | ".join(f"{a[b]:.2f}" if b in a else "" for b in BITS) + " |")
print(f"\nWall time of the runs listed: {total_seconds / 60:.0f} min (sum of the runs' `seconds` in report.json: data "
      "loading, training, evaluation, publishing; it depends on what else the machine was running, so it is not a "
      "speed figure). Rows of `bin/results` that have not run yet are missing from the table.")

# Targets.
g, n = group("joint")
print(f"\n## Targets (means over the {n} seed(s) of the default run done so far; the targets ask for three)\n")
fp, nf = group("fp32")
off, noff = group("no-alrs")
if n and nf:
    print("| target | measured | met |")
    print("|---|---|---|")
    m = statistics.mean(fp["32"])
    print(f"| FP32 ≥ 91.6 | {m:.2f} | {'yes' if m >= 91.6 else 'no'} |")
    for b, t in TARGETS.items():
        mb = statistics.mean(g[b])
        print(f"| default w{b} ≥ {t} (ahead of the independent implementation) | {mb:.2f} | "
              f"{'yes' if mb >= t else 'no'} |")
    worst = None
    for s in SEEDS:
        a, f = acc(f"joint-s{s}"), acc(f"fp32-s{s}")
        if a and f:
            for b in TARGETS:
                d = a[b] - f["32"]
                worst = d if worst is None or d < worst else worst
    if worst is not None:
        print(f"| every w_b ≥ the FP32 model it started from (per seed) | worst w_b − FP32 = {worst:+.2f} pt | "
              f"{'yes' if worst >= 0 else 'no'} |")
    if noff and len(g["2"]) > 1 and len(off["2"]) > 1:
        gain = statistics.mean(g["2"]) - statistics.mean(off["2"])
        spread = max(statistics.stdev(g["2"]), statistics.stdev(off["2"]))
        print(f"| ALRS on beats off at 2 bits by more than the seeds' std | {gain:+.2f} pt (std {spread:.2f}) | "
              f"{'yes' if gain > spread else 'no'} |")

# Training health and scale drift of the default run, seed 42.
h = history("joint-s42")
if h:
    cols = [k for k in h[0] if k.startswith("loss_")]
    print("\n## Training health (default run, seed 42)\n")
    print("Largest training loss of the first 20 steps relative to the first step's, per precision "
          "(`history.csv`; the former one-round `fused` mode jumped from 0.32 to 8.2 at step 2):\n")
    print("| precision | first loss | max of steps 1–20 / first |")
    print("|---|---|---|")
    for c in cols:
        first = float(h[0][c])
        worst = max(float(r[c]) for r in h[:20])
        print(f"| {c[5:]} | {first:.3f} | {worst / first:.2f} |")


def drift_rows(rid):
    r = report(rid)
    if not r or not r.get("scale_drift"):
        return None
    act = r["scale_drift"]["activation"]
    rows = {}
    for b, layers in act.items():
        ratios = [v["last"] / v["first"] for v in layers.values()]
        rows[b] = (min(ratios), max(ratios))
    w = r["scale_drift"]["weight"]
    return rows, [v["mean_ratio"] for v in w.values()]


print("\n## Scale drift (seed 42)\n")
print("last / first value of the activation scales a_{l,b} over the joint epoch (min–max over the quantized layers), "
      "and of the shared weight scales (mean over channels, min–max over layers), from `scale_drift` in "
      "report.json:\n")
print("| run | " + " | ".join(f"a, {b} bits" for b in ["8", "6", "4", "2"]) + " | weight scales |")
print("|---|---|---|---|---|---|")
for label, rid in [("default (ALRS, log scales)", "joint-s42"), ("no ALRS", "no-alrs-s42"),
                   ("linear scales", "linear-scales-s42")]:
    d = drift_rows(rid)
    if d:
        act, w = d
        print(f"| {label} | " + " | ".join(f"{act[b][0]:.3f}–{act[b][1]:.3f}" if b in act else "" for b in
                                         ["8", "6", "4", "2"]) + f" | {min(w):.3f}–{max(w):.3f} |")

print("\n## Mixed precision\n")
print("The HASB SuperNet, ILP search and their baselines are in\n"
      "[`RESULTS-mixed-precision.md`](RESULTS-mixed-precision.md) (`bin/results-mixed`).")
