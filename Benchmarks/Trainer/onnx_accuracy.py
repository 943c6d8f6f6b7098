#!/usr/bin/env python3
"""Scores a model file on an IDX test set with onnxruntime instead of our engine: an
independent check of the accuracy that `classifier-train evaluate` reports.

    python3 Benchmarks/Trainer/onnx_accuracy.py MODEL.safetensors \
        /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz

The ONNX graph is written by `classifier-train export` (the release build in .build,
or CLASSIFIER_TRAIN), from the file's own metadata and tensors. The preprocessing is the file's:
pixels / 255, then (x - mean) / std; IDX images already have the model's size, so no
resize. With `testTimeAugmentation: horizontal-flip` the logits of each image and its
mirror are averaged, as the server does. Prints the accuracy with and without the mirror.

Needs: pip install numpy onnxruntime safetensors; swift build -c release --product classifier-train
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime
from safetensors import safe_open

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from idx_files import labels_path, read_idx  # noqa: E402


def classifier_train():
    """The release `classifier-train`, as `swift build -c release` leaves it."""
    path = os.environ.get("CLASSIFIER_TRAIN") or os.path.join(HERE, "..", "..", ".build", "release", "classifier-train")
    if not os.access(path, os.X_OK):
        sys.exit(f"onnx_accuracy.py: no classifier-train at {path}: run swift build -c release --product classifier-train")
    return path


def main():
    model_path, images_path = sys.argv[1:3]
    with safe_open(model_path, framework="numpy") as f:
        preprocessing = json.loads(f.metadata()["preprocessing"])
    images = read_idx(images_path).astype(np.float32) / 255.0
    labels = read_idx(labels_path(images_path)).astype(np.int64)
    if images.shape[1:] != (preprocessing["inputHeight"], preprocessing["inputWidth"]):
        sys.exit(f"images are {images.shape[1:]}, the model expects its own size: resize first")
    # No inversion even where the preprocessing asks for it: `invert` turns decoded photos
    # (dark on light) into the light-on-dark domain the IDX arrays are already in, and the
    # trainer and `evaluate` take IDX arrays as they are.
    mean = np.float32(preprocessing["mean"][0])
    std = np.float32(preprocessing["std"][0])
    batch = ((images - mean) / std)[:, None, :, :]

    with tempfile.TemporaryDirectory() as scratch:
        onnx_path = os.path.join(scratch, "model.onnx")
        # The exporter's report goes to stderr: stdout is this script's JSON alone.
        subprocess.run([classifier_train(), "export", model_path, "--onnx", onnx_path], check=True, stdout=sys.stderr)
        session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def logits(x):
        return np.concatenate([session.run(None, {name: x[i:i + 256]})[0] for i in range(0, len(x), 256)])

    single = logits(batch)
    mirrored = (single + logits(batch[:, :, :, ::-1].copy())) / 2
    single_accuracy = float((single.argmax(1) == labels).mean())
    mirrored_accuracy = float((mirrored.argmax(1) == labels).mean())
    served = mirrored_accuracy if preprocessing.get("testTimeAugmentation") == "horizontal-flip" else single_accuracy
    print(json.dumps({"images": len(labels), "single_view": single_accuracy, "mirror_averaged": mirrored_accuracy,
                      "as_served": served}, indent=2))


if __name__ == "__main__":
    main()
