#!/usr/bin/env python3
"""Renders docs/RESULTS-mixed-precision.md from the run directories experiments/results-mixed wrote. The setup the
header states is read from the runs' report.json and config.conf (run_facts.py)."""
import json, os, sys

import run_facts

out = sys.argv[1]
load = lambda *p: run_facts.snake_keys(json.load(open(os.path.join(out, *p))))
sens = load("fp32-s42", "sensitivity.json")
hasb = load("supernet-hasb", "search", "pareto.json")
unif = load("supernet-uniform", "search", "pareto.json")
joint = load("joint-s42", "report.json")
fp32 = load("fp32-s42", "report.json")["accuracy"]["32"]
supernet = run_facts.config(os.path.join(out, "supernet-hasb"))
supernet_report = load("supernet-hasb", "report.json")
BITS = supernet["bitswitch.train.bits"]
draws_per_budget = max((r["draws"] for r in hasb.get("random", [])), default=0)

print("# Results: mixed precision (HASB SuperNet + ILP search) on Fashion-MNIST\n")
print(f"Produced by `experiments/results-mixed` ({run_facts.images(supernet, supernet_report)}; "
      f"`{supernet['bitswitch.model.architecture']}`; B = {run_facts.bit_set(BITS)}; Spark `local[2]`, "
      f"{supernet['bitswitch.data.partitions']} data partitions; seed {supernet_report['seed']}; "
      f"{run_facts.first_last(supernet)}). The SuperNets start from the joint multi-precision run `joint-s42` of "
      f"`experiments/results` and train `supernet.epochs` = {supernet['bitswitch.supernet.epochs']} "
      f"epoch{'' if supernet['bitswitch.supernet.epochs'] == 1 else 's'}. Budgets "
      f"are `{hasb['budget_kind']}` budgets in bits per quantized weight (Σ n_l·b_l ≤ ω·Σ n_l). Every evaluated "
      f"model has its BatchNorm statistics re-estimated on {hasb['bn_recalibration_batches']} training batches "
      "(no weight updates) and is then evaluated on the test split. Sizes are deployed bytes (quantized weights at "
      "their bit-widths; scales, biases, BatchNorm and the FP32 first/last layers at 32 bits). "
      f"FP32 model: {100 * fp32:.2f} %.\n")

print("## Accuracy against size\n")
rand = {r["budget"]: r for r in hasb.get("random", [])}
names = [l["name"] for l in hasb["layers"]]
print(f"| budget ω | (a) HASB + ILP: bits ({', '.join(names)}) | size (KiB) | acc. | "
      f"(b) uniform sampling + ILP: bits | size (KiB) | acc. | (c) random, mean ± std ({draws_per_budget} draws) | "
      "size (KiB) |")
print("|---|---|---|---|---|---|---|---|---|")
bits = lambda m: ", ".join(str(m["layer_bits"][n]) for n in names)
a_beats_c, a_vs_b = [], []
for ma, mb in zip(hasb["members"], unif["members"]):
    r = rand.get(ma["budget"])
    rc = f"{100 * r['accuracy']:.2f} ± {100 * r['accuracy_std']:.2f}" if r else ""
    rs = f"{r['size_bytes'] / 1024:.1f}" if r else ""
    print(f"| {ma['budget']:g} | {bits(ma)} | {ma['size_bytes'] / 1024:.1f} | {100 * ma['accuracy']:.2f} | "
          f"{bits(mb)} | {mb['size_bytes'] / 1024:.1f} | {100 * mb['accuracy']:.2f} | {rc} | {rs} |")
    if r:
        a_beats_c.append((ma["budget"], ma["accuracy"] >= r["accuracy"], 100 * (ma["accuracy"] - r["accuracy"])))
    a_vs_b.append((ma["budget"], 100 * (ma["accuracy"] - mb["accuracy"])))

print("\n## (d) Uniform-precision models\n")
print("| bits | size (KiB) | multi-precision run (joint-s42), stored BN | HASB SuperNet, re-estimated BN | "
      "uniform-sampling SuperNet, re-estimated BN |")
