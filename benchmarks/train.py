"""Epoch time of the SE-CNN from examples/train_se_cnn.py: lucid (NumPy) vs the same network in PyTorch (CPU).

    python benchmarks/train.py                 # 2 threads, 1 warm-up + 5 timed epochs each
    python benchmarks/train.py --threads 1 --epochs 3 --no-se

Both frameworks get the same number of threads (OMP/BLAS for NumPy, ``torch.set_num_threads``),
the same data (the digits training split), batch size, optimiser (AdamW) and loss.
The epochs are interleaved (one lucid epoch, one PyTorch epoch, ...) so that
load from other processes hits both alike.  Prints NumPy's BLAS and thread
settings and a small Markdown table of median epoch times.

    python benchmarks/train.py --device gpu [--batches 32 128 512] [--steps 20] [--profile prof.txt]

``--device gpu`` times one training step of a CIFAR-sized SE-CNN instead (issue 20):
three blocks ``conv 3x3 -> BatchNorm -> ReLU -> SE (r=16) -> max-pool 2`` of 32/64/128
channels (32x32 -> 4x4), a global average pool and a linear layer to 10 classes, AdamW,
cross-entropy, on random 3x32x32 images: lucid on CuPy against PyTorch CUDA eager with the
same weights, interleaved, each step followed by a device synchronisation.  It also reports
each framework's first step (CuPy compiles its kernels then, or loads them from its disk
cache) and, with ``--profile``, writes a cProfile of lucid's steps at the middle batch size.
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
    p.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    p.add_argument("--batches", type=int, nargs="+", default=[32, 128, 512], help="GPU: batch sizes")
    p.add_argument("--steps", type=int, default=20, help="GPU: timed steps per framework and batch size")
    p.add_argument("--profile", default=None, help="GPU: write a cProfile of lucid's steps to this file")
    p.add_argument("--kernels", default=None, help="GPU: write each framework's CUDA kernels per step (torch.profiler)")
    return p.parse_args()


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import clean_environment, environment_report, gpu_report, interleaved_medians  # noqa: E402

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
from cifar_secnn import lucid_cifar_secnn, torch_cifar_secnn  # noqa: E402


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


# ----------------------------------------------------------------------------- GPU: one SE-CNN training step
def kernel_table(torch, steps: dict, batch: int, n: int = 5) -> None:
    """CUDA kernels launched per step and their device time, per framework (CUPTI sees CuPy's kernels too)."""
    from torch.profiler import ProfilerActivity, profile

    with open(ARGS.kernels, "a") as f:
        for name, step in steps.items():
            if step is None:
                continue
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                for _ in range(n):
                    step()
            events = [e for e in prof.key_averages() if "CUDA" in str(getattr(e, "device_type", ""))]
            launches = sum(e.count for e in events) / n
            device_ms = sum(getattr(e, "self_device_time_total", 0) for e in events) / n / 1e3
            f.write(f"\n## {name}, batch {batch}: {launches:.0f} kernels (and copies/memsets) per step, "
                    f"{device_ms:.2f} ms of device time per step\n")
            try:
                f.write(prof.key_averages().table(sort_by="self_device_time_total", row_limit=25,
                                                  max_name_column_width=70))
            except Exception as exc:  # another torch version's names
                f.write(f"(no table: {exc!r})\n")
            print(f"{name}, batch {batch}: {launches:.0f} kernels per step, {device_ms:.2f} ms device time per step")


def gpu_main() -> None:
    import cProfile
    import pstats

    import cupy

    try:
        import torch
    except ImportError:
        torch = None
    env = environment_report(threads=None)
    info = gpu_report(torch)
    se = not ARGS.no_se

    def sync():
        cupy.cuda.Device().synchronize()

    rows = []
    for batch in ARGS.batches:
        lucid.random.seed(0)
        rng = np.random.default_rng(batch)
        x_np = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
        y_np = rng.integers(0, 10, batch)
        model = lucid_cifar_secnn(se)
        tmodel = torch_cifar_secnn(torch, model, se) if torch is not None else None
        model.to("gpu")
        model.train()
        opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
        loss_fn = nn.CrossEntropyLoss()
        x, y = lucid.tensor(x_np, device="gpu"), lucid.tensor(y_np, device="gpu")

        def lucid_step():
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sync()
            return loss

        cases = {"lucid": lucid_step}
        first = {}
        start = time.perf_counter()
        first_loss = float(lucid_step())
        first["lucid"] = time.perf_counter() - start
        if tmodel is not None:
            topt = torch.optim.AdamW(tmodel.parameters(), lr=1e-3, weight_decay=1e-2)
            tloss_fn = torch.nn.CrossEntropyLoss()
            tx, ty = torch.from_numpy(x_np).cuda(), torch.from_numpy(y_np).cuda()

            def torch_step():
                loss = tloss_fn(tmodel(tx), ty)
                topt.zero_grad()
                loss.backward()
                topt.step()
                sync()
                return loss

            start = time.perf_counter()
            first_tloss = float(torch_step())
            first["torch"] = time.perf_counter() - start
            cases["torch"] = torch_step
            print(f"batch {batch}: first-step loss lucid {first_loss:.6f}, PyTorch {first_tloss:.6f}")
        med = interleaved_medians(cases, repeats=ARGS.steps, warmup=3)
        ms = {k: v * 1e3 for k, v in med.items()}
        ratio = f"{ms['lucid'] / ms['torch']:.2f}" if "torch" in ms else "n/a"
        rows.append([batch, f"{ms['lucid']:.2f}", f"{ms['torch']:.2f}" if "torch" in ms else "n/a", ratio,
                     f"{first['lucid']:.2f}", f"{first['torch']:.2f}" if "torch" in first else "n/a"])
        if ARGS.profile and batch == ARGS.batches[len(ARGS.batches) // 2]:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(ARGS.steps):
                lucid_step()
            prof.disable()
            with open(ARGS.profile, "w") as f:
                f.write(f"lucid, {ARGS.steps} SE-CNN steps at batch {batch} on the GPU\n")
                pstats.Stats(prof, stream=f).sort_stats("tottime").print_stats(40)
                pstats.Stats(prof, stream=f).sort_stats("cumulative").print_stats(40)
        if ARGS.kernels and torch is not None and batch == ARGS.batches[len(ARGS.batches) // 2]:
            kernel_table(torch, {"lucid": lucid_step, "PyTorch": cases.get("torch")}, batch)
        del model, opt, x, y, cases
        if torch is not None:
            del tmodel
            torch.cuda.empty_cache()
        cupy.get_default_memory_pool().free_all_blocks()
    print(f"environment: {env}")
    print(f"gpu: {info}\n")
    print(f"SE-CNN training step ({'with' if se else 'without'} SE; 3x32x32 images, AdamW), ms per step, "
          f"median of {ARGS.steps} interleaved steps, each ended by a device synchronisation\n")
    print("| batch | lucid | PyTorch | ratio | lucid first step (s) | PyTorch first step (s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")


if __name__ == "__main__":
    if ARGS.device == "gpu":
        gpu_main()
    else:
        main()
