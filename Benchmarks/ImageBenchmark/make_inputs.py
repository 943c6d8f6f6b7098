"""Benchmark inputs: a 4000x3000 and a 640x480 JPEG (quality 90, 4:2:0) and a
1024x768 PNG, from a real photo (upscaled, with a little sensor-like noise so
the JPEG carries realistic detail) or a synthetic one when no photo is given."""
import sys

import numpy as np
from PIL import Image

out = sys.argv[1]
photo = sys.argv[2] if len(sys.argv) > 2 else None
rng = np.random.default_rng(0)


def source(w, h):
    if photo:
        im = Image.open(photo).convert("RGB").resize((w, h), Image.Resampling.BICUBIC)
        a = np.asarray(im, dtype=np.float32)
    else:
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        a = np.stack([127 + 100 * np.sin(x / 97) * np.cos(y / 61), 255 * x / w,
                      127 + 120 * np.sin(np.hypot(x - w / 3, y - h / 2) / 37)], -1)
    a = a + rng.normal(0, 4, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


source(4000, 3000).save(f"{out}/photo-4000x3000.jpg", quality=90)
source(640, 480).save(f"{out}/photo-640x480.jpg", quality=90)
source(1024, 768).save(f"{out}/photo-1024x768.png")
