"""Builds an ONNX graph equivalent to one of our model files, for the baseline server.

usage: make_onnx.py MODEL.safetensors OUT.onnx

The network is rebuilt from the architecture spec stored in the file's
metadata, walking the same plan as Sources/NeuralEngine/Architectures/
ArchitectureSpec+Plan.swift, with the file's tensors as initializers
(BatchNorm in inference form, eps 1e-5). Reads the file with the Python
`safetensors` package and writes it with `onnx`.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors import safe_open

source, target = sys.argv[1:3]
with safe_open(source, framework="numpy") as f:
    meta = f.metadata()
    tensors = {name: f.get_tensor(name) for name in f.keys()}
spec = json.loads(meta["architecture"])
channels, height, width, classes = spec["inputChannels"], spec["inputHeight"], spec["inputWidth"], spec["classCount"]

nodes, initializers, used = [], [], set()
counter = [0]


def fresh(prefix):
    counter[0] += 1
    return f"{prefix}_{counter[0]}"


def weight(name):
    used.add(name)
    initializers.append(numpy_helper.from_array(tensors[name].astype(np.float32), name))
    return name


def conv(x, prefix, kernel, stride, padding, bias):
    out = fresh("conv")
    inputs = [x, weight(prefix + ".weight")] + ([weight(prefix + ".bias")] if bias else [])
    nodes.append(helper.make_node("Conv", inputs, [out], kernel_shape=[kernel, kernel], strides=[stride, stride],
                                  pads=[padding] * 4))
    return out


def batch_norm(x, prefix):
    out = fresh("bn")
    nodes.append(helper.make_node("BatchNormalization", [x] + [weight(prefix + "." + p) for p in
                                  ("weight", "bias", "running_mean", "running_var")], [out], epsilon=1e-5))
    return out


def op(kind, x, **attributes):
    out = fresh(kind.lower())
    nodes.append(helper.make_node(kind, x if isinstance(x, list) else [x], [out], **attributes))
    return out


def dense(x, prefix):
    return op("Gemm", [x, weight(prefix + ".weight"), weight(prefix + ".bias")], transB=1)


x = "input"
family = spec["family"]
if "resnet" in family:
    r = family["resnet"]["_0"]
    if r["stem"] == "imagenet":
        x = op("Relu", batch_norm(conv(x, "stem.conv", 7, 2, 3, False), "stem.bn"))
        x = op("MaxPool", x, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    else:
        x = op("Relu", batch_norm(conv(x, "stem.conv", 3, 1, 1, False), "stem.bn"))
    c = r["stemWidth"]
    for s, (w, depth) in enumerate(zip(r["widths"], r["depths"])):
        for b in range(depth):
            stride = 2 if s > 0 and b == 0 else 1
            p = f"stage{s + 1}.block{b}"
            if r["block"] == "basic":
                out = w
                y = op("Relu", batch_norm(conv(x, p + ".conv1", 3, stride, 1, False), p + ".bn1"))
                y = batch_norm(conv(y, p + ".conv2", 3, 1, 1, False), p + ".bn2")
            else:
                out = 4 * w
                y = op("Relu", batch_norm(conv(x, p + ".conv1", 1, 1, 0, False), p + ".bn1"))
                y = op("Relu", batch_norm(conv(y, p + ".conv2", 3, stride, 1, False), p + ".bn2"))
                y = batch_norm(conv(y, p + ".conv3", 1, 1, 0, False), p + ".bn3")
            shortcut = x
            if stride != 1 or c != out:
                shortcut = batch_norm(conv(x, p + ".shortcut.0", 1, stride, 0, False), p + ".shortcut.1")
            x = op("Relu", op("Add", [y, shortcut]))
            c = out
    x = op("Flatten", op("GlobalAveragePool", x), axis=1)
    x = dense(x, "head")
else:
    v = family["vgg"]["_0"]
    index = 0
    for item in v["layers"]:
        if item == "M":
            x = op("MaxPool", x, kernel_shape=[2, 2], strides=[2, 2])
            index += 1
        else:
            x = conv(x, f"features.{index}", 3, 1, 1, True)
            index += 1
            if v["batchNorm"]:
                x = batch_norm(x, f"features.{index}")
                index += 1
            x = op("Relu", x)
            index += 1
    head = v["head"]
    if "globalAveragePool" in head:
        x = op("Flatten", op("GlobalAveragePool", x), axis=1)
    else:
        x = op("Flatten", x, axis=1)
        for i in range(len(head["classic"]["hidden"])):
            x = op("Relu", dense(x, f"classifier.{3 * i}"))  # Dropout is the identity at inference
    x = dense(x, "head")

nodes.append(helper.make_node("Identity", [x], ["logits"]))
missing = set(tensors) - used
if missing:
    sys.exit(f"make_onnx.py: tensors not used by the graph: {sorted(missing)[:5]}")
graph = helper.make_graph(
    nodes, "classifier",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", channels, height, width])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])],
    initializers)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
# The newest onnx writes an IR version older onnxruntime releases refuse; opset 17 needs only IR 8.
model.ir_version = 8
model.metadata_props.append(onnx.StringStringEntryProto(key="labels", value=meta["labels"]))
model.metadata_props.append(onnx.StringStringEntryProto(key="preprocessing", value=meta["preprocessing"]))
onnx.checker.check_model(model)
onnx.save(model, target)
print(f"wrote {target}: {len(nodes)} nodes, {len(initializers)} tensors")
