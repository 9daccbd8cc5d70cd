"""The same training step as TwoLayerNet.sgdStep, in PyTorch on CUDA: the GPU peer of `pnpm bench`.

Same protocol and data as numpyStep.py: reads {"dataDir": dir, "hidden": [...], "batch": N,
"minSeconds": s} as JSON on stdin (the data preprocessed by cifarData.py) and prints {"torch": version, "device": name, "results": [{"hidden": H, "msPerIter": ms,
"iters": k, "valMs": ms}, ...]}. float32 with TF32 off (the WebGPU backend multiplies in full float32
too); the pool of rows lives on the GPU and each minibatch is gathered there, as the engine does. Each
step's loss comes back to the host, as training needs it, the way the engine reads it on a GPU: copied
without blocking and read while the next step runs (.item() each step would leave the GPU idle while
Python queues the next step). A sample times STEPS steps in a row, as `pnpm bench` does on webgpu.
"""
import json
import sys
import time

import torch
from cifarData import load


def step(params, X, y, lr, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden = torch.relu(torch.addmm(b1, X, W1))
    scores = torch.addmm(b2, hidden, W2)
    log_probs = torch.log_softmax(scores, dim=1)
    loss = -log_probs[torch.arange(N, device=X.device), y].mean() + reg * ((W1 * W1).sum() + (W2 * W2).sum())
    d_scores = log_probs.exp()
    d_scores[torch.arange(N, device=X.device), y] -= 1
    d_scores /= N
    dW2 = hidden.T @ d_scores + 2 * reg * W2
    db2 = d_scores.sum(0)
    d_hidden = (d_scores @ W2.T) * (hidden > 0)
    dW1 = X.T @ d_hidden + 2 * reg * W1
    db1 = d_hidden.sum(0)
    for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
        params[name] -= lr * grad
    return loss


STEPS = 10


def read_behind(losses):
    """Runs the steps `losses` yields, reading each loss while the next step runs; returns the last."""
    pending = None
    for loss in losses:
        host = loss.to("cpu", non_blocking=True)
        copied = torch.cuda.Event()
        copied.record()
        if pending is not None:
            pending[1].synchronize()
            float(pending[0])
        pending = (host, copied)
    pending[1].synchronize()
    return float(pending[0])


def median_ms(fn, min_seconds):
    fn()  # warm-up (and cuBLAS's first-call setup)
    torch.cuda.synchronize()
    times, start = [], time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return times[len(times) // 2], len(times)


def main():
    if not torch.cuda.is_available():
        sys.exit("torch.cuda.is_available() is False")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    config = json.load(sys.stdin)
    dev = torch.device("cuda")
    gen = torch.Generator(device=dev).manual_seed(0)
    N = config["batch"]
    x_train, y_train, x_val, _ = load(config["dataDir"])
    pool = torch.from_numpy(x_train).to(dev)
    labels = torch.from_numpy(y_train).to(dev)
    val = torch.from_numpy(x_val).to(dev)
    D = pool.shape[1]
    results = []
    with torch.no_grad():
        for H in config["hidden"]:
            params = {
                "W1": 1e-4 * torch.randn(D, H, device=dev, generator=gen),
                "b1": torch.zeros(H, device=dev),
                "W2": 1e-4 * torch.randn(H, 10, device=dev, generator=gen),
                "b2": torch.zeros(10, device=dev),
            }

            def sample():
                idx = torch.randint(0, pool.shape[0], (N,), device=dev, generator=gen)
                return step(params, pool[idx], labels[idx], 1e-2, 1e-4)

            def steps():
                read_behind(sample() for _ in range(STEPS))

            def predict():
                hidden = torch.relu(torch.addmm(params["b1"], val, params["W1"]))
                return torch.addmm(params["b2"], hidden, params["W2"]).argmax(1).cpu()

            ms, samples = median_ms(steps, config["minSeconds"])
            ms, iters = ms / STEPS, samples * STEPS
            val_ms, _ = median_ms(predict, config["minSeconds"] / 3)
            results.append({"hidden": H, "msPerIter": ms, "iters": iters, "valMs": val_ms})
    print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "results": results}))


if __name__ == "__main__":
    main()
