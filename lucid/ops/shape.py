"""Shape ops: reshape and friends, permute, broadcast, concatenate/stack/split, repeat, pad.

Most are views in NumPy; their backward just undoes the change of shape.
``broadcast_to``'s backward returns the gradient unchanged: the engine sums
it back down to the input's shape, as for every broadcast.
"""
from __future__ import annotations

import builtins
from typing import Sequence

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import alias, normalize_axis, one_axis, shape_arg, tensor_arg
from lucid.tensor import Tensor


class Reshape(Function):
    """y = x with a new shape (same elements, same order);  dL/dx = g reshaped back"""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return backend.xp_of(x).reshape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return backend.xp_of(grad).reshape(grad, ctx.shape), None


class Permute(Function):
    """y = x with axes reordered;  dL/dx = g with the inverse order"""

    is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.inverse = tuple(int(i) for i in np.argsort(axes))
        return backend.xp_of(x).permute_dims(x, axes)

    @staticmethod
    def backward(ctx, grad):
        return backend.xp_of(grad).permute_dims(grad, ctx.inverse), None


class BroadcastTo(Function):
    """y = x repeated along stretched axes (a view);  dL/dx = g summed over them (by the engine)"""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        return backend.xp_of(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Concatenate(Function):
    """y = [x_1, ..., x_k] joined along an axis;  dL/dx_i = the slice of g where x_i sits"""

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return backend.xp_of(arrays[0]).concat(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        lead = (slice(None),) * ctx.axis
        for size in ctx.sizes:
            grads.append(grad[lead + (slice(start, start + size), ...)])
            start += size
        return tuple(grads)


class Stack(Function):
    """y = x_1, ..., x_k stacked along a new axis;  dL/dx_i = g[..., i, ...]"""

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis, ctx.count = axis, len(arrays)
        return backend.xp_of(arrays[0]).stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        return tuple(grad[lead + (i, ...)] for i in range(ctx.count))


class Tile(Function):
    """y = x tiled reps[i] times along axis i;  dL/dx = g summed over the tiles"""

    @staticmethod
    def forward(ctx, x, reps):
        xp = backend.xp_of(x)
        ctx.shape = x.shape
        return xp.tile(x, reps)

    @staticmethod
    def backward(ctx, grad):
        xp = backend.xp_of(grad)
        reps = tuple(g // s if s else 0 for g, s in zip(grad.shape, ctx.shape))
        split = tuple(d for pair in zip(reps, ctx.shape) for d in pair)  # (r0, s0, r1, s1, ...)
        summed = xp.sum(xp.reshape(grad, split), axis=tuple(range(0, 2 * len(reps), 2)))
        return summed, None


class RepeatInterleave(Function):
    """y = each element of x repeated r times along an axis;  dL/dx = g summed over each run of r"""

    @staticmethod
    def forward(ctx, x, repeats, axis):
        ctx.repeats, ctx.axis = repeats, axis
        return backend.xp_of(x).repeat(x, repeats, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        xp = backend.xp_of(grad)
        a = ctx.axis
        shape = grad.shape[:a] + (grad.shape[a] // ctx.repeats, ctx.repeats) + grad.shape[a + 1:]
        return xp.sum(xp.reshape(grad, shape), axis=a + 1), None, None


class Pad(Function):
    """y = x surrounded by a constant;  dL/dx = the centre of g"""

    @staticmethod
    def forward(ctx, x, widths, value):
        xp = backend.xp_of(x)
        out_shape = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape, widths))
        out = xp.full(out_shape, value, dtype=x.dtype, **_device_kw(x))
        ctx.centre = tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape, widths))
        out[ctx.centre] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.centre], None, None


def _device_kw(x):
    dev = backend.array_device(x)
    return {} if dev is None else {"device": dev}


