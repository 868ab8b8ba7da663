#!/usr/bin/env python3
"""Summarises experiments/warmup-screen: accuracy, and the losses of the first 20 steps, each against the
first step's and against the starting model's loss on the same batch (the run 'frozen')."""
import csv, json, os, sys

out = sys.argv[1]
STEPS = 20


def history(rid):
    with open(os.path.join(out, rid, "history.csv")) as f:
        return list(csv.DictReader(f))


def accuracy(rid):
    with open(os.path.join(out, rid, "report.json")) as f:
        return json.load(f)["accuracy"]


print("accuracy (%), test split: FP32 start " + " ".join(f"{100 * v:.2f}" for v in accuracy("fp").values()))
frozen = history("frozen")
for rid, label in [("frozen", "starting model, rate 1e-12 (no update)"), ("w0", "no warm-up"),
                   ("w30", "30 warm-up steps")]:
    h = history(rid)
    print(f"\n== {rid}: {label}")
    if rid != "frozen":
        print("   accuracy " + " ".join(f"w{b}={100 * v:.2f}" for b, v in accuracy(rid).items()))
    for k in [c for c in h[0] if c.startswith("loss_")]:
        early = [float(r[k]) for r in h[:STEPS]]
        start = [float(r[k]) for r in frozen[:STEPS]]
        same_batch = max(a / b for a, b in zip(early, start))
        print(f"   loss {k[5:]:>2} bits, steps 1-{STEPS}: first {early[0]:.3f}, max {max(early):.3f} "
              f"({max(early) / early[0]:.2f}x the first), at most {same_batch:.2f}x the starting model's on the same batch")
