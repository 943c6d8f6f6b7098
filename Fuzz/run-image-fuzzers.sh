#!/usr/bin/env bash
# Builds libFuzzer targets for ImageKit's JPEG and PNG decoders (swiftc
# -sanitize=fuzzer,address over ImageKit's sources plus the C shim) and runs
# each for a bounded time. Usage: Fuzz/run-image-fuzzers.sh [seconds-per-target]
# Crashing inputs are kept in Fuzz/crashes/<target>/ (git-ignored by nothing:
# commit one as a regression seed when you fix it).
#
# Note: the system libjpeg-turbo and libpng are not instrumented, so coverage
# feedback comes from our Swift and C shim code; AddressSanitizer still checks
# every buffer we hand to the libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
build=".build/fuzz"
mkdir -p "$build"

# Module map for `import CImageShim` outside SwiftPM.
cat > "$build/module.modulemap" <<MAP
module CImageShim {
    header "$PWD/Sources/CImageShim/include/image_shim.h"
    export *
}
MAP
for c in jpeg_shim png_shim decode_limits; do
    clang -O2 -g -fsanitize=fuzzer-no-link,address -ISources/CImageShim/include \
        -c "Sources/CImageShim/$c.c" -o "$build/$c.o"
done
sources=$(find Sources/ImageKit -name '*.swift' | sort)
for target in JPEG PNG; do
    swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name ImageKitFuzz$target \
        -I "$build" $sources "Fuzz/Fuzz$target.swift" \
        "$build/jpeg_shim.o" "$build/png_shim.o" "$build/decode_limits.o" -ljpeg -lpng16 -lz \
        -o "$build/fuzz-$(echo $target | tr A-Z a-z)" 2>"$build/link-$target.log" \
        || { cat "$build/link-$target.log"; exit 1; }
done

python3 Fuzz/make_seeds.py "$build/seeds"
for target in jpeg png; do
    corpus="$build/corpus-$target"
    mkdir -p "$corpus" "Fuzz/crashes/$target"
    cp -n "$build/seeds/$target"/* "$corpus"/ 2>/dev/null || true
    echo "== fuzz-$target for ${seconds}s"
    # -rss_limit_mb: a decoder that ignores the pixel limits would blow it.
    "$build/fuzz-$target" "$corpus" -max_total_time="$seconds" -max_len=65536 \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="Fuzz/crashes/$target/" >"$build/fuzz-$target.log" 2>&1 || status=$?
    grep -E "INITED|DONE|ERROR|SUMMARY|Test unit written|stat::" "$build/fuzz-$target.log" || true
    if [ "${status:-0}" -ne 0 ]; then echo "fuzz-$target found a problem (exit $status), see $build/fuzz-$target.log"; exit 1; fi
done
