"""Times ONNX Runtime and OpenVINO on an ONNX graph, one line per setting, in the
format engine-benchmark --tsv prints: engine, model, threads, batch, median ms.

usage: peers.py MODEL.onnx LABEL --threads 1,2 --batches 1,8 [--reps N]
                [--engines onnxruntime,openvino[,openvino-default]]

Each engine is configured as a user deploying it would: ONNX Runtime with all graph
optimisations and `threads` intra-op threads; OpenVINO on CPU with the latency hint and
`threads` inference threads, the graph reshaped to each batch, and f32 precision asked
for: on CPUs with AVX-512 BF16 (AMD Zen 4) OpenVINO otherwise computes in bfloat16,
which is not the same arithmetic as ours or ONNX Runtime's (the engine
`openvino-default` measures that too). One untimed warm-up run,
then the median of `reps` timed runs, as engine-benchmark does.
"""
import argparse
import statistics
import sys
import time

import numpy as np
import onnx


def median_ms(run, reps):
    run()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def onnxruntime_times(path, input_shape, threads, batches, reps):
    import onnxruntime as ort
    for t in threads:
        options = ort.SessionOptions()
        options.intra_op_num_threads = t
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        for b in batches:
            x = np.random.default_rng(b).uniform(-1, 1, (b, *input_shape)).astype(np.float32)
            yield t, b, median_ms(lambda: session.run(None, {name: x}), reps)


def openvino_times(path, input_shape, threads, batches, reps, precision="f32"):
    import openvino as ov
    core = ov.Core()
    for t in threads:
        for b in batches:
            model = core.read_model(path)
            model.reshape([b, *input_shape])
            config = {"INFERENCE_NUM_THREADS": t, "PERFORMANCE_HINT": "LATENCY"}
            if precision != "default":
                config["INFERENCE_PRECISION_HINT"] = precision
            compiled = core.compile_model(model, "CPU", config)
            request = compiled.create_infer_request()
            x = np.random.default_rng(b).uniform(-1, 1, (b, *input_shape)).astype(np.float32)
            yield t, b, median_ms(lambda: request.infer({0: x}), reps)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("label")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--engines", default="onnxruntime,openvino")
    args = parser.parse_args()
    threads = [int(v) for v in args.threads.split(",")]
    batches = [int(v) for v in args.batches.split(",")]
    graph = onnx.load(args.model)
    input_shape = [d.dim_value for d in graph.graph.input[0].type.tensor_type.shape.dim][1:]
    runners = {"onnxruntime": onnxruntime_times, "openvino": openvino_times,
               "openvino-default": lambda *a: openvino_times(*a, precision="default")}
    for engine in args.engines.split(","):
        try:
            for t, b, ms in runners[engine](args.model, input_shape, threads, batches, args.reps):
                print(f"{engine}\t{args.label}\t{t}\t{b}\t{ms:.3f}", flush=True)
        except ImportError as error:
            print(f"peers.py: {engine} not installed ({error}); skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
