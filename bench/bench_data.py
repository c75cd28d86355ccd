"""Data pipeline cost against a LeNet training epoch: 60,000 28x28 MNIST-format images (random pixels,
written as IDX files to a temporary directory) at batch 64, as the share of one epoch of LeNet
forward+backward steps (bench_networks.py's LeNet, batch 64). The issue's target: under 5%.

Each pipeline is timed over whole epochs, copying every batch into the bound executor's data and
label arrays (what a training loop does), driven from Python:
  MNISTIter (shuffled once), MNISTIter inside a PrefetchingIter, NDArrayIter with shuffle (a new
  order every epoch, rows gathered from a 60,000 x 1 x 28 x 28 array).

    python3 bench/bench_data.py [epochs]
"""
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures", "mxnet"))
from bench_networks import best_ms, bind_pysym  # noqa: E402
from io_inputs import write_idx  # noqa: E402
from pysym import IO  # noqa: E402
from pysym.io import NDArrayIter, PrefetchingIter  # noqa: E402

N, BATCH = 60000, 64


def epoch_seconds(it, ex, epochs):
    data, label = ex.argDict["data"], ex.argDict["softmax_label"]
    best = float("inf")
    for _ in range(epochs):
        it.reset()
        t = time.perf_counter()
        for batch in it:
            data.set(batch.data[0])
            label.set(batch.label[0])
        best = min(best, time.perf_counter() - t)
    return best


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    ex, head = bind_pysym("lenet")

    def step():
        ex.forward(isTrain=True)
        ex.backward(head)
    step_ms = best_ms(step, 20)
    epoch_train = step_ms * 1e-3 * (N // BATCH)
    print(f"LeNet fwd+bwd at batch {BATCH}: {step_ms:.2f} ms/step; an epoch of {N // BATCH} steps: {epoch_train:.2f} s")

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(N, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=N, dtype=np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        image, label = os.path.join(tmp, "images"), os.path.join(tmp, "labels")
        write_idx(image, images)
        write_idx(label, labels)
        t = time.perf_counter()
        mnist = IO.MNISTIter(image=image, label=label, batch_size=BATCH, shuffle=True, seed=1)
        load_s = time.perf_counter() - t
    nd = NDArrayIter(images.reshape(N, 1, 28, 28) / np.float32(256), labels.astype(np.float32), dataBatchSize=BATCH,
                     shuffle=True, labelName="softmax_label")
    rows = []
    rows.append(("MNISTIter", epoch_seconds(mnist, ex, epochs)))
    with PrefetchingIter(mnist) as pre:
        rows.append(("PrefetchingIter(MNISTIter)", epoch_seconds(pre, ex, epochs)))
    rows.append(("NDArrayIter shuffle", epoch_seconds(nd, ex, epochs)))
    print(f"MNISTIter load of {N} images (parse, scale, shuffle): {load_s:.2f} s, once")
    print(f"{'pipeline (per epoch)':30s} {'seconds':>8s} {'% of LeNet epoch':>17s}")
    for name, s in rows:
        print(f"{name:30s} {s:8.3f} {100 * s / epoch_train:16.2f}%")
    mnist.dispose()
    nd.dispose()
    ex.dispose()


if __name__ == "__main__":
    main()
