"""IDX files (the MNIST / Fashion-MNIST format), shared by the benchmark scripts.

A file is a 4-byte magic whose last byte is the rank, then one big-endian 32-bit size
per dimension, then the uint8 data; `.gz` files are read through gzip.
"""
import gzip
import os

import numpy as np


def read_raw(path):
    """(header bytes, dimensions, data bytes) of an IDX file."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    end = 4 + 4 * rank
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return data[:end], dims, data[end:]


def read_idx(path):
    _, dims, body = read_raw(path)
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


def labels_path(images_path):
    """The labels file beside an images file, by the standard name."""
    return images_path.replace("images-idx3", "labels-idx1")


def write_prefix(path, count, directory):
    """Writes the first `count` items of IDX file `path`, uncompressed, into `directory`
    under the same name without `.gz`; returns the new path."""
    header, dims, body = read_raw(path)
    item = int(np.prod(dims[1:], dtype=np.int64))
    header = bytearray(header)
    header[4:8] = count.to_bytes(4, "big")
    target = copy_path(path, directory)
    with open(target, "wb") as f:
        f.write(bytes(header) + body[:count * item])
    return target


def copy_path(path, directory):
    """Where a copy of IDX file `path` goes in `directory`: the same name, without `.gz`."""
    return os.path.join(directory, os.path.basename(path).removesuffix(".gz"))


def write_padded(path, size, directory):
    """Writes IDX images file `path` with each image zero-padded (black) to size×size,
    centred as numpy's pad with (size − side) // 2 before, into `directory` under the
    same name without `.gz`, with its labels file beside it; returns the new path."""
    header, dims, body = read_raw(path)
    side = dims[1]
    before = (size - side) // 2
    images = np.frombuffer(body, dtype=np.uint8).reshape(dims)
    padded = np.pad(images, ((0, 0), (before, size - side - before), (before, size - side - before)))
    header = bytearray(header)
    header[8:12] = size.to_bytes(4, "big")
    header[12:16] = size.to_bytes(4, "big")
    target = copy_path(path, directory)
    with open(target, "wb") as f:
        f.write(bytes(header) + padded.tobytes())
    labels_header, _, labels_body = read_raw(labels_path(path))
    with open(labels_path(target), "wb") as f:
        f.write(labels_header + labels_body)
    return target
