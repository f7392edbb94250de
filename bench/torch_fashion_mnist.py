#!/usr/bin/python3
"""PyTorch reference for the README's Fashion-MNIST job: the W4 CNN, CrossEntropyLoss, Adam 1e-3,
batch 64 shuffled, 5 epochs on the 60,000 training images of Debian's dataset-fashion-mnist, test
accuracy on the 10,000 test images after each epoch. Pixels are x / 255 as the service's built-in
(torchvision's ToTensor); no other normalisation, as in the README's spec. One thread.

Run with Debian's interpreter: /usr/bin/python3 bench/torch_fashion_mnist.py [--epochs 5] [--dir D]
stdout: one line per epoch, `epoch <k> test_accuracy <acc> train_loss <mean> seconds <s>`.
"""
import argparse
import gzip
import os
import time

import numpy as np

from torch_common import w4_model

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--epochs", type=int, default=5)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--dir", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
args = ap.parse_args()
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
import torch  # noqa: E402  (after the thread settings)

torch.set_num_threads(1)
torch.manual_seed(args.seed)
nn = torch.nn


def idx(name):
    """An IDX file's payload as a numpy array of its dims (big-endian header, uint8 payload)."""
    with gzip.open(os.path.join(args.dir, name)) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def images(name):
    return torch.from_numpy(idx(name).astype(np.float32) / 255).unsqueeze(1)


x_train, y_train = images("train-images-idx3-ubyte.gz"), torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
x_test, y_test = images("t10k-images-idx3-ubyte.gz"), torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))

model = w4_model(nn)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(1, args.epochs + 1):
    t0 = time.perf_counter()
    model.train()
    order = torch.randperm(len(y_train))
    total = 0.0
    for start in range(0, len(order), 64):
        batch = order[start : start + 64]
        opt.zero_grad()
        loss = loss_fn(model(x_train[batch]), y_train[batch])
        loss.backward()
        opt.step()
        total += loss.item() * len(batch)
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x_test[i : i + 1000]).argmax(1) == y_test[i : i + 1000]).sum()) for i in range(0, len(y_test), 1000))
    print(
        "epoch %d test_accuracy %.4f train_loss %.4f seconds %.1f"
        % (epoch, correct / len(y_test), total / len(y_train), time.perf_counter() - t0),
        flush=True,
    )
