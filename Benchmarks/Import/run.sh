#!/usr/bin/env bash
# Starting from published weights: how long `classifier-train import` takes for
# torchvision networks saved as safetensors, and how long fine-tuning an imported
# resnet18 at 224×224 takes on the hymenoptera photos (ants/bees, 244 images),
# with the backbone frozen (head on cached features) and unfrozen.
#
#   Benchmarks/Import/run.sh [HYMENOPTERA_TRAIN_FOLDER]
#
# No ImageNet weights can be fetched here, so the networks carry torchvision's
# random initialisation (weights=None): the timings are real, the accuracies are
# not those of ImageNet weights and are not reported. REPS (default 3) imports per
# network; FROZEN_EPOCHS (10) and UNFROZEN_EPOCHS (2) set the fine-tuning runs.
# Needs: Debian's python3-torch and python3-torchvision, and safetensors for /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-../shared/data/hymenoptera/train}
reps=${REPS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --product classifier-train >/dev/null
bin=$(swift build -c release --show-bin-path)
oracle=Tests/TrainingTests/Scripts/torchvision_oracle.py

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores), $(date -u +%Y-%m-%d)"
echo
echo "| network | file MB | import s (median of $reps) |"
echo "| --- | ---: | ---: |"
for arch in resnet18 resnet50 vgg16; do
    /usr/bin/python3 "$oracle" "$arch" 1000 224 "$work/$arch" >/dev/null
    mb=$(( $(stat -c %s "$work/$arch/model.safetensors") / 1000000 ))
    times=()
    for _ in $(seq "$reps"); do
        start=$(date +%s.%N)
        "$bin/classifier-train" import "$work/$arch/model.safetensors" --out "$work/$arch.safetensors" >/dev/null
        times+=("$(echo "$(date +%s.%N) - $start" | bc)")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (reps + 1) / 2 ))p")
    printf '| %s | %d | %.2f |\n' "$arch" "$mb" "$median"
done

echo
echo "| fine-tuning resnet18@224 on $(find "$data" -name '*.jpg' | wc -l) photos | epochs | wall s | last epoch train loss |"
echo "| --- | ---: | ---: | ---: |"
run() {
    local label=$1 epochs=$2; shift 2
    local start end
    start=$(date +%s.%N)
    "$bin/classifier-train" train --data "$data" --init-from "$work/resnet18.safetensors" --epochs "$epochs" \
        --batch-size 16 --optimizer adamw --seed 1 --out "$work/tuned-$label.safetensors" "$@" >"$work/$label.log" 2>&1
    end=$(date +%s.%N)
    loss=$(grep -oE 'train loss [0-9.]+' "$work/$label.log" | tail -1 | cut -d' ' -f3)
    printf '| %s | %d | %.1f | %s |\n' "$label" "$epochs" "$(echo "$end - $start" | bc)" "${loss:-?}"
}
run "frozen backbone (features cached once)" "${FROZEN_EPOCHS:-10}" --freeze-backbone --lr 0.003
run "whole network" "${UNFROZEN_EPOCHS:-2}" --lr 0.0003
