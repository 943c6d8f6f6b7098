#!/usr/bin/env bash
# The out-of-distribution comparison in BENCHMARKS.md ("Saying unknown"): for each committed
# Fashion-MNIST model, every score (energy, max softmax, Mahalanobis, kNN) with statistics
# from the training split calibrate uses (90 % of train, seed 1), Fashion-MNIST t10k as
# in-distribution, and as out-of-distribution the hymenoptera photos and drawn shapes, each
# through the model's own preprocessing (gray, 28×28, inverted for the default model).
#
#     Benchmarks/OOD/run.sh [MODEL ...]     (from the repository root, after swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/../.."
fashion=/usr/share/datasets/fashion-mnist
photos=${PHOTOS:-/work/shared/data/hymenoptera/train}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 Benchmarks/OOD/make_shapes.py "$work/shapes"
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(models/default.safetensors models/resnet20-fashion-mnist.safetensors)
for model in "${models[@]}"; do
    echo "### $model"
    .build/release/classifier-train compare-ood "$model" --data "$fashion/train-images-idx3-ubyte.gz" \
        --in "$fashion/t10k-images-idx3-ubyte.gz" --ood "$photos" --ood "$work/shapes"
    echo
done
