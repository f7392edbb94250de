#!/usr/bin/python3
"""PyTorch CPU baseline of W5 lstm-seq, the engine's sequence workload (scripts/bench-workloads.ts):
Embedding(1000, 64) - LSTM(64, 128, batch_first) - last step - Linear(128, 10), CrossEntropyLoss,
Adam lr 1e-3, batch 64, sequence length 50, 6,400 samples (100 steps an epoch); one warm-up epoch,
then the median of --runs timed epochs. One thread (OpenMP and OpenBLAS set before torch loads).

Run with Debian's interpreter: /usr/bin/python3 bench/torch_w5.py --runs 3
stdout: `pytorch W5 1 samples_per_s <value>` (the anchors' line format).
"""
import argparse
import os
import statistics
import time

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=3)
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

VOCAB, EMB, HIDDEN, CLASSES, BATCH, LENGTH, SAMPLES = 1000, 64, 128, 10, 64, 50, 6400


class LstmSeq(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, EMB)
        self.lstm = nn.LSTM(EMB, HIDDEN, batch_first=True)
        self.fc = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        return self.fc(self.lstm(self.emb(x))[0][:, -1])


model = LstmSeq()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
batches = [
    (torch.randint(0, VOCAB, (BATCH, LENGTH)), torch.randint(0, CLASSES, (BATCH,)))
    for _ in range(SAMPLES // BATCH)
]


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
print("pytorch W5 1 samples_per_s %.1f" % (SAMPLES / statistics.median(walls)))
