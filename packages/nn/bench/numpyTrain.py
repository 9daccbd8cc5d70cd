"""The training run as `train()` runs it, in NumPy: the end-to-end peer of `pnpm bench`.

The reference assignment's `nn_train`: every iteration samples batch rows with replacement, takes one
SGD step (numpyStep.step: forward, backward, update) and reads the loss; at every iteration
it % iterations_per_epoch == 0 it predicts the minibatch (train accuracy) and the whole validation
split (validation accuracy), then decays the learning rate. Like train(), it ends with the validation
accuracy of the final parameters when the last iteration was not an epoch's. float32 throughout.

Reads {"dataDir": dir, "hidden": H, "batch": N, "iters": k, "warmupIters": w, "lr": x, "lrDecay": x,
"reg": x, "weightScale": x, "seed": s} as JSON on stdin; loads the data (not timed), runs w iterations
as a warm-up, then the whole run, and prints {"numpy", "blas", "ms": wall time of the run,
"msPerIter", "finalLoss", "valAcc"}.
"""
import json
import sys
import time

import numpy as np
from cifarData import load
from numpyStep import blas_name, predict, step


def nn_train(params, x_train, y_train, x_val, y_val, config, iters, rng):
    num_train, batch = x_train.shape[0], config["batch"]
    per_epoch = max(num_train // batch, 1)
    lr, reg = config["lr"], np.float32(config["reg"])
    loss, last_epoch_it, val_acc = None, None, None
    for it in range(iters):
        idx = rng.integers(0, num_train, batch)  # with replacement, as the reference samples
        x_batch, y_batch = x_train[idx], y_train[idx]
        loss = step(params, x_batch, y_batch, np.float32(lr), reg)
        if it % per_epoch == 0:
            train_acc = float((predict(params, x_batch) == y_batch).mean())  # noqa: F841 (recorded, as train() does)
            val_acc = float((predict(params, x_val) == y_val).mean())
            last_epoch_it = it
            lr *= config["lrDecay"]
    if last_epoch_it != iters - 1:
        val_acc = float((predict(params, x_val) == y_val).mean())
    return loss, val_acc


def main():
    config = json.load(sys.stdin)
    x_train, y_train, x_val, y_val = load(config["dataDir"])
    D, H = x_train.shape[1], config["hidden"]
    rng = np.random.default_rng(config["seed"])

    def fresh_params():
        return {
            "W1": (config["weightScale"] * rng.standard_normal((D, H))).astype(np.float32),
            "b1": np.zeros(H, np.float32),
            "W2": (config["weightScale"] * rng.standard_normal((H, 10))).astype(np.float32),
            "b2": np.zeros(10, np.float32),
        }

    nn_train(fresh_params(), x_train, y_train, x_val, y_val, config, config["warmupIters"], rng)
    params = fresh_params()
    start = time.perf_counter()
    loss, val_acc = nn_train(params, x_train, y_train, x_val, y_val, config, config["iters"], rng)
    ms = (time.perf_counter() - start) * 1000
    print(
        json.dumps(
            {
                "numpy": np.__version__,
                "blas": blas_name(),
                "ms": ms,
                "msPerIter": ms / config["iters"],
                "finalLoss": loss,
                "valAcc": val_acc,
            }
        )
    )


if __name__ == "__main__":
    main()