print("|---|---|---|---|---|")
for uh, uu in zip(hasb["uniform"], unif["uniform"]):
    b = str(uh["bits"])
    print(f"| {b} | {uh['size_bytes'] / 1024:.1f} | {100 * joint['accuracy'][b]:.2f} | {100 * uh['accuracy']:.2f} | "
          f"{100 * uu['accuracy']:.2f} |")

print("\n## Per-layer Hessian traces (FP32 model)\n")
print(f"`bitswitch sensitivity` on `fp32-s42`: {sens['samples']} training images, {sens['probes']} Rademacher probes"
      f"{' (converged at tolerance ' + str(sens['tolerance']) + ')' if sens['converged'] else ''}, "
      f"ε = {sens['epsilon']:.3g}.\n")
print("| layer | parameters | MACs | trace | trace / parameter | std. error of trace | class |")
print("|---|---|---|---|---|---|---|")
macs = {l["name"]: l["macs"] for l in hasb["layers"]}
for l in sens["layers"]:
    print(f"| {l['name']} | {l['params']} | {macs.get(l['name'], '')} | {l['trace']:.4g} | {l['trace_per_param']:.4g} | "
          f"{l['std_error']:.2g} | {l['class']} |")

print("\n## SuperNet bit-width draws (share of passes per layer)\n")
print("| SuperNet | layer | class | " + " | ".join(f"{b}-bit" for b in BITS) + " |")
print("|" + "---|" * (3 + len(BITS)))
classes = {l["name"]: l["class"] for l in sens["layers"]}
for sampling in ("hasb", "uniform"):
    draws = load(f"supernet-{sampling}", "report.json")["hasb_draws"]
    for layer, counts in draws.items():
        total = sum(counts.values())
        print(f"| {sampling} | {layer} | {classes.get(layer, '')} | "
              + " | ".join(f"{100 * counts.get(str(b), 0) / total:.1f} %" for b in BITS) + " |")

print("\n## Reading\n")
if a_beats_c:
    wins = sum(1 for _, w, _ in a_beats_c if w)
    print(f"- (a) HASB + ILP against (c) random allocations: (a) ≥ (c) at {wins} of {len(a_beats_c)} budgets "
          "(differences in points: " + ", ".join(f"ω={b:g}: {d:+.2f}" for b, _, d in a_beats_c) + ").")
print("- (a) HASB + ILP against (b) uniform sampling + ILP, accuracy difference in points: "
      + ", ".join(f"ω={b:g}: {d:+.2f}" for b, d in a_vs_b) + ".")
stds = [100 * r["accuracy_std"] for r in hasb.get("random", [])]
if stds:
    print(f"- Scale of the differences: the {draws_per_budget} random draws per budget spread by {min(stds):.2f}–{max(stds):.2f} points "
          "(std), and every number here comes from one seed, so differences of about 0.1 point are within noise.")
print("- Random allocations are drawn uniformly among those within the budget, so on average they use less of it "
      "(their mean size is in the table): at equal budget they are smaller models than the ILP's.")
for u in hasb["uniform"]:
    better = [m for m in hasb["members"] if m["accuracy"] >= u["accuracy"] and m["size_bytes"] < u["size_bytes"]]
    if better:
        m = min(better, key=lambda m: m["size_bytes"])
        print(f"- Against the uniform {u['bits']}-bit model of the same SuperNet ({u['size_bytes'] / 1024:.1f} KiB, "
              f"{100 * u['accuracy']:.2f} %): the ILP member of ω={m['budget']:g} ({bits(m)}) is "
              f"{100 * (1 - m['size_bytes'] / u['size_bytes']):.0f} % smaller at {100 * m['accuracy']:.2f} %.")
gains = [100 * (u["accuracy"] - joint["accuracy"][str(u["bits"])]) for p in (hasb, unif) for u in p["uniform"]]
print(f"- The SuperNets' uniform models score {min(gains):+.2f} to {max(gains):+.2f} points against the "
      "multi-precision run they start from; this mixes the SuperNet's extra epoch of training with the BatchNorm re-estimation, which these runs do not "
      "separate.")
