#!/usr/bin/env bash
# Regenerates Sources/ONNXFormat/onnx.pb.swift, the ONNX messages (ModelProto,
# GraphProto, NodeProto, TensorProto, …) as swift-protobuf types. Run by hand when
# the ONNX schema or swift-protobuf changes; CI builds the committed file.
#
#   scripts/generate_onnx_proto.sh [PROTOC_GEN_SWIFT]
#
# Needs protoc (Debian: apt-get install -y protobuf-compiler), protoc-gen-swift of
# the swift-protobuf version in Package.swift, built outside the repository:
#   git clone https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   cd /tmp/swift-protobuf && git checkout 1.39.0 && swift build -c release --product protoc-gen-swift
# and python3 with the `onnx` package, whose onnx.proto is the schema (proto2).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${1:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}
proto_dir=$(python3 -c "import onnx, os; print(os.path.dirname(onnx.__file__))")
echo "onnx $(python3 -c 'import onnx; print(onnx.__version__)'): $proto_dir/onnx.proto" >&2
protoc --plugin=protoc-gen-swift="$plugin" \
    --proto_path="$proto_dir" \
    --swift_out=Sources/ONNXFormat \
    --swift_opt=Visibility=Public \
    "$proto_dir/onnx.proto"
