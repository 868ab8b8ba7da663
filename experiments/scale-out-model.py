#!/usr/bin/env python3
"""Fits the scale-out model of docs/SCALE-OUT.md to the event logs ScaleOutMeasurement wrote.

usage: experiments/scale-out-model.py MEASURE_DIR > docs/SCALE-OUT.md

MEASURE_DIR holds runs.tsv (one line per train run), events/<label>/ (Spark's event log of that
run) and runs/<label>/report.json. A training round is a Spark job whose result stage is the
gradient tree sum (stage name "runJob at TreeSum.java", or "collect at TreeSum.java" before
optimisation 5 of docs/PERFORMANCE.md and above four partitions); the first two steps' rounds are dropped
as warm-up. Per run the script takes medians over the remaining rounds of
  W   the job's wall time (submission to completion, driver clock),
  gap the driver's time between one round's end and the next round's submission (Adam on the
      driver, the mean gradient, the next broadcast's creation),
  R   the task run time (executor clock) of the round's slowest task,
  res the task result bytes.
Model, per round, for N executors with b images each (docs/SCALE-OUT.md says why this form):
  T_round(N, b) = c*b + r0 + A + f + O(N),   O(N) = O1 + (N - 1)*delta + L(N)*ell
c (compute per image) and r0 (a task's fixed time) from local[1] at two batches; A (driver serial,
the gap), f (theta fetched) and O1 (the round outside the task) from the standalone cluster with one
executor; delta from it with two; ell (one shuffle level of the tree sum, L(N) levels) from local[2]
at 2, 4, 8 and 16 partitions.
"""
import json
import math
import os
import statistics
import sys

FAN_IN = 4          # io.bitswitch.aggregate.TreeSum.FAN_IN
WARMUP_STEPS = 2
DEFAULT_ROUNDS = 4  # rounds per step of the default mode: one per precision of {8,6,4,2}
DEFAULT_B = 128     # default global batch (conf/bitswitch.conf train.batch-size)
NETWORK_GBIT = 10   # the real-network column's assumed link speed


def read_runs(root):
    with open(os.path.join(root, "runs.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def event_log(root, label):
    """The run's event files in order: Spark 4 writes a directory eventlog_v2_<app>/events_<i>_<app>."""
    d = os.path.join(root, "events", label)
    logs = [os.path.join(d, n) for n in os.listdir(d) if n.startswith("eventlog_v2_")]
    if len(logs) != 1:
        sys.exit(f"{d}: expected one event log directory, found {logs}")
    files = [n for n in os.listdir(logs[0]) if n.startswith("events_")]
    return [os.path.join(logs[0], n) for n in sorted(files, key=lambda n: int(n.split("_")[1]))]


def events(paths):
    for path in paths:
        with open(path) as f:
            for line in f:
                yield json.loads(line)


def rounds_of(paths, steps, bits):
    """Per training round: (W ms, start ms, end ms, slowest task run ms, max result bytes, tasks)."""
    jobs, stage_job, tasks = {}, {}, {}
    for e in events(paths):
        kind = e["Event"]
        if kind == "SparkListenerJobStart":
            names = [s["Stage Name"] for s in e["Stage Infos"]]
            jobs[e["Job ID"]] = {"start": e["Submission Time"], "names": names}
            for s in e["Stage Infos"]:
                stage_job[s["Stage ID"]] = e["Job ID"]
        elif kind == "SparkListenerJobEnd":
            jobs[e["Job ID"]]["end"] = e["Completion Time"]
        elif kind == "SparkListenerTaskEnd" and e.get("Task Metrics"):
            m = e["Task Metrics"]
            job = stage_job.get(e["Stage ID"])
            tasks.setdefault(job, []).append((m["Executor Run Time"], m["Result Size"]))
    train = [j for j in sorted(jobs) if any("TreeSum" in n for n in jobs[j]["names"])]
    expected = steps * bits
    if len(train) < expected:
        sys.exit(f"{paths[0]}: {len(train)} tree-sum jobs, expected at least {expected} training rounds")
    out = []
    for j in train[:expected]:
        t = tasks.get(j, [])
        out.append((jobs[j]["end"] - jobs[j]["start"], jobs[j]["start"], jobs[j]["end"],
                    max(r for r, _ in t), max(s for _, s in t), len(t)))
    return out


def summarise(root, run):
    steps, bits = int(run["steps"]), len(run["bits"].strip("[]").split(","))
    rs = rounds_of(event_log(root, run["label"]), steps, bits)
    kept = rs[WARMUP_STEPS * bits:]
    gaps = [kept[i + 1][1] - kept[i][2] for i in range(len(kept) - 1)]
    with open(os.path.join(root, "runs", run["label"], "report.json")) as f:
        report = json.load(f)
    return {
        "W": statistics.median(r[0] for r in kept),
        "gap": statistics.median(gaps),
        "R": statistics.median(r[3] for r in kept),
        "res": statistics.median(r[4] for r in kept),
        "tasks": kept[0][5],
        "rounds": len(kept),
        "theta_bytes": report["sizes"]["fp32_model_bytes"],
    }


def levels(n):
    """Shuffle levels of the tree sum for n partial sums (TreeSum: while more than FAN_IN remain)."""
    count = 0
    while n > FAN_IN:
        n = math.ceil(n / FAN_IN)
        count += 1
    return count


def least_squares(rows, ys):
    """Solves min |X beta - y| by the normal equations (a handful of unknowns)."""
    k = len(rows[0])
    a = [[sum(r[i] * r[j] for r in rows) for j in range(k)] for i in range(k)]
    v = [sum(r[i] * y for r, y in zip(rows, ys)) for i in range(k)]
    for col in range(k):  # Gauss-Jordan with partial pivoting
        piv = max(range(col, k), key=lambda r: abs(a[r][col]))
        a[col], a[piv], v[col], v[piv] = a[piv], a[col], v[piv], v[col]
        for r in range(k):
            if r != col and a[col][col]:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col])]
                v[r] -= f * v[col]
    return [v[i] / a[i][i] for i in range(k)]