# ------------------------------------------------------------------------------ user functions
def reshape(x, *shape) -> Tensor:
    """Give ``x`` a new shape with the same number of elements (one entry may be -1).

    Forward: :math:`y = \\text{reshape}(x)`. Backward: :math:`\\partial L/\\partial x = \\text{reshape}(g, x.\\text{shape})`.

    Examples
    --------
    >>> import lucid
    >>> lucid.reshape(lucid.arange(6), 2, 3)
    Tensor([[0, 1, 2],
            [3, 4, 5]])
    >>> lucid.arange(6).reshape((3, -1)).shape
    (3, 2)
    """
    x = tensor_arg(x, "x")
    shape = shape_arg(shape)
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        raise ValueError(f"reshape: shape {shape} may contain at most one -1 and no other negative size")
    if (-1 in shape and (known == 0 or x.size % known)) or (-1 not in shape and known != x.size):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into shape {shape}")
    if -1 in shape:
        shape = tuple(x.size // known if s == -1 else s for s in shape)
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


view = reshape


def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim`` .. ``end_dim`` (inclusive) into one.

    Examples
    --------
    >>> import lucid
    >>> lucid.flatten(lucid.zeros((2, 3, 4)), 1).shape
    (2, 12)
    """
    x = tensor_arg(x, "x")
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = one_axis(start_dim, x.ndim, "start_dim"), one_axis(end_dim, x.ndim, "end_dim")
    if s > e:
        raise ValueError(f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim})")
    merged = 1
    for n in x.shape[s:e + 1]:
        merged *= n
    return reshape(x, x.shape[:s] + (merged,) + x.shape[e + 1:])


def squeeze(x, axis=None, *, dim=None) -> Tensor:
    """Remove axes of length 1 (all of them when ``axis`` is None; a named axis must have length 1... or is left alone, as in PyTorch).

    Examples
    --------
    >>> import lucid
    >>> lucid.squeeze(lucid.zeros((1, 3, 1))).shape
    (3,)
    >>> lucid.squeeze(lucid.zeros((1, 3, 1)), axis=0).shape
    (3, 1)
    """
    x = tensor_arg(x, "x")
    axis = alias(axis, None, dim, "dim", "axis")
    axes = normalize_axis(axis, x.ndim)
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1)))


def unsqueeze(x, axis=None, *, dim=None) -> Tensor:
    """Insert an axis of length 1 at position ``axis`` (negative counts from the end of the result).

    Examples
    --------
    >>> import lucid
    >>> lucid.unsqueeze(lucid.zeros((2, 3)), 0).shape
    (1, 2, 3)
    >>> lucid.zeros((2, 3)).unsqueeze(-1).shape
    (2, 3, 1)
    """
    x = tensor_arg(x, "x")
    axis = alias(axis, None, dim, "dim", "axis")
    if axis is None:
        raise TypeError("unsqueeze: missing the axis (dim) at which to insert the new axis")
    a = one_axis(axis, x.ndim + 1)
    return reshape(x, x.shape[:a] + (1,) + x.shape[a:])


def permute(x, *axes) -> Tensor:
    """Reorder the axes: output axis i is input axis ``axes[i]``.

    Backward: :math:`\\partial L/\\partial x` is :math:`g` permuted by the inverse order.

    Examples
    --------
    >>> import lucid
    >>> lucid.permute(lucid.zeros((2, 3, 4)), 2, 0, 1).shape
    (4, 2, 3)
    """
    x = tensor_arg(x, "x")
    axes = shape_arg(axes, "axes")
    if sorted(a % builtins.max(x.ndim, 1) for a in axes) != list(range(x.ndim)) or len(axes) != x.ndim:
        raise ValueError(f"permute: axes {axes} must be a permutation of the {x.ndim} axes of a tensor of shape {x.shape}")
    axes = tuple(a % x.ndim for a in axes)
    if axes == tuple(range(x.ndim)):
        return x
    return Permute.apply(x, axes)


def transpose(x, *axes) -> Tensor:
    """Swap two axes (``transpose(x, 0, 1)``, PyTorch), reverse all axes (``transpose(x)``, NumPy),
    or permute (``transpose(x, (2, 0, 1))``).

    Examples
    --------
    >>> import lucid
    >>> lucid.transpose(lucid.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    >>> lucid.zeros((2, 3)).transpose().shape
    (3, 2)
    """
    x = tensor_arg(x, "x")
    if not axes:
        return permute(x, tuple(range(x.ndim - 1, -1, -1)))
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
        return swapaxes(x, *axes)
    return permute(x, *axes)


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes.

    Examples
    --------
    >>> import lucid
    >>> lucid.swapaxes(lucid.zeros((2, 3)), 0, 1).shape
    (3, 2)
    """
    x = tensor_arg(x, "x")
    a, b = one_axis(axis1, x.ndim, "axis1"), one_axis(axis2, x.ndim, "axis2")
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return permute(x, tuple(order))


def broadcast_to(x, *shape) -> Tensor:
    """View ``x`` with ``shape`` by repeating along length-1 (or new leading) axes.

    Backward: :math:`g` summed over the repeated axes.

    Examples
    --------
    >>> import lucid
    >>> lucid.broadcast_to(lucid.tensor([1.0, 2.0]), (2, 2))
    Tensor([[1., 2.],
            [1., 2.]])
    """
    x = tensor_arg(x, "x")
    shape = shape_arg(shape)
    try:
        ok = np.broadcast_shapes(x.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"broadcast_to: a tensor of shape {x.shape} cannot be broadcast to shape {shape}")
    if shape == x.shape:
        return x
    return BroadcastTo.apply(x, shape)


def expand(x, *sizes) -> Tensor:
    """PyTorch's ``expand``: like :func:`broadcast_to`, where -1 keeps an axis's size.

    Examples
    --------
    >>> import lucid
    >>> lucid.zeros((3, 1)).expand(-1, 4).shape
    (3, 4)
    """
    x = tensor_arg(x, "x")
    sizes = shape_arg(sizes, "sizes")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: got {len(sizes)} sizes for a tensor with {x.ndim} axes")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape)


def _tensor_list(tensors, name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: expected at least one tensor, got an empty sequence")
    return [tensor_arg(t, f"{name} item {i}") for i, t in enumerate(tensors)]


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim=None) -> Tensor:
    """Join tensors along an existing axis (all other axes must match).

    Backward: each input receives its own slice of :math:`g`.

    Examples
    --------
    >>> import lucid
    >>> lucid.concatenate([lucid.zeros((2, 1)), lucid.ones((2, 2))], axis=1)
    Tensor([[0., 1., 1.],
            [0., 1., 1.]])
    """
    ts = _tensor_list(tensors, "concatenate")
    axis = one_axis(alias(axis, 0, dim, "dim", "axis"), ts[0].ndim)
    for i, t in enumerate(ts):
        if t.ndim != ts[0].ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ts[0].shape)) if k != axis):
            raise ValueError(
                f"concatenate: tensor {i} has shape {t.shape}, which does not match tensor 0's shape "
                f"{ts[0].shape} outside axis {axis}"
            )
    return Concatenate.apply(*ts, axis=axis)


