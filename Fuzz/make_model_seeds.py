"""Seeds for the model-file and configuration fuzzers, written to
OUT/models and OUT/configs. Model files for fuzz-model-file: tiny but complete networks in the
project's format (safetensors with the architecture, labels, preprocessing and
provenance metadata), one per family and head, so mutations start from files
the loader accepts and reach every check after the container's."""
import json
import os
import struct
import sys

import numpy as np

out = f"{sys.argv[1]}/models"
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2)


def write(name, architecture, tensors, size=4, channels=1, classes=2):
    metadata = {
        "format": "image-classifier",
        "format_version": "1",
        "architecture": json.dumps(architecture, separators=(",", ":")),
        "labels": json.dumps([f"class{i}" for i in range(classes)]),
        "preprocessing": json.dumps({"channels": channels, "cropFraction": 0.875, "inputHeight": size,
                                     "inputWidth": size, "invert": False, "mean": [0.5] * channels,
                                     "resize": "squash", "std": [0.25] * channels}),
        "provenance": json.dumps({"arguments": ["train"], "tool": "make_model_seeds.py"}),
    }
    header, data, offset = {"__metadata__": metadata}, b"", 0
    for key in sorted(tensors):
        array = np.asarray(tensors[key], dtype="<f4")
        raw = array.tobytes()
        header[key] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(f"{out}/{name}.safetensors", "wb") as file:
        file.write(struct.pack("<Q", len(text)) + text + data)


def weights(*shape):
    return rng.standard_normal(shape).astype(np.float32) * 0.1


def batch_norm(prefix, width):
    return {f"{prefix}.weight": np.ones(width), f"{prefix}.bias": np.zeros(width),
            f"{prefix}.running_mean": np.zeros(width), f"{prefix}.running_var": np.ones(width)}


vgg = {"classCount": 2, "inputChannels": 1, "inputHeight": 4, "inputWidth": 4, "preset": "fuzz",
       "family": {"vgg": {"_0": {"batchNorm": False, "head": {"classic": {"dropout": 0.5, "hidden": [3]}},
                                 "layers": [2, "M"]}}}}
write("vgg", vgg, {"features.0.weight": weights(2, 1, 3, 3), "features.0.bias": weights(2),
                   "classifier.0.weight": weights(3, 8), "classifier.0.bias": weights(3),
                   "head.weight": weights(2, 3), "head.bias": weights(2)})

resnet = {"classCount": 2, "inputChannels": 1, "inputHeight": 4, "inputWidth": 4, "preset": "fuzz",
          "family": {"resnet": {"_0": {"block": "basic", "depths": [1, 1], "stem": "cifar", "stemWidth": 2,
                                       "widths": [2, 3]}}}}
tensors = {"stem.conv.weight": weights(2, 1, 3, 3), **batch_norm("stem.bn", 2),
           "stage1.block0.conv1.weight": weights(2, 2, 3, 3), **batch_norm("stage1.block0.bn1", 2),
           "stage1.block0.conv2.weight": weights(2, 2, 3, 3), **batch_norm("stage1.block0.bn2", 2),
           "stage2.block0.conv1.weight": weights(3, 2, 3, 3), **batch_norm("stage2.block0.bn1", 3),
           "stage2.block0.conv2.weight": weights(3, 3, 3, 3), **batch_norm("stage2.block0.bn2", 3),
           "stage2.block0.shortcut.0.weight": weights(3, 2, 1, 1), **batch_norm("stage2.block0.shortcut.1", 3),
           "head.weight": weights(2, 3), "head.bias": weights(2)}
write("resnet", resnet, tensors)

# Trainer configurations for fuzz-training-config, in both syntaxes the loader reads.
configs = f"{sys.argv[1]}/configs"
os.makedirs(configs, exist_ok=True)
with open(f"{configs}/full.yaml", "w") as file:
    file.write("""data: /data/train
val-split: 0.1
arch: resnet20
input-size: 32
channels: 3
resize: pad
mean: [0.5, 0.5, 0.5]
std: [0.25, 0.25, 0.25]
epochs: 3
batch_size: 64
optimizer: sgd
lr: 0.1
momentum: 0.9
nesterov: true
lrSchedule: onecycle
warmup: 0.2
weight-decay: 5.0e-4
label-smoothing: 0.1
class-weights: balanced
early-stopping: 5
seed: 7
threads: 2
augmentation:
  rotation-range: 15
  width-shift-range: 0.1
  horizontal-flip: true
  fill-mode: reflect
  zoom-range: [0.9, 1.1]
  brightness-range: [0.8, 1.2]
random-erasing: 0.25
""")
with open(f"{configs}/small.json", "w") as file:
    json.dump({"data": "x", "epochs": 1, "lr": 0.01, "lr-schedule": "step", "lr-step": 10, "lr-gamma": 0.5,
               "optimizer": "adamw", "augmentation": {"vertical-flip": True, "cval": 0.5}}, file)
