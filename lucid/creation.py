"""Factories: tensor, zeros, ones, full, empty, arange, linspace, eye and their *_like forms."""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid import backend
from lucid.tensor import Tensor


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Make a tensor from data (a copy); the same as :class:`Tensor`.

    Parameters
    ----------
    data : number, nested list, array or Tensor
        The values; nested lists must be rectangular.
    dtype : dtype or str, optional
        The element type; default float32 for Python floats, int64 for Python ints, bool for bools; a NumPy array keeps its dtype.
    device : {"cpu", "gpu"}, default "cpu"
        Where the array lives (``"cuda"`` accepted).
    requires_grad : bool, default False
        Make the result a leaf that records operations (floating dtypes only).

    Returns
    -------
    Tensor
        A new leaf tensor.

    Raises
    ------
    TypeError
        For non-numeric data, or ``requires_grad=True`` with a non-float dtype.
    ValueError
        For ragged nested lists.

    Notes
    -----
    Python floats become float32 (as in PyTorch), not float64 (as in NumPy).
    The data is always copied: changing the source array later does not
    change the tensor.

    Examples
    --------
    >>> import lucid
    >>> lucid.tensor([1, 2, 3]).dtype, lucid.tensor([1.0, 2.0]).dtype
    (dtype('int64'), dtype('float32'))
    >>> lucid.tensor([[1.0, 2.0]], dtype="float64", requires_grad=True)
    Tensor([[1., 2.]], dtype=float64, requires_grad=True)
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"size must be non-negative ints, got {size!r}")
    return tuple(int(s) for s in size)


