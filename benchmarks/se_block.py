"""nn.SEModule forward and forward+backward: lucid against PyTorch CPU, and against memory bandwidth.

    python benchmarks/se_block.py [--repeats 21] [--threads 2] [--json se.json] [--device cpu|gpu]

For each shape (float32, reduction 16) it times, interleaved and after
warm-up, with the same weights in the same process:

* forward ``y = se(x)`` and forward+backward ``se(x).backward(dy)`` with a fixed ``dy``;
* the same in PyTorch (``torch.set_num_threads`` equal to NumPy's BLAS threads);
* a bandwidth bound: one ``np.copyto`` of x's size is one read+write pass;
  forward needs about 3 such passes (pool reads x, scale reads x and writes y),
  forward+backward about 7.

It also reports the peak extra memory of forward+backward (tracemalloc sees
NumPy's allocations) as a multiple of x's size.

``--device gpu`` times lucid on CuPy against PyTorch CUDA on the shapes of
issue 20 (up to 392 MB), in microseconds: each sample is a batch of calls
between two device synchronisations (so launch-bound shapes are timed as a
training loop runs them), and the bound is 7 (forward+backward) device copies
of x (``cupy.copyto``).  It prints the GPU, CuPy, CUDA runtime/driver and
PyTorch versions first.
"""
from __future__ import annotations

import argparse
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (clean_environment, environment_report, gpu_report, interleaved_medians,  # noqa: E402
                     markdown_table, write_json)

clean_environment()

import numpy as np  # noqa: E402

import lucid  # noqa: E402
import lucid.nn as nn  # noqa: E402

CPU_SHAPES = [(8, 64, 32, 32), (32, 256, 14, 14), (64, 512, 7, 7), (16, 64, 56, 56), (2, 16, 8, 8)]
GPU_SHAPES = [(2, 16, 8, 8), (8, 64, 32, 32), (32, 256, 14, 14), (16, 64, 56, 56), (64, 256, 56, 56),
              (128, 64, 112, 112)]
BOUND_MIN_MB = 50  # below this the device finishes each kernel before the next is issued: no bound column


def torch_se(torch, se: "nn.SEModule", device: str):
    """The same block in PyTorch, with lucid's weights."""
    c, h = se.in_channels, se.hidden_channels
    tnn = torch.nn
    fc1, fc2 = tnn.Linear(c, h), tnn.Linear(h, c)
    with torch.no_grad():
        fc1.weight.copy_(torch.from_numpy(se.fc1.weight.numpy()))
        fc1.bias.copy_(torch.from_numpy(se.fc1.bias.numpy()))
        fc2.weight.copy_(torch.from_numpy(se.fc2.weight.numpy()))
        fc2.bias.copy_(torch.from_numpy(se.fc2.bias.numpy()))
    fc1, fc2 = fc1.to(device), fc2.to(device)

    def forward(x):
        s = x.mean(dim=tuple(range(2, x.ndim)))
        g = torch.sigmoid(fc2(torch.relu(fc1(s))))
        return x * g.reshape(g.shape + (1,) * (x.ndim - 2))

    return forward


