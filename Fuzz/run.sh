#!/usr/bin/env bash
# Runs libFuzzer targets built by Fuzz/build.sh, each from its corpus in
# .build/fuzz/corpus-<target> (seeded from Fuzz/corpus and the seed scripts).
#   Fuzz/run.sh [--seconds N | --runs N] [--record] [target...]
# Default: 60 seconds for every target. --record appends a row per target to
# Fuzz/RESULTS.md. A crash, leak, timeout or memory blow-up is written to
# Fuzz/crashes/<target>/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
build=".build/fuzz"
limit=(-max_total_time=60)
record=false
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) limit=(-max_total_time="$2"); shift 2 ;;
        --runs) limit=(-runs="$2"); shift 2 ;;
        --record) record=true; shift ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(request-parser multipart jpeg png model-file training-config)

python3 Fuzz/make_seeds.py "$build/seeds"
python3 Fuzz/make_model_seeds.py "$build/seeds"
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p' | head -1), model $(lscpu | sed -n 's/^Model: *//p' | head -1), $(nproc) cores)"
for target in "${targets[@]}"; do
    case "$target" in
        request-parser) seeds=Fuzz/corpus/request; max_len=4096 ;;
        multipart) seeds=Fuzz/corpus/multipart; max_len=4096 ;;
        jpeg | png) seeds="$build/seeds/$target"; max_len=65536 ;;
        model-file) seeds="$build/seeds/models"; max_len=16384 ;;
        training-config) seeds="$build/seeds/configs"; max_len=4096; cp -n Fuzz/corpus/training-config/* "$build/seeds/configs"/ ;;
        *) echo "unknown fuzz target '$target'"; exit 2 ;;
    esac
    [ -x "$build/fuzz-$target" ] || { echo "fuzz-$target is not built: run Fuzz/build.sh $target"; exit 2; }
    corpus="$build/corpus-$target"
    mkdir -p "$corpus" "Fuzz/crashes/$target"
    cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
    echo "== fuzz-$target (${limit[*]})"
    # SWIFT_BACKTRACE=enable=no: a trap reaches libFuzzer as a crash instead of
    # Swift's backtracer, whose memory reads AddressSanitizer would flag.
    # -rss_limit_mb / -malloc_limit_mb: an input that makes a decoder or loader
    # allocate far beyond its limits is a finding.
    status=0
    start=$(date +%s)
    SWIFT_BACKTRACE=enable=no "$build/fuzz-$target" "$corpus" "${limit[@]}" -max_len="$max_len" \
        -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="Fuzz/crashes/$target/" >"$build/fuzz-$target.log" 2>&1 || status=$?
    seconds=$(( $(date +%s) - start ))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$target.log")
    coverage=$(grep -Eo 'cov: [0-9]+' "$build/fuzz-$target.log" | tail -1 | grep -Eo '[0-9]+' || echo "?")
    findings=$(find "Fuzz/crashes/$target" -type f | wc -l)
    echo "fuzz-$target: ${executions:-?} executions in ${seconds}s, coverage ${coverage} edges, corpus $(ls "$corpus" | wc -l), findings ${findings}"
    if $record; then
        printf '| %s | %s | `fuzz-%s` | %s | %s | %s | %s | %s |\n' "$(date -u '+%Y-%m-%d')" "$cpu" "$target" \
            "$seconds" "${executions:-?}" "$(( ${executions:-0} / (seconds > 0 ? seconds : 1) ))" "$coverage" "$findings" >> Fuzz/RESULTS.md
    fi
    if [ "$status" -ne 0 ]; then
        grep -E "ERROR|SUMMARY|runtime failure|Test unit written" "$build/fuzz-$target.log" | head -5
        echo "fuzz-$target found a problem (exit $status): $build/fuzz-$target.log"
        exit 1
    fi
done
