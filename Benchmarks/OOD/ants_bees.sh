#!/usr/bin/env bash
# The second out-of-distribution case of BENCHMARKS.md ("Saying unknown"): a small ants/bees
# model, with held-out ants/bees photos as in-distribution and, as out-of-distribution,
# Fashion-MNIST garments rendered as photos (dark on light, 112×112 RGB) and drawn shapes.
# The hymenoptera folder has no test split here, so every fifth photo of each class (by
# name) is held out first; the model trains on the rest with its own 20 % validation split.
#
#     Benchmarks/OOD/ants_bees.sh            (from the repository root, after swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/../.."
photos=${PHOTOS:-/work/shared/data/hymenoptera/train}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for class in ants bees; do
    mkdir -p "$work/fit/$class" "$work/test/$class"
    i=0
    while IFS= read -r file; do
        if [ $((i % 5)) -eq 4 ]; then to=test; else to=fit; fi
        cp "$photos/$class/$file" "$work/$to/$class/"
        i=$((i + 1))
    done < <(ls "$photos/$class" | LC_ALL=C sort)
done
python3 Benchmarks/OOD/make_shapes.py "$work/shapes"
python3 Benchmarks/OOD/render_fashion.py /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz "$work/fashion" 240
.build/release/classifier-train train --data "$work/fit" --arch simple-cnn --input-size 64 --epochs 30 \
    --batch-size 16 --optimizer adamw --lr 0.002 --horizontal-flip --zoom-range 0.1 --seed 1 --threads 2 \
    --out "$work/ants-bees.safetensors" | grep -E "best|test|accuracy" | tail -4
.build/release/classifier-train compare-ood "$work/ants-bees.safetensors" --data "$work/fit" --val-split 0.2 \
    --in "$work/test" --ood "$work/fashion" --ood "$work/shapes"
