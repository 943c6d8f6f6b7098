#!/usr/bin/env bash
# Serving benchmark: wrk uploads of a real 640×480 JPEG to classifier-server and
# to a Flask + Pillow + onnxruntime server of the same model, at 1, 4, 16 and 64
# connections, measured in the same run. Prints a markdown table.
#
#   Benchmarks/Serving/run.sh [MODEL.safetensors]
#
# Without a model argument it serves models/default.safetensors, or, when that
# does not exist, a random-weight model of $PRESET at $SIZE (default resnet20 at 32).
# DURATION (seconds per point, default 10) and CONNECTIONS ("1 4 16 64") can be set.
# The baseline's ONNX file is written by `classifier-train export`.
# Needs: wrk (Debian), python3 with flask, onnxruntime, pillow, safetensors.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-10}
connections=${CONNECTIONS:-"1 4 16 64"}
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

swift build -c release --product classifier-server >/dev/null
swift build -c release --product classifier-train >/dev/null
swift build -c release --product serving-make-model >/dev/null
bin=$(swift build -c release --show-bin-path)

model=${1:-models/default.safetensors}
if [ ! -f "$model" ]; then
    model="$work/model.safetensors"
    "$bin/serving-make-model" "$model" "${PRESET:-resnet20}" "${SIZE:-32}" "${CLASSES:-10}"
fi
"$bin/classifier-train" export "$model" --onnx "$work/model.onnx" >&2

# A real photo (the first hymenoptera ant, else a drawn scene) as a 640×480 JPEG.
data=${IMAGECLASSIFIER_DATA:-../shared/data}
[ -d "$data/hymenoptera" ] || data=/work/shared/data
python3 Benchmarks/Serving/make_photo.py "$data" "$work/photo.jpg"

ours_port=18431
base_port=18432
"$bin/classifier-server" --config /dev/null --host 127.0.0.1 --port "$ours_port" --model "$model" \
    --log-level warning --queue-capacity 256 ${SERVER_FLAGS:-} &
pids+=($!)
python3 Benchmarks/Serving/baseline_server.py "$work/model.onnx" "$base_port" 2 2>"$work/baseline.log" &
pids+=($!)
for port in "$ours_port" "$base_port"; do
    for _ in $(seq 1 200); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
        sleep 0.1
    done
done
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$ours_port/readyz" && break; sleep 0.1; done

echo "# model: $model ($(python3 -c "import json,sys;from safetensors import safe_open;f=safe_open(sys.argv[1],'numpy');a=json.loads(f.metadata()['architecture']);print(a.get('preset'), str(a['inputWidth'])+'x'+str(a['inputHeight']), a['classCount'], 'classes')" "$model"))" >&2
echo "# ours:     $(curl -s -F image=@"$work/photo.jpg" "http://127.0.0.1:$ours_port/classify?top_k=1")" >&2
echo "# baseline: $(curl -s -F image=@"$work/photo.jpg" "http://127.0.0.1:$base_port/classify?top_k=1")" >&2

echo "| server | connections | images/s | p50 ms | p99 ms | errors |"
echo "| --- | --- | --- | --- | --- | --- |"
for c in $connections; do
    threads=$(( c < 2 ? c : 2 ))
    for target in "classifier-server:$ours_port" "Flask+onnxruntime:$base_port"; do
        name=${target%%:*}
        port=${target##*:}
        # A short warm-up, then the measured run.
        IMAGE="$work/photo.jpg" wrk -t"$threads" -c"$c" -d2s -s Benchmarks/Serving/upload.lua "http://127.0.0.1:$port/classify" >/dev/null
        IMAGE="$work/photo.jpg" wrk -t"$threads" -c"$c" -d"${duration}s" --timeout 30s --latency \
            -s Benchmarks/Serving/upload.lua "http://127.0.0.1:$port/classify" > "$work/wrk.txt"
        python3 Benchmarks/Serving/summarize.py "$name" "$c" "$work/wrk.txt"
    done
done
