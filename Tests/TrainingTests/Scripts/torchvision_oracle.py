"""The oracle for importing published weights: a torchvision network as a user would
save it, and its logits on a fixed input.

usage: /usr/bin/python3 torchvision_oracle.py ARCH CLASSES SIZE OUT_DIR [--half] [--timm-names] [--data-parallel]

Runs under Debian's python3-torch/python3-torchvision. Builds torchvision.models.ARCH
with weights=None and a fixed seed, gives every BatchNorm non-trivial statistics and
affine parameters (fresh ones are the identity, which would hide a mapping mistake),
and writes in OUT_DIR:
  model.safetensors   the state dict, saved with safetensors.torch as users do
                      (--half: as float16; --timm-names: VGG keys renamed to timm's
                      layout, pre_logits.fc1/fc2 as 7x7 and 1x1 convolutions, head.fc,
                      or mobilenet_v2's to timm's mobilenetv2_100 names;
                      --data-parallel: every key under "module.")
  model.onnx          torch.onnx.export of the same network (opset 17)
  input.f32           a (2, 3, SIZE, SIZE) input, little-endian float32
  logits.f32          PyTorch's (2, CLASSES) logits in eval mode
"""
import os
import sys

import torch
import torchvision
from safetensors.torch import save_file

arch, classes, size, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
flags = set(sys.argv[5:])
torch.manual_seed(0)
model = getattr(torchvision.models, arch)(weights=None, num_classes=classes)
with torch.no_grad():
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n) * 0.2)
            module.running_var.copy_(torch.rand(n) * 1.5 + 0.5)
            module.weight.copy_(torch.rand(n) + 0.5)
            module.bias.copy_(torch.randn(n) * 0.2)
model.eval()

x = torch.randn(2, 3, size, size)
with torch.no_grad():
    logits = model(x)
os.makedirs(out, exist_ok=True)
x.numpy().astype("<f4").tofile(os.path.join(out, "input.f32"))
logits.numpy().astype("<f4").tofile(os.path.join(out, "logits.f32"))

state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
if "--half" in flags:
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}
if "--timm-names" in flags and arch == "mobilenet_v2":
    # timm's mobilenetv2_100: conv_stem/bn1, blocks.S.J (conv_pw, conv_dw, conv_pwl), conv_head/bn2.
    stage_of = []
    for stage, repeats in enumerate([1, 2, 3, 4, 3, 3, 1]):
        stage_of += [(stage, j) for j in range(repeats)]
    first = {"conv.0.0": "conv_dw", "conv.0.1": "bn1", "conv.1": "conv_pw", "conv.2": "bn2"}
    other = {"conv.0.0": "conv_pw", "conv.0.1": "bn1", "conv.1.0": "conv_dw", "conv.1.1": "bn2",
             "conv.2": "conv_pwl", "conv.3": "bn3"}
    renamed = {}
    for k, v in state.items():
        layer, leaf = k.rsplit(".", 1)
        parts = layer.split(".")
        if layer == "features.0.0": layer = "conv_stem"
        elif layer == "features.0.1": layer = "bn1"
        elif layer == "features.18.0": layer = "conv_head"
        elif layer == "features.18.1": layer = "bn2"
        elif layer == "classifier.1": layer = "classifier"
        else:
            index = int(parts[1])
            stage, j = stage_of[index - 1]
            table = first if index == 1 else other
            layer = f"blocks.{stage}.{j}." + table[".".join(parts[2:])]
        renamed[layer + "." + leaf] = v
    state = renamed
elif "--timm-names" in flags:
    # timm's VGG: ConvMlp pre_logits (fc1 a 7x7 conv, fc2 a 1x1 conv) and head.fc.
    renamed = {}
    for k, v in state.items():
        if k.startswith("classifier.0."):
            k = "pre_logits.fc1." + k.split(".")[-1]
            v = v.reshape(v.shape[0], -1, 7, 7) if v.dim() == 2 else v
        elif k.startswith("classifier.3."):
            k = "pre_logits.fc2." + k.split(".")[-1]
            v = v.reshape(v.shape[0], v.shape[1], 1, 1) if v.dim() == 2 else v
        elif k.startswith("classifier.6."):
            k = "head.fc." + k.split(".")[-1]
        renamed[k] = v.contiguous()
    state = renamed
if "--data-parallel" in flags:
    state = {"module." + k: v for k, v in state.items()}
save_file(state, os.path.join(out, "model.safetensors"))
if "--onnx" in flags:
    torch.onnx.export(model, x, os.path.join(out, "model.onnx"), opset_version=17,
                      input_names=["input"], output_names=["logits"])
