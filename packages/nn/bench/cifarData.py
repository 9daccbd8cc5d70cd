"""CIFAR-10 as the benchmark's NumPy peers see it: the same files and the same preprocessing as
packages/nn/src/data/dataset.ts (pixels / 255 in float32 minus the float32 per-channel mean of the
50,000 training images; validation = the last 20% of them), so both sides train on the same numbers.
The bench passes the folder: the real CIFAR-10 when present, else a synthetic set it wrote in the
same format (each side reads the same files)."""
import os

import numpy as np

PIXELS = 3072
RECORD = 1 + PIXELS
TRAIN_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]


def read_batches(data_dir, files):
    raw = np.concatenate([np.fromfile(os.path.join(data_dir, f), np.uint8) for f in files]).reshape(-1, RECORD)
    return raw[:, 1:], raw[:, 0].astype(np.int64)


def load(data_dir):
    """(x_train, y_train, x_val, y_val): float32 rows of 3,072 features and int64 labels."""
    pixels, labels = read_batches(data_dir, TRAIN_FILES)
    n = pixels.shape[0]
    planes = pixels.reshape(n, 3, 1024)
    # Exact integer sums, then the mean in float64 rounded to float32, as dataset.ts does.
    mean = np.float32(planes.sum(axis=(0, 2), dtype=np.int64) / (n * 1024 * 255))
    x = (planes.astype(np.float32) / np.float32(255) - mean.reshape(1, 3, 1)).reshape(n, PIXELS)
    num_train = int(n * 0.8)
    return x[:num_train], labels[:num_train], x[num_train:], labels[num_train:]
