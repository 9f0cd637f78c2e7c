"""Does splitting one big elementwise op over two threads pay on this machine?  (Issue 17's question.)

    python benchmarks/split_elementwise.py

The SE block's forward is dominated by one full-size multiply, ``x * gate``.
PyTorch spreads such an op over the cores; NumPy's ufuncs use one.  NumPy
releases the GIL inside a ufunc, so two Python threads can each multiply
half of the batch.  This prints the time of one ``np.multiply`` against the
same product split in two halves on two threads (medians of interleaved
samples); lucid would split inside the backend only where this is clearly
below 1.
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import clean_environment, interleaved_medians, markdown_table  # noqa: E402

clean_environment()


def main() -> None:
    pool = ThreadPoolExecutor(2)
    rows = []
    for shape in [(8, 64, 32, 32), (32, 256, 14, 14), (64, 512, 7, 7), (16, 64, 56, 56), (64, 256, 56, 56)]:
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape, dtype=np.float32)
        gate = rng.standard_normal(shape[:2] + (1, 1), dtype=np.float32)
        out = np.empty_like(x)
        half = shape[0] // 2

        def one_thread():
            np.multiply(x, gate, out=out)

        def two_threads():
            other = pool.submit(np.multiply, x[:half], gate[:half], out=out[:half])
            np.multiply(x[half:], gate[half:], out=out[half:])
            other.result()

        t = interleaved_medians({"one": one_thread, "two": two_threads}, repeats=21, warmup=5, inner=5)
        rows.append([str(shape), f"{t['one'] * 1e3:.3f}", f"{t['two'] * 1e3:.3f}", f"{t['two'] / t['one']:.2f}x"])
    print(f"cpus: {os.cpu_count()}")
    print(markdown_table(["shape", "1 thread ms", "2 threads ms", "2 / 1"], rows))


if __name__ == "__main__":
    main()
