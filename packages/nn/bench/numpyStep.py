"""The same training step as TwoLayerNet.sgdStep, in NumPy: the peer that `pnpm bench` compares against.

Reads {"dataDir": dir, "hidden": [...], "batch": N, "minSeconds": s} as JSON on stdin and prints one
JSON object: {"numpy": version, "blas": config, "results": [{"hidden": H, "msPerIter": ms, "iters": k,
"valMs": ms}, ...]}, where msPerIter is the median step time on minibatches sampled from the training
split and valMs the median time to predict the 10,000-row validation split (the per-epoch validation
pass). The data are the bench's own (cifarData.py): the same rows, float32, as our side's.
"""
import json
import sys
import time

import numpy as np

from cifarData import load


def step(params, X, y, lr, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden_in = X @ W1 + b1
    hidden = np.maximum(hidden_in, 0)
    scores = hidden @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean() + reg * ((W1 * W1).sum() + (W2 * W2).sum())
    d_scores = np.exp(log_probs)
    d_scores[np.arange(N), y] -= 1
    d_scores /= N
    dW2 = hidden.T @ d_scores + 2 * reg * W2
    db2 = d_scores.sum(axis=0)
    d_hidden = (d_scores @ W2.T) * (hidden_in > 0)
    dW1 = X.T @ d_hidden + 2 * reg * W1
    db1 = d_hidden.sum(axis=0)
    for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
        params[name] -= lr * grad
    return float(loss)


def median_ms(fn, min_seconds):
    fn()  # warm-up
    times, start = [], time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times)), len(times)


def predict(params, X):
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0)
    return (hidden @ params["W2"] + params["b2"]).argmax(axis=1)


def main():
    config = json.load(sys.stdin)
    rng = np.random.default_rng(0)
    N = config["batch"]
    pool, labels, x_val, _ = load(config["dataDir"])
    D = pool.shape[1]
    results = []
    for H in config["hidden"]:
        params = {
            "W1": (1e-4 * rng.standard_normal((D, H))).astype(np.float32),
            "b1": np.zeros(H, np.float32),
            "W2": (1e-4 * rng.standard_normal((H, 10))).astype(np.float32),
            "b2": np.zeros(10, np.float32),
        }

        def one():
            idx = rng.integers(0, pool.shape[0], N)  # sampled with replacement, as in training
            step(params, pool[idx], labels[idx], np.float32(1e-2), np.float32(1e-4))

        ms, iters = median_ms(one, config["minSeconds"])
        val_ms, _ = median_ms(lambda: predict(params, x_val), config["minSeconds"] / 3)
        results.append({"hidden": H, "msPerIter": ms, "iters": iters, "valMs": val_ms})
    print(json.dumps({"numpy": np.__version__, "blas": blas_name(), "results": results}))


def blas_name():
    blas = np.show_config("dicts")["Build Dependencies"]["blas"]
    core = openblas_core()
    return f"{blas['name']} {blas['version']}" + (f" ({core} kernels)" if core else "")


def openblas_core():
    """The kernels NumPy's OpenBLAS picked on this CPU (our side names its own), or None."""
    import ctypes

    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    for path in paths:
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"):
            fn = getattr(lib, symbol, None)
            if fn:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return None


if __name__ == "__main__":
    main()
