#!/usr/bin/python3
"""PyTorch CPU baseline of W4 cnn-fashion, the engine's convolutional workload (scripts/bench-workloads.ts):
Conv2d(1,32,3,padding=1) - ReLU - MaxPool2d(2) - Conv2d(32,64,3,padding=1) - ReLU - MaxPool2d(2) -
Flatten - Linear(3136,128) - ReLU - Linear(128,10), CrossEntropyLoss, Adam lr 1e-3, batch 64, 6,400
standard-normal (1, 28, 28) images with uniform labels (100 steps an epoch); one warm-up epoch, then
the median of --runs timed epochs. One thread (OpenMP and OpenBLAS set before torch loads).

Run with Debian's interpreter: /usr/bin/python3 bench/torch_w4.py --runs 3 [--config]
stdout: `pytorch W4 1 samples_per_s <value>` (the anchors' line format); with --config, first
torch's build configuration and parallel settings as '#' lines (torch.__config__.show/parallel_info).
"""
import argparse
import os
import statistics
import time

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--config", action="store_true", help="print torch's build and parallel configuration")
args = ap.parse_args()
os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"

import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass
torch.manual_seed(0)

if args.config:
    for line in (torch.__config__.show() + torch.__config__.parallel_info()).splitlines():
        if line.strip():
            print("# " + line, flush=True)

BATCH, SAMPLES = 64, 6400

model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(3136, 128),
    nn.ReLU(),
    nn.Linear(128, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
batches = [(torch.randn(BATCH, 1, 28, 28), torch.randint(0, 10, (BATCH,))) for _ in range(SAMPLES // BATCH)]


def epoch():
    for x, y in batches:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()


epoch()
walls = []
for _ in range(args.runs):
    t0 = time.perf_counter()
    epoch()
    walls.append(time.perf_counter() - t0)
print("pytorch W4 1 samples_per_s %.1f" % (SAMPLES / statistics.median(walls)))
