"""Writes the serving benchmarks' upload: the first hymenoptera ant photo as a 640×480
JPEG (quality 90), or a drawn scene where the data is absent.

usage: make_photo.py DATA_DIR OUT.jpg
"""
import glob
import sys

from PIL import Image, ImageDraw

files = sorted(glob.glob(sys.argv[1] + "/hymenoptera/train/ants/*.jpg"))
if files:
    image = Image.open(files[0]).convert("RGB").resize((640, 480), Image.LANCZOS)
else:
    image = Image.new("RGB", (640, 480), (90, 140, 60))
    ImageDraw.Draw(image).ellipse((200, 120, 440, 360), fill=(150, 80, 30))
image.save(sys.argv[2], quality=90)
