#!/usr/bin/env python3
"""Renders docs/RESULTS.md from the run directories experiments/results wrote (report.json, config.conf,
history.csv). The recipe the header states is read from the runs (run_facts.py)."""
import csv, os, re, statistics, sys

import colour_results
import run_facts

out = sys.argv[1]
# The independent PyTorch implementation of the same recipe (one seed, so about ±0.2 pt).
REFERENCE = [
    ("FP32", {"32": 91.85}),
    ("joint {8,6,4,2} + ALRS", {"8": 92.04, "6": 92.19, "4": 92.10, "2": 91.47}),
    ("joint {8,6,4,2}, no ALRS", {"8": 91.85, "6": 91.63, "4": 91.48, "2": 87.47}),
    ("single-precision QAT, 8 / 4 / 2 bits", {"8": 92.16, "4": 91.74, "2": 88.97}),
]
TARGETS = {"8": 92.05, "6": 92.2, "4": 92.1, "2": 91.5}
# A removed mode, kept as measured (seed 42, no distillation): its run directory predates this layout.
AVERAGED = ("bitswitch `averaged` update mode (measured at commit f51fd91 without distillation, then removed: "
            "docs/design/method.md §4)", {"8": 92.19, "6": 92.22, "4": 92.24, "2": 91.12})


def report(rid):
    return run_facts.report(os.path.join(out, rid))


def config(rid):
    return run_facts.config(os.path.join(out, rid))


# The seeds are those of the FP32 runs fp32-s<seed> found; the recipe is that of the default joint run of the
# first seed and of its FP32 run.
SEEDS = sorted(report(d)["seed"] for d in (os.listdir(out) if os.path.isdir(out) else [])
               if re.fullmatch(r"fp32-s\d+", d) and report(d))
if not SEEDS:
    sys.exit(f"no finished FP32 run fp32-s<seed> under {out}")
JOINT = config(f"joint-s{SEEDS[0]}") or sys.exit(f"no default joint run joint-s{SEEDS[0]} under {out}")
FP32 = config(f"fp32-s{SEEDS[0]}")
QUANTIZED = [str(b) for b in JOINT["bitswitch.train.bits"]]
BITS = ["32"] + QUANTIZED
B = run_facts.bit_set(JOINT["bitswitch.train.bits"])


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
    """Accuracies per bit-width of the runs prefix-s<seed> that exist, over SEEDS."""
    found = [a for a in (acc(f"{prefix}-s{s}") for s in SEEDS) if a]
    return {b: [a[b] for a in found if b in a] for b in BITS}, len(found)


total_seconds = 0.0
for d in sorted(os.listdir(out)) if os.path.isdir(out) else []:
    r = report(d)
    if r:
        total_seconds += r.get("seconds", 0)

print("# Results: one-shot multi-precision QAT on Fashion-MNIST\n")
t = lambda key: JOINT["bitswitch.train." + key]
plural = lambda n, word: f"{n} {word}" + ("" if n == 1 else "s")
warmup_steps = JOINT.get("bitswitch.train.warmup-steps", 0)
warmup = f" with {plural(warmup_steps, 'warm-up step')}" if warmup_steps else ""
print(f"Produced by `experiments/results` ({run_facts.images(JOINT, report(f'joint-s{SEEDS[0]}'))}; the default recipe "
      f"of `conf/bitswitch.conf`: FP32 {plural(FP32['bitswitch.pretrain.epochs'], 'epoch')}, then "
      f"{plural(t('epochs'), 'joint epoch')}, batch {t('batch-size')}, Adam {run_facts.learning_rate(t('lr'))} cosine"
      f"{warmup}, "
      f"B = {B}, {t('update-mode')} updates, {'ALRS' if t('alrs') else 'no ALRS'}, "
      f"{'in-place distillation' if t('distill') == 'inplace' else 'no distillation'}, switchable BatchNorm, "
      f"{run_facts.first_last(JOINT)}, {JOINT['bitswitch.model.init']} initialisation, scales learned "
      f"{'in log space' if t('scale-param') == 'log' else 'linearly'}; `{JOINT['bitswitch.model.architecture']}`; "
      f"Spark `local[2]`, {plural(JOINT['bitswitch.data.partitions'], 'data partition')}). Accuracy (%) is on the test split, "
      "evaluated from the published bundle; every quantized run starts from the FP32 bundle of its seed. "
      + (f"Rows with more than one seed show mean ± standard deviation over seeds {', '.join(map(str, SEEDS))}."
         if len(SEEDS) > 1 else f"Seed {SEEDS[0]} only so far.") + "\n")
print("| run | seeds | " + " | ".join("FP32" if b == "32" else f"w{b}" for b in BITS) + " |")
print("|" + "---|" * (2 + len(BITS)))
for label, values in REFERENCE:
    print(f"| independent implementation: {label} | 1 | " + " | ".join(
        f"{values[b]:.2f}" if b in values else "" for b in BITS) + " |")