def _make(host: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    t = Tensor._make(backend.asarray(host, device=backend.normalize_device(device)))
    if requires_grad:
        t.requires_grad_(True)
    return t


def full(size, fill_value: float, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``.

    Parameters
    ----------
    size : int or tuple of int
        The shape (non-negative sizes).
    fill_value : number or bool
        The value of every element.
    dtype : dtype or str, optional
        The element type; default float32 for a float value, int64 for an int, bool for a bool.
    device : {"cpu", "gpu"}, default "cpu"
        Where the array lives (``"cuda"`` accepted).
    requires_grad : bool, default False
        Make the result a leaf that records operations (floating dtypes only).

    Returns
    -------
    Tensor

    Raises
    ------
    ValueError
        If a size is negative or not an int.

    Examples
    --------
    >>> import lucid
    >>> lucid.full((2,), 7.0)
    Tensor([7., 7.])
    >>> lucid.full(3, 1).dtype
    dtype('int64')
    """
    if dtype is None:
        dtype = np.int64 if isinstance(fill_value, (int, np.integer)) and not isinstance(fill_value, bool) else (
            np.bool_ if isinstance(fill_value, bool) else np.float32)
    size = _shape((size,) if isinstance(size, int) else tuple(size))
    return _make(np.full(size, fill_value, dtype=backend.to_numpy_dtype(dtype)), device, requires_grad)


def zeros(*size, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor of zeros.

    Parameters
    ----------
    *size : int or tuple of int
        The shape, as separate ints or one tuple.
    dtype : dtype or str, optional
        The element type; default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the array lives (``"cuda"`` accepted).
    requires_grad : bool, default False
        Make the result a leaf that records operations (floating dtypes only).

    Returns
    -------
    Tensor

    Examples
    --------
    >>> import lucid
    >>> lucid.zeros(2, 3).shape, lucid.zeros((2, 3)).shape
    ((2, 3), (2, 3))
    >>> lucid.zeros(2, dtype=lucid.int64)
    Tensor([0, 0])
    """
    return full(_shape(size), 0, dtype=dtype or np.float32, device=device, requires_grad=requires_grad)


def ones(*size, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    Parameters
    ----------
    *size : int or tuple of int
        The shape, as separate ints or one tuple.
    dtype : dtype or str, optional
        The element type; default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the array lives (``"cuda"`` accepted).
    requires_grad : bool, default False
        Make the result a leaf that records operations (floating dtypes only).

    Returns
    -------
    Tensor

    Examples
    --------
    >>> import lucid
    >>> lucid.ones(3)
    Tensor([1., 1., 1.])
    """
    return full(_shape(size), 1, dtype=dtype or np.float32, device=device, requires_grad=requires_grad)


def empty(*size, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not meant to be read before being written.

    Parameters
    ----------
    *size : int or tuple of int
        The shape, as separate ints or one tuple.
    dtype : dtype or str, optional
        The element type; default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the array lives (``"cuda"`` accepted).
    requires_grad : bool, default False
        Make the result a leaf that records operations (floating dtypes only).

    Returns
    -------
    Tensor

    Notes
    -----
    Unlike ``torch.empty`` and ``numpy.empty``, lucid fills it with zeros, so
    it never holds garbage (at the cost of one fill).

    Examples
    --------
    >>> import lucid
    >>> lucid.empty(2, 2).shape
    (2, 2)
    """
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None, device: Any = "cpu",
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in the half-open interval ``[start, stop)``.

    Parameters
    ----------
    start : number
        First value; with ``stop`` omitted, it is the stop and the start is 0.
    stop : number, optional
        End, not included.
    step : number, default 1
        Spacing; non-zero, may be negative.
    dtype : dtype or str, optional
        The element type; default int64 when every argument is an int, else float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the array lives (``"cuda"`` accepted).
    requires_grad : bool, default False
        Make the result a leaf that records operations (floating dtypes only).

    Returns
    -------
    Tensor
        1-D, of length :math:`\\lceil (\\text{stop} - \\text{start}) / \\text{step} \\rceil`.

    Raises
    ------
    ValueError
        If ``step`` is 0.

    Notes
    -----
    With a float step the length is subject to rounding, as in NumPy; use
    :func:`linspace` when the end point matters.

    Examples
    --------
    >>> import lucid
    >>> lucid.arange(4)
    Tensor([0, 1, 2, 3])
    >>> lucid.arange(0.0, 1.0, 0.25)
    Tensor([0.  , 0.25, 0.5 , 0.75])
    """
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0")
    values = np.arange(start, stop, step)
    if dtype is None:
        dtype = np.int64 if values.dtype.kind in "iu" else np.float32
    return _make(values.astype(backend.to_numpy_dtype(dtype)), device, requires_grad)


def linspace(start: float, stop: float, num: int = 50, dtype: Any = None, device: Any = "cpu",
             requires_grad: bool = False) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop``, both included.

    Parameters
    ----------
    start, stop : number
        The end points.
    num : int, default 50
        Number of values (non-negative).
    dtype : dtype or str, optional
        The element type; default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the array lives (``"cuda"`` accepted).
    requires_grad : bool, default False
        Make the result a leaf that records operations (floating dtypes only).

    Returns
    -------
    Tensor
        1-D of length ``num``; value :math:`k` is
        :math:`\\text{start} + k\\,(\\text{stop} - \\text{start}) / (\\text{num} - 1)`.

    Examples
    --------
    >>> import lucid
    >>> lucid.linspace(0, 1, 3)
    Tensor([0. , 0.5, 1. ])
    """
    values = np.linspace(start, stop, int(num))
    return _make(values.astype(backend.to_numpy_dtype(dtype or np.float32)), device, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """The identity matrix: ones on the diagonal, zeros elsewhere.

    Parameters
    ----------
    n : int
        Number of rows.
    m : int, optional
        Number of columns; default ``n``.
    dtype : dtype or str, optional
        The element type; default float32.
    device : {"cpu", "gpu"}, default "cpu"
        Where the array lives (``"cuda"`` accepted).
    requires_grad : bool, default False
        Make the result a leaf that records operations (floating dtypes only).

    Returns
    -------
    Tensor
        Shape ``(n, m)``.

    Examples
    --------
    >>> import lucid
    >>> lucid.eye(2)
    Tensor([[1., 0.],
            [0., 1.]])
    >>> lucid.eye(2, 3).shape
    (2, 3)
    """
    return _make(np.eye(n, m, dtype=backend.to_numpy_dtype(dtype or np.float32)), device, requires_grad)


def _like(t: Tensor, dtype, device):
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor, got {type(t).__name__}")
    return t.shape, dtype or t.dtype, device or t.device


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape, dtype and device.

    Parameters
    ----------
    t : Tensor
        The template tensor.
    dtype : dtype or str, optional
        Default ``t.dtype``.
    device : {"cpu", "gpu"}, optional
        Default ``t.device``.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor

    Raises
    ------
    TypeError
        If ``t`` is not a Tensor.

    Examples
    --------
    >>> import lucid
    >>> lucid.zeros_like(lucid.ones((2, 2)))
    Tensor([[0., 0.],
            [0., 0.]])
    """
    shape, dtype, device = _like(t, dtype, device)
    return full(shape, 0, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape, dtype and device.

    Parameters
    ----------
    t : Tensor
        The template tensor.
    dtype : dtype or str, optional
        Default ``t.dtype``.
    device : {"cpu", "gpu"}, optional
        Default ``t.device``.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> import lucid
    >>> lucid.ones_like(lucid.zeros(2))
    Tensor([1., 1.])
    """
    shape, dtype, device = _like(t, dtype, device)
    return full(shape, 1, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``t``'s shape, dtype and device.

    Parameters
    ----------
    t : Tensor
        The template tensor.
    fill_value : number or bool
        The value of every element (cast to the dtype).
    dtype : dtype or str, optional
        Default ``t.dtype``.
    device : {"cpu", "gpu"}, optional
        Default ``t.device``.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> import lucid
    >>> lucid.full_like(lucid.zeros(2), 3.0)
    Tensor([3., 3.])
    """
    shape, dtype, device = _like(t, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in :math:`[0, 1)` with ``t``'s shape, dtype and device.

    Parameters
    ----------
    t : Tensor
        The template tensor.
    dtype : dtype or str, optional
        Default ``t.dtype``.
    device : {"cpu", "gpu"}, optional
        Default ``t.device``.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor
        Drawn from :func:`lucid.random.generator` (reproducible after :func:`lucid.random.seed`).

    Examples
    --------
    >>> import lucid
    >>> lucid.rand_like(lucid.zeros((2, 2))).shape
    (2, 2)
    """
    from lucid.random import rand

    shape, dtype, device = _like(t, dtype, device)
    return rand(*shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with ``t``'s shape, dtype and device.

    Parameters
    ----------
    t : Tensor
        The template tensor.
    dtype : dtype or str, optional
        Default ``t.dtype``.
    device : {"cpu", "gpu"}, optional
        Default ``t.device``.
    requires_grad : bool, default False
        Make the result a leaf that records operations.

    Returns
    -------
    Tensor
        Drawn from :func:`lucid.random.generator` (reproducible after :func:`lucid.random.seed`).

    Examples
    --------
    >>> import lucid
    >>> lucid.randn_like(lucid.zeros(3)).shape
    (3,)
    """
    from lucid.random import randn

    shape, dtype, device = _like(t, dtype, device)
    return randn(*shape, dtype=dtype, device=device, requires_grad=requires_grad)
