"""Indexing: ``t[index]`` and ``t[index] = value``.

Indices may be ints, slices, None, Ellipsis, integer arrays (lists, arrays or
tensors) and boolean masks, with NumPy's meaning.  The gradient of a read
scatters ``g`` back into zeros of the input's shape; repeated integer
indices *add up* (a scatter-add, from :func:`lucid.backend.index_add`).
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import operand
from lucid.ops.arithmetic import _apply_in_place
from lucid.tensor import Tensor


def _is_basic(item: Any) -> bool:
    return item is None or item is Ellipsis or isinstance(item, (int, slice)) and not isinstance(item, bool)


def _normalize_index(index: Any, x: Tensor) -> tuple:
    """Make every index component an int, slice, None, Ellipsis or an array on x's device."""
    if type(index) is slice or type(index) is int:  # the common x[1:3] and x[0]: nothing to convert
        return (index, Ellipsis)
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for item in index:
        if isinstance(item, Tensor):
            item = item.data
        elif isinstance(item, (list, np.ndarray)) or isinstance(item, bool):
            host = np.asarray(item)
            if host.size == 0 and host.dtype.kind == "f":  # x[[]]: an empty list is an empty integer index
                host = host.astype(np.int64)
            item = backend.asarray(host, device=x.device)
        elif isinstance(item, np.integer):
            item = int(item)
        if backend.is_array(item):
            if backend.device_of(item) != x.device:
                raise RuntimeError(f"indexing: the index is on '{backend.device_of(item)}' but the tensor is on '{x.device}'")
            kind = backend.to_numpy_dtype(item.dtype).kind
            if kind not in "iub":
                raise IndexError(f"indexing: index arrays must be integer or boolean, got dtype {backend.to_numpy_dtype(item.dtype)}")
        elif not _is_basic(item):
            raise IndexError(
                f"indexing: only ints, slices, None, ..., integer arrays and boolean masks are valid indices, "
                f"got {type(item).__name__}"
            )
        out.append(item)
    if _is_mask(tuple(out)) and len(out) == 1:
        return tuple(out)  # the array API allows a boolean mask only as the sole index
    if Ellipsis not in [i for i in out if not backend.is_array(i)]:
        out.append(Ellipsis)  # spell out the trailing axes (the array API wants every axis named)
    return tuple(out)


def _single_array_axis(index: tuple, ndim: int):
    """If the index is slices-only except one integer array, return (position, array); else None."""
    arrays = [i for i, item in enumerate(index) if backend.is_array(item)]
    if len(arrays) != 1:
        return None
    pos = arrays[0]
    arr = index[pos]
    if backend.to_numpy_dtype(arr.dtype).kind == "b":
        return None
    if any(not (isinstance(it, slice) and it == slice(None)) for it in index[:pos]):
        return None
    return pos, arr


class GetItem(Function):
    """y = x[index];  dL/dx = zeros with g scattered (added) at the indexed places"""

    double_backward = True

    is_view = True  # basic indexing gives a view; integer arrays and masks copy (apply checks the memory)
    view_may_copy = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.shape, ctx.dtype = index, x.shape, x.dtype
        if type(x) is not np.ndarray:
            single = _single_array_axis(index, x.ndim)
            if single is not None:  # the portable form of fancy indexing on one axis
                pos, arr = single
                xp = backend.xp_of(x)
                flat = xp.take(x, backend.reshape(arr, (-1,)), axis=pos)
                return backend.reshape(flat, x.shape[:pos] + tuple(arr.shape) + x.shape[pos + 1:])
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):  # recorded (create_graph): the scatter is an op of its own, see IndexScatter
            return IndexScatter.apply(grad, ctx.index, ctx.shape, ctx.dtype), None
        return _scatter(grad, ctx.index, ctx.shape, ctx.dtype), None


def _scatter(grad, index: tuple, shape: tuple, dtype):
    """Zeros of ``shape`` with ``grad`` added at ``index``: the gradient of ``x[index]`` (arrays)."""
    out = backend.zeros(shape, dtype, like=grad)
    if all(_is_basic(i) for i in index) or _is_mask(index):
        plain = tuple(i for i in index if i is not None)  # the array API cannot assign through None
        if len(plain) != len(index):
            grad = backend.reshape(grad, out[plain].shape)  # drop the new length-1 axes
        out[_key(plain)] = grad  # no position is hit twice: a plain assignment is the sum
        return out
    if type(grad) is np.ndarray:
        np.add.at(out, index, grad)
        return out
    single = _single_array_axis(index, len(shape))
    if single is None:
        raise NotImplementedError("indexing with several index arrays is only differentiable on the CPU")
    pos, arr = single
    values = backend.reshape(grad, shape[:pos] + (-1,) + shape[pos + 1:])
    return backend.index_add(out, pos, backend.reshape(arr, (-1,)), values)


class IndexScatter(Function):
    """y = zeros(shape) with g added at index (the backward of getitem);  dL/dg = G[index]

    Only recorded under ``create_graph``: the first-order backward of
    :class:`GetItem` calls :func:`_scatter` directly. Its own backward reads
    the same places again, so every order alternates between the two.
    """

    double_backward = True

    @staticmethod
    def forward(ctx, grad, index, shape, dtype):
        ctx.index = index
        return _scatter(grad, index, shape, dtype)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return GetItem.apply(grad, ctx.index), None, None, None
        return GetItem.forward(SimpleNamespace(), grad, ctx.index), None, None, None


