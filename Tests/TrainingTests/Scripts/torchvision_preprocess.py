"""torchvision's evaluation transform of photos, the oracle for an imported model's
preprocessing: Resize(256) + CenterCrop(224) + ToTensor + Normalize(ImageNet).

usage: /usr/bin/python3 torchvision_preprocess.py OUT.f32 PHOTO...
Writes the (N, 3, 224, 224) batch as little-endian float32.
"""
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

transform = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])
batch = torch.stack([transform(Image.open(path).convert("RGB")) for path in sys.argv[2:]])
batch.numpy().astype("<f4").tofile(sys.argv[1])
