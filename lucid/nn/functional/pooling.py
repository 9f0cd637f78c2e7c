"""Adaptive average pooling (any number of spatial axes) with PyTorch's exact bins, and global average pooling.

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
:math:`O = L` is left alone.  When every axis is pooled to 1 (global average
pooling, the squeeze of :class:`~lucid.nn.SEModule`) the whole forward is one
:func:`lucid.backend.sum` over the spatial block and one division, and the
backward one division and one broadcast: the cost of :func:`lucid.mean`.

:func:`adaptive_avg_pool` pools any number of spatial axes;
:func:`adaptive_avg_pool1d`, :func:`adaptive_avg_pool2d` and
:func:`adaptive_avg_pool3d` are its fixed-rank forms (PyTorch's names and
error messages).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import tensor_arg
from lucid.ops.reduction import mean
from lucid.tensor import Tensor

__all__ = ["adaptive_avg_pool", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "global_avg_pool",
           "adaptive_bins"]


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


def _prod(shape: tuple) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _apply_along(xp, x, matrix, axis: int):
    """Contract ``x`` along ``axis`` with ``matrix`` (shape (new, old)): the axis' length becomes ``new``."""
    if axis == x.ndim - 1:
        return xp.matmul(x, backend.mT(matrix))
    moved = xp.moveaxis(x, axis, -1)
    return xp.moveaxis(xp.matmul(moved, backend.mT(matrix)), -1, axis)


class AdaptiveAvgPool(Function):
    """y = (B_k ... B_1 x) / n (bin sums, then bin sizes);  dL/dx = B_1^T ... B_k^T (g / n)

    The autograd op behind every adaptive pool (``grad_fn=<AdaptiveAvgPoolBackward>``); the layer of
    the same name is :class:`lucid.nn.AdaptiveAvgPool`.  ``output_size`` has one int per pooled axis,
    the last ``len(output_size)`` axes of ``x``.

    Linear: backward reads only ``g``, the 0/1 membership matrices and the bin sizes (constants of the
    shapes), so it runs unchanged on Tensors under ``create_graph=True``; its derivative in ``g`` is
    the pooling itself and the second derivative in ``x`` is zero.
    """

    double_backward = True

    @staticmethod
    def forward(ctx, x, output_size):
        first = x.ndim - len(output_size)
        if max(output_size) == 1:  # global average pooling (SE's squeeze): one sum over the block, one division
            ctx.shape, ctx.sum_axes, ctx.mats = x.shape, tuple(range(first, x.ndim)), ()
            ctx.size = _prod(x.shape[first:])
            return backend.sum(x, ctx.sum_axes, True) / ctx.size
        xp = backend.xp_of(x)
        # axes pooled to length 1: one sum over all of them
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


def _output_size(output_size: Any, dims: int | None, name: str) -> tuple:
    """Check ``output_size`` and return it as a tuple (of ints and Nones).

    ``dims`` is the fixed-rank pools' number of axes: an int or None is repeated ``dims`` times and a
    tuple must have ``dims`` entries.  For the generic pool (``dims=None``) a tuple may have any
    positive number of entries, and an int or None comes back as a 1-tuple (the caller repeats it once
    it knows the input's rank).
    """
    if output_size is None or isinstance(output_size, (int, np.integer)):
        sizes = (output_size,) * (dims or 1)
    elif isinstance(output_size, (tuple, list)):
        sizes = tuple(output_size)
    else:
        what = f"a tuple of {dims} ints" if dims else "a tuple of ints (one per spatial axis)"
        raise TypeError(f"{name}: output_size must be an int or {what} (or None), got {output_size!r}")
    if dims is not None and len(sizes) != dims:
        raise ValueError(f"{name}: output_size must have {dims} entries, got {output_size!r}")
    if not sizes:
        raise ValueError(f"{name}: output_size must have at least one entry (one per spatial axis), got ()")
    for s in sizes:
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1):
            raise ValueError(
                f"{name}: output_size entries must be positive ints or None (keep that axis), got {output_size!r}"
            )
    return tuple(None if s is None else int(s) for s in sizes)


def _rank_error(name: str, x: Tensor, dims: int, fixed: bool, output_size: Any) -> ValueError:
    if fixed:  # the fixed-rank pools' message, as before the generic pool existed
        layout = ", ".join("DHW"[3 - dims:][k] if dims > 1 else "L" for k in range(dims))
        return ValueError(
            f"{name}: expected a batched (N, C, {layout}) or unbatched (C, {layout}) input with "
            f"{dims + 2} or {dims + 1} dimensions, got shape {x.shape}"
        )
    layout = ", ".join(f"S{k + 1}" for k in range(dims))
    entries = "1 entry" if dims == 1 else f"{dims} entries"
    return ValueError(
        f"{name}: output_size {output_size!r} has {entries}, so input must be a batched "
        f"(N, C, {layout}) or unbatched (C, {layout}) tensor with {dims + 2} or {dims + 1} dimensions, "
        f"got shape {x.shape}"
    )


