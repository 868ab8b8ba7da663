#!/usr/bin/env python3
"""Renders docs/RESULTS-mixed-precision.md from the run directories bin/results-mixed wrote."""
import json, os, sys

out = sys.argv[1]
load = lambda *p: json.load(open(os.path.join(out, *p)))
sens = load("e-fp32", "sensitivity.json")
hasb = load("supernet-hasb", "search", "pareto.json")
unif = load("supernet-uniform", "search", "pareto.json")
joint = load("a-joint-alrs-fused", "report.json")
fp32 = load("e-fp32", "report.json")["accuracy"]["32"]

print("# Results: mixed precision (HASB SuperNet + ILP search) on Fashion-MNIST\n")
print("Produced by `bin/results-mixed` (full Fashion-MNIST: 60,000 training / 10,000 test images; `fmnist-cnn`; "
      "B = {8,6,4,2}; Spark `local[2]`; seed 42; first and last layers in FP32). The SuperNets start from the joint "
      "multi-precision run `a-joint-alrs-fused` of `bin/results` and train `supernet.epochs` = 1 epoch. Budgets "
      f"are `{hasb['budgetKind']}` budgets in bits per quantized weight (Σ n_l·b_l ≤ ω·Σ n_l). Every evaluated "
      f"model has its BatchNorm statistics re-estimated on {hasb['bnRecalibrationBatches']} training batches "
      "(no weight updates) and is then evaluated on the test split. Sizes are deployed bytes (quantized weights at "
      "their bit-widths; scales, biases, BatchNorm and the FP32 first/last layers at 32 bits). "
      f"FP32 model: {100 * fp32:.2f} %.\n")

print("## Accuracy against size\n")
print("| budget ω | (a) HASB + ILP: bits (conv2, conv3, conv4, fc1) | size (KiB) | acc. | "
      "(b) uniform sampling + ILP: bits | size (KiB) | acc. | (c) random, mean ± std (5 draws) | size (KiB) |")
print("|---|---|---|---|---|---|---|---|---|")
rand = {r["budget"]: r for r in hasb.get("random", [])}
names = [l["name"] for l in hasb["layers"]]
bits = lambda m: ", ".join(str(m["layerBits"][n]) for n in names)
a_beats_c, a_vs_b = [], []
for ma, mb in zip(hasb["members"], unif["members"]):
    r = rand.get(ma["budget"])
    rc = f"{100 * r['accuracy']:.2f} ± {100 * r['accuracyStd']:.2f}" if r else ""
    rs = f"{r['sizeBytes'] / 1024:.1f}" if r else ""
    print(f"| {ma['budget']:g} | {bits(ma)} | {ma['sizeBytes'] / 1024:.1f} | {100 * ma['accuracy']:.2f} | "
          f"{bits(mb)} | {mb['sizeBytes'] / 1024:.1f} | {100 * mb['accuracy']:.2f} | {rc} | {rs} |")
    if r:
        a_beats_c.append((ma["budget"], ma["accuracy"] >= r["accuracy"], 100 * (ma["accuracy"] - r["accuracy"])))
    a_vs_b.append((ma["budget"], 100 * (ma["accuracy"] - mb["accuracy"])))

print("\n## (d) Uniform-precision models\n")
print("| bits | size (KiB) | multi-precision run (a-joint-alrs-fused), stored BN | HASB SuperNet, re-estimated BN | "
      "uniform-sampling SuperNet, re-estimated BN |")
print("|---|---|---|---|---|")
for uh, uu in zip(hasb["uniform"], unif["uniform"]):
    b = str(uh["bits"])
    print(f"| {b} | {uh['sizeBytes'] / 1024:.1f} | {100 * joint['accuracy'][b]:.2f} | {100 * uh['accuracy']:.2f} | "
          f"{100 * uu['accuracy']:.2f} |")

print("\n## Per-layer Hessian traces (FP32 model)\n")
print(f"`bitswitch sensitivity` on `e-fp32`: {sens['samples']} training images, {sens['probes']} Rademacher probes"
      f"{' (converged at tolerance ' + str(sens['tolerance']) + ')' if sens['converged'] else ''}, "
      f"ε = {sens['epsilon']:.3g}.\n")
print("| layer | parameters | MACs | trace | trace / parameter | std. error of trace | class |")
print("|---|---|---|---|---|---|---|")
macs = {l["name"]: l["macs"] for l in hasb["layers"]}
for l in sens["layers"]:
    print(f"| {l['name']} | {l['params']} | {macs.get(l['name'], '')} | {l['trace']:.4g} | {l['tracePerParam']:.4g} | "
          f"{l['stdError']:.2g} | {l['class']} |")

print("\n## Reading\n")
if a_beats_c:
    wins = sum(1 for _, w, _ in a_beats_c if w)
    print(f"- (a) HASB + ILP against (c) random allocations: (a) ≥ (c) at {wins} of {len(a_beats_c)} budgets "
          "(differences in points: " + ", ".join(f"ω={b:g}: {d:+.2f}" for b, _, d in a_beats_c) + ").")
print("- (a) HASB + ILP against (b) uniform sampling + ILP, accuracy difference in points: "
      + ", ".join(f"ω={b:g}: {d:+.2f}" for b, d in a_vs_b) + ".")