cat = concat = concatenate


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim=None) -> Tensor:
    """Join tensors of the same shape along a new axis.

    Examples
    --------
    >>> import lucid
    >>> lucid.stack([lucid.zeros(3), lucid.ones(3)]).shape
    (2, 3)
    """
    ts = _tensor_list(tensors, "stack")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, expected tensor 0's shape {ts[0].shape}")
    axis = one_axis(alias(axis, 0, dim, "dim", "axis"), ts[0].ndim + 1)
    return Stack.apply(*ts, axis=axis)


def split(x, split_size_or_sections, axis: int = 0, *, dim=None) -> list[Tensor]:
    """Split into pieces along ``axis`` (PyTorch's meaning): an int is the size of each piece
    (the last may be smaller), a list gives every piece's size.

    Examples
    --------
    >>> import lucid
    >>> [p.shape for p in lucid.split(lucid.zeros((5, 2)), 2)]
    [(2, 2), (2, 2), (1, 2)]
    >>> [p.shape for p in lucid.split(lucid.zeros((5, 2)), [1, 4])]
    [(1, 2), (4, 2)]
    """
    x = tensor_arg(x, "x")
    axis = one_axis(alias(axis, 0, dim, "dim", "axis"), x.ndim)
    n = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(split_size_or_sections, bool):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be a positive int, got {size}")
        sizes = [builtins.min(size, n - i) for i in range(0, n, size)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"split: sections {sizes} must be non-negative and add up to {n}, the length of axis {axis}")
    lead = (slice(None),) * axis
    pieces, start = [], 0
    for s in sizes:
        pieces.append(x[lead + (slice(start, start + s),)])
        start += s
    return pieces


def repeat(x, *sizes) -> Tensor:
    """Tile ``x``: repeat the whole tensor ``sizes[i]`` times along axis i (PyTorch's ``Tensor.repeat``,
    NumPy's ``tile``). For NumPy's element-wise ``repeat`` use :func:`repeat_interleave`.

    Backward: :math:`g` summed over the copies.

    Examples
    --------
    >>> import lucid
    >>> lucid.repeat(lucid.tensor([1.0, 2.0]), 2)
    Tensor([1., 2., 1., 2.])
    >>> lucid.tensor([[1.0, 2.0]]).repeat(2, 1).shape
    (2, 2)
    """
    x = tensor_arg(x, "x")
    reps = shape_arg(sizes, "sizes")
    if len(reps) < x.ndim:
        raise ValueError(f"repeat: got {len(reps)} repeat counts for a tensor with {x.ndim} axes (need at least {x.ndim})")
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeat counts must be non-negative, got {reps}")
    x = reshape(x, (1,) * (len(reps) - x.ndim) + x.shape)
    return Tile.apply(x, reps)


tile = repeat


def repeat_interleave(x, repeats: int, axis: int | None = None, *, dim=None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (NumPy's ``repeat``; flattened if None).

    Examples
    --------
    >>> import lucid
    >>> lucid.repeat_interleave(lucid.tensor([1.0, 2.0]), 2)
    Tensor([1., 1., 2., 2.])
    """
    x = tensor_arg(x, "x")
    axis = alias(axis, None, dim, "dim", "axis")
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 0:
        raise TypeError(f"repeat_interleave: repeats must be a non-negative int, got {repeats!r}")
    if axis is None:
        x, axis = reshape(x, -1), 0
    return RepeatInterleave.apply(x, int(repeats), one_axis(axis, x.ndim))


def pad(x, pad_width, value: float = 0.0) -> Tensor:
    """Pad with a constant, NumPy style: ``pad_width`` is an int, a ``(before, after)`` pair for every
    axis, or a sequence of such pairs (one per axis).

    Backward: :math:`\\partial L/\\partial x` is the un-padded centre of :math:`g`.

    Examples
    --------
    >>> import lucid
    >>> lucid.pad(lucid.ones((1, 2)), ((0, 0), (1, 1)))
    Tensor([[0., 1., 1., 0.]])
    """
    x = tensor_arg(x, "x")
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width must be an int, a (before, after) pair, or {x.ndim} pairs, got {pad_width!r}") from None
    if (widths < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, got {pad_width!r}")
    widths = tuple((int(a), int(b)) for a, b in widths)
    return Pad.apply(x, widths, float(value))
