#!/usr/bin/env python3
"""Fashion-MNIST garments as out-of-distribution photos for an ants/bees model
(Benchmarks/OOD/ants_bees.sh): the first COUNT images of an IDX file, drawn dark on a
light background as product photos are, enlarged to 112×112 RGB JPEGs.

    python3 render_fashion.py IMAGES.idx3-ubyte.gz OUT_DIR COUNT

writes OUT_DIR/garments/NNNN.jpg (an image folder with one class, as `compare-ood --ood` reads)."""
import gzip
import os
import sys

from PIL import Image, ImageOps


def main():
    source, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with gzip.open(source, "rb") as f:
        data = f.read()
    images, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    folder = os.path.join(out, "garments")
    os.makedirs(folder, exist_ok=True)
    for n in range(min(count, images)):
        start = 16 + n * rows * cols
        image = Image.frombytes("L", (cols, rows), data[start:start + rows * cols])
        image = ImageOps.invert(image).resize((112, 112), Image.BICUBIC).convert("RGB")
        image.save(os.path.join(folder, f"{n:04d}.jpg"), quality=90)


if __name__ == "__main__":
    main()
