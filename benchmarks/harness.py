"""Shared benchmark plumbing: a clean BLAS environment, interleaved timing, medians, tables.

Every benchmark script calls :func:`clean_environment` first.  Some machines
here set ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` (needed by old OpenBLAS
builds, but they slow a current NumPy down); the benchmark re-executes
itself once without them, for its own process only.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from typing import Callable

_BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def clean_environment() -> None:
    """Re-exec this script without the OpenBLAS overrides (once)."""
    if any(v in os.environ for v in _BLAS_VARS) and not os.environ.get("LUCID_BENCH_REEXEC"):
        env = {k: v for k, v in os.environ.items() if k not in _BLAS_VARS}
        env["LUCID_BENCH_REEXEC"] = "1"
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def environment_report(threads: int | None) -> dict:
    """What the numbers were measured on: CPU count, NumPy's BLAS and its threads, torch's threads."""
    import numpy as np

    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "blas": "unknown",
        "blas_threads": None,
    }
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            info["blas"] = f"{pools[0].get('internal_api')} {pools[0].get('version')} ({pools[0].get('architecture')})"
            info["blas_threads"] = pools[0].get("num_threads")
    except ImportError:
        cfg = np.show_config(mode="dicts") if "mode" in np.show_config.__code__.co_varnames else {}
        blas = cfg.get("Build Dependencies", {}).get("blas", {}) if isinstance(cfg, dict) else {}
        info["blas"] = f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()
    try:
        import torch

        if threads:
            torch.set_num_threads(threads)
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    return info


def gpu_report(torch) -> dict:
    """The GPU and the versions the figures were measured with."""
    import cupy

    rt = cupy.cuda.runtime
    props = rt.getDeviceProperties(0)
    info = {"gpu": props["name"].decode() if isinstance(props["name"], bytes) else props["name"],
            "cupy": cupy.__version__, "cuda_runtime": rt.runtimeGetVersion(), "cuda_driver": rt.driverGetVersion()}
    try:
        import array_api_compat

        info["array_api_compat"] = array_api_compat.__version__
    except ImportError:
        info["array_api_compat"] = None
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_cuda"] = torch.version.cuda
    return info


def interleaved_medians(cases: dict[str, Callable[[], object]], repeats: int, warmup: int = 3,
                        inner: int = 1, settle: int = 1) -> dict[str, float]:
    """Median seconds per call of each case, timing them in turn (so drift hits all alike).

    Before each timed sample a case runs ``settle`` untimed calls: thread
    pools (OpenBLAS's, PyTorch's OpenMP) keep spinning for a moment after
    their last job, and on a 2-core machine that spin would otherwise be
    charged to whichever case runs next.
    """
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            for _ in range(settle):
                fn()
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[name].append((time.perf_counter() - start) / inner)
    return {name: statistics.median(s) for name, s in samples.items()}


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def write_json(path: str | None, payload: dict) -> None:
    if path:
        with open(path, "w") as f:
            json.dump(payload, f, indent=2)
        print(f"\nwrote {path}")
