#!/usr/bin/env bash
# Builds the HTTPKit libFuzzer targets (request parser, multipart parser) with
# swiftc -sanitize=fuzzer,address and runs each for a bounded time.
#   Fuzz/run-http-fuzzers.sh [seconds-per-target]   (default 60)
# Prints executions and crashes per target and appends them to Fuzz/RESULTS.md.
# Crash inputs land in .build/fuzz/artifacts/<target>/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
build=".build/fuzz"
mkdir -p "$build"
sources=(Sources/HTTPKit/Messages/*.swift Sources/HTTPKit/Parsing/*.swift Sources/HTTPKit/Forms/*.swift)
results="Fuzz/RESULTS.md"
[ -f "$results" ] || printf '# HTTPKit fuzzing results\n\nAppended by `Fuzz/run-http-fuzzers.sh`.\n\n| date (UTC) | target | seconds | executions | crashes |\n| --- | --- | --- | --- | --- |\n' > "$results"

for target in RequestParserFuzz MultipartFuzz; do
    binary="$build/$target"
    echo "== building $target"
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name HTTPKitFuzz \
        "Fuzz/$target.swift" "${sources[@]}" -o "$binary" 2> "$build/$target.build.log" \
        || { cat "$build/$target.build.log"; exit 1; }
    case "$target" in
        RequestParserFuzz) corpus_seed="Fuzz/corpus/request" ;;
        MultipartFuzz) corpus_seed="Fuzz/corpus/multipart" ;;
    esac
    corpus="$build/corpus-$target"
    artifacts="$build/artifacts/$target/"
    mkdir -p "$corpus" "$artifacts"
    echo "== running $target for ${seconds}s"
    set +e
    "$binary" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts" \
        -max_len=4096 "$corpus" "$corpus_seed" > "$build/$target.log" 2>&1
    status=$?
    set -e
    executions=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$build/$target.log" | grep -Eo '[0-9]+$' || echo "?")
    crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) | wc -l)
    echo "$target: executions=$executions crashes=$crashes exit=$status"
    printf '| %s | %s | %s | %s | %s |\n' "$(date -u '+%Y-%m-%d %H:%M')" "$target" "$seconds" "$executions" "$crashes" >> "$results"
    if [ "$status" -ne 0 ]; then
        tail -40 "$build/$target.log"
        exit "$status"
    fi
done
