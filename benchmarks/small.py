"""Small models, the course's daily work: lucid against PyTorch (and DeZero when it is installed).

    python benchmarks/small.py                 # both frameworks on the machine's BLAS/OpenMP threads
    python benchmarks/small.py --threads 1     # both on one thread

What is timed, medians of interleaved samples after warm-up, in the same process:

* an MLP 64-128-10 training step on a batch of 64 (forward, cross-entropy,
  backward, SGD step), the same weights and data in every framework;
* the SE block (reduction 16) forward+backward on (2, 16, 8, 8), and forward
  alone on the medium shapes;
* one recorded op's forward on (4, 4) tensors that require grad.

DeZero (``pip install dezero``) is a benchmark peer only, never a dependency;
it needs ``np.int = int`` to import under NumPy 2, which this script sets for it.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import clean_environment, environment_report, interleaved_medians, markdown_table, write_json  # noqa: E402

clean_environment()

import lucid  # noqa: E402
import lucid.nn as nn  # noqa: E402
import lucid.nn.functional as F  # noqa: E402
from lucid import optim  # noqa: E402


def _mlp_cases(torch, dezero, rng) -> dict:
    x = rng.standard_normal((64, 64)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    w1 = (rng.standard_normal((128, 64)) * 0.1).astype(np.float32)
    b1 = np.zeros(128, np.float32)
    w2 = (rng.standard_normal((10, 128)) * 0.1).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    cases = {}

    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    model.load_state_dict({"0.weight": w1, "0.bias": b1, "2.weight": w2, "2.bias": b2})
    opt = optim.SGD(model.parameters(), lr=0.01)
    lx, ly = lucid.tensor(x), lucid.tensor(y)

    def lucid_step():
        opt.zero_grad()
        F.cross_entropy(model(lx), ly).backward()
        opt.step()

    cases["mlp lucid"] = lucid_step
    if torch is not None:
        tm = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        tm.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in
                            {"0.weight": w1, "0.bias": b1, "2.weight": w2, "2.bias": b2}.items()})
        topt = torch.optim.SGD(tm.parameters(), lr=0.01)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def torch_step():
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tm(tx), ty).backward()
            topt.step()

        cases["mlp torch"] = torch_step
    if dezero is not None:
        import dezero.functions as DF
        import dezero.layers as DL

        class MLP(dezero.Model):
            def __init__(self):
                super().__init__()
                self.l1, self.l2 = DL.Linear(128, in_size=64), DL.Linear(10, in_size=128)
                self.l1.W.data, self.l1.b.data = w1.T.copy(), b1.copy()
                self.l2.W.data, self.l2.b.data = w2.T.copy(), b2.copy()

            def forward(self, t):
                return self.l2(DF.relu(self.l1(t)))

        dm = MLP()
        dopt = dezero.optimizers.SGD(lr=0.01).setup(dm)

        def dezero_step():
            dm.cleargrads()
            DF.softmax_cross_entropy(dm(x), y).backward()
            dopt.update()

        cases["mlp dezero"] = dezero_step
    return cases


def _se_cases(torch, shape, rng, backward: bool) -> dict:
    n, c = shape[:2]
    x = rng.standard_normal(shape).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    se = nn.SEModule(c, reduction=16)
    lx = lucid.tensor(x, requires_grad=backward)
    cases = {}
    if backward:
        def lucid_run():
            lx.grad = None
            se(lx).backward(dy)
    else:
        def lucid_run():
            with lucid.no_grad():
                se(lx)
    cases["lucid"] = lucid_run
    if torch is not None:
        hidden = max(1, c // 16)
        tse = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(c, hidden),
                                  torch.nn.ReLU(), torch.nn.Linear(hidden, c), torch.nn.Sigmoid())
        for i, name in ((2, "fc1"), (4, "fc2")):
            tse[i].weight.data = torch.from_numpy(getattr(se, name).weight.numpy().copy())
            tse[i].bias.data = torch.from_numpy(getattr(se, name).bias.numpy().copy())
        tx = torch.from_numpy(x).requires_grad_(backward)
        tdy = torch.from_numpy(dy)
        if backward:
            def torch_run():
                tx.grad = None
                (tx * tse(tx)[:, :, None, None]).backward(tdy)
        else:
            def torch_run():
                with torch.no_grad():
                    tx * tse(tx)[:, :, None, None]
        cases["torch"] = torch_run
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--threads", type=int, default=None, help="threads for torch (default: NumPy's BLAS threads)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    try:
        np.int = int  # DeZero 0.0.13 still uses np.int
        import dezero
    except ImportError:
        dezero = None
    env = environment_report(args.threads)
    if torch is not None and args.threads is None and env.get("blas_threads"):
        torch.set_num_threads(env["blas_threads"])
        env["torch_threads"] = torch.get_num_threads()
    print("environment:", env)
    rng = np.random.default_rng(0)
    results = {}

    times = interleaved_medians(_mlp_cases(torch, dezero, rng), args.repeats, warmup=20, inner=20)
    rows = [[name.split()[1], f"{t * 1e6:.0f}"] for name, t in times.items()]
    base = times.get("mlp torch")
    print("\nMLP 64-128-10 training step, batch 64 (us)\n")
    print(markdown_table(["framework", "step us"] + (["/ torch"] if base else []),
                         [r + ([f"{times['mlp ' + r[0]] / base:.2f}x"] if base else []) for r in rows]))
    results["mlp"] = times

    se_rows = []
    for shape, backward in [((2, 16, 8, 8), True), ((8, 64, 32, 32), False), ((32, 256, 14, 14), False),
                            ((64, 512, 7, 7), False), ((16, 64, 56, 56), False)]:
        t = interleaved_medians(_se_cases(torch, shape, rng, backward), args.repeats, warmup=5,
                                inner=20 if shape[0] == 2 else 3)
        ratio = f"{t['lucid'] / t['torch']:.2f}x" if "torch" in t else "-"
        se_rows.append([str(shape), "fwd+bwd" if backward else "fwd", f"{t['lucid'] * 1e3:.3f}",
                        f"{t['torch'] * 1e3:.3f}" if "torch" in t else "-", ratio])
        results[f"se {shape} {'fwd+bwd' if backward else 'fwd'}"] = t
    print("\nSE block (reduction 16, float32), ms\n")
    print(markdown_table(["shape", "pass", "lucid ms", "torch ms", "lucid / torch"], se_rows))

    a = lucid.tensor(rng.standard_normal((4, 4)).astype(np.float32), requires_grad=True)
    b = lucid.tensor(rng.standard_normal((4, 4)).astype(np.float32), requires_grad=True)
    ops = {"add": lambda: a + b, "mul": lambda: a * b, "relu": lambda: a.relu()}
    if torch is not None:
        ta = torch.from_numpy(a.numpy().copy()).requires_grad_()
        tb = torch.from_numpy(b.numpy().copy()).requires_grad_()
        ops.update({"torch add": lambda: ta + tb, "torch mul": lambda: ta * tb, "torch relu": lambda: ta.relu()})
    t = interleaved_medians(ops, args.repeats, warmup=200, inner=2000)
    print("\nOne recorded op's forward on (4, 4), us\n")
    print(markdown_table(["op", "lucid us", "torch us"],
                         [[k, f"{t[k] * 1e6:.2f}", f"{t['torch ' + k] * 1e6:.2f}" if torch is not None else "-"]
                          for k in ("add", "mul", "relu")]))
    results["ops"] = t
    print("\nmedians of interleaved samples; ratios are lucid / torch (lower is better)")
    write_json(args.json, {"environment": env, "results": results})


if __name__ == "__main__":
    main()
