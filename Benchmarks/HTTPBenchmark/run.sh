#!/usr/bin/env bash
# Load test of HTTPKit with wrk on loopback (64 connections):
#   1. GET /hello (13-byte response)
#   2. POST /upload with a 200 KB body (upload.lua)
# Reports requests/s, p50/p99 latency, errors, and the server's RSS before and
# after (at least 100,000 requests in total). Usage:
#   Benchmarks/HTTPBenchmark/run.sh [get-seconds] [upload-seconds]   (default 15 30)
# The upload runs twice, so memory growth between equal rounds shows.
set -euo pipefail
cd "$(dirname "$0")/../.."
get_seconds="${1:-15}"
upload_seconds="${2:-30}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

swift build -c release --product http-benchmark >/dev/null
port=18089
.build/release/http-benchmark "$port" > /tmp/http-benchmark.out 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/hello" >/dev/null && break; sleep 0.1; done

rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$server/status"; }
threads() { ls "/proc/$server/task" | wc -l; }
summary() {  # wrk output → one line
    awk '
        /requests in/ { total = $1 }
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 }
        /^ +99%/ { p99 = $2 }
        /Socket errors/ { errors = $0 }
        /Non-2xx/ { non2xx = $NF }
        END { printf "requests=%s rps=%s p50=%s p99=%s socket_errors=[%s] non_2xx=%s\n", total, rps, p50, p99, errors == "" ? "none" : errors, non2xx == "" ? 0 : non2xx }'
}

echo "machine: $(nproc) cores, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
wrk -t2 -c64 -d2s "http://127.0.0.1:$port/hello" >/dev/null   # warm-up
echo "RSS before: $(rss), threads: $(threads)"
echo "== GET /hello, 64 connections, ${get_seconds}s"
wrk -t2 -c64 -d"${get_seconds}s" --latency "http://127.0.0.1:$port/hello" | tee /tmp/wrk-get.txt | summary
echo "RSS after GET: $(rss), threads: $(threads)"
for round in 1 2; do
    # Two rounds: RSS after the second must be no higher than after the first.
    echo "== POST /upload 200 KB, 64 connections, ${upload_seconds}s (round $round)"
    wrk -t2 -c64 -d"${upload_seconds}s" --latency -s Benchmarks/HTTPBenchmark/upload.lua "http://127.0.0.1:$port/upload" | tee "/tmp/wrk-upload-$round.txt" | summary
    echo "RSS after upload round $round: $(rss), threads: $(threads)"
done
sleep 2
echo "RSS after 2 s idle: $(rss)"
kill -TERM "$server"
wait "$server" && echo "server exited 0 after SIGTERM"
trap - EXIT
