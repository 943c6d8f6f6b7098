#!/usr/bin/env bash
# Decode + preprocess to a 224x224 normalised tensor: ImageKit vs Pillow, same
# files, same run. Usage: Benchmarks/ImageBenchmark/run.sh [iterations] [rounds]
# The two alternate for `rounds` rounds, so a busy machine slows both alike;
# each round prints both sides' medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations="${1:-30}"
rounds="${2:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

data="${IMAGECLASSIFIER_DATA:-}"
[ -n "$data" ] || { [ -d ../shared/data ] && data=../shared/data; } || true
[ -n "$data" ] || data=/work/shared/data
photo="$(ls "$data"/hymenoptera/train/bees/*.jpg 2>/dev/null | head -1 || true)"
python3 Benchmarks/ImageBenchmark/make_inputs.py "$work" ${photo:+"$photo"}
ls -l "$work"

swift build -c release --product image-benchmark >/dev/null
files=("$work/photo-4000x3000.jpg" "$work/photo-640x480.jpg" "$work/photo-1024x768.png")
for round in $(seq 1 "$rounds"); do
    echo "== round $round: ImageKit"
    .build/release/image-benchmark "${files[@]}" --iterations "$iterations"
    echo "== round $round: Pillow $(python3 -c 'import PIL; print(PIL.__version__)')"
    python3 Benchmarks/ImageBenchmark/pillow_benchmark.py "${files[@]}" --iterations "$iterations"
done
