"""Random numbers: one seedable generator behind every random factory and layer initialisation.

Numbers are drawn on the host (NumPy's PCG64) and then moved to the
requested device, so ``lucid.random.seed(n)`` gives the same values on the
CPU and on the GPU.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid import backend

_generator = backend.random_generator()


def seed(n: int) -> None:
    """Reset the generator: every later random factory and initialisation is reproducible.

    Examples
    --------
    >>> import lucid
    >>> lucid.random.seed(0); a = lucid.randn(3)
    >>> lucid.random.seed(0); b = lucid.randn(3)
    >>> bool((a == b).all())
    True
    """
    global _generator
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"seed must be a non-negative int, got {n!r}")
    _generator = backend.random_generator(int(n))


manual_seed = seed


def generator() -> np.random.Generator:
    """The host generator that lucid draws from (for samplers and initialisers)."""
    return _generator


def get_state() -> dict:
    """The generator's state, to restore later with :func:`set_state`."""
    return _generator.bit_generator.state


def set_state(state: dict) -> None:
    """Restore a state returned by :func:`get_state`."""
    _generator.bit_generator.state = state


def _finish(values: np.ndarray, dtype: Any, device: Any, requires_grad: bool):
    from lucid.tensor import Tensor

    dtype = np.float32 if dtype is None else dtype
    array = backend.asarray(values.astype(backend.to_numpy_dtype(dtype), copy=False), device=backend.normalize_device(device))
    t = Tensor._make(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"size must be non-negative ints, got {size!r}")
    return tuple(int(s) for s in size)


def rand(*size, dtype=None, device="cpu", requires_grad: bool = False):
    """Uniform samples in [0, 1).

    Examples
    --------
    >>> import lucid
    >>> lucid.rand(2, 3).shape
    (2, 3)
    """
    return _finish(_generator.random(_shape(size)), dtype, device, requires_grad)


def randn(*size, dtype=None, device="cpu", requires_grad: bool = False):
    """Standard normal samples.

    Examples
    --------
    >>> import lucid
    >>> lucid.randn(4).dtype
    dtype('float32')
    """
    return _finish(_generator.standard_normal(_shape(size)), dtype, device, requires_grad)


def randint(low: int, high: int | None = None, size=(), dtype=None, device="cpu"):
    """Random integers in [low, high) (or [0, low) when high is None), int64 by default.

    Examples
    --------
    >>> import lucid
    >>> int(lucid.randint(0, 10, (5,)).max()) < 10
    True
    """
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    size = (size,) if isinstance(size, int) else tuple(size)
    return _finish(_generator.integers(low, high, _shape(size)), np.int64 if dtype is None else dtype, device, False)


def uniform(low: float = 0.0, high: float = 1.0, size=(), dtype=None, device="cpu", requires_grad: bool = False):
    """Uniform samples in [low, high).

    Examples
    --------
    >>> import lucid
    >>> float(lucid.random.uniform(2.0, 3.0, (100,)).min()) >= 2.0
    True
    """
    size = (size,) if isinstance(size, int) else tuple(size)
    return _finish(_generator.uniform(low, high, _shape(size)), dtype, device, requires_grad)


def normal(mean: float = 0.0, std: float = 1.0, size=(), dtype=None, device="cpu", requires_grad: bool = False):
    """Normal samples with the given mean and standard deviation.

    Examples
    --------
    >>> import lucid
    >>> lucid.random.normal(0.0, 2.0, (3, 3)).shape
    (3, 3)
    """
    size = (size,) if isinstance(size, int) else tuple(size)
    return _finish(_generator.normal(mean, std, _shape(size)), dtype, device, requires_grad)


def permutation(n: int, device="cpu"):
    """A random permutation of ``range(n)`` (int64).

    Examples
    --------
    >>> import lucid
    >>> sorted(lucid.random.permutation(4).tolist())
    [0, 1, 2, 3]
    """
    return _finish(_generator.permutation(int(n)), np.int64, device, False)
