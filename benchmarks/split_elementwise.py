"""Does splitting one big elementwise op over two threads pay on this machine?  (Issue 17's question.)

    python benchmarks/split_elementwise.py

The SE block's forward is dominated by one full-size multiply, ``x * gate``.
PyTorch spreads such an op over the cores; NumPy's ufuncs use one.  NumPy
releases the GIL inside a ufunc, so two Python threads can each multiply
half of the batch.  This prints the time of one ``np.multiply`` against the
same product split in two halves on two threads (medians of interleaved
samples); lucid would split inside the backend only where this is clearly
below 1 in the SE forward as it runs, that is right after the mean over
space, which is a BLAS product (see the last columns).
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
    import lucid

    pool = ThreadPoolExecutor(2)
    rows = []
    for shape in [(8, 64, 32, 32), (32, 256, 14, 14), (64, 512, 7, 7), (16, 64, 56, 56), (64, 256, 56, 56)]:
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape, dtype=np.float32)
        gate = rng.standard_normal(shape[:2] + (1, 1), dtype=np.float32)
        out = np.empty_like(x)
        half = shape[0] // 2

        def same_shape():
            np.multiply(x, x, out=out)

        def one_thread():
            np.multiply(x, gate, out=out)

        def two_threads():
            other = pool.submit(np.multiply, x[:half], gate[:half], out=out[:half])
            np.multiply(x[half:], gate[half:], out=out[half:])
            other.result()

        # The SE forward as it runs: the mean over space is a BLAS product (OpenBLAS's threads), then the product.
        def mean_then_one():
            lucid.backend.sum(x, (2, 3))
            one_thread()

        def mean_then_two():
            lucid.backend.sum(x, (2, 3))
            two_threads()

        t = interleaved_medians({"same": same_shape, "one": one_thread, "two": two_threads,
                                 "m1": mean_then_one, "m2": mean_then_two}, repeats=21, warmup=5, inner=5)
        rows.append([str(shape), f"{t['same'] * 1e3:.3f}", f"{t['one'] * 1e3:.3f}", f"{t['two'] * 1e3:.3f}",
                     f"{t['two'] / t['one']:.2f}x", f"{t['m1'] * 1e3:.3f}", f"{t['m2'] * 1e3:.3f}",
                     f"{t['m2'] / t['m1']:.2f}x"])
    print(f"cpus: {os.cpu_count()}")
    print(markdown_table(["shape", "x * x ms", "x * gate, 1 thread ms", "2 threads ms", "2 / 1",
                          "BLAS mean + x * gate, 1 thread ms", "2 threads ms", "2 / 1"], rows))
    print("\nx * x: the same-shape product, for NumPy's broadcast penalty; 'BLAS mean +': after a BLAS call "
          "OpenBLAS's worker threads spin for a while and hold the other cores.")


if __name__ == "__main__":
    main()
