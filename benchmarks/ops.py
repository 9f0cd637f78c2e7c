"""Per-op overhead on tiny (4, 4) tensors: lucid against PyTorch CPU, forward and forward+backward.

    python benchmarks/ops.py [--repeats 15] [--json out.json]

On tiny tensors the arithmetic is negligible, so the times measure the
framework's own overhead per op: argument checks, graph recording, wrapping.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import clean_environment, environment_report, interleaved_medians, markdown_table, write_json  # noqa: E402

clean_environment()

import numpy as np  # noqa: E402

import lucid  # noqa: E402

OPS = {
    "add": (lambda a, b: a + b),
    "mul": (lambda a, b: a * b),
    "matmul": (lambda a, b: a @ b),
    "sum": (lambda a, b: a.sum()),
    "relu": (lambda a, b: a.relu()),
    "sigmoid": (lambda a, b: a.sigmoid()),
    "reshape": (lambda a, b: a.reshape(2, 8)),
    "getitem": (lambda a, b: a[1:3]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--inner", type=int, default=2000, help="calls per timed sample")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    env = environment_report(threads=1)
    try:
        import torch
    except ImportError:
        torch = None

    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal((4, 4)).astype(np.float32), rng.standard_normal((4, 4)).astype(np.float32)
    rows, results = [], {}
    for name, op in OPS.items():
        a, b = lucid.tensor(a_np), lucid.tensor(b_np)
        ag, bg = lucid.tensor(a_np, requires_grad=True), lucid.tensor(b_np, requires_grad=True)

        def lucid_backward():
            op(ag, bg).sum().backward()

        cases = {"lucid fwd": lambda: op(a, b), "lucid fwd+bwd": lucid_backward}
        if torch is not None:
            ta, tb = torch.from_numpy(a_np.copy()), torch.from_numpy(b_np.copy())
            tag, tbg = ta.clone().requires_grad_(), tb.clone().requires_grad_()

            def torch_backward():
                op(tag, tbg).sum().backward()

            cases["torch fwd"] = lambda: op(ta, tb)
            cases["torch fwd+bwd"] = torch_backward
        med = interleaved_medians(cases, repeats=args.repeats, inner=args.inner)
        us = {k: v * 1e6 for k, v in med.items()}
        results[name] = us
        row = [name, f"{us['lucid fwd']:.2f}", f"{us['lucid fwd+bwd']:.2f}"]
        if torch is not None:
            row += [f"{us['torch fwd']:.2f}", f"{us['torch fwd+bwd']:.2f}",
                    f"{us['lucid fwd'] / us['torch fwd']:.2f}x", f"{us['lucid fwd+bwd'] / us['torch fwd+bwd']:.2f}x"]
        rows.append(row)
    header = ["op (4x4)", "lucid fwd us", "lucid fwd+bwd us"]
    if torch is not None:
        header += ["torch fwd us", "torch fwd+bwd us", "fwd ratio", "fwd+bwd ratio"]
    print(f"environment: {env}\n")
    print(markdown_table(header, rows))
    print("\n(fwd+bwd includes a .sum() and .backward(); medians of interleaved samples)")
    write_json(args.json, {"environment": env, "microseconds": results})


if __name__ == "__main__":
    main()
