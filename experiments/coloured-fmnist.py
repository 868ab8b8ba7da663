#!/usr/bin/env python3
"""Writes Fashion-MNIST as a coloured image folder for `bitswitch ingest`:
DEST/{train,test}/<class name>/<index>.png, 28x28 RGB.

Each image gets its own tint, drawn from a seeded generator and independent of its class: a random hue,
saturation in [0.5, 1], value 1; grey pixel v becomes round(v * (r, g, b) / 255). Colouring per class (as the
tests do, where a quick check needs something learnable) would make the colour alone give the label away, so the
network could ignore the garments; random tints keep Fashion-MNIST's task, on 3-channel input whose channels'
statistics differ per image. Only the standard library (gzip, zlib): no imaging package needed.

Usage: coloured-fmnist.py SRC_DIR DEST_DIR [TRAIN_IMAGES] [TEST_IMAGES] [SEED]
  SRC_DIR holds the four *-ubyte.gz files (e.g. /usr/share/datasets/fashion-mnist); TRAIN_IMAGES/TEST_IMAGES
  default to all (60000/10000), the first ones in file order; SEED defaults to 42.
"""
import colorsys, gzip, os, random, struct, sys, zlib

CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
SPLITS = {"train": "train", "test": "t10k"}


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def png(width, height, rgb_rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + row for row in rgb_rows)  # filter type 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def tint(rng):
    r, g, b = colorsys.hsv_to_rgb(rng.random(), 0.5 + 0.5 * rng.random(), 1.0)
    return r, g, b


def write_split(src, dest, split, limit, rng):
    (n, h, w), pixels = idx(os.path.join(src, f"{SPLITS[split]}-images-idx3-ubyte.gz"))
    (_,), labels = idx(os.path.join(src, f"{SPLITS[split]}-labels-idx1-ubyte.gz"))
    n = min(n, limit) if limit > 0 else n
    size = h * w
    for i in range(n):
        c = tint(rng)
        grey = pixels[i * size:(i + 1) * size]
        tables = [bytes(round(v * k) for v in range(256)) for k in c]
        planes = [grey.translate(t) for t in tables]
        rgb = bytearray(3 * size)
        for k in range(3):
            rgb[k::3] = planes[k]
        rows = [bytes(rgb[y * 3 * w:(y + 1) * 3 * w]) for y in range(h)]
        folder = os.path.join(dest, split, CLASSES[labels[i]])
        os.makedirs(folder, exist_ok=True)  # made when used: ingest refuses an empty class folder
        with open(os.path.join(folder, f"{i:05d}.png"), "wb") as f:
            f.write(png(w, h, rows))
    return n


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    src, dest = sys.argv[1], sys.argv[2]
    train = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    test = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 42)
    counts = [write_split(src, dest, "train", train, rng), write_split(src, dest, "test", test, rng)]
    print(f"wrote {counts[0]} train and {counts[1]} test images under {dest}")


if __name__ == "__main__":
    main()
