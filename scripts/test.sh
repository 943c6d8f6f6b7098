#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, then builds and tests in
# release mode (the numeric tests train small networks and need optimised code).
#
# Each module's tests run in a process of their own, one module after another:
# the loopback tests start servers, signal handlers and child processes, and on a
# 2-core machine they must not compete with another module's training runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

suites=(NeuralEngineTests ImageKitTests HTTPKitTests TrainingTests ClassifierServiceTests)
if [ $# -gt 0 ]; then
    exec swift test -c release "$@"
fi

# The first run builds everything (with testing enabled, as `swift test` does);
# the others reuse that build.
build_flag=""
for suite in "${suites[@]}"; do
    echo "=== $suite"
    swift test -c release $build_flag --filter "$suite"
    build_flag="--skip-build"
done

# oneDNN picks its kernels by CPU feature inside the library, once per process:
# the inference tests again with it capped at AVX2 and at SSE4.1, so the kernels
# of CPUs older than this one are tested too (a cap above the CPU changes nothing).
for isa in AVX2 SSE41; do
    echo "=== inference tests, oneDNN capped at $isa"
    ONEDNN_MAX_CPU_ISA=$isa swift test -c release --skip-build --filter "OneDNNConvolutionTests|InferenceNetworkTests"
done

# A short run of every fuzz target (Fuzz/README.md): a few seconds each from
# the seed corpora, so a decoder, parser or loader change that crashes on
# malformed input fails here. The long runs are benchmarks (Fuzz/RESULTS.md).
echo "=== fuzz targets, 10 s each"
Fuzz/build.sh
Fuzz/run.sh --seconds 10
