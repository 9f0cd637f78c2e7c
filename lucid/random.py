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

    Parameters
    ----------
    n : int
        A non-negative seed.

    Raises
    ------
    ValueError
        If ``n`` is negative or not an int.

    Notes
    -----
    Also available as ``lucid.manual_seed`` (PyTorch's name). The same seed
    gives the same numbers on every device. It replaces the generator object:
    a reference kept from :func:`generator` before the call is not reset.

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
    """The host generator that lucid draws from (for samplers and initialisers).

    Returns
    -------
    numpy.random.Generator
        The current generator; call this each time rather than keeping it,
        since :func:`seed` replaces it.

    Examples
    --------
    >>> import lucid
    >>> lucid.random.seed(1)
    >>> 0.0 <= lucid.random.generator().random() < 1.0
    True
    """
    return _generator


def get_state() -> dict:
    """The generator's state, to restore later with :func:`set_state`.

    Returns
    -------
    dict
        The bit generator's state (NumPy's format).

    Examples
    --------
    >>> import lucid
    >>> state = lucid.random.get_state()
    >>> a = lucid.rand(2)
    >>> lucid.random.set_state(state)
    >>> bool((lucid.rand(2) == a).all())
    True
    """
    return _generator.bit_generator.state


def set_state(state: dict) -> None:
    """Restore a state returned by :func:`get_state`.

    Parameters
    ----------
    state : dict
        A state from :func:`get_state`.

    Examples
    --------
    >>> import lucid
    >>> state = lucid.random.get_state()
    >>> x = lucid.randn(2)
    >>> lucid.random.set_state(state)
    >>> bool((lucid.randn(2) == x).all())
    True
    """
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
    """Uniform samples in :math:`[0, 1)`.

    Parameters
    ----------
    *size : int or tuple of int
        The shape, as separate ints or one tuple.
    dtype : dtype or str, optional
        Default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the result lives; the numbers are drawn on the host first.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> import lucid
    >>> x = lucid.rand(2, 3)
    >>> x.shape, float(x.min()) >= 0.0, float(x.max()) < 1.0
    ((2, 3), True, True)
    """
    return _finish(_generator.random(_shape(size)), dtype, device, requires_grad)


def randn(*size, dtype=None, device="cpu", requires_grad: bool = False):
    """Samples of the standard normal distribution :math:`\\mathcal{N}(0, 1)`.

    Parameters
    ----------
    *size : int or tuple of int
        The shape, as separate ints or one tuple.
    dtype : dtype or str, optional
        Default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the result lives; the numbers are drawn on the host first.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> import lucid
    >>> lucid.randn(4).dtype
    dtype('float32')
    """
    return _finish(_generator.standard_normal(_shape(size)), dtype, device, requires_grad)


def randint(low: int, high: int | None = None, size=(), dtype=None, device="cpu"):
    """Random integers, uniform in ``[low, high)``.

    Parameters
    ----------
    low : int
        Lowest value; with ``high`` omitted, the range is ``[0, low)``.
    high : int, optional
        One above the highest value; must exceed ``low``.
    size : int or tuple of int, default ()
        The shape (``()`` gives a 0-d tensor).
    dtype : dtype or str, optional
        Default int64.
    device : {"cpu", "gpu"}, default "cpu"
        Where the result lives.

    Returns
    -------
    Tensor
        Integers; they cannot require grad.

    Raises
    ------
    ValueError
        If ``high <= low``.

    Notes
    -----
    The order of arguments is NumPy's (``low, high, size``); PyTorch's
    ``torch.randint(high, size)`` form is ``lucid.randint(high, size=...)`` here.

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
    """Samples of the uniform distribution on ``[low, high)``.

    Parameters
    ----------
    low : float, default 0.0
        Lower bound (included).
    high : float, default 1.0
        Upper bound (excluded).
    size : int or tuple of int, default ()
        The shape.
    dtype : dtype or str, optional
        Default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the result lives; the numbers are drawn on the host first.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> import lucid
    >>> float(lucid.random.uniform(2.0, 3.0, (100,)).min()) >= 2.0
    True
    """
    size = (size,) if isinstance(size, int) else tuple(size)
    return _finish(_generator.uniform(low, high, _shape(size)), dtype, device, requires_grad)


def normal(mean: float = 0.0, std: float = 1.0, size=(), dtype=None, device="cpu", requires_grad: bool = False):
    """Samples of the normal distribution :math:`\\mathcal{N}(\\text{mean}, \\text{std}^2)`.

    Parameters
    ----------
    mean : float, default 0.0
        The mean.
    std : float, default 1.0
        The standard deviation (non-negative).
    size : int or tuple of int, default ()
        The shape.
    dtype : dtype or str, optional
        Default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the result lives; the numbers are drawn on the host first.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> import lucid
    >>> lucid.random.normal(0.0, 2.0, (3, 3)).shape
    (3, 3)
    """
    size = (size,) if isinstance(size, int) else tuple(size)
    return _finish(_generator.normal(mean, std, _shape(size)), dtype, device, requires_grad)


def permutation(n: int, device="cpu"):
    """A random permutation of ``range(n)``, as int64.

    Parameters
    ----------
    n : int
        Number of elements.
    device : {"cpu", "gpu"}, default "cpu"
        Where the result lives.

    Returns
    -------
    Tensor
        1-D of length ``n``; use it to shuffle: ``x[lucid.random.permutation(len(x))]``.

    Examples
    --------
    >>> import lucid
    >>> sorted(lucid.random.permutation(4).tolist())
    [0, 1, 2, 3]
    """
    return _finish(_generator.permutation(int(n)), np.int64, device, False)