def fit(model, m):
    """The coefficients of one model from its runs (keyed by (master kind, executors, partitions, batch))."""
    def get(kind, n, p, b):
        key = (kind, n, p, b)
        if key not in m:
            sys.exit(f"{model}: no run {key}")
        return m[key]
    batches = (32, 128)
    l32, l128 = get("local[1]", 1, 1, 32), get("local[1]", 1, 1, 128)
    c = (l128["R"] - l32["R"]) / (128 - 32)
    r0 = l32["R"] - c * 32
    one = [get("standalone", 1, 1, b) for b in batches]
    two = [get("standalone", 2, 2, b) for b in batches]
    fetch = statistics.mean(v["R"] - (c * b + r0) for v, b in zip(one, batches))
    outside1 = [v["W"] - v["R"] for v in one]
    outside2 = [v["W"] - v["R"] for v in two]
    # The slowest of two concurrent tasks against one task of the same images: this 2-core machine's
    # contention (two executor JVMs and the driver on two cores), which the model does not carry over.
    contention = [v["R"] / (c * b / 2 + r0 + fetch) for v, b in zip(two, batches)]
    lp = [(p, get("local[2]", 2, p, 128)) for p in (2, 4, 8, 16)]
    rows = [[1.0, p / 2, levels(p)] for p, _ in lp]
    ys = [v["W"] - c * 128 / 2 for _, v in lp]
    _, _, ell = least_squares(rows, ys)  # base and per-task cost absorb what ℓ is not
    return {"c": c, "r0": r0, "fetch": fetch, "A": statistics.mean(v["gap"] for v in one),
            "O1": statistics.mean(outside1), "delta": statistics.mean(outside2) - statistics.mean(outside1),
            "ell": ell, "outside1": outside1, "outside2": outside2, "contention": contention,
            "local_fit": list(zip([p for p, _ in lp], ys)),
            "theta_bytes": l32["theta_bytes"], "res": two[1]["res"]}


def network_ms(f, n, capped):
    """Time on the driver's link at NETWORK_GBIT: θ out to every executor (linear) or to at most FAN_IN
    of them, the rest fetching from peers (capped); min(n, FAN_IN) results in; each tree level moving
    FAN_IN results into each reducer (in parallel over reducers)."""
    byte_ms = 8 / (NETWORK_GBIT * 1e9) * 1e3
    copies = min(n, FAN_IN) if capped else n
    return byte_ms * (copies * f["theta_bytes"] + min(n, FAN_IN) * f["res"] + levels(n) * FAN_IN * f["res"])


def comm(f, n, capped):
    """The round's communication and orchestration: θ fetched, O(N), and the driver link's bytes at
    NETWORK_GBIT; capped: executors beyond FAN_IN add no δ."""
    extra = (min(n, FAN_IN) if capped else n) - 1
    return f["fetch"] + f["O1"] + extra * f["delta"] + levels(n) * f["ell"] + network_ms(f, n, capped)


