#!/usr/bin/env bash
# Builds the libFuzzer targets into .build/fuzz/fuzz-<target>, each with
# swiftc -sanitize=fuzzer,address over the sources it exercises (one module
# with its entry point) and the C they call compiled with
# -fsanitize=fuzzer-no-link,address. System libraries (libjpeg-turbo, libpng,
# zlib, OpenBLAS) and Yams are not instrumented: coverage feedback comes from
# our code, and AddressSanitizer checks every buffer we hand them.
#   Fuzz/build.sh [target...]   (default: all; see Fuzz/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
build=".build/fuzz"
mkdir -p "$build/objects"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(request-parser multipart jpeg png model-file training-config)
swift_flags=(-O -g -sanitize=fuzzer,address -parse-as-library)

# C sources instrumented for coverage and AddressSanitizer, objects named after them.
compile_c() {
    local include="$1"; shift
    for c in "$@"; do
        clang -O2 -g -fsanitize=fuzzer-no-link,address -I "$include" -c "$c" -o "$build/objects/$(basename "$c" .c).o"
        echo "$build/objects/$(basename "$c" .c).o"
    done
}

# module.modulemap for a C target used outside SwiftPM.
module_map() {
    mkdir -p "$build/modules/$1"
    printf 'module %s {\n    header "%s"\n    export *\n}\n' "$1" "$PWD/$2" > "$build/modules/$1/module.modulemap"
}

link() {
    local target="$1"; shift
    echo "== building fuzz-$target"
    swiftc "${swift_flags[@]}" "$@" -o "$build/fuzz-$target" 2>"$build/build-$target.log" \
        || { grep -v "Cannot export local symbol" "$build/build-$target.log"; exit 1; }
}

engine_sources() { find Sources/NeuralEngine -name '*.swift' | sort; }
# The engine's C kernels and its oneDNN wrapper, compiled once for both targets that need them.
kernels=()
engine_kernels() {
    [ ${#kernels[@]} -gt 0 ] && return
    module_map CEngineKernels Sources/CEngineKernels/include/CEngineKernels.h
    module_map COneDNN Sources/COneDNN/include/COneDNN.h
    mapfile -t kernels < <(compile_c Sources/CEngineKernels/include Sources/CEngineKernels/*.c
                           compile_c Sources/COneDNN/include Sources/COneDNN/*.c)
}
engine_modules=(-I Sources/CBLAS -I "$build/modules/CEngineKernels" -I "$build/modules/COneDNN")
engine_libraries=(-lopenblas -ldnnl -lgomp)

for target in "${targets[@]}"; do
    case "$target" in
        request-parser)
            link "$target" -module-name HTTPKit Fuzz/RequestParserFuzz.swift \
                Sources/HTTPKit/Messages/*.swift Sources/HTTPKit/Parsing/*.swift Sources/HTTPKit/Forms/*.swift ;;
        multipart)
            link "$target" -module-name HTTPKit Fuzz/MultipartFuzz.swift \
                Sources/HTTPKit/Messages/*.swift Sources/HTTPKit/Parsing/*.swift Sources/HTTPKit/Forms/*.swift ;;
        jpeg | png)
            module_map CImageShim Sources/CImageShim/include/image_shim.h
            mapfile -t shim < <(compile_c Sources/CImageShim/include Sources/CImageShim/*.c)
            entry="Fuzz/FuzzJPEG.swift"; [ "$target" = png ] && entry="Fuzz/FuzzPNG.swift"
            link "$target" -module-name ImageKit -I "$build/modules/CImageShim" "$entry" \
                $(find Sources/ImageKit -name '*.swift' | sort) "${shim[@]}" -ljpeg -lpng16 -lz ;;
        model-file)
            engine_kernels
            link "$target" -module-name NeuralEngine "${engine_modules[@]}" \
                Fuzz/FuzzModelFile.swift $(engine_sources) "${kernels[@]}" "${engine_libraries[@]}" ;;
        training-config)
            # Training's configuration sources with what they import (NeuralEngine,
            # ConfigurationDocument) as one module, over the release build's Yams.
            [ -d .build/release/Yams.build ] || swift build -c release --target Yams >/dev/null
            config="$build/training-config-sources"
            rm -rf "$config" && mkdir -p "$config"
            cp Sources/Training/Configuration/*.swift Sources/Training/TrainingError.swift \
                Sources/Training/Data/FileAccess.swift Sources/ConfigurationDocument/*.swift "$config"/
            sed -i '/^import NeuralEngine$/d; /^import ConfigurationDocument$/d' "$config"/*.swift
            engine_kernels
            link "$target" -module-name Training -I .build/release/Modules "${engine_modules[@]}" \
                -Xcc -I -Xcc "$PWD/.build/checkouts/Yams/Sources/CYaml/include" \
                Fuzz/FuzzTrainingConfig.swift "$config"/*.swift $(engine_sources) "${kernels[@]}" \
                $(find .build/release/Yams.build .build/release/CYaml.build -name '*.o') "${engine_libraries[@]}" ;;
        *) echo "unknown fuzz target '$target' (see Fuzz/README.md)"; exit 2 ;;
    esac
done
