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
from torch_common import one_thread_torch, samples_per_s, w4_model

torch, args = one_thread_torch(__doc__)
nn = torch.nn

BATCH, SAMPLES = 64, 6400

model = w4_model(nn)
batches = [(torch.randn(BATCH, 1, 28, 28), torch.randint(0, 10, (BATCH,))) for _ in range(SAMPLES // BATCH)]
print("pytorch W4 1 samples_per_s %.1f" % samples_per_s(torch, model, batches, args.runs))
