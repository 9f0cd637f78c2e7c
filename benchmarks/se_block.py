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
NumPy's allocations) as a multiple of x's size.  ``--device gpu`` times lucid on
CuPy against PyTorch CUDA instead (no bandwidth or memory columns).
"""
from __future__ import annotations

import argparse
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import clean_environment, environment_report, interleaved_medians, markdown_table, write_json  # noqa: E402

clean_environment()

import numpy as np  # noqa: E402

import lucid  # noqa: E402
import lucid.nn as nn  # noqa: E402

CPU_SHAPES = [(8, 64, 32, 32), (32, 256, 14, 14), (64, 512, 7, 7), (16, 64, 56, 56), (2, 16, 8, 8)]
GPU_SHAPES = [(32, 256, 14, 14), (64, 512, 7, 7)]


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


if __name__ == "__main__":
    main()