def _adaptive_avg_pool(x: Any, output_size: Any, dims: int | None) -> Tensor:
    """The pool of ``dims`` spatial axes (1, 2, 3), or of any number of them (``dims=None``).

    How many axes are pooled: ``dims`` for the fixed-rank forms; for the generic pool the length of a
    tuple ``output_size``, or, for an int (or None), every axis after (N, C) of a batched input.
    """
    if output_size.__class__ is int and output_size == 1 and dims is None and isinstance(x, Tensor) and x.ndim > 2:
        # the hot path (SE's squeeze, AdaptiveAvgPool(1)): every axis after (N, C) to 1, nothing to normalise
        if 0 in x.shape[2:]:
            raise ValueError(f"adaptive_avg_pool: the pooled axes must be non-empty, got input of shape {x.shape}")
        return AdaptiveAvgPool.apply(x, (1,) * (x.ndim - 2))
    name = "adaptive_avg_pool" if dims is None else f"adaptive_avg_pool{dims}d"
    x = tensor_arg(x, "input")
    if dims is not None:  # fixed rank: check the input first, as PyTorch does
        if x.ndim not in (dims + 1, dims + 2):
            raise _rank_error(name, x, dims, True, output_size)
        sizes = _output_size(output_size, dims, name)
    else:
        sizes = _output_size(output_size, None, name)
        if isinstance(output_size, (tuple, list)):  # the rank comes from output_size: unbatched allowed
            if x.ndim not in (len(sizes) + 1, len(sizes) + 2):
                raise _rank_error(name, x, len(sizes), False, output_size)
        else:  # the rank comes from the input, which must then be batched: (C, H, W) would read as (N, C, L)
            if x.ndim < 3:
                raise ValueError(
                    f"{name}: output_size {output_size!r} is not a tuple, so input must be a batched "
                    f"(N, C, *spatial) tensor with at least one spatial axis (3 or more dimensions), got "
                    f"shape {x.shape}; for an unbatched (C, *spatial) input give output_size as a tuple "
                    f"with one entry per spatial axis"
                )
            sizes = sizes * (x.ndim - 2)
    spatial = x.shape[x.ndim - len(sizes):]
    if any(s == 0 for s in spatial):
        raise ValueError(f"{name}: the pooled axes must be non-empty, got input of shape {x.shape}")
    sizes = tuple(length if o is None else o for o, length in zip(sizes, spatial))
    return AdaptiveAvgPool.apply(x, sizes)


def adaptive_avg_pool(input: Tensor, output_size: int | tuple) -> Tensor:
    """Adaptive average pooling over any number of spatial axes: (N, C, \\*spatial) to (N, C, \\*output_size).

    Parameters
    ----------
    input : Tensor, shape (N, C, S_1, ..., S_k) or (C, S_1, ..., S_k)
        The unbatched form is accepted only when ``output_size`` is a tuple
        (whose length gives :math:`k`); with an int, ``input`` is read as
        batched and every axis after the first two is pooled.
    output_size : int or tuple of (int or None)
        :math:`(O_1, \\dots, O_k)`: one entry per spatial axis, ``None``
        keeping that axis' length; an int is the same size on every axis.

    Returns
    -------
    Tensor, shape (N, C, O_1, ..., O_k) or (C, O_1, ..., O_k)

    Notes
    -----
    The bins of each axis are PyTorch's (see the module docstring), a
    multi-axis bin :math:`R_i` is the product of one bin per axis, and

    .. math:: y_i = \\frac{1}{|R_i|} \\sum_{j \\in R_i} x_j, \\qquad
              \\frac{\\partial L}{\\partial x_j} = \\sum_{i:\\, j \\in R_i} \\frac{g_i}{|R_i|} .

    ``adaptive_avg_pool(x, 1)`` is global average pooling, kept as
    (N, C, 1, ..., 1): one sum over the spatial block and one division.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> F.adaptive_avg_pool(lucid.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 3)
    Tensor([[[1.5, 3. , 4.5]]])
    >>> F.adaptive_avg_pool(lucid.arange(16.0).reshape(1, 1, 4, 4), 1)
    Tensor([[[[7.5]]]])
    >>> F.adaptive_avg_pool(lucid.ones((2, 3, 4, 5, 6, 7)), (1, None, 2, 3)).shape
    (2, 3, 1, 5, 2, 3)
    """
    return _adaptive_avg_pool(input, output_size, None)


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