rows = [
    ("bitswitch FP32 (pretrain)", "fp32"),
    (f"bitswitch joint {B} + ALRS, in-place distillation (default)", "joint"),
    (f"bitswitch joint {B} + ALRS, no distillation (`train.distill=none`)", "no-distill"),
    (f"bitswitch joint {B}, no ALRS (`train.alrs=false`), in-place distillation", "no-alrs"),
    (f"bitswitch joint {B} + ALRS, in-place distillation, no warm-up (`train.warmup-steps=0`)", "no-warmup"),
]
for label, prefix in rows:
    g, n = group(prefix)
    if n:
        print(f"| {label} | {n} | " + " | ".join(fmt(g[b]) for b in BITS) + " |")
# The one-seed runs of experiments/results, with the default recipe otherwise; single-precision and partition
# labels come from each run's config.
single = lambda c: f"bitswitch single-precision QAT, {c['bitswitch.train.bits'][0]} bits"
partitions = lambda c: f"bitswitch default, {plural(c['bitswitch.data.partitions'], 'partition')}"
singles = [("bitswitch FP32, He-normal initialisation", "fp32-he-normal"),
           (single, "single-8"), (single, "single-4"), (single, "single-2"),
           (partitions, "partitions-1"), (partitions, "partitions-4"),
           ("bitswitch default, linear scales (`train.scale-param=linear`)", "linear-scales")]
label, values = AVERAGED
print(f"| {label} | 1 (42) | " + " | ".join(f"{values[b]:.2f}" if b in values else "" for b in BITS) + " |")
for label, name in singles:
    rid = f"{name}-s{SEEDS[0]}"
    a = acc(rid)
    if a:
        label = label(config(rid)) if callable(label) else label
        print(f"| {label} | 1 ({report(rid)['seed']}) | " + " | ".join(f"{a[b]:.2f}" if b in a else "" for b in BITS) + " |")
print(f"\nWall time of the runs listed: {total_seconds / 60:.0f} min (sum of the runs' `seconds` in report.json: data "
      "loading, training, evaluation, publishing; it depends on what else the machine was running, so it is not a "
      "speed figure). Rows of `experiments/results` that have not run yet are missing from the table.")

# resnet20 on coloured Fashion-MNIST (experiments/results-colour; its rows are kept in docs/results-colour.tsv).
colour = colour_results.section()
if colour:
    print("\n" + colour)

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
    if n > 1 and noff > 1:
        gain = statistics.mean(g["2"]) - statistics.mean(off["2"])
        spread = max(statistics.stdev(g["2"]), statistics.stdev(off["2"]))
        print(f"| ALRS on beats off at 2 bits by more than the seeds' std | "
              f"{gain:+.2f} pt (std {spread:.2f}) | "
              f"{'yes' if gain > spread else 'no'} |")

# Training health and scale drift of the default run of the first seed.
h = history(f"joint-s{SEEDS[0]}")
if h:
    cols = [k for k in h[0] if k.startswith("loss_")]
    print(f"\n## Training health (default run, seed {SEEDS[0]})\n")
    print("Largest training loss of the first 20 steps relative to the first step's, per precision "
          "(`history.csv`; the former one-round `fused` mode jumped from 0.32 to 8.2 at step 2). Each is the loss "
          "of one batch of 128, so the ratio also measures how much harder batch t is than batch 1: "
          "`docs/design/method.md` §4, \"The start of QAT\", separates the two at the quick-demo size.\n")
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


print(f"\n## Scale drift (seed {SEEDS[0]})\n")
print("last / first value of the activation scales a_{l,b} over the joint epoch (min–max over the quantized layers), "
      "and of the shared weight scales (mean over channels, min–max over layers), from `scale_drift` in "
      "report.json:\n")
print("| run | " + " | ".join(f"a, {b} bits" for b in QUANTIZED) + " | weight scales |")
print("|" + "---|" * (2 + len(QUANTIZED)))
for label, rid in [("default (ALRS, log scales, in-place distillation)", f"joint-s{SEEDS[0]}"),
                   ("no distillation", f"no-distill-s{SEEDS[0]}"),
                   ("no ALRS", f"no-alrs-s{SEEDS[0]}"),
                   ("linear scales", f"linear-scales-s{SEEDS[0]}")]:
    d = drift_rows(rid)
    if d:
        act, w = d
        print(f"| {label} | " + " | ".join(f"{act[b][0]:.3f}–{act[b][1]:.3f}" if b in act else "" for b in
                                         QUANTIZED) + f" | {min(w):.3f}–{max(w):.3f} |")

print("\n## Mixed precision\n")
print("The HASB SuperNet, ILP search and their baselines are in\n"
      "[`RESULTS-mixed-precision.md`](RESULTS-mixed-precision.md) (`experiments/results-mixed`).")
