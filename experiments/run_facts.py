"""What a run directory says about how it was run: its report.json and its config.conf.

Shared by the table scripts of experiments/ (results-table.py, results-mixed-table.py), so that the
facts their headers state (seed, epochs, bit-widths, first/last layers, partitions, ...) are read
from the runs the tables show instead of being written into the scripts.
"""
import json, os, re

# The test split of Fashion-MNIST; data.max-test-examples = 0 means all of it.
FASHION_MNIST_TEST_IMAGES = 10000


def report(run_dir):
    """The run's report.json, or None when the run has not finished."""
    p = os.path.join(run_dir, "report.json")
    return json.load(open(p)) if os.path.exists(p) else None


def config(run_dir):
    """The run's config.conf (the effective configuration bitswitch wrote) as {"bitswitch.train.epochs": 1, ...}.

    Reads the shape Typesafe Config renders (nested `key { ... }` blocks, `key=value`, lists over
    several lines), which is all config.conf holds; values are ints, floats, booleans, strings or lists.
    """
    p = os.path.join(run_dir, "config.conf")
    if not os.path.exists(p):
        return None
    flat, path, key, items = {}, [], None, None
    for line in open(p):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if items is not None:  # inside a list
            if line.startswith("]"):
                flat[".".join(path + [key])] = items
                items = None
            else:
                items.append(_value(line.rstrip(",")))
            continue
        m = re.match(r'^("?[\w.-]+"?)\s*\{\s*(\})?$', line)
        if m:
            if not m.group(2):
                path.append(m.group(1).strip('"'))
            continue
        if line == "}":
            path.pop()
            continue
        k, v = (s.strip() for s in line.split("=", 1))
        if v == "[":
            key, items = k.strip('"'), []
        else:
            flat[".".join(path + [k.strip('"')])] = _value(v)
    return flat


def _value(text):
    if text.startswith("[") and text.endswith("]"):
        return [_value(t.strip()) for t in text[1:-1].split(",") if t.strip()]
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def bit_set(bits):
    """{8,6,4,2}"""
    return "{" + ",".join(str(b) for b in bits) + "}"


def learning_rate(lr):
    """1e-3 for 0.001; other rates as Python writes them."""
    mantissa, exponent = f"{lr:e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}" if lr < 0.01 else f"{lr:g}"


def images(cfg, rep):
    """"60,000 training / 10,000 test images" (with "full Fashion-MNIST: " in front when no limit was set)."""
    train = rep.get("train_examples") if rep else None
    test = cfg["bitswitch.data.max-test-examples"] or FASHION_MNIST_TEST_IMAGES
    full = cfg["bitswitch.data.max-train-examples"] == 0 and cfg["bitswitch.data.max-test-examples"] == 0
    text = (f"{train:,} training" if train else "all training") + f" / {test:,} test images"
    return ("full Fashion-MNIST: " if full else "Fashion-MNIST, ") + text


def first_last(cfg):
    return "first and last layers " + ("quantized" if cfg["bitswitch.model.quantize-first-last"] else "in FP32")



# The camelCase keys of pareto.json and sensitivity.json as bitswitch wrote them before its JSON files took one
# key style, snake_case (docs/design/architecture.md §5, "JSON key style").
OLD_KEYS = {"budgetKind": "budget_kind", "tracesSource": "traces_source",
            "bnRecalibrationBatches": "bn_recalibration_batches", "tracePerParam": "trace_per_param",
            "layerBits": "layer_bits", "sizeBytes": "size_bytes", "weightBits": "weight_bits", "bitOps": "bit_ops",
            "averageBits": "average_bits", "accuracyStd": "accuracy_std", "stdError": "std_error",
            "maxProbes": "max_probes", "meanTracePerParam": "mean_trace_per_param"}


def snake_keys(value):
    """value (parsed JSON) with the old camelCase keys of OLD_KEYS renamed; other keys (layer names) untouched."""
    if isinstance(value, dict):
        return {OLD_KEYS.get(k, k): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value
