#!/usr/bin/env bash
# Inference speed of our engine beside ONNX Runtime and OpenVINO, in one run, on the
# same machine and the same networks: each of our model files (random weights, which
# do not change the speed) is converted to ONNX by `classifier-train export`.
# Prints one Markdown table with medians and our ratios to each peer.
#
#   Benchmarks/Compare/run.sh                 # resnet18@224, vgg11-bn@224, resnet20@32, mobilenet-v2@224
#   MODELS="resnet18@224" THREADS=1,2 BATCHES=1,8 REPS=10 Benchmarks/Compare/run.sh
#
# Needs: pip install onnxruntime openvino onnx safetensors numpy
set -euo pipefail
cd "$(dirname "$0")/../.."
models=${MODELS:-"resnet18@224:1,8 vgg11-bn@224:1,8 resnet20@32:1,32 mobilenet-v2@224:1,8"}
threads=${THREADS:-1,2}
reps=${REPS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --product engine-benchmark --product serving-make-model --product classifier-train >/dev/null
bin=$(swift build -c release --show-bin-path)

{
    echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
         "OpenBLAS $(dpkg-query -W -f '${Version}' libopenblas0-pthread 2>/dev/null || echo '?')," \
         "$(python3 -c 'import onnxruntime; print("onnxruntime", onnxruntime.__version__)' 2>/dev/null)," \
         "$(python3 -c 'import openvino; print("openvino", openvino.__version__)' 2>/dev/null)" >&2
    for entry in $models; do
        model=${entry%%:*}
        batches=${BATCHES:-${entry#*:}}
        name=${model%@*}
        size=${model#*@}
        "$bin/serving-make-model" "$work/$name.safetensors" "$name" "$size" 1000
        "$bin/classifier-train" export "$work/$name.safetensors" --onnx "$work/$name.onnx" >/dev/null
        "$bin/engine-benchmark" --tsv --models "$name" --input-size "$size" --threads "$threads" \
            --batches "$batches" --reps "$reps"
        python3 Benchmarks/Compare/peers.py "$work/$name.onnx" "$model" --threads "$threads" \
            --batches "$batches" --reps "$reps"
    done
} | tee "$work/lines.tsv" | python3 Benchmarks/Compare/table.py
