"""The baseline: Flask + Pillow + onnxruntime, the stack the seeds deploy.

usage: baseline_server.py MODEL.onnx PORT [THREADS]

POST /classify with a multipart part `image` (or a raw body): Pillow decodes,
resizes as the model's preprocessing says (shorter side + centre crop, letterbox pad,
or squash),
normalises with numpy, and onnxruntime runs the graph; the answer has the same
JSON shape as classifier-server's.
"""
import io
import json
import sys
import time

import numpy as np
import onnxruntime
from flask import Flask, jsonify, request
from PIL import Image

model_path, port = sys.argv[1], int(sys.argv[2])
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
options = onnxruntime.SessionOptions()
options.intra_op_num_threads = threads
session = onnxruntime.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
meta = session.get_modelmeta().custom_metadata_map
labels = json.loads(meta["labels"])
pre = json.loads(meta["preprocessing"])
size_w, size_h, channels = pre["inputWidth"], pre["inputHeight"], pre["channels"]
mean = np.array(pre["mean"], dtype=np.float32).reshape(-1, 1, 1)
std = np.array(pre["std"], dtype=np.float32).reshape(-1, 1, 1)

app = Flask(__name__)


def preprocess(data):
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (size_w, size_h))  # JPEG DCT scaling, as Pillow users do
    image = image.convert("RGB")
    if pre["resize"] != "pad" and channels == 1:
        image = image.convert("L")
    if pre["resize"] == "shorter-side":
        scale = max(size_w, size_h) / pre["cropFraction"] / min(image.size)
        resized = image.resize((max(size_w, round(image.size[0] * scale)), max(size_h, round(image.size[1] * scale))),
                               Image.BILINEAR)
        left, top = (resized.size[0] - size_w) // 2, (resized.size[1] - size_h) // 2
        image = resized.crop((left, top, left + size_w, top + size_h))
    elif pre["resize"] == "pad":
        # Letterbox, as classifier-server does: fit inside W×H keeping the aspect ratio,
        # centred on white (before any inversion), resized in RGB, then gray.
        scale = min(size_w / image.size[0], size_h / image.size[1])
        fitted = (min(max(round(image.size[0] * scale), 1), size_w), min(max(round(image.size[1] * scale), 1), size_h))
        canvas = Image.new("RGB", (size_w, size_h), (255, 255, 255))
        canvas.paste(image.convert("RGB").resize(fitted, Image.BILINEAR),
                     ((size_w - fitted[0]) // 2, (size_h - fitted[1]) // 2))
        image = canvas.convert("L") if channels == 1 else canvas
    else:
        image = image.resize((size_w, size_h), Image.BILINEAR)
    array = np.asarray(image, dtype=np.float32) / 255.0
    if pre.get("invert"):
        array = 1.0 - array
    array = array.reshape(size_h, size_w, channels).transpose(2, 0, 1)
    return ((array - mean) / std)[None].astype(np.float32)


@app.post("/classify")
def classify():
    started = time.perf_counter()
    upload = request.files.get("image")
    data = upload.read() if upload else request.get_data()
    try:
        tensor = preprocess(data)
    except Exception as error:  # noqa: BLE001 - any decoding failure is a 422
        return jsonify(error={"code": "undecodable_image", "message": str(error)}), 422
    decoded = time.perf_counter()
    logits = session.run(None, {"input": tensor})[0][0]
    inferred = time.perf_counter()
    exp = np.exp(logits - logits.max())
    probabilities = exp / exp.sum()
    k = min(int(request.args.get("top_k", 5)), len(labels))
    order = np.argsort(-probabilities)[:k]
    return jsonify(predictions=[{"label": labels[i], "score": float(probabilities[i])} for i in order],
                   model={"name": "onnx", "version": "baseline"},
                   timing_ms={"decode": (decoded - started) * 1e3, "inference": (inferred - decoded) * 1e3,
                              "total": (time.perf_counter() - started) * 1e3})


@app.get("/healthz")
def health():
    return jsonify(status="ok")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, threaded=True)
