"""GPU kernel launches per op and per training step, counted without a GPU (on the CPU double of CuPy).

    python benchmarks/launch_count.py                 # per-op table and the SE-CNN step at batch 32
    python benchmarks/launch_count.py --batch 128 --top 25

On a GPU a small op costs its launches (15-20 us each on an H200, measured in
``../shared/measurements``), so the number of launches is what issue 20's
launch-bound cases are made of.  This script plays CuPy with ``tests/fake_cupy``
(each ufunc, reduction, copy, fill, ``setitem``, in-place operator and fused
kernel counts one launch; views count none) and runs lucid's CuPy code paths,
fused kernels included, on the CPU.  ``--host-time`` also measures lucid's own
Python time per step on that path (the step's wall time minus the time spent
inside the double): the host cost a GPU step pays besides CuPy's calls.  The counts approximate CuPy's: a cuBLAS
product or a CuPy reduction may be more than one kernel, and a memset is not a
kernel; they are exact enough to compare two versions of lucid, which is what
they are for.  No timing here: the device is not real.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
import fake_cupy  # noqa: E402

fake_cupy.install()  # before lucid meets `import cupy`

import numpy as np  # noqa: E402

sys.path.insert(0, HERE)
import lucid  # noqa: E402
import lucid.nn.functional as F  # noqa: E402
from cifar_secnn import lucid_cifar_secnn  # noqa: E402
from harness import markdown_table  # noqa: E402
from lucid import nn, optim  # noqa: E402


def count(fn) -> tuple[int, dict]:
    """Run ``fn``; return its launches in all and by call."""
    fake_cupy.launches.clear()
    fn()
    counts = fake_cupy.launches.copy()
    return sum(counts.values()), counts


def per_op_rows() -> list[list[object]]:
    rng = np.random.default_rng(0)

    def t(*shape, grad=True):
        return lucid.tensor(rng.standard_normal(shape).astype(np.float32), device="gpu", requires_grad=grad)

    a, b = t(8, 16), t(8, 16)
    img = t(8, 32, 16, 16)
    w = t(32, 32, 3, 3)
    bn = nn.BatchNorm2d(32).to("gpu")
    lin = nn.Linear(16, 16).to("gpu")
    se = nn.SEModule(32, 16).to("gpu")
    target = lucid.tensor(rng.integers(0, 16, 8), device="gpu")
    cases = {
        "add": lambda: a + b,
        "mul": lambda: a * b,
        "relu": lambda: F.relu(a),
        "sigmoid": lambda: lucid.sigmoid(a),
        "mean(axis=1)": lambda: a.mean(axis=1),
        "linear (16 -> 16)": lambda: lin(a),
        "cross_entropy": lambda: F.cross_entropy(a, target),
        "conv2d 3x3, pad 1 (8, 32, 16, 16)": lambda: F.conv2d(img, w, padding=1),
        "batch_norm2d, training": lambda: bn(img),
        "max_pool2d 2": lambda: F.max_pool2d(img, 2),
        "SEModule(32, 16)": lambda: se(img),
    }
    rows = []
    for name, fn in cases.items():
        with lucid.no_grad():
            forward, _ = count(fn)
        out = fn()
        dy = lucid.ones_like(out)
        backward, _ = count(lambda: out.backward(dy))
        rows.append([name, forward, backward])
        for p in (a, b, img, w, *bn.parameters(), *lin.parameters(), *se.parameters()):
            p.grad = None
    return rows


def se_traffic(shape=(16, 64, 56, 56)) -> list[list[object]]:
    """SE block launches and memory traffic, in traversals of x (reads and writes of x-sized arrays)."""
    lucid.random.seed(0)
    se = nn.SEModule(shape[1], 16).to("gpu")
    rng = np.random.default_rng(0)
    x = lucid.tensor(rng.standard_normal(shape, dtype=np.float32), device="gpu", requires_grad=True)
    dy = lucid.tensor(rng.standard_normal(shape, dtype=np.float32), device="gpu")
    rows = []
    for name, fn, bound in (("forward", lambda: se(x), 3), ("forward+backward", lambda: se(x).backward(dy), 7)):
        fake_cupy.traffic.clear()
        with lucid.no_grad() if name == "forward" else contextlib.nullcontext():
            launches, _ = count(fn)
        traversals = sum(fake_cupy.traffic.values()) / x.data.nbytes
        rows.append([name, launches, f"{traversals:.2f}", bound, f"{traversals / bound:.2f}x"])
    return rows


def _time_inside_the_double() -> dict:
    """Wrap every entry point of the CuPy double so the time spent inside it is added up.

    What is left of a step's wall time is lucid's own Python (the engine, the ops,
    the modules), the host cost a GPU step pays on top of CuPy's own per-call cost.
    Returns the running totals (``inside`` seconds, ``calls``).
    """
    import functools
    import time

    from fake_cupy import kernels

    state = {"depth": 0, "start": 0.0, "inside": 0.0, "calls": 0}

    def timed(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if state["depth"] == 0:
                state["start"] = time.perf_counter()
                state["calls"] += 1
            state["depth"] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                state["depth"] -= 1
                if state["depth"] == 0:
                    state["inside"] += time.perf_counter() - state["start"]
        return wrapper

    for name in ("cupy", "cupyx", "cupyx.scipy.special", "cupy.lib.stride_tricks"):
        module = sys.modules[name]
        for attr, value in list(vars(module).items()):
            if callable(value) and not isinstance(value, type) and not attr.startswith("_"):
                setattr(module, attr, timed(value))
    skip = {"__init__", "__slots__", "_of", "__weakref__", "__array_ufunc__", "__array_priority__", "__hash__"}
    for attr, value in list(vars(fake_cupy.ndarray).items()):
        if attr in skip:
            continue
        if isinstance(value, property):
            setattr(fake_cupy.ndarray, attr, property(timed(value.fget)))
        elif callable(value):
            setattr(fake_cupy.ndarray, attr, timed(value))
    for kind in (kernels.ElementwiseKernel, kernels.ReductionKernel):
        kind.__call__ = timed(kind.__call__)
    return state


def host_time(batch: int = 2, steps: int = 30) -> tuple[float, int]:
    """Median over ``steps`` SE-CNN training steps of lucid's own Python time (s), and calls into CuPy."""
    import time

    state = _time_inside_the_double()
    lucid.random.seed(0)
    rng = np.random.default_rng(0)
    model = lucid_cifar_secnn(se=True).to("gpu")
    opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    x = lucid.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32), device="gpu")
    y = lucid.tensor(rng.integers(0, 10, batch), device="gpu")

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    samples = []
    for _ in range(steps):
        state["inside"], state["calls"] = 0.0, 0
        start = time.perf_counter()
        step()
        samples.append((time.perf_counter() - start - state["inside"], state["calls"]))
    samples.sort()
    return samples[len(samples) // 2]


def step_counts(batch: int):
    lucid.random.seed(0)
    rng = np.random.default_rng(batch)
    model = lucid_cifar_secnn(se=True).to("gpu")
    model.train()
    opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    x = lucid.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32), device="gpu")
    y = lucid.tensor(rng.integers(0, 10, batch), device="gpu")
    parts, counts, syncs = {}, fake_cupy.collections.Counter(), {}

    def part(name, fn):
        fake_cupy.transfers.clear()
        n, c = count(fn)
        syncs[name] = {k: v for k, v in fake_cupy.transfers.items() if k != "to_device"}
        parts[name] = n
        counts.update(c)

    def step():
        parts.clear()
        counts.clear()
        out = {}
        part("forward", lambda: out.setdefault("loss", loss_fn(model(x), y)))
        part("zero_grad + backward", lambda: (opt.zero_grad(), out["loss"].backward()))
        part("optimizer", opt.step)

    fake_cupy.kernels_seen.clear()
    step()
    first_step_kernels = len(fake_cupy.kernels_seen)
    step()  # the first AdamW step creates its state: count a later one
    return parts, counts, syncs, len(list(model.parameters())), first_step_kernels


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--top", type=int, default=15, help="how many kinds of launch to list for the step")
    p.add_argument("--host-time", action="store_true",
                   help="also time lucid's own Python per step (wall time minus time inside the double)")
    args = p.parse_args()
    print("Counted on the CPU double of CuPy (tests/fake_cupy): launches, not time.\n")
    print("## Launches per op, float32, recorded (forward; backward of the result with a given dy)\n")
    print(markdown_table(["op", "forward", "backward"], per_op_rows()))
    print("\n## SE block (16, 64, 56, 56), r = 16: launches and memory traffic in traversals of x\n")
    print("A hand-fused SE reads and writes x-sized arrays 3 times forward, 7 times forward+backward: the copy")
    print("bound of issue 20 (the traffic count is the same for every shape of this size or larger).\n")
    print(markdown_table(["pass", "launches", "traversals of x", "copy bound", "/ bound"], se_traffic()))
    parts, counts, syncs, n_params, distinct = step_counts(args.batch)
    total = sum(parts.values())
    print(f"\n## SE-CNN training step (issue 20's network, AdamW, batch {args.batch}, {n_params} parameters)\n")
    rows = [[k, v, ", ".join(f"{n} {w}" for w, n in syncs[k].items()) or "none"] for k, v in parts.items()]
    print(markdown_table(["part", "launches", "reads back to the host (each waits for the GPU)"],
                         rows + [["whole step", total, ""]]))
    print(f"\nDistinct kernels the first step uses (call and dtypes; CuPy compiles each on first use, then keeps "
          f"it in its disk cache): {distinct}")
    print(f"\nMost frequent launches in the step (top {args.top}):\n")
    print(markdown_table(["call", "launches"], [[k, v] for k, v in counts.most_common(args.top)]))
    if args.host_time:  # last: it wraps the double's functions for good
        own, calls = host_time()
        print(f"\nlucid's own Python per training step on the GPU path: {own * 1e3:.2f} ms (median of 30 steps, "
              f"batch 2; {calls} calls into CuPy, whose own cost comes on top; this machine: {os.cpu_count()} "
              f"CPUs)")


if __name__ == "__main__":
    main()
