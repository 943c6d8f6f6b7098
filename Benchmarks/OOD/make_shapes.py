#!/usr/bin/env python3
"""Synthetic out-of-distribution images for Benchmarks/OOD/run.sh and the tests: drawn
shapes, lines, checkerboards, noise and gradients, none of them a garment. Seeded, so the
same files come out every time.

    python3 make_shapes.py OUT_DIR [COUNT]

writes OUT_DIR/drawn/NNN.png (an image folder with one class, as `compare-ood --ood` reads)."""
import os
import random
import sys

from PIL import Image, ImageDraw


def draw(index, rng):
    size = rng.choice([64, 96, 128, 200])
    background = rng.randint(0, 255)
    image = Image.new("L", (size, size), background)
    pen = ImageDraw.Draw(image)
    kind = index % 8

    def colour():
        # Far enough from the background to be seen.
        return (background + rng.randint(80, 175)) % 256

    def box():
        x0, y0 = rng.randint(0, size // 2), rng.randint(0, size // 2)
        return [x0, y0, rng.randint(x0 + size // 8, size), rng.randint(y0 + size // 8, size)]

    if kind == 0:
        pen.ellipse(box(), fill=colour())
    elif kind == 1:
        pen.rectangle(box(), fill=colour())
    elif kind == 2:
        pen.polygon([(rng.randint(0, size), rng.randint(0, size)) for _ in range(3)], fill=colour())
    elif kind == 3:
        for _ in range(rng.randint(1, 6)):
            pen.line([(rng.randint(0, size), rng.randint(0, size)), (rng.randint(0, size), rng.randint(0, size))],
                     fill=colour(), width=rng.randint(1, max(2, size // 16)))
    elif kind == 4:
        pen.ellipse(box(), outline=colour(), width=rng.randint(2, max(3, size // 10)))
    elif kind == 5:
        cell = rng.randint(4, size // 3)
        ink = colour()
        for y in range(0, size, cell):
            for x in range(0, size, cell):
                if (x // cell + y // cell) % 2 == 0:
                    pen.rectangle([x, y, x + cell - 1, y + cell - 1], fill=ink)
    elif kind == 6:
        image.putdata([rng.randint(0, 255) for _ in range(size * size)])
    else:
        start, end = rng.randint(0, 255), rng.randint(0, 255)
        horizontal = rng.random() < 0.5
        image.putdata([int(start + (end - start) * ((i % size if horizontal else i // size) / (size - 1)))
                       for i in range(size * size)])
    return image


def main():
    out = os.path.join(sys.argv[1], "drawn")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 240
    os.makedirs(out, exist_ok=True)
    rng = random.Random(21)
    for index in range(count):
        draw(index, rng).save(os.path.join(out, "%03d.png" % index))


if __name__ == "__main__":
    main()
