#!/usr/bin/python3
"""PyTorch CPU baseline of W5 lstm-seq, the engine's sequence workload (scripts/bench-workloads.ts):
Embedding(1000, 64) - LSTM(64, 128, batch_first) - last step - Linear(128, 10), CrossEntropyLoss,
Adam lr 1e-3, batch 64, sequence length 50, 6,400 samples (100 steps an epoch); one warm-up epoch,
then the median of --runs timed epochs. One thread (OpenMP and OpenBLAS set before torch loads).

Run with Debian's interpreter: /usr/bin/python3 bench/torch_w5.py --runs 3
stdout: `pytorch W5 1 samples_per_s <value>` (the anchors' line format).
"""
from torch_common import one_thread_torch, samples_per_s

torch, args = one_thread_torch(__doc__)
nn = torch.nn

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
batches = [
    (torch.randint(0, VOCAB, (BATCH, LENGTH)), torch.randint(0, CLASSES, (BATCH,)))
    for _ in range(SAMPLES // BATCH)
]
print("pytorch W5 1 samples_per_s %.1f" % samples_per_s(torch, model, batches, args.runs))