def step_ms(f, n, b, capped, rounds=DEFAULT_ROUNDS):
    return rounds * (f["c"] * b + f["r0"] + f["A"] + comm(f, n, capped))


def main():
    root = sys.argv[1]
    runs = read_runs(root)
    measured = {}
    for run in runs:
        s = summarise(root, run)
        kind = run["master"]
        measured.setdefault(run["model"], {})[(kind, int(run["executors"]), int(run["partitions"]),
                                               int(run["batch"]))] = s
    p = print
    p("# Scale-out: a step-time model from measured coefficients")
    p()
    p("Produced by `experiments/scale-out` (`ScaleOutMeasurement` under `mvn verify`, then")
    p("`experiments/scale-out-model.py`). Every run is a real `train` under `spark-submit`, writing Spark's")
    p("event log: `local[1]`, `local[2]` (2, 4, 8, 16 partitions) and a standalone cluster of two one-core")
    p("workers on 127.0.0.1 with one or both executors, `fmnist-cnn` and `resnet20`, global batch 32 and 128,")
    p(f"precisions {{8,4}} (one round per precision, as in the default sequential mode), 12 steps of which the")
    p(f"first {WARMUP_STEPS} are dropped. A round is one Spark job: θ broadcast, one task per partition, the gradients")
    p("summed in the fixed tree (docs/design/architecture.md §2). Times are medians over a run's rounds.")
    load = os.path.join(root, "load.txt")
    if os.path.exists(load):
        p()
        p("Machine load around the measurement (`uptime`; the coefficients are only as good as the machine was idle):")
        p()
        p("```")
        with open(load) as f:
            p(f.read().rstrip())
        p("```")
    p()
    p("## Measured, per round")
    p()
    p("| model | master | executors | partitions | global batch | tasks | round wall W (ms) | slowest task run (ms) | driver between rounds (ms) | task result (KiB) |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for model in measured:
        for key in sorted(measured[model], key=lambda k: (k[0], k[1], k[2], k[3])):
            v = measured[model][key]
            p(f"| {model} | {key[0]} | {key[1]} | {key[2]} | {key[3]} | {v['tasks']} | {v['W']:.0f} | {v['R']:.0f} |"
              f" {v['gap']:.0f} | {v['res'] / 1024:.0f} |")
    fits = {model: fit(model, measured[model]) for model in measured}
    p()
    p("## The model")
    p()
    p("A step of the default mode is `n` rounds (n = 4 precisions). One round on N executors with b images each:")
    p()
    p("    T_round(N, b) = c·b + r0 + A + f + O(N),    O(N) = O1 + (N − 1)·δ + L(N)·ℓ")
    p()
    p("- `c`: executor compute per image (forward and backward at one precision), from `local[1]`'s task run")
    p("  time at batch 32 and 128 (the difference over 96 images); `r0`: the rest of that task run time (a")
    p("  task's fixed cost: its batch gathered, the network's passes set up, its result serialised).")
    p("- `A`: the driver's serial part between rounds (mean gradient, Adam, the next θ broadcast's creation):")
    p("  the gap between rounds on the cluster with one executor. It depends on |θ|, not on N.")
    p("- `f`: θ fetched and deserialised by the executor (torrent broadcast from the driver): the cluster's")
    p("  task run time with one executor minus `local[1]`'s for the same images (in local mode θ is in the JVM).")
    p("- `O1`: the rest of the round outside the task, one executor: job and task scheduling, task launch, the")
    p("  result fetched by the driver, deserialised and added (W minus the slowest task's run time).")
    p("- `δ`: what each further executor adds outside the tasks: the same at 2 executors minus `O1`. Taken")
    p("  as linear in N, it is pessimistic: Spark's torrent broadcast lets executors fetch θ from each other")
    p(f"  and the tree sum caps the results the driver receives at {FAN_IN}; the predictions show both readings.")
    p(f"- `ℓ`: one shuffle level of the tree sum (more than {FAN_IN} partial sums; L(N) levels for N partitions:")
    p(f"  {', '.join(f'L({n})={levels(n)}' for n in (4, 8, 16, 32, 64))}), fitted on `local[2]` at 2, 4, 8, 16")
    p("  partitions as W − c·64 = base + per-task·(partitions / 2) + ℓ·L.")
    p("- Left out: on a real cluster every executor has its own cores. Here two executor JVMs and the driver")
    p("  share two cores, so at 2 executors the slowest task runs longer than one task of the same images")
    p("  (the contention column); that slowdown belongs to this machine and is not carried over. Also left")
    p("  out: stragglers (a round waits for its slowest executor, which grows with N on real hardware).")
    p("- The cluster here is one machine: \"network\" is loopback, so the predictions add the bytes crossing the")
    p(f"  driver's link at {NETWORK_GBIT} Gbit/s: θ out (to every executor, or to at most {FAN_IN}: the two readings below),")
    p(f"  min(N, {FAN_IN}) results in, and each tree level moving {FAN_IN} results into each reducer.")
    p()
    p("| model | θ (KiB) | c (ms/image) | r0 (ms) | A (ms) | f (ms) | O1 (ms) | δ (ms) | ℓ (ms) | outside the task, 1 executor, batch 32 / 128 (ms) | same, 2 executors | contention at 2 executors, batch 32 / 128 |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model, f in fits.items():
        p(f"| {model} | {f['theta_bytes'] / 1024:.0f} | {f['c']:.2f} | {f['r0']:.0f} | {f['A']:.0f} | {f['fetch']:.0f} |"
          f" {f['O1']:.0f} | {f['delta']:.0f} | {f['ell']:.0f} | {f['outside1'][0]:.0f} / {f['outside1'][1]:.0f} |"
          f" {f['outside2'][0]:.0f} / {f['outside2'][1]:.0f} | {f['contention'][0]:.2f}× / {f['contention'][1]:.2f}× |")
    p()
    p("The two batches' figures should agree where the model says a cost does not depend on the batch; their")
    p("difference is the model's error at the measured points. `local[2]`'s points for ℓ (partitions: W − c·64, ms): "
      + "; ".join(f"{model}: " + ", ".join(f"{q}: {y:.0f}" for q, y in f["local_fit"]) for model, f in fits.items())
      + ".")
    p()
    p("## Predicted")
    p()
    p(f"Speed-up over one executor in image-passes per second, the default {DEFAULT_ROUNDS} rounds per step, with the")
    p(f"driver link at {NETWORK_GBIT} Gbit/s added (above). Two readings of δ bracket the truth: **linear**, every executor")
    p(f"adds δ (the driver serves each one θ and launches each task itself); **capped**, only the first {FAN_IN} do (the tree")
    p(f"sum caps the results the driver receives at {FAN_IN}, torrent broadcast spreads θ among executors, and task")
    p("launch is cheap next to δ). Weak scaling keeps 64 images per executor (the default batch of 128 on 2")
    p(f"partitions), so the global batch grows with N; strong scaling keeps the global batch at {DEFAULT_B} (b = {DEFAULT_B}/N,")
    p("which at N = 64 is 2 images per executor: shown to make the point). The communication share is")
    p("(f + O(N)) / T_round(N, 64); the last column is the batch per executor below which it passes 20 %")
    p("(c·b + r0 + A = 4·(f + O(N))).")
    p()
    p("| model | N | weak speed-up (linear / capped) | strong speed-up (linear / capped) | communication share at b = 64 (linear / capped) | b where communication passes 20 % (linear / capped) |")
    p("|---|---|---|---|---|---|")
    for model, f in fits.items():
        for n in (1, 2, 4, 8, 16, 32, 64):
            weak = [n * 64 / step_ms(f, n, 64, cap) / (64 / step_ms(f, 1, 64, cap)) for cap in (False, True)]
            strong = [step_ms(f, 1, DEFAULT_B, cap) / step_ms(f, n, DEFAULT_B / n, cap) for cap in (False, True)]
            share = [comm(f, n, cap) / step_ms(f, n, 64, cap, 1) for cap in (False, True)]
            bstar = [max(0.0, (4 * comm(f, n, cap) - f["r0"] - f["A"]) / f["c"]) for cap in (False, True)]
            p(f"| {model} | {n} | {weak[0]:.1f}× / {weak[1]:.1f}× | {strong[0]:.1f}× / {strong[1]:.1f}× |"
              f" {share[0] * 100:.0f} % / {share[1] * 100:.0f} % | {bstar[0]:.0f} / {bstar[1]:.0f} |")
    p()
    p(f"The driver-link term at N = 64 ({NETWORK_GBIT} Gbit/s, linear / capped): " + "; ".join(
        f"{model} {network_ms(f, 64, False):.1f} / {network_ms(f, 64, True):.1f} ms per round"
        for model, f in fits.items()) + ".")

if __name__ == "__main__":
    main()
