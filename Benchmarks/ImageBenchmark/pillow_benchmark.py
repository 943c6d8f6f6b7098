"""Pillow doing what image-benchmark does: open -> draft -> convert RGB ->
resize (bilinear, antialiased) -> normalise with numpy to a 1x3x224x224 float32
array. Same files, same iteration count; prints median and min per file."""
import io
import sys
import time

import numpy as np
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def preprocess(data):
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", (224, 224))  # JPEG only: DCT scaling, as ours
    im = im.convert("RGB").resize((224, 224), Image.Resampling.BILINEAR)
    a = (np.asarray(im, dtype=np.float32) / 255.0 - MEAN) / STD
    return np.ascontiguousarray(a.transpose(2, 0, 1))


def main():
    args = sys.argv[1:]
    iterations = 30
    if "--iterations" in args:
        i = args.index("--iterations")
        iterations = int(args[i + 1])
        del args[i:i + 2]
    for path in args:
        data = open(path, "rb").read()
        times = []
        for run in range(iterations + 3):
            start = time.perf_counter()
            tensor = preprocess(data)
            elapsed = (time.perf_counter() - start) * 1000
            if run >= 3:
                times.append(elapsed)
        times.sort()
        print(f"{path.rsplit('/', 1)[-1]} median_ms={times[len(times) // 2]:.3f} "
              f"min_ms={times[0]:.3f} mean_value={tensor.mean():.4f}")


if __name__ == "__main__":
    main()
