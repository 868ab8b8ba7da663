#!/usr/bin/env python3
"""Runs a bitswitch ONNX export on the Fashion-MNIST test split with ONNX Runtime (Python).

    python3 docs/onnx_predict.py MODEL.onnx [--data /usr/share/datasets/fashion-mnist] [--limit N]

Needs numpy and onnxruntime (pip install onnxruntime); onnx (optional) for the model check.
The model takes float pixels in [0, 255], NCHW; it normalises them itself.
"""
import argparse
import gzip
import os
import time

import numpy as np
import onnxruntime as ort


def idx(path):
    """The array in an IDX(.gz) file (big-endian header: magic, then one uint32 per dimension)."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = np.frombuffer(data, dtype=">u4", count=dims, offset=4)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--limit", type=int, default=0, help="first N test images (0: all)")
    args = parser.parse_args()

    try:
        import onnx
        model = onnx.load(args.model)
        onnx.checker.check_model(model, full_check=True)
        meta = {p.key: p.value for p in model.metadata_props}
        print("onnx.checker: ok; opset", model.opset_import[0].version, "| bits",
              meta.get("bitswitch.bits", meta.get("bitswitch.layer_bits")), "| bundle sha256",
              meta.get("bitswitch.bundle.sha256", "")[:12])
    except ImportError:
        pass

    images = idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    labels = idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    pixels = images.astype(np.float32).reshape(len(images), 1, 28, 28)  # 0..255, NCHW

    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    start = time.perf_counter()
    logits, probabilities = session.run(["logits", "probabilities"], {"pixels": pixels})
    seconds = time.perf_counter() - start
    accuracy = float((probabilities.argmax(axis=1) == labels).mean())
    print(f"onnxruntime {ort.__version__}: {len(labels)} images, accuracy {100 * accuracy:.2f}%, "
          f"{len(labels) / seconds:.0f} images/s")


if __name__ == "__main__":
    main()
