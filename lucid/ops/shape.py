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
from lucid.ops._args import alias, normalize_axis, number, one_axis, shape_arg, tensor_arg
from lucid.tensor import Tensor


class Reshape(Function):
    """y = x with a new shape (same elements, same order);  dL/dx = g reshaped back"""

    double_backward = True

    is_view = True
    view_may_copy = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return backend.reshape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return backend.reshape(grad, ctx.shape), None


class Permute(Function):
    """y = x with axes reordered;  dL/dx = g with the inverse order"""

    double_backward = True

    is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        inverse = [0] * len(axes)
        for position, axis in enumerate(axes):  # the inverse permutation (numpy.argsort costs more here)
            inverse[axis] = position
        ctx.inverse = tuple(inverse)
        return x.transpose(axes) if type(x) is np.ndarray else backend.xp_of(x).permute_dims(x, axes)

    @staticmethod
    def backward(ctx, grad):
        return backend.xp_of(grad).permute_dims(grad, ctx.inverse), None


class BroadcastTo(Function):
    """y = x repeated along stretched axes (a view);  dL/dx = g summed over them (by the engine)"""

    double_backward = True

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        # writeable like any view (a row of it may be written in place); the in-place ops refuse
        # writes into it where elements overlap
        return backend.broadcast_to(x, shape, writeable=True)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Concatenate(Function):
    """y = [x_1, ..., x_k] joined along an axis;  dL/dx_i = the slice of g where x_i sits"""

    double_backward = True

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

    double_backward = True

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

    double_backward = True

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
        summed = xp.sum(backend.reshape(grad, split), axis=tuple(range(0, 2 * len(reps), 2)))
        return summed, None


class RepeatInterleave(Function):
    """y = each element of x repeated r times along an axis;  dL/dx = g summed over each run of r"""

    double_backward = True

    @staticmethod
    def forward(ctx, x, repeats, axis):
        ctx.repeats, ctx.axis, ctx.shape = repeats, axis, x.shape
        return backend.xp_of(x).repeat(x, repeats, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        xp = backend.xp_of(grad)
        a = ctx.axis
        if ctx.repeats == 0:  # no copies: every element's run of copies is empty, its gradient 0 (PyTorch)
            return backend.zeros(ctx.shape, grad.dtype, like=grad), None, None
        shape = grad.shape[:a] + (ctx.shape[a], ctx.repeats) + grad.shape[a + 1:]
        return xp.sum(backend.reshape(grad, shape), axis=a + 1), None, None


class Pad(Function):
    """y = x surrounded by a constant;  dL/dx = the centre of g"""

    double_backward = True

    @staticmethod
    def forward(ctx, x, widths, value):
        xp = backend.xp_of(x)
        out_shape = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape, widths))
        out = xp.full(out_shape, value, dtype=x.dtype, **backend.device_kwargs(x))
        ctx.centre = tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape, widths))
        out[ctx.centre] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.centre], None, None




