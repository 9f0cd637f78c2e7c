"""Reductions: sum, mean, var, std, max/min (= amax/amin), logsumexp; argmax, argmin, any, all.

``axis`` is an int, a tuple of ints or None (all axes); ``keepdims`` keeps
the reduced axes with length 1.  PyTorch's ``dim``/``keepdim`` are accepted.
The backward of every reduction first puts the reduced axes back
(:func:`_unreduce`) and then broadcasts over them.
"""
from __future__ import annotations

import builtins

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import alias, normalize_axis, tensor_arg
from lucid.tensor import Tensor


def _unreduce(grad, axes, keepdims):
    """Reinsert the reduced axes (length 1) so ``grad`` broadcasts against the input."""
    if keepdims or not axes:
        return grad
    xp = backend.xp_of(grad)
    shape = list(grad.shape)
    for a in axes:  # axes are sorted, so inserting in order lands each where it was
        shape.insert(a, 1)
    return xp.reshape(grad, tuple(shape))


def _count(shape, axes) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class Sum(Function):
    """y = sum(x over axes);  dL/dx = g broadcast back over the axes"""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims, ctx.shape = axes, keepdims, x.shape
        return backend.xp_of(x).sum(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = backend.xp_of(grad)
        return xp.broadcast_to(_unreduce(grad, ctx.axes, ctx.keepdims), ctx.shape), None, None


class Mean(Function):
    """y = sum(x over axes) / n;  dL/dx = g / n broadcast back over the axes"""

    floating = True

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims, ctx.shape = axes, keepdims, x.shape
        return backend.xp_of(x).mean(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = backend.xp_of(grad)
        n = _count(ctx.shape, ctx.axes)
        return xp.broadcast_to(_unreduce(grad, ctx.axes, ctx.keepdims) / n, ctx.shape), None, None


class Var(Function):
    """y = sum((x - mean)**2) / (n - c);  dL/dx = g * 2 (x - mean) / (n - c)"""

    floating = True

    @staticmethod
    def forward(ctx, x, axes, keepdims, correction):
        xp = backend.xp_of(x)
        ctx.axes, ctx.keepdims = axes, keepdims
        centered = x - xp.mean(x, axis=axes, keepdims=True)
        ctx.denominator = builtins.max(_count(x.shape, axes) - correction, 0)
        ctx.save(centered)
        return xp.sum(centered * centered, axis=axes, keepdims=keepdims) / ctx.denominator

    @staticmethod
    def backward(ctx, grad):
        (centered,) = ctx.saved
        return _unreduce(grad, ctx.axes, ctx.keepdims) * (2 / ctx.denominator) * centered, None, None, None


class Extreme(Function):
    """y = max (or min) over axes;  dL/dx = g split evenly among the elements equal to y"""

    @staticmethod
    def forward(ctx, x, axes, keepdims, largest):
        xp = backend.xp_of(x)
        reduce = xp.max if largest else xp.min
        y = reduce(x, axis=axes, keepdims=True)
        ctx.axes, ctx.keepdims = axes, keepdims
        ctx.save(x, y)
        return y if keepdims else xp.reshape(y, tuple(s for i, s in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        xp = backend.xp_of(x)
        hits = xp.astype(x == y, grad.dtype)
        count = xp.sum(hits, axis=ctx.axes, keepdims=True)
        return hits * (_unreduce(grad, ctx.axes, ctx.keepdims) / count), None, None, None


class LogSumExp(Function):
    """y = m + log(sum(exp(x - m)));  dL/dx = g * exp(x - y)"""

    floating = True

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        xp = backend.xp_of(x)
        m = xp.max(x, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0.0)  # all -inf (or an inf) must not turn into nan
        y = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
        ctx.axes, ctx.keepdims = axes, keepdims
        ctx.save(x, y)
        return y if keepdims else xp.reshape(y, tuple(s for i, s in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        xp = backend.xp_of(x)
        return _unreduce(grad, ctx.axes, ctx.keepdims) * xp.exp(x - y), None, None


def _axes(x: Tensor, axis, keepdims, dim, keepdim):
    axis = alias(axis, None, dim, "dim", "axis")
    keepdims = alias(keepdims, False, keepdim, "keepdim", "keepdims")
    return normalize_axis(axis, x.ndim), bool(keepdims)


def sum(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes when None).

    .. math:: y = \\sum_{i \\in \\text{axes}} x_i, \\qquad \\frac{\\partial L}{\\partial x_i} = g

    (:math:`g` broadcast back over the reduced axes).

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> lucid.sum(x), lucid.sum(x, axis=0), x.sum(dim=1, keepdim=True).shape
    (Tensor(10.), Tensor([4., 6.]), (2, 1))
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    return Sum.apply(x, axes, keepdims)


def mean(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Mean over ``axis``: :math:`y = \\frac1n \\sum x_i`, :math:`\\partial L/\\partial x_i = g / n`.

    Examples
    --------
    >>> import lucid
    >>> lucid.mean(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    Tensor([1.5, 3.5])
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    return Mean.apply(x, axes, keepdims)


def _correction(correction, ddof, unbiased) -> int:
    if ddof is not None:
        return int(ddof)
    if unbiased is not None:
        return 1 if unbiased else 0
    return int(correction)


def var(x, axis=None, keepdims: bool = False, *, correction: int = 1, dim=None, keepdim=None,
        ddof=None, unbiased=None) -> Tensor:
    """Variance over ``axis``, with Bessel's correction by default (as in PyTorch).

    .. math:: y = \\frac{1}{n - c} \\sum_i (x_i - \\bar x)^2, \\qquad
              \\frac{\\partial L}{\\partial x_i} = g\\,\\frac{2 (x_i - \\bar x)}{n - c}

    ``correction`` (PyTorch), ``ddof`` (NumPy) and ``unbiased`` all set :math:`c`;
    the default is :math:`c = 1`, unlike ``numpy.var``.

    Examples
    --------
    >>> import lucid
    >>> lucid.var(lucid.tensor([1.0, 2.0, 3.0, 4.0]))
    Tensor(1.666667)
    >>> lucid.var(lucid.tensor([1.0, 2.0, 3.0, 4.0]), ddof=0)
    Tensor(1.25)
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    return Var.apply(x, axes, keepdims, _correction(correction, ddof, unbiased))


def std(x, axis=None, keepdims: bool = False, *, correction: int = 1, dim=None, keepdim=None,
        ddof=None, unbiased=None) -> Tensor:
    """Standard deviation :math:`\\sqrt{\\mathrm{var}(x)}`; backward :math:`g (x_i - \\bar x) / ((n - c)\\, y)`.

    Examples
    --------
    >>> import lucid
    >>> lucid.std(lucid.tensor([1.0, 3.0]))
    Tensor(1.414214)
    """
    from lucid.ops.elementwise import sqrt

    return sqrt(var(x, axis, keepdims, correction=correction, dim=dim, keepdim=keepdim, ddof=ddof, unbiased=unbiased))


def amax(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Maximum over ``axis``. The gradient is split evenly among tied maxima (PyTorch's ``amax``).

    .. math:: y = \\max_i x_i, \\qquad \\frac{\\partial L}{\\partial x_i} = \\frac{g\\,[x_i = y]}{\\#\\{j : x_j = y\\}}

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> lucid.amax(x).backward()
    >>> x.grad
    array([0. , 0.5, 0.5], dtype=float32)
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    _check_nonempty(x, axes, "amax")
    return Extreme.apply(x, axes, keepdims, True)


def amin(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Minimum over ``axis``; ties share the gradient evenly (see :func:`amax`).

    Examples
    --------
    >>> import lucid
    >>> lucid.amin(lucid.tensor([[1.0, 5.0], [0.0, 2.0]]), axis=1)
    Tensor([1., 0.])
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    _check_nonempty(x, axes, "amin")
    return Extreme.apply(x, axes, keepdims, False)


def max(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Maximum over ``axis`` (values only, like ``numpy.max``); same as :func:`amax`.

    Examples
    --------
    >>> import lucid
    >>> lucid.max(lucid.tensor([[1.0, 5.0], [7.0, 2.0]]), axis=0)
    Tensor([7., 5.])
    """
    return amax(x, axis, keepdims, dim=dim, keepdim=keepdim)


def min(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Minimum over ``axis`` (values only); same as :func:`amin`.

    Examples
    --------
    >>> import lucid
    >>> lucid.min(lucid.tensor([3.0, -1.0]))
    Tensor(-1.)
    """
    return amin(x, axis, keepdims, dim=dim, keepdim=keepdim)


def _check_nonempty(x: Tensor, axes, name: str) -> None:
    for a in axes:
        if x.shape[a] == 0:
            raise ValueError(f"{name}: cannot reduce over axis {a} of length 0 (shape {x.shape})")


def logsumexp(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """:math:`y = \\log \\sum_i e^{x_i}`, computed stably as :math:`m + \\log\\sum e^{x_i - m}`.

    Backward: :math:`\\partial L/\\partial x_i = g\\, e^{x_i - y}` (the softmax of x).

    Examples
    --------
    >>> import lucid
    >>> lucid.logsumexp(lucid.tensor([1e4, 1e4]))
    Tensor(10000.693)
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    return LogSumExp.apply(x, axes, keepdims)


def _index_reduction(x, axis, keepdims, dim, keepdim, largest: bool) -> Tensor:
    x = tensor_arg(x, "x")
    axis = alias(axis, None, dim, "dim", "axis")
    keepdims = bool(alias(keepdims, False, keepdim, "keepdim", "keepdims"))
    xp = backend.xp_of(x.data)
    fn = xp.argmax if largest else xp.argmin
    if axis is None:
        out = fn(xp.reshape(x.data, (-1,)))
        if keepdims:
            out = xp.reshape(out, (1,) * x.ndim)
        return Tensor._make(out)
    (a,) = normalize_axis(axis, x.ndim)
    return Tensor._make(fn(x.data, axis=a, keepdims=keepdims))


def argmax(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Index of the maximum (flattened when ``axis`` is None); not differentiable.

    Examples
    --------
    >>> import lucid
    >>> lucid.argmax(lucid.tensor([[1.0, 5.0], [7.0, 2.0]]), axis=1)
    Tensor([1, 0])
    """
    return _index_reduction(x, axis, keepdims, dim, keepdim, True)


def argmin(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Index of the minimum (flattened when ``axis`` is None); not differentiable.

    Examples
    --------
    >>> import lucid
    >>> lucid.argmin(lucid.tensor([3.0, -1.0, 2.0]))
    Tensor(1)
    """
    return _index_reduction(x, axis, keepdims, dim, keepdim, False)


def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """True where any element along ``axis`` is nonzero (a boolean tensor, no gradient).

    Examples
    --------
    >>> import lucid
    >>> lucid.any(lucid.tensor([0.0, 2.0]))
    Tensor(True)
    """
    x = tensor_arg(x, "x")
    return Tensor._make(backend.xp_of(x.data).any(x.data, axis=normalize_axis(axis, x.ndim), keepdims=keepdims))


def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """True where every element along ``axis`` is nonzero (a boolean tensor, no gradient).

    Examples
    --------
    >>> import lucid
    >>> lucid.all(lucid.tensor([1.0, 2.0]))
    Tensor(True)
    """
    x = tensor_arg(x, "x")
    return Tensor._make(backend.xp_of(x.data).all(x.data, axis=normalize_axis(axis, x.ndim), keepdims=keepdims))
