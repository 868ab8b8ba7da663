#!/usr/bin/env python3
"""The table of `experiments/results-colour`: resnet20 on coloured Fashion-MNIST, next to fmnist-cnn in
docs/RESULTS.md.

Rows live in docs/results-colour.tsv, one per run (FP32 pretrain, joint QAT) and output directory, so every
invocation of the script adds its rows (a rerun into the same directory replaces them) and results-table.py,
which renders docs/RESULTS.md anew, keeps them. Wall time is the run's `seconds` in report.json (data loading,
training, evaluation, publishing); image-passes/s is training examples x epochs x precisions trained (one pass
is one image at one precision, as `benchmark` counts) over that time, so it is a whole-run figure, below the
training-step rate `benchmark` measures.

Usage: colour_results.py OUT_DIR TEST_IMAGES   adds the rows of OUT_DIR's fp32 and joint runs, rewrites the
       section of docs/RESULTS.md
"""
import csv, datetime, os, sys

import run_facts

HERE = os.path.dirname(os.path.abspath(__file__))
TSV = os.path.join(HERE, "..", "docs", "results-colour.tsv")
RESULTS = os.path.join(HERE, "..", "docs", "RESULTS.md")
BITS = ["32", "8", "6", "4", "2"]
COLUMNS = ["date", "out", "run", "architecture", "train_images", "test_images", "epochs", "bits"] + \
          [f"acc_{b}" for b in BITS] + ["seconds", "image_passes_per_s"]
BEGIN, END = "<!-- results-colour: rows from docs/results-colour.tsv -->", "<!-- /results-colour -->"
RUNS = {"fp32": ("FP32 (pretrain)", "pretrain"), "joint": ("joint {bits}", "train")}


def read_rows(path=TSV):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def row(out, rid, test_images):
    """The table row of run `rid` under `out`, or None when it has not finished."""
    rep, cfg = run_facts.report(os.path.join(out, rid)), run_facts.config(os.path.join(out, rid))
    if not rep or not cfg:
        return None
    stage = RUNS[rid][1]
    bits = [32] if stage == "pretrain" else cfg["bitswitch.train.bits"]
    epochs = cfg[f"bitswitch.{stage}.epochs"]
    seconds = rep["seconds"]
    r = {"date": datetime.date.today().isoformat(), "out": os.path.abspath(out), "run": rid,
         "architecture": cfg["bitswitch.model.architecture"], "train_images": rep["train_examples"],
         "test_images": test_images, "epochs": epochs, "bits": run_facts.bit_set(bits),
         "seconds": f"{seconds:.0f}", "image_passes_per_s": f"{rep['train_examples'] * epochs * len(bits) / seconds:.0f}"}
    for b in BITS:
        a = rep["accuracy"].get(b)
        r[f"acc_{b}"] = f"{100 * a:.2f}" if a is not None else ""
    return r


def add_rows(out, test_images, path=TSV):
    rows = [r for r in read_rows(path) if r["out"] != os.path.abspath(out)]
    rows += [r for r in (row(out, rid, test_images) for rid in RUNS) if r]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def section(path=TSV):
    """The markdown section of the rows in `path` ("" when there are none), between BEGIN and END."""
    rows = read_rows(path)
    if not rows:
        return ""
    lines = [BEGIN, "", "## resnet20 on coloured Fashion-MNIST", "",
             "Produced by `experiments/results-colour`: Fashion-MNIST written as a PNG image folder with a random tint "
             "per image (independent of the class, so colour does not give the label away), ingested with "
             "`bitswitch ingest` (3 channels, per-channel normalisation), `resnet20` FP32 pretraining and then joint "
             "QAT from it with the default recipe of `conf/bitswitch.conf` except for the epochs given; Spark "
             "`local[2]`, seed 42. Accuracy (%) on the test images listed, from the published bundle. Wall time is "
             "the run's `seconds` in report.json; image-passes/s is training images × epochs × precisions over it "
             "(a whole-run figure, below the step rate of `bitswitch benchmark`). Both are whatever the machine "
             "gave the run, other work included: speed figures come from `bitswitch benchmark` run alone.", "",
             "| date | run | train / test images | epochs | " + " | ".join(
                 "FP32" if b == "32" else f"w{b}" for b in BITS) + " | wall time | image-passes/s |",
             "|" + "---|" * (6 + len(BITS))]
    for r in rows:
        label = RUNS.get(r["run"], (r["run"],))[0].format(bits=r["bits"])
        lines.append(f"| {r['date']} | {r['architecture']} {label} | {int(r['train_images']):,} / "
                     f"{int(r['test_images']):,} | {r['epochs']} | " + " | ".join(r[f"acc_{b}"] for b in BITS)
                     + f" | {int(r['seconds']) / 60:.0f} min | {r['image_passes_per_s']} |")
    return "\n".join(lines + ["", END])


def rewrite_results(path=RESULTS):
    """Puts section() into docs/RESULTS.md: in place of the previous one, else before its targets."""
    text = open(path).read() if os.path.exists(path) else ""
    new = section()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + new + text[text.index(END) + len(END):]
    elif "\n## Targets" in text:
        at = text.index("\n## Targets")
        text = text[:at] + "\n" + new + "\n" + text[at:]
    else:
        text = text + ("\n" if text else "") + new + "\n"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    add_rows(sys.argv[1], int(sys.argv[2]))
    rewrite_results()
    print(f"added the rows of {sys.argv[1]} to docs/results-colour.tsv and docs/RESULTS.md")
