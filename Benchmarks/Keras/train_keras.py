#!/usr/bin/env python3
"""Keras side by side with classifier-train: the same architecture, data, epochs,
batch size and optimizer, trained by both in one run; prints images/s and test
accuracy for each.

    pip install tensorflow-cpu numpy          # Keras 3 on TensorFlow (CPU, oneDNN)
    swift build -c release --product classifier-train
    python3 Benchmarks/Keras/train_keras.py --arch simple-cnn --epochs 3 --batch-size 128
    python3 Benchmarks/Keras/train_keras.py --arch resnet20 --input-size 32 --epochs 1
    # speed only, on a drifting machine: 3 alternating rounds on 20,000 images, median ratio
    python3 Benchmarks/Keras/train_keras.py --arch resnet20 --input-size 32 --epochs 2 \
        --optimizer sgd --lr 0.1 --weight-decay 5e-4 --train-images 20000 --rounds 3

Data: Debian's dataset-fashion-mnist (60k train / 10k test). Both trainers see the
whole training set without a validation split, and are scored once on the test set.
Both normalise with the training images' pixel mean and standard deviation (of the
28×28 originals). With --input-size 32 both train and test on the 28×28 images
zero-padded to 32×32 (black background), as CIFAR-style ResNets expect 32×32: Keras
pads in numpy, and classifier-train reads padded copies of the IDX files written here,
so that both see the same pixels. (Given the 28×28 files and `--resize pad`,
classifier-train would scale them up to fill 32×32 instead, which is a different
input and, in our runs, half a point less accurate after two epochs.)

Known differences, stated rather than hidden: Keras' SGD weight decay is decoupled
(applied to the weights), classifier-train's is L2 added to the gradient, on weights
only. Both ResNets start the last BatchNorm scale of each block at one, as Keras does:
ours runs with --no-zero-init-residual (its default is zero).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from idx_files import labels_path, read_idx, write_padded, write_prefix  # noqa: E402

FMNIST = "/usr/share/datasets/fashion-mnist"
# The training IDX files; `--train-images N` points these at a subset written by main().
TRAIN_IMAGES = f"{FMNIST}/train-images-idx3-ubyte.gz"
TEST_IMAGES = f"{FMNIST}/t10k-images-idx3-ubyte.gz"
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                         "Bag", "Ankle boot"]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load(images_path, size):
    images = read_idx(images_path).astype(np.float32) / 255.0
    labels = read_idx(labels_path(images_path)).astype(np.int64)
    if size != 28:
        pad = (size - 28) // 2
        images = np.pad(images, ((0, 0), (pad, size - 28 - pad), (pad, size - 28 - pad)))
    return images[..., None], labels


def simple_cnn(keras, size, classes):
    layers = keras.layers
    inputs = keras.Input((size, size, 1))
    x = inputs
    for width in (32, 64, 128):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", kernel_initializer="he_normal")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, layers.Dense(classes)(x))


def resnet20(keras, size, classes):
    """He et al. 2015 §4.2 (n = 3), with projection shortcuts where the shape changes."""
    layers = keras.layers

    def bn():
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5)

    def conv(width, stride=1, kernel=3):
        return layers.Conv2D(width, kernel, strides=stride, padding="same", use_bias=False,
                             kernel_initializer="he_normal")

    inputs = keras.Input((size, size, 1))
    x = layers.ReLU()(bn()(conv(16)(inputs)))
    for stage, width in enumerate((16, 32, 64)):
        for block in range(3):
            stride = 2 if stage > 0 and block == 0 else 1
            y = layers.ReLU()(bn()(conv(width, stride)(x)))
            y = bn()(conv(width)(y))
            shortcut = x
            if stride != 1 or x.shape[-1] != width:
                shortcut = bn()(conv(width, stride, kernel=1)(x))
            x = layers.ReLU()(layers.Add()([y, shortcut]))
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(classes)(x))


def train_keras(args, mean, std):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import keras
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(args.seed)
    x_train, y_train = load(TRAIN_IMAGES, args.input_size)
    x_test, y_test = load(TEST_IMAGES, args.input_size)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    build = simple_cnn if args.arch == "simple-cnn" else resnet20
    model = build(keras, args.input_size, 10)
    steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
    warmup = int(args.warmup * steps / args.epochs)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=args.lr / (warmup + 1) if warmup else args.lr, decay_steps=steps - warmup,
        warmup_target=args.lr if warmup else None, warmup_steps=warmup)
    if args.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    else:
        optimizer = keras.optimizers.AdamW(schedule, weight_decay=args.weight_decay)
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])

    epoch_times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_times.append(time.perf_counter() - self.start)

    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, shuffle=True,
              callbacks=[Timer()], verbose=2)
    total = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    return {
        "images_per_second": len(x_train) * args.epochs / total,
        "images_per_second_after_first_epoch":
            len(x_train) * (args.epochs - 1) / sum(epoch_times[1:]) if args.epochs > 1 else None,
        "images_per_second_last_epoch": len(x_train) / epoch_times[-1],
        "test_accuracy": float(accuracy),
        "seconds": total,
        "versions": f"keras {keras.__version__}, tensorflow {tf.__version__}",
    }


def train_ours(args, out_dir, files, mean, std):
    """`files`: the (train, test) IDX images classifier-train reads (see ours_files)."""
    train_images, test_images = files
    binary = os.path.join(ROOT, ".build/release/classifier-train")
    model = os.path.join(out_dir, f"ours-{args.arch}.safetensors")
    command = [binary, "train", "--data", train_images, "--val-split", "0",
               "--arch", args.arch, "--input-size", str(args.input_size), "--epochs", str(args.epochs),
               "--batch-size", str(args.batch_size), "--optimizer", args.optimizer, "--lr", str(args.lr),
               "--weight-decay", str(args.weight_decay), "--lr-schedule", "cosine", "--warmup", str(args.warmup),
               "--seed", str(args.seed), "--threads", str(args.threads), "--out", model,
               "--mean", f"{mean:.8f}", "--std", f"{std:.8f}"]
    if args.arch == "resnet20":
        command += ["--no-zero-init-residual"]
    # Outside Debian's folder classifier-train does not recognise the set by name.
    labels = ["--labels", os.path.join(args.out, "labels.txt")] if train_images.startswith(args.out) else []
    command += labels
    print("$", " ".join(command), flush=True)
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    total = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"classifier-train failed: {run.stderr.strip()}")
    rates = [float(m) for m in re.findall(r"(\d+) img/s", run.stdout)]
    seconds = [float(m) for m in re.findall(r"  ([\d.]+)s  \d+ img/s", run.stdout)]
    evaluate = subprocess.run([binary, "evaluate", "--model", model, "--data", test_images,
                               "--json", "--threads", str(args.threads)] + labels, capture_output=True, text=True)
    if evaluate.returncode != 0:
        sys.exit(f"classifier-train evaluate failed: {evaluate.stderr.strip()}")
    result = json.loads(evaluate.stdout)
    images = len(read_idx(labels_path(TRAIN_IMAGES))) * args.epochs
    return {
        "images_per_second": images / sum(seconds) if seconds else images / total,
        "images_per_second_per_epoch": rates,
        "images_per_second_last_epoch": rates[-1] if rates else None,
        "test_accuracy": result["accuracy"],
        "seconds": total,
    }


def write_subset(count, directory):
    """The first `count` training images and labels as plain IDX files in `directory`."""
    global TRAIN_IMAGES
    os.makedirs(directory, exist_ok=True)
    write_prefix(labels_path(TRAIN_IMAGES), count, directory)
    TRAIN_IMAGES = write_prefix(TRAIN_IMAGES, count, directory)


def ours_files(args):
    """The (train, test) IDX images for classifier-train: Keras' own files, or at another
    input size zero-padded copies of them, so that both see the same pixels."""
    if args.input_size == 28:
        return TRAIN_IMAGES, TEST_IMAGES
    directory = os.path.join(args.out, f"padded{args.input_size}")
    os.makedirs(directory, exist_ok=True)
    return (write_padded(TRAIN_IMAGES, args.input_size, directory),
            write_padded(TEST_IMAGES, args.input_size, directory))


def write_labels(directory):
    """The class names, for classifier-train to read with the copies above."""
    with open(os.path.join(directory, "labels.txt"), "w") as f:
        f.write("\n".join(FASHION_MNIST_CLASSES) + "\n")


def keras_in_subprocess(args):
    """One Keras run in a fresh process: TensorFlow's thread settings and graph state
    cannot be reset within one, and each round should start cold like ours does."""
    command = [sys.executable, os.path.abspath(__file__), "--only", "keras", "--json-only",
               "--arch", args.arch, "--input-size", str(args.input_size), "--epochs", str(args.epochs),
               "--batch-size", str(args.batch_size), "--optimizer", args.optimizer, "--lr", str(args.lr),
               "--weight-decay", str(args.weight_decay), "--warmup", str(args.warmup),
               "--threads", str(args.threads), "--seed", str(args.seed), "--out", args.out,
               "--train-images", str(args.train_images)]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"keras run failed: {run.stderr.strip()[-2000:]}")
    # Keras' own progress lines come first on stdout; the result is the JSON after them.
    return json.loads(run.stdout[run.stdout.index('{\n  "arguments"'):])["results"]["keras"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["simple-cnn", "resnet20"], default="simple-cnn")
    parser.add_argument("--input-size", type=int, default=28)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--optimizer", choices=["sgd", "adamw"], default="adamw")
    parser.add_argument("--lr", type=float, default=0.002)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--warmup", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=["keras", "ours"])
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate the two trainers this many times (ours first in odd rounds, Keras "
                             "first in even ones) and report the median ratio: the machine's speed drifts")
    parser.add_argument("--train-images", type=int, default=0,
                        help="train both on the first N training images only (0: all 60,000)")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="/tmp/keras-side-by-side")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.train_images:
        write_subset(args.train_images, os.path.join(args.out, "subset"))
    files = ours_files(args) if args.only != "keras" else None
    write_labels(args.out)
    train_images = read_idx(TRAIN_IMAGES).astype(np.float64) / 255.0
    mean, std = float(train_images.mean()), float(train_images.std())
    if args.rounds > 1:
        rounds = []
        for index in range(args.rounds):
            order = ["ours", "keras"] if index % 2 == 0 else ["keras", "ours"]
            round_results = {}
            for name in order:
                round_results[name] = train_ours(args, args.out, files, mean, std) if name == "ours" else keras_in_subprocess(args)
                print(f"round {index + 1} {name}: {json.dumps(round_results[name])}", flush=True)
            rounds.append(round_results)
        ratios = sorted(r["ours"]["images_per_second_last_epoch"] / r["keras"]["images_per_second_last_epoch"]
                        for r in rounds)
        overall = [r["ours"]["images_per_second"] / r["keras"]["images_per_second"] for r in rounds]
        print(json.dumps({"arguments": vars(args), "rounds": rounds}, indent=2))
        for index, r in enumerate(rounds):
            print(f"round {index + 1}: last epoch ours {r['ours']['images_per_second_last_epoch']:.0f}, "
                  f"keras {r['keras']['images_per_second_last_epoch']:.0f} images/s; overall ours "
                  f"{r['ours']['images_per_second']:.0f}, keras {r['keras']['images_per_second']:.0f}; "
                  f"test accuracy ours {r['ours']['test_accuracy']:.4f}, keras {r['keras']['test_accuracy']:.4f}")
        print(f"median ratio ours/keras: last epoch {statistics.median(ratios):.2f}x "
              f"(range {ratios[0]:.2f}-{ratios[-1]:.2f}), overall {statistics.median(overall):.2f}x")
        return

    results = {}
    if args.only != "keras":
        results["classifier-train"] = train_ours(args, args.out, files, mean, std)
    if args.only != "ours":
        results["keras"] = train_keras(args, mean, std)
    print(json.dumps({"arguments": vars(args), "results": results}, indent=2))
    if args.json_only:
        return
    for name, r in results.items():
        print(f"{name:>16}: {r['images_per_second']:8.0f} images/s  test accuracy {r['test_accuracy']:.4f}"
              f"  ({r['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
