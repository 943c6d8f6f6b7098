"""Small seed corpora for the fuzzers: JPEG variants (baseline, progressive,
gray, CMYK, EXIF-rotated, restart markers, arithmetic via jpegtran) and PNGs
of every colour type."""
import io
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(f"{out}/jpeg", exist_ok=True)
os.makedirs(f"{out}/png", exist_ok=True)
rng = np.random.default_rng(1)
im = Image.fromarray(rng.integers(0, 256, (24, 33, 3), dtype=np.uint8)).resize((33, 24))
exif = Image.Exif()
exif[0x0112] = 6
im.save(f"{out}/jpeg/baseline.jpg", quality=80)
im.save(f"{out}/jpeg/progressive.jpg", quality=80, progressive=True)
im.save(f"{out}/jpeg/exif.jpg", quality=80, exif=exif.tobytes())
im.save(f"{out}/jpeg/restart.jpg", quality=80, restart_marker_blocks=1)
im.convert("L").save(f"{out}/jpeg/gray.jpg", quality=80)
im.convert("CMYK").save(f"{out}/jpeg/cmyk.jpg", quality=80)
im.save(f"{out}/jpeg/444.jpg", quality=80, subsampling=0)
if shutil.which("jpegtran"):
    subprocess.run(["jpegtran", "-arithmetic", "-outfile", f"{out}/jpeg/arith.jpg",
                    f"{out}/jpeg/baseline.jpg"], check=True)
small = im.resize((11, 7))
for mode in ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]:
    small.convert(mode if mode != "I;16" else "I").convert(mode).save(
        f"{out}/png/{mode.replace(';', '')}.png")
pal = small.convert("P")
pal.info["transparency"] = 3
pal.save(f"{out}/png/P-trns.png", transparency=3)
