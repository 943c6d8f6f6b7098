#!/usr/bin/env python3
"""Renders Fashion-MNIST test images the way a product photo looks: a dark garment
on a light, slightly uneven background, upscaled, on a canvas of another aspect
ratio, saved as JPEG in an ImageFolder (one folder per class).

Evaluating the default model on this folder exercises the whole photo path the
server runs (JPEG decode, BT.601 gray, letterbox to 28×28, inversion, normalisation)
on inputs whose true class is known:

    python3 Benchmarks/DefaultModel/make_photo_set.py /tmp/fmnist-photos --count 1000
    .build/release/classifier-train evaluate --model models/default.safetensors --data /tmp/fmnist-photos
"""
import argparse
import gzip
import os
import random

import numpy as np
from PIL import Image, ImageFilter

FMNIST = "/usr/share/datasets/fashion-mnist"
NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    images = read_idx(f"{FMNIST}/t10k-images-idx3-ubyte.gz")
    labels = read_idx(f"{FMNIST}/t10k-labels-idx1-ubyte.gz")
    for name in NAMES:
        os.makedirs(os.path.join(args.out, name.replace("/", "-")), exist_ok=True)
    for i in range(args.count):
        side = random.choice([224, 280, 336])
        garment = Image.fromarray(255 - images[i]).resize((side, side), Image.BICUBIC)
        # A light, uneven backdrop: white to light grey with a soft vertical gradient.
        width, height = random.choice([(side * 4 // 3, side), (side, side * 4 // 3), (side, side)])
        top, bottom = random.randint(225, 255), random.randint(215, 250)
        ramp = np.linspace(top, bottom, height, dtype=np.float32)[:, None].repeat(width, axis=1)
        canvas = Image.fromarray(ramp.astype(np.uint8))
        # Composite: darker of garment and backdrop, so the garment keeps its shading.
        left, upper = (width - side) // 2, (height - side) // 2
        region = canvas.crop((left, upper, left + side, upper + side))
        canvas.paste(Image.fromarray(np.minimum(np.asarray(region), np.asarray(garment))), (left, upper))
        photo = canvas.filter(ImageFilter.GaussianBlur(0.6)).convert("RGB")
        folder = os.path.join(args.out, NAMES[labels[i]].replace("/", "-"))
        photo.save(os.path.join(folder, f"{i:05d}.jpg"), quality=90)


if __name__ == "__main__":
    main()
