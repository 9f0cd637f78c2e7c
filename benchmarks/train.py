"""Epoch time of the SE-CNN from examples/train_se_cnn.py: lucid (NumPy) vs the same network in PyTorch (CPU).

    python benchmarks/train.py                 # 2 threads, 1 warm-up + 5 timed epochs each
    python benchmarks/train.py --threads 1 --epochs 3 --no-se

Both frameworks get the same number of threads (OMP/BLAS for NumPy, ``torch.set_num_threads``),
the same data (the digits training split), batch size, optimiser (AdamW) and loss.
The epochs are interleaved (one lucid epoch, one PyTorch epoch, ...) so that
load from other processes hits both alike.  Prints NumPy's BLAS and thread
settings and a small Markdown table of median epoch times.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=5, help="timed epochs (after one warm-up)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--no-se", action="store_true")
    return p.parse_args()


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import clean_environment, environment_report  # noqa: E402

clean_environment()  # re-exec without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, before NumPy is imported
ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # before NumPy is imported
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
import lucid  # noqa: E402
from lucid import nn, optim  # noqa: E402
from lucid.data import DataLoader, load_digits  # noqa: E402
from train_se_cnn import SECNN  # noqa: E402


def lucid_epoch(train_set):
    """A function that trains lucid's SECNN for one epoch and returns the seconds it took."""
    lucid.random.seed(0)
    model = SECNN(se=not ARGS.no_se)
    opt = optim.AdamW(model.parameters(), lr=5e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(train_set, batch_size=ARGS.batch_size, shuffle=True, generator=0)

    def epoch() -> float:
        model.train()
        start = time.perf_counter()
        for x, y in loader:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return time.perf_counter() - start

    return epoch


def torch_epoch(train_set):
    """The same for the same network in PyTorch; None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(0)
    tnn = torch.nn

    class SE(tnn.Module):
        def __init__(self, c, r=4):
            super().__init__()
            self.fc1, self.fc2 = tnn.Linear(c, max(1, c // r)), tnn.Linear(max(1, c // r), c)

        def forward(self, x):
            g = torch.sigmoid(self.fc2(torch.relu(self.fc1(x.mean((2, 3))))))
            return x * g[:, :, None, None]

    def block(cin, cout):
        return tnn.Sequential(tnn.Conv2d(cin, cout, 3, padding=1, bias=False), tnn.BatchNorm2d(cout), tnn.ReLU(),
                              tnn.Identity() if ARGS.no_se else SE(cout), tnn.MaxPool2d(2))

    model = tnn.Sequential(block(1, 32), block(32, 64), tnn.Flatten(), tnn.Dropout(0.1), tnn.Linear(64 * 4, 10))
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=1e-4)
    loss_fn = tnn.CrossEntropyLoss()
    x_all = torch.tensor(train_set.tensors[0].numpy())
    y_all = torch.tensor(train_set.tensors[1].numpy())
    gen = np.random.default_rng(0)

    def epoch() -> float:
        model.train()
        order = torch.tensor(gen.permutation(len(y_all)))
        start = time.perf_counter()
        for i in range(0, len(order), ARGS.batch_size):
            idx = order[i:i + ARGS.batch_size]
            loss = loss_fn(model(x_all[idx]), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return time.perf_counter() - start

    return epoch


def main() -> None:
    env = environment_report(threads=ARGS.threads)
    train_set, _ = load_digits(seed=0)
    epochs = {"lucid (NumPy)": lucid_epoch(train_set), "PyTorch (CPU)": torch_epoch(train_set)}
    runs = {name: [] for name, fn in epochs.items() if fn is not None}
    for i in range(ARGS.epochs + 1):  # one warm-up epoch each, then alternate
        for name in runs:
            seconds = epochs[name]()
            if i:
                runs[name].append(seconds)
    lucid_times, torch_times = runs["lucid (NumPy)"], runs.get("PyTorch (CPU)")
    batches = -(-len(train_set) // ARGS.batch_size)
    print(f"environment: {env}\n")
    print(f"SE-CNN ({'without' if ARGS.no_se else 'with'} SE), {len(train_set)} digits per epoch, batch "
          f"{ARGS.batch_size} ({batches} steps), {ARGS.threads} thread(s), median of {ARGS.epochs} epochs\n")
    print("| framework | epoch (s) | per step (ms) | vs PyTorch |")
    print("|---|---:|---:|---:|")
    base = statistics.median(torch_times) if torch_times else None
    for name, times in (("lucid (NumPy)", lucid_times), ("PyTorch (CPU)", torch_times)):
        if times is None:
            print(f"| {name} | not installed | | |")
            continue
        med = statistics.median(times)
        ratio = f"{med / base:.1f}x" if base else "n/a"
        print(f"| {name} | {med:.3f} | {1000 * med / batches:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
