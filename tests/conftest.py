"""Shared fixtures: the backend matrix every op and layer test runs on.

``device`` runs a test three times:

* ``numpy``  - the CPU, as users run it;
* ``strict`` - ``array_api_strict`` on its non-default device, standing in
  for the GPU: it refuses any silent trip through NumPy and any mixing of
  devices, so the code meant for CuPy is exercised on every machine;
* ``cupy``   - a real GPU, skipped (with the reason shown) where there is none;
  with ``LUCID_FAKE_CUPY=1`` the CPU double of CuPy in ``tests/fake_cupy``
  plays it, so CuPy-only code (kernels included) runs on any machine.

Tests create data with NumPy, move it with ``lucid.tensor(data, device=device)``
and read results back with ``.numpy()``.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

FAKE_CUPY = os.environ.get("LUCID_FAKE_CUPY") == "1"
if FAKE_CUPY:  # play CuPy on the CPU (tests/fake_cupy): the gpu tests run here
    import fake_cupy

    fake_cupy.install()

import lucid
from lucid import backend


def _cupy_available() -> tuple[bool, str]:
    try:
        import cupy  # noqa: F401
    except ImportError:
        return False, "CuPy is not installed (pip install -e '.[gpu]')"
    try:
        ok = cupy.cuda.is_available()
    except Exception as exc:  # pragma: no cover
        return False, f"CuPy found no usable CUDA device ({exc})"
    return (True, "") if ok else (False, "CuPy is installed but no CUDA device is available")


CUPY_OK, CUPY_REASON = _cupy_available()


def pytest_collection_modifyitems(config, items):
    """Under the CuPy double, skip the CuPy cases that need real CUDA memory (DLPack), naming why."""
    if not FAKE_CUPY:
        return
    skip = pytest.mark.skip(reason="needs real CUDA memory (DLPack): the CPU double of CuPy has none")
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_cupy = callspec.params.get("device") == "cupy" if callspec is not None else "gpu" in item.keywords
        if "cuda_memory" in item.keywords and on_cupy:
            item.add_marker(skip)


@pytest.fixture(params=["numpy", "strict", pytest.param("cupy", marks=pytest.mark.gpu)])
def device(request):
    """The lucid device name to create tensors on, with the matching backend active."""
    if request.param == "numpy":
        yield "cpu"
    elif request.param == "strict":
        import array_api_strict as xps

        with backend.use_gpu_stand_in(xps, xps.Device("device1")):
            yield "gpu"
    else:
        if not CUPY_OK:
            pytest.skip(CUPY_REASON)
        yield "gpu"


@pytest.fixture
def strict_gpu():
    """array_api_strict's non-default device playing the GPU, for device-transfer tests."""
    import array_api_strict as xps

    with backend.use_gpu_stand_in(xps, xps.Device("device1")):
        yield xps


@pytest.fixture
def torch():
    """PyTorch as a test oracle; skipped when absent, except in CI where it must be present."""
    try:
        import torch as _torch
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("PyTorch must be installed in CI for the parity tests (pip install torch==2.13.0)")
        pytest.skip("PyTorch is not installed (pip install torch==2.13.0 to run the parity tests)")
    _torch.set_default_dtype(_torch.float32)
    return _torch


@pytest.fixture(autouse=True)
def _seed():
    lucid.random.seed(0)
    yield


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Skips, grouped: each distinct reason once with its count, so a failure is never buried under them.

    ``addopts`` asks only for failures and errors in the short summary (``-rfE``); without CuPy (and
    without PyTorch) hundreds of tests skip for the same two or three reasons, which this prints as
    one line each.
    """
    reports = terminalreporter.stats.get("skipped", [])
    if not reports:
        return
    counts: dict[str, int] = {}
    for rep in reports:
        longrepr = rep.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        reason = " ".join(str(reason).removeprefix("Skipped: ").split())  # one line each
        counts[reason] = counts.get(reason, 0) + 1
    terminalreporter.section("skipped, by reason", sep="-")
    for reason, n in sorted(counts.items(), key=lambda item: -item[1]):
        terminalreporter.line(f"SKIPPED {n:>5} x {reason}")
