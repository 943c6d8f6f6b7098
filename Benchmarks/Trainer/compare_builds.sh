#!/usr/bin/env bash
# Training throughput of two classifier-train builds, interleaved in one run so that
# both see the same machine: one epoch on Fashion-MNIST's t10k file (9,000 training
# images after a 10 % split), RUNS times each, alternating A and B. Prints every run
# and the median images/s (the trainer's own per-epoch figure) of each build.
#
#   Benchmarks/Trainer/compare_builds.sh OLD_BINARY NEW_BINARY [ARCH] [INPUT_SIZE]
#
# RUNS (default 3) and THREADS (default 2) can be set. Needs Debian's dataset-fashion-mnist.
set -euo pipefail
a=$1 b=$2 arch=${3:-resnet20} size=${4:-28}
runs=${RUNS:-3} threads=${THREADS:-2}
data=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

one_epoch() {
    "$1" train --data "$data" --val-split 0.1 --arch "$arch" --input-size "$size" --resize pad \
        --epochs 1 --batch-size 128 --optimizer sgd --lr 0.05 --lr-schedule cosine --seed 1 \
        --threads "$threads" --out "$work/model.safetensors" 2>&1 |
        sed -n 's/.* \([0-9][0-9]*\) img\/s.*/\1/p' | head -1
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/a" ; : > "$work/b"
for run in $(seq 1 "$runs"); do
    ra=$(one_epoch "$a"); echo "run $run  A $ra images/s"; echo "$ra" >> "$work/a"
    rb=$(one_epoch "$b"); echo "run $run  B $rb images/s"; echo "$rb" >> "$work/b"
done
ma=$(median < "$work/a") mb=$(median < "$work/b")
echo "$arch at ${size}×${size}, batch 128, $threads threads, $runs runs each"
echo "median A $ma images/s, B $mb images/s, B/A $(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.2f", b / a }')×"
