"""The fused backend primitives on CuPy against the formulations they replace (µs per call).

    python benchmarks/gpu_primitives.py [--repeats 15]

For each primitive of lucid/backend/fused.py: the one-kernel version and the
plain array-API formula (what lucid ran before), on a small array (launch-bound)
and a large one (memory-bound); plus one AdamW step over the SE-CNN's 23
parameters, fused against the plain formula.  Each sample is a batch of calls
between device synchronisations.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import gpu_report, interleaved_medians, markdown_table  # noqa: E402

import numpy as np  # noqa: E402

import lucid  # noqa: E402
from lucid import backend  # noqa: E402
from lucid.backend import fused  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    import cupy

    xp = backend.namespace("gpu")

    def batched(fn, k):
        def run():
            for _ in range(k):
                fn()
            cupy.cuda.Device().synchronize()
        return run

    rows = []
    for label, shape in (("4x4", (4, 4)), ("64x256x56x56", (64, 256, 56, 56))):
        k = 50 if label == "4x4" else 5
        rng = np.random.default_rng(0)
        x = lucid.tensor(rng.standard_normal(shape).astype(np.float32), device="gpu").data
        dy = lucid.tensor(rng.standard_normal(shape).astype(np.float32), device="gpu").data
        gate = dy[:, :, :1, :1] if len(shape) == 4 else dy[:, :1]
        axes = (2, 3) if len(shape) == 4 else (1,)
        letters = "abcd"[:len(shape)]
        cases = {
            "sigmoid: expit (1 kernel)": lambda: backend.sigmoid(x),
            "sigmoid: exp(-logaddexp(0,-x))": lambda: xp.exp(-xp.logaddexp(0.0, -x)),
            "sum(dy*g over space): ReductionKernel": lambda: backend.sum_of_product(dy, gate, axes, True),
            "sum(dy*g over space): product + sum": lambda: xp.sum(dy * gate, axis=axes, keepdims=True),
            "sum(dy*g over space): cupy.einsum": lambda: cupy.einsum(
                f"{letters},{letters[:2]}->{letters[:2]}", dy, gate.reshape(gate.shape[:2])),
            "sum(dy*x per channel): ReductionKernel": lambda: backend.sum_of_product(dy, x, (0,) + axes, True),
            "sum(dy*x per channel): product + sum": lambda: xp.sum(dy * x, axis=(0,) + axes, keepdims=True),
        }
        if len(shape) == 4:  # a convolution's output is channels-last: batch norm's sums and passes over it
            from lucid.backend import cupy_kernels

            n, c, h, w = shape
            xcl = xp.permute_dims(lucid.tensor(rng.standard_normal((n, h, w, c)).astype(np.float32),
                                               device="gpu").data, (0, 3, 1, 2))
            mean = xp.mean(xcl, axis=(0, 2, 3), keepdims=True)
            inv = 1.0 / xp.sqrt(xp.var(xcl, axis=(0, 2, 3), keepdims=True) + 1e-5)
            scale, shift = xp.ones_like(mean), xp.zeros_like(mean)
            cases.update({
                "channels-last sum over N,H,W: backend.sum (two BLAS products)":
                    lambda: backend.sum(xcl, (0, 2, 3), True),
                "channels-last sum over N,H,W: cupy.sum": lambda: cupy.sum(xcl, axis=(0, 2, 3), keepdims=True),
                "channels-last sum(x*x) over N,H,W: product + BLAS sums":
                    lambda: backend.sum_of_product(xcl, xcl, (0, 2, 3), True),
                "channels-last sum(x*x) over N,H,W: ReductionKernel":
                    lambda: cupy_kernels.sum_of_product(xcl, xcl, (0, 2, 3), True),
                "batch norm's xhat and y: 1 kernel": lambda: fused.normalize_affine(xcl, mean, inv, scale, shift),
                "batch norm's xhat and y: 4 operations": lambda: ((xcl - mean) * inv) * scale + shift,
            })
        med = interleaved_medians({n: batched(f, k) for n, f in cases.items()}, repeats=args.repeats)
        for name, sec in med.items():
            rows.append([label, name, f"{sec * 1e6 / k:.1f}"])
        del x, dy, gate, cases
        cupy.get_default_memory_pool().free_all_blocks()

    # one AdamW step over parameters shaped like the SE-CNN's (conv, BN, SE fc1/fc2, linear)
    shapes = []
    for cin, c in ((3, 32), (32, 64), (64, 128)):
        h = max(1, c // 16)
        shapes += [(c, cin, 3, 3), (c,), (c,), (h, c), (h,), (c, h), (c,)]
    shapes += [(10, 128), (10,)]
    rng = np.random.default_rng(1)
    params = [lucid.tensor(rng.standard_normal(s).astype(np.float32), device="gpu").data for s in shapes]
    grads = [lucid.tensor(rng.standard_normal(s).astype(np.float32), device="gpu").data for s in shapes]
    ms = [xp.zeros_like(p) for p in params]
    vs = [xp.zeros_like(p) for p in params]

    def fused_step():
        for p, g, m, v in zip(params, grads, ms, vs):
            backend.adam_step(p, g, m, v, None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                              decoupled=True, step=10, maximize=False)

    def plain_step():
        for p, g, m, v in zip(params, grads, ms, vs):
            fused._adam_plain(p, g, m, v, None, 1e-3, 0.9, 0.999, math.sqrt(1 - 0.999 ** 10), 1e-3 / (1 - 0.9 ** 10),
                              1e-8, 1e-2, True, False)

    med = interleaved_medians({"AdamW step, 23 params: fused (1 kernel each)": batched(fused_step, 5),
                               "AdamW step, 23 params: plain formula": batched(plain_step, 5)},
                              repeats=args.repeats)
    for name, sec in med.items():
        rows.append(["SE-CNN params", name, f"{sec * 1e6 / 5:.1f}"])
    print(f"gpu: {gpu_report(None)}\n")
    print(markdown_table(["array", "primitive", "µs per call"], rows))


if __name__ == "__main__":
    main()