def _key(index: tuple):
    """The index as a key: a lone mask is passed bare (array_api_strict cannot assign through ``(mask,)``)."""
    return index[0] if len(index) == 1 else index


def _is_mask(index: tuple) -> bool:
    arrays = [i for i in index if backend.is_array(i)]
    return len(arrays) == 1 and backend.to_numpy_dtype(arrays[0].dtype).kind == "b"


class SetItem(Function):
    """y = x with y[index] = v;  dL/dx = g with zeros at index,  dL/dv = g[index] (summed to v's shape)"""

    double_backward = True

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index = index
        try:
            x[_key(index)] = value  # in place: SetItem is only used through setitem_
        except (ValueError, TypeError) as exc:
            shape = getattr(value, "shape", ())
            selected = tuple(x[_key(index)].shape)
            raise ValueError(
                f"setitem: value of shape {tuple(shape)} does not fit the selected part of shape "
                f"{selected} (of a tensor of shape {tuple(x.shape)}): it must have that shape or stretch to it"
            ) from None
        return x

    @staticmethod
    def backward(ctx, grad):
        gx = None
        if ctx.needs_input_grad[0]:
            xp = backend.xp_of(grad)
            if isinstance(grad, Tensor):  # recorded (create_graph): out of place, the written places masked
                xa = backend.xp_of(grad.data)
                written = xa.zeros(grad.shape, dtype=xa.bool, **backend.device_kwargs(grad.data))
                written[_key(ctx.index)] = True
                gx = xp.where(written, 0.0, grad)
            else:
                gx = xp.asarray(grad, copy=True)
                gx[_key(ctx.index)] = 0
        gv = grad[_key(ctx.index)] if ctx.needs_input_grad[1] else None
        return gx, gv, None


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with NumPy's indexing rules; differentiable (``Tensor.__getitem__``).

    Parameters
    ----------
    x : Tensor
        The tensor to read.
    index : int, slice, None, Ellipsis, integer array/list/Tensor, boolean mask, or a tuple of these
        As in NumPy: ints and slices give views; integer arrays and masks copy.

    Returns
    -------
    Tensor
        The selected elements.

    Raises
    ------
    IndexError
        For an index of another type, or an array index that is not integer or boolean.
    RuntimeError
        If an index tensor is on another device than ``x``.

    Notes
    -----
    Forward: :math:`y_k = x_{\\iota(k)}`, where :math:`\\iota` maps each output
    position to the input position it reads. Backward: the gradient is
    scattered back into zeros of ``x``'s shape, and a position read several
    times receives the sum:

    .. math:: \\frac{\\partial L}{\\partial x_j} = \\sum_{k \\,:\\, \\iota(k) = j} g_k

    For repeated integer indices this is a scatter-add
    (``numpy.add.at``, or :func:`lucid.backend.index_add` on other devices).
    On the GPU, indexing with several integer arrays at once is not differentiable.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> x[[0, 0, 2]]
    Tensor([1., 1., 3.], grad_fn=<GetItemBackward>)
    >>> x[[0, 0, 2]].sum().backward()
    >>> x.grad
    array([2., 0., 1.], dtype=float32)
    """
    return GetItem.apply(x, _normalize_index(index, x))


def setitem_(x: Tensor, index: Any, value: Any) -> Tensor:
    """In-place ``x[index] = value`` (``Tensor.__setitem__``); differentiable in ``x`` and ``value``.

    Parameters
    ----------
    x : Tensor
        The tensor to write into. Not a leaf that requires grad.
    index : index
        Any index accepted by :func:`getitem`.
    value : Tensor, array or number
        Broadcast to the shape of ``x[index]``.

    Returns
    -------
    Tensor
        ``x`` itself.

    Raises
    ------
    ValueError
        If ``value`` does not broadcast to the selected shape.
    RuntimeError
        If ``value`` is on another device, or ``x`` is a leaf that requires grad
        (use :class:`lucid.no_grad`), or a view of a tensor in the graph.

    Notes
    -----
    Forward: :math:`y = x` except :math:`y[\\text{index}] = v`. Backward: the
    overwritten places no longer depend on :math:`x`, and :math:`v` is read
    there only:

    .. math:: \\frac{\\partial L}{\\partial x} = g \\text{ with zeros at index}, \\qquad
              \\frac{\\partial L}{\\partial v} = g[\\text{index}]

    (summed to ``value``'s shape if it was broadcast). The version counter of
    ``x`` goes up; see :func:`lucid.add_` for the rules of in-place ops.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.zeros(3)
    >>> x[1] = 5.0
    >>> x
    Tensor([0., 5., 0.])
    >>> v = lucid.tensor(2.0, requires_grad=True)
    >>> y = lucid.zeros(3) * 1.0
    >>> y[0:2] = v
    >>> y.sum().backward()
    >>> v.grad
    array(2., dtype=float32)
    """
    index = _normalize_index(index, x)
    value = operand(value, "value")
    if isinstance(value, Tensor) and value.device != x.device:
        raise RuntimeError(f"setitem: the value is on '{value.device}' but the tensor is on '{x.device}'")
    return _apply_in_place(x, lambda t, v: SetItem.apply(t, v, index), value, "setitem (t[index] = value)", check_shape=False)
