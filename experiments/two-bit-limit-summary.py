#!/usr/bin/env python3
"""Summarises experiments/two-bit-limit: accuracy per bit-width of each run against the FP32 model it
started from, with the default runs of experiments/results for comparison."""
import json, os, struct, sys

import numpy as np

results, out = sys.argv[1], sys.argv[2]


def accuracy(directory, rid):
    path = os.path.join(directory, rid, "report.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return {int(b): 100 * v for b, v in json.load(f)["accuracy"].items()}


ROWS = [  # directory, run id, seed, label
    (results, "joint-s42", 42, "default joint run (experiments/results)"),
    (results, "joint-s43", 43, "default joint run (experiments/results)"),
    (results, "joint-s44", 44, "default joint run (experiments/results)"),
    (out, "recalibrated-s43", 43, "the same bundle, BatchNorm statistics re-estimated on 100 batches"),
    (out, "dw08-s43", 43, "distillation weight 0.8 (default 0.5)"),
    (out, "dw03-s43", 43, "distillation weight 0.3 (default 0.5)"),
    (out, "t2-s43", 43, "distillation temperature 2 (default 1)"),
    (results, "single-2-s42", 42, "single-precision 2-bit QAT (experiments/results)"),
    (out, "single-2-s43", 43, "single-precision 2-bit QAT"),
    (out, "single-2-s44", 44, "single-precision 2-bit QAT"),
    (out, "epochs2-s43", 43, "two joint epochs instead of one"),
]
print("accuracy (%) on the 10,000 test images; 'w2 - FP32' is against the FP32 model of the same seed")
print(f"{'run':<70} {'seed':>4} {'FP32':>6} {'w8':>6} {'w6':>6} {'w4':>6} {'w2':>6} {'w2 - FP32':>9}")
for directory, rid, seed, label in ROWS:
    acc = accuracy(directory, rid)
    if acc is None:
        print(f"{label:<70} {seed:>4}   (not run)")
        continue
    fp32 = accuracy(results, f"fp32-s{seed}")[32]
    cells = " ".join(f"{acc[b]:6.2f}" if b in acc else f"{'':>6}" for b in (8, 6, 4, 2))
    print(f"{label:<70} {seed:>4} {fp32:6.2f} {cells} {acc[2] - fp32:+9.2f}")

# How the 2-bit model uses the codes it is switched to: the per-channel scale is shared by every
# precision, so the 2-bit levels are fixed at {-2,-1,0,1} x 64 x s_c, and weights whose 8-bit code is
# 96 or more are clamped to +64 s_c (docs/design/method.md §1).
bundle = os.path.join(results, "joint-s43", "bundle", "model.safetensors")
with open(bundle, "rb") as f:
    raw = f.read()
header_len = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + header_len])
print("\nThe stored 8-bit codes of the seed-43 default bundle, as the 2-bit model sees them:")
print(f"{'layer':<8} {'weights':>8} {'code std':>9} {'2-bit zeros':>12} {'clamped at +1':>14} {'at -2':>7}")
for name, t in header.items():
    if not name.endswith(".weight.q"):
        continue
    start, end = t["data_offsets"]
    q = np.frombuffer(raw[8 + header_len + start:8 + header_len + end], dtype=np.int8).astype(np.int64)
    q2 = np.clip((q + 32) >> 6, -2, 1)
    print(f"{name[:-len('.weight.q')]:<8} {q.size:>8} {q.std():>9.1f} {100 * np.mean(q2 == 0):>11.1f}% "
          f"{100 * np.mean(q >= 96):>13.1f}% {100 * np.mean(q2 == -2):>6.1f}%")
