"""What the PyTorch workload scripts (torch_w4.py, torch_w5.py) share: one thread set before torch
loads, `--runs` and `--config` arguments, and the timing loop (one warm-up epoch, then the median
of --runs timed epochs of zero_grad / loss / backward / Adam step over prepared batches)."""
import argparse
import os
import statistics
import time


def one_thread_torch(description):
    """Parses the arguments, pins OpenMP, MKL, OpenBLAS and torch to one thread, seeds torch with
    0 and, with --config, prints torch's build and parallel configuration as '#' lines."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--config", action="store_true", help="print torch's build and parallel configuration")
    args = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = "1"
    import torch

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
    return torch, args


def samples_per_s(torch, model, batches, runs):
    """Adam 1e-3 and CrossEntropyLoss over `batches`: samples per second, median of `runs` epochs."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        for x, y in batches:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()

    epoch()
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        epoch()
        walls.append(time.perf_counter() - t0)
    return sum(len(y) for _, y in batches) / statistics.median(walls)


def w4_model(nn):
    """W4's CNN (and the README's Fashion-MNIST job's): two Conv2d-ReLU-MaxPool2d blocks, then
    Flatten-Linear(3136, 128)-ReLU-Linear(128, 10)."""
    return nn.Sequential(
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