# ------------------------------------------------------------------------------ user functions
def reshape(x, *shape) -> Tensor:
    """The same elements, in the same (row-major) order, with a new shape (also ``view``).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    *shape : int or tuple of int
        The new shape, as separate ints or one tuple; its product must be
        ``x.size``. One entry may be ``-1``, inferred from the others.

    Returns
    -------
    Tensor
        Of the new shape: a new tensor even when the shape does not change
        (as in PyTorch). It shares memory with ``x`` (a view) when the
        memory layout allows, else it is a copy.

    Raises
    ------
    ValueError
        If the sizes do not match, or more than one ``-1`` is given.

    Notes
    -----
    Reshaping only relabels positions, so the backward relabels them back:

    .. math:: y = \\operatorname{reshape}(x, s), \\qquad
              \\frac{\\partial L}{\\partial x} = \\operatorname{reshape}(g, x.\\text{shape})

    Unlike PyTorch's ``view``, ``lucid.view`` never fails on a
    non-contiguous input: it is the same function as ``reshape``.

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
    known, inferred = 1, 0  # product of the given sizes; how many -1
    for s in shape:
        if s >= 0:
            known *= s
        elif s == -1:
            inferred += 1
        else:
            inferred = 2  # a negative size other than -1: reported below
    if inferred > 1:
        raise ValueError(f"reshape: shape {shape} may contain at most one -1 and no other negative size")
    size = x.size
    if (known != size) if not inferred else (known == 0 or size % known):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({size} elements) into shape {shape}")
    if inferred:
        shape = tuple(size // known if s == -1 else s for s in shape)
    return Reshape.apply(x, shape)


view = reshape


def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes ``start_dim`` to ``end_dim`` (inclusive) into one.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    start_dim : int, default 0
        First axis to merge.
    end_dim : int, default -1
        Last axis to merge (not before ``start_dim``).

    Returns
    -------
    Tensor
        Shape ``x.shape[:start] + (prod(x.shape[start:end + 1]),) + x.shape[end + 1:]``;
        a 0-d input gives shape ``(1,)``.

    Notes
    -----
    A :func:`reshape`, so :math:`\\partial L/\\partial x = \\operatorname{reshape}(g, x.\\text{shape})`.

    Examples
    --------
    >>> import lucid
    >>> lucid.flatten(lucid.zeros((2, 3, 4)), 1).shape
    (2, 12)
    >>> lucid.zeros((2, 3, 4)).flatten().shape
    (24,)
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
    return Reshape.apply(x, x.shape[:s] + (merged,) + x.shape[e + 1:])  # a valid shape: reshape's checks not needed


def squeeze(x, axis=None, *, dim=None) -> Tensor:
    """Remove axes of length 1.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to remove; ``None`` removes every length-1 axis. A named axis
        whose length is not 1 is left alone (PyTorch's rule; NumPy raises).
    dim : optional
        PyTorch's name for ``axis`` (keyword only).

    Returns
    -------
    Tensor
        ``x`` without those axes.

    Notes
    -----
    A :func:`reshape`, so :math:`\\partial L/\\partial x = \\operatorname{reshape}(g, x.\\text{shape})`.

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
    """Insert an axis of length 1 at position ``axis``.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int
        Position of the new axis in the *result*, in :math:`[-(x.ndim + 1), x.ndim + 1)`
        (``-1`` appends). Required.
    dim : optional
        PyTorch's name for ``axis`` (keyword only).

    Returns
    -------
    Tensor
        ``x`` with one more axis.

    Notes
    -----
    A :func:`reshape`, so :math:`\\partial L/\\partial x = \\operatorname{reshape}(g, x.\\text{shape})`.
    NumPy's spelling is ``numpy.expand_dims``.

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
    """Reorder the axes: axis ``i`` of the result is axis ``axes[i]`` of ``x``.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    *axes : int or tuple of int
        A permutation of ``range(x.ndim)`` (negative axes allowed), as separate
        ints or one tuple.

    Returns
    -------
    Tensor
        Shape ``tuple(x.shape[a] for a in axes)``; a view of ``x``.

    Raises
    ------
    ValueError
        If ``axes`` is not a permutation of the axes of ``x``.

    Notes
    -----
    With :math:`\\pi` the permutation, :math:`y_{i_0 \\ldots i_{n-1}} = x_{j}` where
    :math:`j_{\\pi(k)} = i_k`. The backward applies the inverse permutation
    :math:`\\pi^{-1}` (``argsort(axes)``):

    .. math:: \\frac{\\partial L}{\\partial x} = \\operatorname{permute}(g, \\pi^{-1})

    Examples
    --------
    >>> import lucid
    >>> lucid.permute(lucid.zeros((2, 3, 4)), 2, 0, 1).shape
    (4, 2, 3)
    """
    x = tensor_arg(x, "x")
    axes = shape_arg(axes, "axes")
    ndim = x.data.ndim
    wrapped = tuple(a % ndim for a in axes) if ndim else axes
    if len(axes) != ndim or sorted(wrapped) != list(range(ndim)):
        raise ValueError(f"permute: axes {axes} must be a permutation of the {ndim} axes of a tensor of shape {x.shape}")
    axes = wrapped
    return Permute.apply(x, axes)


def transpose(x, *axes) -> Tensor:
    """Swap two axes, reverse all axes, or permute them.

    ``transpose(x, 0, 1)`` swaps two axes (PyTorch); ``transpose(x)``
    reverses all axes (NumPy, also ``x.T``); ``transpose(x, (2, 0, 1))``
    permutes (NumPy, see :func:`permute`).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    *axes : int or tuple of int
        Nothing, two axes, or a full permutation.

    Returns
    -------
    Tensor
        A view of ``x`` with its axes reordered.

    Notes
    -----
    A :func:`permute` by the order :math:`\\pi` (a swap of two axes, their reversal,
    or the permutation given): :math:`y_{i} = x_{j}` where :math:`j_{\\pi(k)} = i_k`.
    The backward permutes :math:`g` back by the inverse order:

    .. math:: y = \\operatorname{permute}(x, \\pi), \\qquad
              \\frac{\\partial L}{\\partial x} = \\operatorname{permute}(g, \\pi^{-1})

    For a swap of two axes :math:`\\pi^{-1} = \\pi` (the gradient swaps them back);
    for ``transpose(x)`` (all axes reversed) the gradient is ``transpose(g)``.

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

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis1, axis2 : int
        The axes to exchange, each in :math:`[-x.ndim, x.ndim)`.

    Returns
    -------
    Tensor
        A view of ``x`` with the two axes exchanged.

    Notes
    -----
    A :func:`permute` that exchanges axes :math:`a` and :math:`b`; it is its own inverse,
    so the gradient exchanges them back. With index :math:`i` at position :math:`a` and
    :math:`j` at position :math:`b` of :math:`y`:

    .. math:: y_{\\ldots i \\ldots j \\ldots} = x_{\\ldots j \\ldots i \\ldots}, \\qquad
              \\frac{\\partial L}{\\partial x_{\\ldots j \\ldots i \\ldots}} = g_{\\ldots i \\ldots j \\ldots},

    that is :math:`\\partial L/\\partial x = \\operatorname{swapaxes}(g, a, b)`.

    Examples
    --------
    >>> import lucid
    >>> lucid.swapaxes(lucid.zeros((2, 3)), 0, 1).shape
    (3, 2)
    """
    x = tensor_arg(x, "x")
    a, b = one_axis(axis1, x.ndim, "axis1", scalar=True), one_axis(axis2, x.ndim, "axis2", scalar=True)
    order = list(range(x.ndim))  # a 0-d tensor swaps its axis 0 (or -1) with itself: nothing moves (PyTorch)
    if not order:
        return permute(x, ())
    order[a], order[b] = order[b], order[a]
    return permute(x, tuple(order))


def broadcast_to(x, *shape) -> Tensor:
    """View ``x`` with a larger ``shape`` by repeating it along length-1 and new leading axes.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    *shape : int or tuple of int
        Target shape; ``x.shape`` must broadcast to it (NumPy rules).

    Returns
    -------
    Tensor
        Of ``shape``: a view of ``x`` (a new tensor even when nothing changes, as in PyTorch).
        Writing into it in place is refused where several of its elements are one memory location.

    Raises
    ------
    ValueError
        If ``x.shape`` does not broadcast to ``shape``.

    Notes
    -----
    Each input element is copied to every position along the stretched axes,
    so its gradient is the sum over those copies:

    .. math:: y_{\\ldots i \\ldots} = x_{\\ldots 0 \\ldots}, \\qquad
              \\frac{\\partial L}{\\partial x_{\\ldots 0 \\ldots}} = \\sum_i g_{\\ldots i \\ldots}

    (and likewise summed over new leading axes). The op returns :math:`g`
    unchanged; the engine does this summation, as for every broadcast.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> y = lucid.broadcast_to(x, (3, 2))
    >>> y.shape
    (3, 2)
    >>> y.sum().backward()
    >>> x.grad
    array([3., 3.], dtype=float32)
    """
    x = tensor_arg(x, "x")
    shape = shape_arg(shape)
    try:
        ok = np.broadcast_shapes(x.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"broadcast_to: a tensor of shape {x.shape} cannot be broadcast to shape {shape}")
    return BroadcastTo.apply(x, shape)


def expand(x, *sizes) -> Tensor:
    """PyTorch's ``expand``: :func:`broadcast_to` where ``-1`` keeps an axis's size.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    *sizes : int or tuple of int
        The target shape (at least ``x.ndim`` entries); ``-1`` keeps the size
        of the matching axis of ``x``.

    Returns
    -------
    Tensor
        A broadcast view of ``x``.

    Notes
    -----
    The same view as :func:`broadcast_to` to the shape :math:`s` that ``sizes``
    name: an input axis of length 1 becomes length :math:`s_k`, and ``len(sizes) - x.ndim``
    new leading axes are added. Each input element is copied to every position of
    those axes, so its gradient is the sum over its copies:

    .. math:: y_{\\ldots i \\ldots} = x_{\\ldots 0 \\ldots}, \\qquad
              \\frac{\\partial L}{\\partial x_{\\ldots 0 \\ldots}} = \\sum_{i=0}^{s_k - 1} g_{\\ldots i \\ldots}

    summed likewise over the new leading axes (an axis kept with ``-1`` is not summed).
    The op returns :math:`g` unchanged; the engine does this summation, as for every broadcast.

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
    """Join tensors along an existing axis (also ``cat`` and ``concat``).

    Parameters
    ----------
    tensors : list or tuple of Tensor
        At least one tensor; all of the same ``ndim`` and the same shape
        except along ``axis``.
    axis : int, default 0
        The axis to join along.
    dim : optional
        PyTorch's name for ``axis`` (keyword only).

    Returns
    -------
    Tensor
        Its length along ``axis`` is the sum of the inputs' lengths.

    Raises
    ------
    ValueError
        If the shapes do not match outside ``axis``, or ``tensors`` is empty.

    Notes
    -----
    For inputs :math:`x_1, \\ldots, x_k` of lengths :math:`n_1, \\ldots, n_k` along
    the axis, :math:`y = [x_1; \\ldots; x_k]` and each input receives its own
    slice of the gradient:

    .. math:: \\frac{\\partial L}{\\partial x_j} = g[\\,o_j : o_j + n_j\\,], \\qquad o_j = \\textstyle\\sum_{i<j} n_i

    Examples
    --------
    >>> import lucid
    >>> a = lucid.zeros((2, 1), requires_grad=True)
    >>> y = lucid.concatenate([a, lucid.ones((2, 2))], axis=1)
    >>> y
    Tensor([[0., 1., 1.],
            [0., 1., 1.]], grad_fn=<ConcatenateBackward>)
    >>> y.backward(lucid.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    >>> a.grad
    array([[1.],
           [4.]], dtype=float32)
    """
    ts = _tensor_list(tensors, "concatenate")
    for i, t in enumerate(ts):
        if t.ndim == 0:
            raise ValueError(f"concatenate: tensor {i} is 0-d and has no axis to join along; use stack")
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

    Parameters
    ----------
    tensors : list or tuple of Tensor
        At least one tensor, all of the same shape.
    axis : int, default 0
        Position of the new axis in the result, in :math:`[-(n + 1), n + 1)` for
        inputs of ``ndim`` :math:`n`.
    dim : optional
        PyTorch's name for ``axis`` (keyword only).

    Returns
    -------
    Tensor
        The inputs' shape with a new axis of length ``len(tensors)`` at ``axis``.

    Raises
    ------
    ValueError
        If the shapes differ, or ``tensors`` is empty.

    Notes
    -----
    .. math:: y[\\ldots, j, \\ldots] = x_j, \\qquad
              \\frac{\\partial L}{\\partial x_j} = g[\\ldots, j, \\ldots]

    Examples
    --------
    >>> import lucid
    >>> a = lucid.zeros(3, requires_grad=True)
    >>> y = lucid.stack([a, lucid.ones(3)])
    >>> y.shape
    (2, 3)
    >>> (y * lucid.tensor([[2.0], [5.0]])).sum().backward()
    >>> a.grad
    array([2., 2., 2.], dtype=float32)
    """
    ts = _tensor_list(tensors, "stack")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, expected tensor 0's shape {ts[0].shape}")
    axis = one_axis(alias(axis, 0, dim, "dim", "axis"), ts[0].ndim + 1)
    return Stack.apply(*ts, axis=axis)


def split(x, split_size_or_sections, axis: int = 0, *, dim=None) -> list[Tensor]:
    """Split ``x`` into pieces along ``axis`` (PyTorch's meaning of the sizes).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    split_size_or_sections : int or list of int
        An int is the length of each piece (the last may be shorter); a list
        gives every piece's length and must add up to ``x.shape[axis]``.
        (NumPy's ``split`` takes a number of pieces or split points instead.)
    axis : int, default 0
        The axis to split.
    dim : optional
        PyTorch's name for ``axis`` (keyword only).

    Returns
    -------
    list of Tensor
        The pieces, each a slice of ``x`` (differentiable).

    Raises
    ------
    ValueError
        If a size is not positive, or the sections do not add up.

    Notes
    -----
    Piece :math:`j` is the slice of :math:`n_j` positions starting at :math:`o_j = \\sum_{i<j} n_i`
    along ``axis`` (a :func:`getitem`, so a view). Every position of :math:`x` is in exactly one
    piece, so with :math:`g_j = \\partial L/\\partial y_j`:

    .. math:: y_j = x[\\ldots, o_j : o_j + n_j, \\ldots], \\qquad
              \\frac{\\partial L}{\\partial x}[\\ldots, o_j : o_j + n_j, \\ldots] = g_j

    (0 in the slice of a piece that is not used); the engine adds the pieces' contributions.

    Examples
    --------
    >>> import lucid
    >>> [p.shape for p in lucid.split(lucid.zeros((5, 2)), 2)]
    [(2, 2), (2, 2), (1, 2)]
    >>> [p.shape for p in lucid.split(lucid.zeros((5, 2)), [1, 4])]
    [(1, 2), (4, 2)]
    """
    x = tensor_arg(x, "x")
    if x.ndim == 0:
        raise ValueError("split: a 0-d tensor has no axis to split (PyTorch: split expects at least a 1-D tensor)")
    axis = one_axis(alias(axis, 0, dim, "dim", "axis"), x.ndim)
    n = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(split_size_or_sections, bool):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be a positive int, got {size}")
        sizes = [builtins.min(size, n - i) for i in range(0, n, size)] or [0]
    else:
        if not isinstance(split_size_or_sections, (tuple, list)):
            raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, "
                            f"got {split_size_or_sections!r}")
        sizes = [number(s, "split: section sizes", integer=True) for s in split_size_or_sections]
        if builtins.sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"split: sections {sizes} must be non-negative and add up to {n}, the length of axis {axis}")
    lead = (slice(None),) * axis
    pieces, start = [], 0
    for s in sizes:
        pieces.append(x[lead + (slice(start, start + s),)])
        start += s
    return pieces


def repeat(x, *sizes) -> Tensor:
    """Tile ``x``: the whole tensor repeated ``sizes[i]`` times along axis ``i`` (also ``tile``).

    This is PyTorch's ``Tensor.repeat`` and NumPy's ``tile``. For NumPy's
    element-wise ``repeat`` use :func:`repeat_interleave`.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    *sizes : int or tuple of int
        Non-negative repeat counts, at least ``x.ndim`` of them; extra leading
        counts add new leading axes.

    Returns
    -------
    Tensor
        Shape ``x.shape[i] * sizes[i]`` along each axis (after padding ``x.shape`` with leading 1s).

    Raises
    ------
    ValueError
        If fewer than ``x.ndim`` counts are given, or a count is negative.

    Notes
    -----
    With :math:`s` the input shape, :math:`y_{i} = x_{i \\bmod s}` (per axis), so
    every input element appears once in each tile and

    .. math:: \\frac{\\partial L}{\\partial x_{j}} = \\sum_{i \\,:\\, i \\bmod s = j} g_{i},

    computed by reshaping :math:`g` to ``(r0, s0, r1, s1, ...)`` and summing over the ``r`` axes.

    Examples
    --------
    >>> import lucid
    >>> lucid.repeat(lucid.tensor([1.0, 2.0]), 2)
    Tensor([1., 2., 1., 2.])
    >>> x = lucid.tensor([[1.0, 2.0]], requires_grad=True)
    >>> x.repeat(3, 1).sum().backward()
    >>> x.grad
    array([[3., 3.]], dtype=float32)
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
    """Repeat each element ``repeats`` times along ``axis`` (NumPy's ``repeat``).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    repeats : int
        Non-negative number of copies of each element.
    axis : int or None, default None
        The axis; ``None`` flattens ``x`` first.
    dim : optional
        PyTorch's name for ``axis`` (keyword only).

    Returns
    -------
    Tensor
        Length ``repeats * x.shape[axis]`` along ``axis``.

    Raises
    ------
    TypeError
        If ``repeats`` is not a non-negative int (a tensor of counts is not supported).

    Notes
    -----
    With :math:`r` = ``repeats``: :math:`y_i = x_{\\lfloor i / r \\rfloor}` along the
    axis, so each input element collects the gradient of its run of :math:`r` copies:

    .. math:: \\frac{\\partial L}{\\partial x_j} = \\sum_{k=0}^{r-1} g_{j r + k}

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> y = lucid.repeat_interleave(x, 2)
    >>> y
    Tensor([1., 1., 2., 2.], grad_fn=<RepeatInterleaveBackward>)
    >>> y.backward(lucid.tensor([1.0, 2.0, 3.0, 4.0]))
    >>> x.grad
    array([3., 7.], dtype=float32)
    """
    x = tensor_arg(x, "x")
    axis = alias(axis, None, dim, "dim", "axis")
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 0:
        raise TypeError(f"repeat_interleave: repeats must be a non-negative int, got {repeats!r}")
    if axis is None:
        x, axis = reshape(x, -1), 0
    return RepeatInterleave.apply(x, int(repeats), one_axis(axis, x.ndim))


def pad(x, pad_width, value: float = 0.0) -> Tensor:
    """Pad with a constant value, NumPy style.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    pad_width : int, pair of int, or sequence of pairs
        An int pads every side of every axis by that much; a ``(before, after)``
        pair applies to every axis; ``x.ndim`` pairs give each axis its own.
        Widths are non-negative. (PyTorch's ``F.pad`` lists the *last* axis first;
        this does not.)
    value : float, default 0.0
        The constant written in the padding.

    Returns
    -------
    Tensor
        Axis ``i`` has length ``before_i + x.shape[i] + after_i``.

    Raises
    ------
    ValueError
        If ``pad_width`` has the wrong form or a negative width.

    Notes
    -----
    .. math:: y[b_0 : b_0 + n_0, \\ldots] = x, \\quad y = \\text{value elsewhere}, \\qquad
              \\frac{\\partial L}{\\partial x} = g[b_0 : b_0 + n_0, \\ldots]

    The padding does not depend on :math:`x`, so its part of :math:`g` is dropped.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.ones((1, 2), requires_grad=True)
    >>> y = lucid.pad(x, ((0, 0), (1, 1)))
    >>> y
    Tensor([[0., 1., 1., 0.]], grad_fn=<PadBackward>)
    >>> y.backward(lucid.tensor([[1.0, 2.0, 3.0, 4.0]]))
    >>> x.grad
    array([[2., 3.]], dtype=float32)
    """
    x = tensor_arg(x, "x")
    try:
        widths = np.asarray(pad_width)
        if widths.size and widths.dtype.kind not in "iu":  # asarray(..., dtype=int64) would truncate 1.5 to 1
            raise TypeError(f"pad: pad_width must hold ints, got {pad_width!r}")
        widths = np.broadcast_to(widths.astype(np.int64), (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width must be an int, a (before, after) pair, or {x.ndim} pairs, got {pad_width!r}") from None
    if (widths < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, got {pad_width!r}")
    widths = tuple((int(a), int(b)) for a, b in widths)
    return Pad.apply(x, widths, number(value, "pad: value"))
