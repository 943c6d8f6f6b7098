#!/usr/bin/env bash
# Two classifier-server builds side by side: both serve the same model, and wrk uploads
# a real 640×480 JPEG to each in turn, RUNS times, so that both see the same machine.
# Prints every run and the median images/s and p99 of each build.
#
#   Benchmarks/Serving/compare_builds.sh OLD_BINARY NEW_BINARY [MODEL.safetensors]
#
# RUNS (default 5), DURATION (seconds per run, default 5) and CONNECTIONS (default 1)
# can be set. Needs wrk and python3 with Pillow; the photo is the first hymenoptera ant.
set -euo pipefail
cd "$(dirname "$0")/../.."
a=$1 b=$2 model=${3:-models/default.safetensors}
runs=${RUNS:-5} duration=${DURATION:-5} connections=${CONNECTIONS:-1}
threads=$(( connections < 2 ? connections : 2 ))
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

data=${IMAGECLASSIFIER_DATA:-../shared/data}
[ -d "$data/hymenoptera" ] || data=/work/shared/data
python3 Benchmarks/Serving/make_photo.py "$data" "$work/photo.jpg"

port_a=18441 port_b=18442
"$a" --config /dev/null --host 127.0.0.1 --port "$port_a" --model "$model" --log-level warning --queue-capacity 256 &
pids+=($!)
"$b" --config /dev/null --host 127.0.0.1 --port "$port_b" --model "$model" --log-level warning --queue-capacity 256 &
pids+=($!)
for port in "$port_a" "$port_b"; do
    for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.1; done
done

measure() {  # port → "images/s p99_ms"
    IMAGE="$work/photo.jpg" wrk -t"$threads" -c"$connections" -d1s -s Benchmarks/Serving/upload.lua "http://127.0.0.1:$1/classify" >/dev/null
    IMAGE="$work/photo.jpg" wrk -t"$threads" -c"$connections" -d"${duration}s" --latency \
        -s Benchmarks/Serving/upload.lua "http://127.0.0.1:$1/classify" > "$work/wrk.txt"
    python3 - "$work/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[u]
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
assert not bad, "error responses: " + bad.group(1)
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
print(f"{rate:.1f} {p99:.2f}")
PY
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: > "$work/a"; : > "$work/b"
for run in $(seq 1 "$runs"); do
    ra=$(measure "$port_a"); echo "run $run  A $ra  (images/s, p99 ms)"; echo "$ra" >> "$work/a"
    rb=$(measure "$port_b"); echo "run $run  B $rb  (images/s, p99 ms)"; echo "$rb" >> "$work/b"
done
ma=$(cut -d' ' -f1 "$work/a" | median) mb=$(cut -d' ' -f1 "$work/b" | median)
pa=$(cut -d' ' -f2 "$work/a" | median) pb=$(cut -d' ' -f2 "$work/b" | median)
echo "$connections connection(s), $runs runs of ${duration}s each"
echo "median A $ma images/s (p99 $pa ms), B $mb images/s (p99 $pb ms), B/A $(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.2f", b / a }')×"