def peak_memory_ratio(se, x_np, dy_np) -> float:
    x = lucid.tensor(x_np, requires_grad=True)
    dy = lucid.tensor(dy_np)
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    se(x).backward(dy)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak / x_np.nbytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--threads", type=int, default=None, help="threads for torch (default: NumPy's BLAS threads)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    env = environment_report(threads=args.threads)
    if args.threads is None:
        try:
            import torch

            torch.set_num_threads(env.get("blas_threads") or os.cpu_count())
            env["torch_threads"] = torch.get_num_threads()
        except ImportError:
            pass
    try:
        import torch
    except ImportError:
        torch = None
    gpu = args.device == "gpu"
    if gpu:
        gpu_main(args, env, torch)
        return
    tdev = "cuda" if gpu else "cpu"
    sync = (lambda: torch.cuda.synchronize()) if (gpu and torch is not None) else (lambda: None)

    rows, results = [], []
    for shape in (GPU_SHAPES if gpu else CPU_SHAPES):
        lucid.random.seed(0)
        rng = np.random.default_rng(0)
        x_np = rng.standard_normal(shape).astype(np.float32)
        dy_np = rng.standard_normal(shape).astype(np.float32)
        se = nn.SEModule(shape[1], reduction=16)
        if gpu:
            se.to("gpu")
        x = lucid.tensor(x_np, device=args.device)
        xg = lucid.tensor(x_np, device=args.device, requires_grad=True)
        dy = lucid.tensor(dy_np, device=args.device)

        def l_fwd():
            se(x)
            sync_lucid()

        def l_fwdbwd():
            xg.grad = None
            se(xg).backward(dy)
            sync_lucid()

        def sync_lucid():
            if gpu:
                import cupy

                cupy.cuda.Stream.null.synchronize()

        cases = {"lucid fwd": l_fwd, "lucid fwd+bwd": l_fwdbwd}
        if torch is not None:
            tf = torch_se(torch, se, tdev)
            tx = torch.from_numpy(x_np).to(tdev)
            txg = tx.clone().requires_grad_()
            tdy = torch.from_numpy(dy_np).to(tdev)

            def t_fwd():
                with torch.no_grad():
                    tf(tx)
                sync()

            def t_fwdbwd():
                txg.grad = None
                tf(txg).backward(tdy)
                sync()

            cases["torch fwd"] = t_fwd
            cases["torch fwd+bwd"] = t_fwdbwd
        if not gpu:
            dst = np.empty_like(x_np)
            cases["copy pass"] = lambda: np.copyto(dst, x_np)
        inner = 20 if x_np.size < 10_000 else 1
        med = interleaved_medians(cases, repeats=args.repeats, inner=inner)
        ms = {k: v * 1e3 for k, v in med.items()}
        row = [str(shape), f"{ms['lucid fwd']:.3f}", f"{ms['lucid fwd+bwd']:.3f}"]
        entry = {"shape": shape, "ms": ms}
        if torch is not None:
            r_f, r_fb = ms["lucid fwd"] / ms["torch fwd"], ms["lucid fwd+bwd"] / ms["torch fwd+bwd"]
            row += [f"{ms['torch fwd']:.3f}", f"{ms['torch fwd+bwd']:.3f}", f"{r_f:.2f}x", f"{r_fb:.2f}x"]
            entry.update(ratio_fwd=r_f, ratio_fwdbwd=r_fb)
        if not gpu:
            bound_f, bound_fb = ms["lucid fwd"] / (3 * ms["copy pass"]), ms["lucid fwd+bwd"] / (7 * ms["copy pass"])
            mem = peak_memory_ratio(se, x_np, dy_np)
            row += [f"{bound_f:.2f}x", f"{bound_fb:.2f}x", f"{mem:.2f}x"]
            entry.update(bandwidth_fwd=bound_f, bandwidth_fwdbwd=bound_fb, peak_memory_x=mem)
        rows.append(row)
        results.append(entry)

    header = ["shape", "lucid fwd ms", "lucid fwd+bwd ms"]
    if torch is not None:
        header += ["torch fwd ms", "torch fwd+bwd ms", "fwd ratio", "fwd+bwd ratio"]
    if not gpu:
        header += ["fwd / 3 copies", "fwd+bwd / 7 copies", "peak mem / x"]
    print(f"environment: {env}\n")
    print(markdown_table(header, rows))
    print(f"\nmedians of {args.repeats} interleaved samples; ratio = lucid / torch (lower is better)")
    write_json(args.json, {"environment": env, "device": args.device, "results": results})


def gpu_main(args, env: dict, torch) -> None:
    """lucid on CuPy against PyTorch CUDA, in the layout of issue 20's table (microseconds)."""
    import cupy

    def sync():
        cupy.cuda.Device().synchronize()  # waits for lucid's and PyTorch's work alike (one device)

    def batched(fn, k):
        def run():
            for _ in range(k):
                fn()
            sync()
        return run

    info = gpu_report(torch)
    rows, results = [], []
    for shape in GPU_SHAPES:
        lucid.random.seed(0)
        rng = np.random.default_rng(0)
        x_np = rng.standard_normal(shape).astype(np.float32)
        dy_np = rng.standard_normal(shape).astype(np.float32)
        mb = x_np.nbytes / 1e6
        k = 20 if mb < 50 else 5  # calls per sample, between two synchronisations
        se = nn.SEModule(shape[1], reduction=16)
        se.to("gpu")
        x = lucid.tensor(x_np, device="gpu")
        xg = lucid.tensor(x_np, device="gpu", requires_grad=True)
        dy = lucid.tensor(dy_np, device="gpu")

        def l_fwd():
            se(x)

        def l_fwdbwd():
            xg.grad = None
            se(xg).backward(dy)

        dst = cupy.empty_like(x.data)
        cases = {"lucid fwd": batched(l_fwd, k), "lucid fwd+bwd": batched(l_fwdbwd, k),
                 "copy": batched(lambda: cupy.copyto(dst, x.data), k)}
        if torch is not None:
            tf = torch_se(torch, se, "cuda")
            tx = torch.from_numpy(x_np).cuda()
            txg = tx.clone().requires_grad_()
            tdy = torch.from_numpy(dy_np).cuda()

            def t_fwd():
                with torch.no_grad():
                    tf(tx)

            def t_fwdbwd():
                txg.grad = None
                tf(txg).backward(tdy)

            cases["torch fwd"] = batched(t_fwd, k)
            cases["torch fwd+bwd"] = batched(t_fwdbwd, k)
        med = interleaved_medians(cases, repeats=args.repeats, warmup=3)
        us = {name: v * 1e6 / k for name, v in med.items()}
        bound = 7 * us["copy"] if mb >= BOUND_MIN_MB else None
        entry = {"shape": shape, "MB": mb, "us": us, "calls_per_sample": k}
        t_f, t_fb = us.get("torch fwd"), us.get("torch fwd+bwd")
        fmt = lambda v: "—" if v is None else f"{v:.0f}"  # noqa: E731
        ratio = lambda a, b: "—" if (a is None or b is None) else f"{a / b:.2f}"  # noqa: E731
        row = [ "x".join(map(str, shape)), f"{mb:.0f}", fmt(us["lucid fwd"]), fmt(t_f), fmt(us["lucid fwd+bwd"]),
               fmt(t_fb), ratio(us["lucid fwd"], t_f), ratio(us["lucid fwd+bwd"], t_fb),
               ratio(us["lucid fwd+bwd"], bound), ratio(t_fb, bound)]
        rows.append(row)
        results.append(entry)
        del se, x, xg, dy, dst, cases
        cupy.get_default_memory_pool().free_all_blocks()
        if torch is not None:
            torch.cuda.empty_cache()
    header = ["shape", "MB", "lucid fwd", "torch fwd", "lucid fwd+bwd", "torch fwd+bwd", "fwd ratio",
              "fwd+bwd ratio", "lucid / 7-copy bound", "torch / bound"]
    print(f"environment: {env}")
    print(f"gpu: {info}\n")
    print("SE block, r=16, float32, forward+backward with a fixed dy; µs per call, medians of "
          f"{args.repeats} interleaved samples (each a batch of calls between device synchronisations)\n")
    print(markdown_table(header, rows))
    print("\nratio = lucid / torch (lower is better); bound = 7 device copies of x (shapes >= "
          f"{BOUND_MIN_MB} MB)")
    write_json(args.json, {"environment": env, "gpu": info, "device": "gpu", "results": results})


if __name__ == "__main__":
    main()
