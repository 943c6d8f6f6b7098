#!/usr/bin/env bash
# Installs everything the build, the server and the tests need on a fresh
# Debian 12 machine that already has the Swift toolchain. Safe to run again.
#
#   scripts/setup.sh            everything: build, run and test
#   scripts/setup.sh --runtime  only what building and running the server needs
set -euo pipefail

runtime_only=false
[ "${1:-}" = "--runtime" ] && runtime_only=true

apt_packages=(
    # build and run
    libopenblas-dev libdnnl-dev libjpeg-dev libpng-dev zlib1g-dev
)
$runtime_only || apt_packages+=(
    # tests: real clients, a real proxy, the Fashion-MNIST data, reference decoders
    curl nginx wrk dataset-fashion-mnist libjpeg-turbo-progs python3 python3-pip
    # the server's web page test: headless Chromium driven by Selenium
    chromium chromium-driver
    # the oracle for imported weights: Debian's CPU builds of PyTorch and torchvision
    python3-torch python3-torchvision
)

missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

$runtime_only && exit 0

# Python packages used only as independent test oracles (safetensors, Pillow, …).
here="$(cd "$(dirname "$0")" && pwd)"
if ! python3 -m pip install --quiet --disable-pip-version-check -r "$here/../requirements-test.txt" 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r "$here/../requirements-test.txt"
fi

# safetensors.torch for Debian's own python3, which runs the PyTorch oracle.
if ! /usr/bin/python3 -c "import safetensors.torch" 2>/dev/null; then
    /usr/bin/python3 -m pip install --quiet --disable-pip-version-check --break-system-packages safetensors
fi
