#!/usr/bin/env python3
"""Summarises the runs of experiments/quick-screen: accuracy, early losses, ALRS rates, scale drift."""
import csv, json, os, sys

out = sys.argv[1]
RUNS = ["fp-uniform", "fp-he", "lin-alrs", "log-alrs", "lin-noalrs", "log-noalrs", "single8-log"]
for rid in RUNS:
    d = os.path.join(out, rid)
    if not os.path.exists(os.path.join(d, "report.json")):
        print(f"== {rid}: not run")
        continue
    rep = json.load(open(os.path.join(d, "report.json")))
    print(f"== {rid}: accuracy " + " ".join(f"w{b}={100 * v:.2f}" for b, v in rep["accuracy"].items()))
    h = list(csv.DictReader(open(os.path.join(d, "history.csv"))))
    losses = [k for k in h[0] if k.startswith("loss_")]
    for k in losses:
        first = float(h[0][k])
        early = [float(r[k]) for r in h[:20]]
        print(f"   loss {k[5:]:>2}: first {first:.3f}, max of steps 1-20 {max(early):.3f} ({max(early) / first:.2f}x), "
              f"last {float(h[-1][k]):.3f}")
    rates = [k for k in h[0] if k.startswith("scale_lr_") and h[0][k]]
    if rates:
        print("   mean scale learning rate: " + " ".join(
            f"{k[9:]}={sum(float(r[k]) for r in h) / len(h):.2e}" for k in rates))
    drift = rep.get("scale_drift")
    if drift:
        for b, layers in drift["activation"].items():
            print(f"   activation scales {b:>2} bits: " + " ".join(
                f"{l} {v['first']:.4f}->{v['last']:.4f}" for l, v in layers.items()))
        print("   weight scales, mean last/first: " + " ".join(
            f"{l} {v['mean_ratio']:.3f}" for l, v in drift["weight"].items()))
