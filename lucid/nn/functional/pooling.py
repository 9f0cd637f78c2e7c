"""Adaptive average pooling (1-D, 2-D, 3-D) with PyTorch's exact bins, and global average pooling.

Adaptive pooling asks for an *output* length :math:`O` and works out the
windows: along an axis of length :math:`L`, output :math:`i` averages the
input over

.. math:: [\\,s_i, e_i), \\qquad s_i = \\left\\lfloor \\frac{iL}{O} \\right\\rfloor, \\qquad
          e_i = \\left\\lceil \\frac{(i+1)L}{O} \\right\\rceil .

Bins may overlap (when :math:`O` does not divide :math:`L`) and repeat
elements (when :math:`O > L`).  As in PyTorch, each output is the *sum* over
its bin divided by the bin's number of elements, so ``[1, 2, 3, 4, 5]``
pooled to 3 gives exactly ``[1.5, 3, 4.5]`` (multiplying by a rounded
:math:`1/3` instead would give ``3.0000002`` in float32 on some BLAS kernels).
Because a multi-axis bin is a product of per-axis intervals, the sum
separates into one 1-D sum per axis, and a 1-D bin sum is a matrix product
with the 0/1 *membership matrix*

.. math:: B_{ij} = [\\,s_i \\le j < e_i\\,] \\in \\{0, 1\\}^{O \\times L}.

So the forward is :math:`y = (B x) / n` along each pooled axis (one BLAS
product per axis, then one division by the bin sizes :math:`n`, the
product of the per-axis lengths :math:`e_i - s_i`), and the backward is
:math:`\\partial L/\\partial x = B^\\top (g / n)`: every input element
receives the sum, over the bins that contain it, of that bin's gradient
divided by the bin's size.  No loop over elements or window offsets; an axis
with :math:`O = 1` is a plain sum (one reduction) and an axis with
:math:`O = L` is left alone.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import tensor_arg
from lucid.ops.reduction import mean
from lucid.tensor import Tensor

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "global_avg_pool", "adaptive_bins"]


def adaptive_bins(length: int, output_size: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each of the ``output_size`` bins over an axis of ``length`` (PyTorch's rule).

    Examples
    --------
    >>> from lucid.nn.functional import adaptive_bins
    >>> adaptive_bins(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    >>> adaptive_bins(2, 3)
    [(0, 1), (0, 2), (1, 2)]
    """
    return [((i * length) // output_size, -((-(i + 1) * length) // output_size)) for i in range(output_size)]


def _membership(length: int, out: int, like: Any) -> tuple[Any, Any]:
    """The (out, length) 0/1 matrix B (B[i, j] = 1 when j is in bin i) and the bin lengths, on ``like``'s device."""
    xp = backend.xp_of(like)
    i = backend.arange_like(out, like)
    start = (i * length) // out
    end = ((i + 1) * length + out - 1) // out
    j = backend.arange_like(length, like)
    inside = (j[None, :] >= start[:, None]) & (j[None, :] < end[:, None])
    return xp.astype(inside, like.dtype), xp.astype(end - start, like.dtype)


def _apply_along(xp, x, matrix, axis: int):
    """Contract ``x`` along ``axis`` with ``matrix`` (shape (new, old)): the axis' length becomes ``new``."""
    if axis == x.ndim - 1:
        return xp.matmul(x, backend.mT(matrix))
    moved = xp.moveaxis(x, axis, -1)
    return xp.moveaxis(xp.matmul(moved, backend.mT(matrix)), -1, axis)


class AdaptiveAvgPool(Function):
    """y = (B_k ... B_1 x) / n (bin sums, then bin sizes);  dL/dx = B_1^T ... B_k^T (g / n)"""

    @staticmethod
    def forward(ctx, x, output_size):
        xp = backend.xp_of(x)
        first = x.ndim - len(output_size)
        # axes pooled to length 1: one sum over all of them (the common global pool)
        sum_axes = tuple(first + k for k, o in enumerate(output_size) if o == 1 and x.shape[first + k] != 1)
        y = backend.sum(x, sum_axes, True) if sum_axes else x
        size = 1  # the number of elements in each bin: a Python int, or an array once an axis has uneven bins
        for a in sum_axes:
            size *= x.shape[a]
        mats = []
        for k, o in enumerate(output_size):
            axis, length = first + k, x.shape[first + k]
            if o != length and o != 1:
                member, lengths = _membership(length, o, x)
                y = _apply_along(xp, y, member, axis)                     # the bin sums along this axis
                mats.append((axis, member))
                size = size * backend.reshape(lengths, (o,) + (1,) * (x.ndim - 1 - axis))
        ctx.shape, ctx.sum_axes, ctx.mats, ctx.size = x.shape, sum_axes, mats, size
        if not (sum_axes or mats):  # output_size equal to the input's: a copy
            return xp.asarray(x, copy=True)
        return y / size  # one division per output by its bin's size, as PyTorch does

    @staticmethod
    def backward(ctx, grad):
        xp = backend.xp_of(grad)
        if not (ctx.sum_axes or ctx.mats):  # the copy's gradient passes through
            return grad, None
        grad = grad / ctx.size  # each bin's gradient shared among its elements ...
        for axis, member in reversed(ctx.mats):
            grad = _apply_along(xp, grad, backend.mT(member), axis)  # ... and summed over the bins holding them
        if ctx.sum_axes:
            grad = backend.broadcast_to(grad, ctx.shape)
        return grad, None


def _output_size(output_size: Any, dims: int, name: str) -> tuple:
    """Normalise an int, a tuple, or a tuple with None entries to a tuple of ``dims`` entries."""
    if output_size is None or isinstance(output_size, (int, np.integer)):
        sizes = (output_size,) * dims
    elif isinstance(output_size, (tuple, list)):
        sizes = tuple(output_size)
    else:
        raise TypeError(f"{name}: output_size must be an int or a tuple of {dims} ints (or None), got {output_size!r}")
    if len(sizes) != dims:
        raise ValueError(f"{name}: output_size must have {dims} entries, got {output_size!r}")
    for s in sizes:
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1):
            raise ValueError(
                f"{name}: output_size entries must be positive ints or None (keep that axis), got {output_size!r}"
            )
    return tuple(None if s is None else int(s) for s in sizes)


def _adaptive_avg_pool(x: Any, output_size: Any, dims: int) -> Tensor:
    name = f"adaptive_avg_pool{dims}d"
    x = tensor_arg(x, "input")
    if x.ndim not in (dims + 1, dims + 2):
        layout = ", ".join("DHW"[3 - dims:][k] if dims > 1 else "L" for k in range(dims))
        raise ValueError(
            f"{name}: expected a batched (N, C, {layout}) or unbatched (C, {layout}) input with "
            f"{dims + 2} or {dims + 1} dimensions, got shape {x.shape}"
        )
    sizes = _output_size(output_size, dims, name)
    spatial = x.shape[x.ndim - dims:]
    if any(s == 0 for s in spatial):
        raise ValueError(f"{name}: the pooled axes must be non-empty, got input of shape {x.shape}")
    sizes = tuple(length if o is None else o for o, length in zip(sizes, spatial))
    return AdaptiveAvgPool.apply(x, sizes)


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Adaptive average pooling over the last axis of (N, C, L) or (C, L) to length ``output_size``.

    Parameters
    ----------
    input : Tensor, shape (N, C, L) or (C, L)
    output_size : int or tuple of one int (or None to keep L)

    Returns
    -------
    Tensor, shape (N, C, O) or (C, O)

    Notes
    -----
    Forward and backward, with bins :math:`[s_i, e_i)` as in the module docstring:

    .. math:: y_i = \\frac{1}{e_i - s_i} \\sum_{j = s_i}^{e_i - 1} x_j, \\qquad
              \\frac{\\partial L}{\\partial x_j} = \\sum_{i:\\, s_i \\le j < e_i} \\frac{g_i}{e_i - s_i}

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> x = lucid.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
    >>> F.adaptive_avg_pool1d(x, 3)
    Tensor([[[1.5, 3. , 4.5]]])
    """
    return _adaptive_avg_pool(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Adaptive average pooling over the last two axes of (N, C, H, W) or (C, H, W).

    Parameters
    ----------
    input : Tensor, shape (N, C, H, W) or (C, H, W)
    output_size : int or (int | None, int | None)
        ``None`` keeps that axis' length.

    Returns
    -------
    Tensor, shape (N, C, O_h, O_w) or (C, O_h, O_w)

    Notes
    -----
    Each output averages a rectangle :math:`[s^h_i, e^h_i) \\times [s^w_j, e^w_j)`;
    with :math:`B_h, B_w` the 0/1 membership matrices and :math:`n_{ij}` the
    rectangle's size, this is :math:`Y = (B_h X B_w^\\top) / n` per channel,
    and the backward is :math:`\\partial L/\\partial X = B_h^\\top (G / n) B_w`.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> x = lucid.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.adaptive_avg_pool2d(x, 2)
    Tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    >>> F.adaptive_avg_pool2d(x, (None, 1)).shape
    (1, 1, 4, 1)
    """
    return _adaptive_avg_pool(input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Adaptive average pooling over the last three axes of (N, C, D, H, W) or (C, D, H, W).

    Parameters
    ----------
    input : Tensor, shape (N, C, D, H, W) or (C, D, H, W)
    output_size : int or a tuple of three (int or None)

    Returns
    -------
    Tensor, shape (N, C, O_d, O_h, O_w) or (C, O_d, O_h, O_w)

    Notes
    -----
    One membership matrix per axis (see the module docstring), then one
    division by each bin's size; the gradient divides first and applies the
    transposes in reverse order.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> F.adaptive_avg_pool3d(lucid.ones((2, 3, 4, 5, 6)), (1, None, 2)).shape
    (2, 3, 1, 5, 2)
    """
    return _adaptive_avg_pool(input, output_size, 3)


def global_avg_pool(input: Tensor) -> Tensor:
    """Average over every axis after the channel axis: (N, C, \\*spatial) to (N, C).

    The same numbers as ``adaptive_avg_poolNd(input, 1).flatten(1)`` for any
    number of spatial axes; it is one :func:`lucid.mean`, whose backward
    spreads each gradient evenly:

    .. math:: s_{nc} = \\frac{1}{P} \\sum_p x_{ncp}, \\qquad
              \\frac{\\partial L}{\\partial x_{ncp}} = \\frac{1}{P} \\frac{\\partial L}{\\partial s_{nc}}

    with :math:`P` the number of spatial positions.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> F.global_avg_pool(lucid.ones((8, 3, 4, 4))).shape
    (8, 3)
    """
    input = tensor_arg(input, "input")
    if input.ndim < 3:
        raise ValueError(
            f"global_avg_pool: expected an input (N, C, *spatial) with at least one spatial axis, "
            f"got shape {input.shape}"
        )
    return mean(input, axis=tuple(range(2, input.ndim)))
