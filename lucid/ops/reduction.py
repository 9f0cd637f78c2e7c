"""Reductions: sum, mean, var, std, max/min (= amax/amin), logsumexp; argmax, argmin, any, all.

``axis`` is an int, a tuple of ints or None (all axes); ``keepdims`` keeps
the reduced axes with length 1.  PyTorch's ``dim``/``keepdim`` are accepted.
The backward of every reduction first puts the reduced axes back
(:func:`_unreduce`) and then broadcasts over them.
"""
from __future__ import annotations

import builtins
import math

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import alias, normalize_axis, number, one_axis, tensor_arg
from lucid.tensor import Tensor


def _unreduce(grad, axes, keepdims):
    """Reinsert the reduced axes (length 1) so ``grad`` broadcasts against the input."""
    if keepdims or not axes:
        return grad
    shape = list(grad.shape)
    for a in axes:  # axes are sorted, so inserting in order lands each where it was
        shape.insert(a, 1)
    return backend.reshape(grad, tuple(shape))


def _count(shape, axes) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def max_keepdims(x, axes):
    """``max(x, axes, keepdims=True)`` (``axes`` an int or a tuple), or zeros where a reduced axis is empty.

    Softmax, log_softmax and logsumexp subtract the maximum before ``exp``;
    over an empty axis there is no maximum (NumPy raises "zero-size array to
    reduction operation maximum"), but there is nothing to shift either, and
    PyTorch's results are an empty softmax and a logsumexp of ``-inf``.
    """
    xp = backend.xp_of(x)
    if (x.shape[axes] if type(axes) is int else _count(x.shape, axes)) == 0:
        return xp.sum(x, axis=axes, keepdims=True)  # zeros of the reduced shape (empty sums are 0)
    return xp.max(x, axis=axes, keepdims=True)


class Sum(Function):
    """y = sum(x over axes);  dL/dx = g broadcast back over the axes"""

    double_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims, ctx.shape = axes, keepdims, x.shape
        return backend.sum(x, axes, keepdims)

    @staticmethod
    def backward(ctx, grad):
        return backend.broadcast_to(_unreduce(grad, ctx.axes, ctx.keepdims), ctx.shape), None, None


class Mean(Function):
    """y = sum(x over axes) / n;  dL/dx = g / n broadcast back over the axes"""

    double_backward = True

    floating = True

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes, ctx.keepdims, ctx.shape = axes, keepdims, x.shape
        return backend.sum(x, axes, keepdims) / _count(x.shape, axes)

    @staticmethod
    def backward(ctx, grad):
        n = _count(ctx.shape, ctx.axes)
        return backend.broadcast_to(_unreduce(grad, ctx.axes, ctx.keepdims) / n, ctx.shape), None, None


def _dof(n: int, correction) -> float:
    """PyTorch's divisor ``max(n - correction, 0)``: 0 makes the variance inf (or nan for constant data)."""
    return builtins.max(n - correction, 0)


def _var_backward(ctx, grad_var, centered):
    """dL/dx of the variance, for ``grad_var`` = dL/dvar: ``g * 2 (x - mean) / (n - c)``.

    When ``n - c <= 0`` the variance is inf or nan; the gradient then follows
    PyTorch's ``var_backward`` to the letter rather than raising a ZeroDivisionError:
    for a variance over the whole tensor (no axis given) it is ``g * inf``, or
    ``nan`` where :math:`x_i` equals the mean; for given axes it is
    ``g * 2 / (n - c) * (x - mean)`` in IEEE arithmetic (``2 / 0`` is inf, so
    a batch of one gives nan; a negative ``n - c`` gives a finite value).
    """
    g = _unreduce(grad_var, ctx.axes, ctx.keepdims)
    dof = ctx.n - ctx.correction
    if dof > 0:  # the usual case
        return g * (2.0 / dof) * centered
    if ctx.whole:  # inf, and nan where x equals the mean (a NaN input is not equal to it: inf there)
        xp = backend.xp_of(centered)
        infs = xp.full_like(centered, math.inf)
        return g * xp.where(centered == 0, infs - infs, infs)  # inf - inf is nan, in centered's dtype
    return g * (2.0 / dof if dof else math.inf) * centered


def _centred_variance(ctx, x, axes, keepdims, correction, whole):
    """``x - mean`` and the variance; records on ``ctx`` what ``_var_backward`` needs."""
    xp = backend.xp_of(x)
    n = _count(x.shape, axes)
    ctx.axes, ctx.keepdims, ctx.n, ctx.correction, ctx.whole = axes, keepdims, n, correction, whole
    centered = x - xp.sum(x, axis=axes, keepdims=True) / n  # not xp.mean: it warns on an empty axis
    return centered, xp.sum(centered * centered, axis=axes, keepdims=keepdims) / _dof(n, correction)


class Var(Function):
    """y = sum((x - mean)**2) / (n - c);  dL/dx = g * 2 (x - mean) / (n - c)"""

    double_backward = True

    floating = True

    @staticmethod
    def forward(ctx, x, axes, keepdims, correction, whole):
        centered, y = _centred_variance(ctx, x, axes, keepdims, correction, whole)
        ctx.save(x, centered)
        return y

    @staticmethod
    def backward(ctx, grad):
        return _var_backward(ctx, grad, _saved_centered(ctx)), None, None, None, None


class Std(Function):
    """y = sqrt(var(x));  dL/dx = var's gradient for g / (2 y), with 0 where y = 0 (PyTorch's rule)"""

    double_backward = True

    floating = True

    @staticmethod
    def forward(ctx, x, axes, keepdims, correction, whole):
        centered, v = _centred_variance(ctx, x, axes, keepdims, correction, whole)
        y = backend.xp_of(x).sqrt(v)
        ctx.save(x, centered, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y = ctx.saved[2]
        # d sqrt(v)/dv = 1 / (2 y) is infinite where the spread is 0; PyTorch takes the gradient there as 0
        # (and, differentiating this line as written, its derivative in g there as nan, as PyTorch does)
        grad_var = backend.where_zero(y != 0, grad / (2 * y))
        return _var_backward(ctx, grad_var, _saved_centered(ctx)), None, None, None, None


def _saved_centered(ctx):
    """``x - mean(x)`` for the backward of var and std: as saved (arrays), or recomputed from ``x`` (Tensors).

    Under ``create_graph`` the saved ``centered`` would be a constant (it was made
    in forward), which would drop the mean's dependence on ``x`` from the second
    derivative; recomputing it from the saved input records it.
    """
    x, centered = ctx.saved[0], ctx.saved[1]
    if isinstance(x, Tensor):
        xp = backend.xp_of(x)
        centered = x - xp.sum(x, axis=ctx.axes, keepdims=True) / ctx.n
    return centered


class Extreme(Function):
    """y = max (or min) over axes;  dL/dx = g split evenly among the elements equal to y

    A NaN makes the result NaN. ``max``/``min`` then send the gradient to the
    NaN(s) (PyTorch's ``max(x)``); ``amax``/``amin`` follow PyTorch's ``amax``,
    whose gradient is NaN for the whole slice (NaN equals nothing, so no
    element counts as the maximum).
    """

    double_backward = True

    @staticmethod
    def forward(ctx, x, axes, keepdims, largest, nan_hits):
        xp = backend.xp_of(x)
        reduce = xp.max if largest else xp.min
        y = reduce(x, axis=axes, keepdims=True)
        ctx.axes, ctx.keepdims, ctx.nan_hits = axes, keepdims, nan_hits
        ctx.save(x, y)
        return y if keepdims else backend.reshape(y, tuple(s for i, s in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        xp = backend.xp_of(x)
        hits = x == y
        if ctx.nan_hits:  # a NaN in a slice makes its y NaN, so "x is NaN" alone marks the NaNs that made y
            hits = hits | xp.isnan(x)
        hits = xp.astype(hits, grad.dtype)
        count = xp.sum(hits, axis=ctx.axes, keepdims=True)
        return hits * (_unreduce(grad, ctx.axes, ctx.keepdims) / count), None, None, None, None


class LogSumExp(Function):
    """y = m + log(sum(exp(x - m)));  dL/dx = g * exp(x - y)"""

    double_backward = True

    floating = True

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        xp = backend.xp_of(x)
        m = max_keepdims(x, axes)  # an empty axis: no shift, and the sum of no exponentials is 0: y = -inf
        m = xp.where(xp.isfinite(m), m, 0.0)  # all -inf (or an inf) must not turn into nan
        y = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
        ctx.axes, ctx.keepdims = axes, keepdims
        out = y if keepdims else backend.reshape(y, tuple(s for i, s in enumerate(x.shape) if i not in axes))
        ctx.save(x, out)  # the output itself (not y): under create_graph it is then tied to this node
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        xp = backend.xp_of(x)
        return _unreduce(grad, ctx.axes, ctx.keepdims) * xp.exp(x - _unreduce(y, ctx.axes, ctx.keepdims)), None, None


def _axes(x: Tensor, axis, keepdims, dim, keepdim):
    if axis is None and dim is None and keepdim is None:  # the common x.sum(): every axis
        return tuple(range(x.ndim)), bool(keepdims)
    axis = alias(axis, None, dim, "dim", "axis")
    keepdims = alias(keepdims, False, keepdim, "keepdim", "keepdims")
    return normalize_axis(axis, x.ndim), bool(keepdims)


def sum(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Sum of the elements over ``axis``.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).

    Notes
    -----
    With :math:`R` the set of reduced positions that map to output element :math:`y`:

    .. math:: y = \\sum_{i \\in R} x_i, \\qquad \\frac{\\partial L}{\\partial x_i} = g

    that is, :math:`g` (given the reduced axes back, length 1) broadcast to
    ``x.shape``. Integer and boolean inputs keep NumPy's sum dtype (int64).

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> lucid.sum(x), lucid.sum(x, axis=0), x.sum(dim=1, keepdim=True).shape
    (Tensor(10., grad_fn=<SumBackward>), Tensor([4., 6.], grad_fn=<SumBackward>), (2, 1))
    >>> lucid.sum(x, axis=1).backward(lucid.tensor([1.0, 10.0]))
    >>> x.grad
    array([[ 1.,  1.],
           [10., 10.]], dtype=float32)
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    return Sum.apply(x, axes, keepdims)


def mean(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Arithmetic mean over ``axis``.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).
        Integer inputs give float64.

    Notes
    -----
    With :math:`n` the number of elements reduced into each output:

    .. math:: y = \\frac{1}{n} \\sum_{i \\in R} x_i, \\qquad \\frac{\\partial L}{\\partial x_i} = \\frac{g}{n}

    The mean of an empty axis is ``nan`` (with a NumPy warning).

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> lucid.mean(x, axis=1)
    Tensor([1.5, 3.5], grad_fn=<MeanBackward>)
    >>> x.mean().backward()
    >>> x.grad
    array([[0.25, 0.25],
           [0.25, 0.25]], dtype=float32)
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    return Mean.apply(x, axes, keepdims)


def _correction(correction, ddof, unbiased):
    """The ``c`` of the divisor ``n - c``, from whichever of the three spellings was given (a real number)."""
    if ddof is not None:
        return number(ddof, "ddof")
    if unbiased is not None:
        if not isinstance(unbiased, bool):
            raise TypeError(f"unbiased must be True or False, got {unbiased!r}")
        return 1 if unbiased else 0
    if correction is None:  # PyTorch's spelling of the default
        return 1
    return number(correction, "correction")


def _variance(fn, x, axis, keepdims, correction, dim, keepdim, ddof, unbiased) -> Tensor:
    x = tensor_arg(x, "x")
    c = _correction(correction, ddof, unbiased)
    whole = alias(axis, None, dim, "dim", "axis") is None or x.ndim == 0  # selects PyTorch's backward rule
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    return fn.apply(x, axes, keepdims, c, whole)


def var(x, axis=None, keepdims: bool = False, *, correction: int = 1, dim=None, keepdim=None,
        ddof=None, unbiased=None) -> Tensor:
    """Variance over ``axis``, with Bessel's correction by default (as in PyTorch).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).
    correction : int or float, default 1
        :math:`c` in the divisor :math:`n - c`: 1 gives the unbiased sample
        variance, 0 the population variance; any real number is accepted, as in PyTorch.
    ddof : int or float, optional
        NumPy's name for ``correction``.
    unbiased : bool, optional
        Older PyTorch spelling: True is ``correction=1``, False ``correction=0``.

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).

    Notes
    -----
    With :math:`n` elements per output and :math:`\\bar x` their mean:

    .. math:: y = \\frac{1}{n - c} \\sum_{i} (x_i - \\bar x)^2

    Differentiating, the term through :math:`\\bar x` vanishes because
    :math:`\\sum_i (x_i - \\bar x) = 0`:

    .. math:: \\frac{\\partial L}{\\partial x_i} = g\\,\\frac{2 (x_i - \\bar x)}{n - c}

    The two-pass form (centre first, then square) avoids the cancellation of
    :math:`E[x^2] - E[x]^2`. The default :math:`c = 1` differs from
    ``numpy.var`` (:math:`c = 0`). As in PyTorch the divisor is
    :math:`\\max(n - c, 0)`: :math:`n \\le c` (a batch of one, an empty axis)
    gives ``inf``, or ``nan`` for constant data, and the gradient is then
    ``inf`` or ``nan`` too (PyTorch's exact rule: see ``_var_backward``), never an error.

    Examples
    --------
    >>> import lucid
    >>> lucid.var(lucid.tensor([1.0, 2.0, 3.0, 4.0]))
    Tensor(1.666667)
    >>> lucid.var(lucid.tensor([1.0, 2.0, 3.0, 4.0]), ddof=0)
    Tensor(1.25)
    >>> x = lucid.tensor([1.0, 3.0], requires_grad=True)
    >>> x.var().backward()
    >>> x.grad
    array([-2.,  2.], dtype=float32)
    """
    return _variance(Var, x, axis, keepdims, correction, dim, keepdim, ddof, unbiased)


def std(x, axis=None, keepdims: bool = False, *, correction: int = 1, dim=None, keepdim=None,
        ddof=None, unbiased=None) -> Tensor:
    """Standard deviation over ``axis``: the square root of :func:`var`.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).
    correction : int or float, default 1
        :math:`c` in the divisor :math:`n - c` (see :func:`var`).
    ddof : int or float, optional
        NumPy's name for ``correction``.
    unbiased : bool, optional
        True is ``correction=1``, False ``correction=0``.

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).

    Notes
    -----
    Computed as ``sqrt(var(x))`` in one node. By the chain rule:

    .. math:: y = \\sqrt{\\frac{1}{n - c} \\sum_i (x_i - \\bar x)^2}, \\qquad
              \\frac{\\partial L}{\\partial x_i} = g\\,\\frac{x_i - \\bar x}{(n - c)\\, y}

    Where :math:`y = 0` (all elements equal) the square root has no
    derivative; as in PyTorch the gradient there is 0:

    .. math:: \\frac{\\partial L}{\\partial x_i} = 0 \\quad \\text{where } y = 0

    (and ``nan`` when also :math:`n \\le c`, see :func:`var`). Differentiated
    again (``create_graph=True``), that zero gradient has derivative 0 in
    :math:`x` and ``nan`` in :math:`g`, as in PyTorch, which computes
    :math:`g / (2y)` before it masks it.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 3.0], requires_grad=True)
    >>> y = lucid.std(x)
    >>> y
    Tensor(1.414214, grad_fn=<StdBackward>)
    >>> y.backward()
    >>> x.grad
    array([-0.707107,  0.707107], dtype=float32)
    """
    return _variance(Std, x, axis, keepdims, correction, dim, keepdim, ddof, unbiased)


def amax(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Maximum over ``axis`` (PyTorch's ``amax``; also :func:`max`).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).

    Raises
    ------
    ValueError
        If a reduced axis has length 0.

    Notes
    -----
    .. math:: y = \\max_{i \\in R} x_i, \\qquad
              \\frac{\\partial L}{\\partial x_i} = \\frac{g\\,[x_i = y]}{\\#\\{j \\in R : x_j = y\\}}

    The gradient is shared evenly among tied maxima (PyTorch's ``amax`` rule;
    ``torch.max(x, dim)`` instead sends it all to one index). A NaN in a slice
    makes its maximum NaN and, as with ``torch.amax``, its gradient NaN
    (:func:`max` sends the gradient to the NaN instead).

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> lucid.amax(x).backward()
    >>> x.grad
    array([0. , 0.5, 0.5], dtype=float32)
    """
    return _extreme(x, axis, keepdims, dim, keepdim, True, "amax")


def amin(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Minimum over ``axis`` (PyTorch's ``amin``; also :func:`min`).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).

    Raises
    ------
    ValueError
        If a reduced axis has length 0.

    Notes
    -----
    .. math:: y = \\min_{i \\in R} x_i, \\qquad
              \\frac{\\partial L}{\\partial x_i} = \\frac{g\\,[x_i = y]}{\\#\\{j \\in R : x_j = y\\}}

    Tied minima share the gradient evenly (see :func:`amax`).

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([[1.0, 5.0], [0.0, 2.0]], requires_grad=True)
    >>> y = lucid.amin(x, axis=1)
    >>> y
    Tensor([1., 0.], grad_fn=<ExtremeBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([[1., 0.],
           [1., 0.]], dtype=float32)
    """
    return _extreme(x, axis, keepdims, dim, keepdim, False, "amin")


def max(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Maximum over ``axis``: the values only, like ``numpy.max`` (same as :func:`amax`).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).

    Notes
    -----
    Forward and backward are those of :func:`amax`. With :math:`R` the reduced
    positions of output element :math:`y`:

    .. math:: y = \\max_{i \\in R} x_i, \\qquad
              \\frac{\\partial L}{\\partial x_i} = \\frac{g\\,[x_i = y]}{\\#\\{j \\in R : x_j = y\\}}

    (tied maxima share :math:`g` evenly), except that a NaN counts as equal to a NaN
    maximum, so the gradient goes to the NaN(s) (PyTorch's ``max(x)``; ``amax``
    gives NaN gradients there).
    Unlike ``torch.max(x, dim)``, no indices are returned; use :func:`argmax`.
    For the elementwise maximum of two tensors use :func:`maximum`.

    Examples
    --------
    >>> import lucid
    >>> lucid.max(lucid.tensor([[1.0, 5.0], [7.0, 2.0]]), axis=0)
    Tensor([7., 5.])
    """
    return _extreme(x, axis, keepdims, dim, keepdim, True, "max")


def min(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Minimum over ``axis``: the values only (same as :func:`amin`).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).

    Notes
    -----
    Forward and backward are those of :func:`amin`. With :math:`R` the reduced
    positions of output element :math:`y`:

    .. math:: y = \\min_{i \\in R} x_i, \\qquad
              \\frac{\\partial L}{\\partial x_i} = \\frac{g\\,[x_i = y]}{\\#\\{j \\in R : x_j = y\\}}

    where :math:`[x_i = y]` is 1 for the elements equal to the minimum and 0 elsewhere,
    so tied minima share :math:`g` evenly. A NaN counts as equal to a NaN minimum, so
    the gradient goes to the NaN(s) (as for :func:`max`). No indices are returned;
    use :func:`argmin`. The elementwise minimum is :func:`minimum`.

    Examples
    --------
    >>> import lucid
    >>> lucid.min(lucid.tensor([3.0, -1.0]))
    Tensor(-1.)
    """
    return _extreme(x, axis, keepdims, dim, keepdim, False, "min")


def _check_nonempty(x: Tensor, axes, name: str, whole: bool = False) -> None:
    """A maximum, minimum or arg-index of no elements does not exist: say so (PyTorch raises too)."""
    for a in axes:
        if x.shape[a] == 0:
            if whole:
                raise ValueError(f"{name}: cannot reduce an empty tensor (shape {x.shape}) over all its axes; "
                                 f"give the axis to reduce")
            raise ValueError(f"{name}: cannot reduce over axis {a} of length 0 (shape {x.shape})")


def _extreme(x, axis, keepdims, dim, keepdim, largest: bool, name: str) -> Tensor:
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    if x.size == 0:
        _check_nonempty(x, axes, name, alias(axis, None, dim, "dim", "axis") is None)
    return Extreme.apply(x, axes, keepdims, largest, name in ("max", "min"))


def logsumexp(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """:math:`\\ln \\sum_i e^{x_i}` over ``axis``, without overflow.

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int, tuple of int or None, default None
        Axes to reduce, each in :math:`[-x.ndim, x.ndim)`; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1, so the result broadcasts against ``x``.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims`` (keyword only).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (or with length 1 there if ``keepdims``).

    Notes
    -----
    Forward, shifted by the maximum :math:`m` (set to 0 where it is not finite,
    so an all-:math:`-\\infty` slice gives :math:`-\\infty`, not ``nan``):

    .. math:: y = m + \\ln \\sum_i e^{x_i - m}, \\qquad m = \\max_i x_i

    Backward: :math:`\\partial y/\\partial x_i = e^{x_i}/\\sum_j e^{x_j}`, the softmax, so

    .. math:: \\frac{\\partial L}{\\partial x_i} = g\\, e^{x_i - y}.

    Examples
    --------
    >>> import lucid
    >>> lucid.logsumexp(lucid.tensor([1e4, 1e4]))
    Tensor(10000.693)
    >>> x = lucid.tensor([0.0, 0.0], requires_grad=True)
    >>> lucid.logsumexp(x).backward()
    >>> x.grad
    array([0.5, 0.5], dtype=float32)
    """
    x = tensor_arg(x, "x")
    axes, keepdims = _axes(x, axis, keepdims, dim, keepdim)
    return LogSumExp.apply(x, axes, keepdims)


def _index_reduction(x, axis, keepdims, dim, keepdim, largest: bool) -> Tensor:
    x = tensor_arg(x, "x")
    axis = alias(axis, None, dim, "dim", "axis")
    keepdims = bool(alias(keepdims, False, keepdim, "keepdim", "keepdims"))
    name = "argmax" if largest else "argmin"
    xp = backend.xp_of(x.data)
    fn = xp.argmax if largest else xp.argmin
    if axis is None:
        if x.size == 0:
            _check_nonempty(x, range(x.ndim), name, whole=True)
        out = fn(backend.reshape(x.data, (-1,)))
        if keepdims:
            out = backend.reshape(out, (1,) * x.ndim)
        return Tensor._make(out)
    a = one_axis(axis, x.ndim, scalar=True)  # a 0-d tensor takes axis 0 or -1, as in PyTorch
    if x.ndim == 0:
        return Tensor._make(fn(x.data))  # index 0 (keepdims keeps no axes)
    if x.shape[a] == 0:
        _check_nonempty(x, (a,), name)
    return Tensor._make(fn(x.data, axis=a, keepdims=keepdims))


def argmax(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Index of the maximum over one axis (of the flattened tensor when ``axis`` is None).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int or None, default None
        One axis; ``None`` flattens first.
    keepdims : bool, default False
        Keep the reduced axis with length 1.
    dim, keepdim : optional
        PyTorch's names (keyword only).

    Returns
    -------
    Tensor
        int64 indices; the first occurrence wins a tie. Not differentiable.

    Examples
    --------
    >>> import lucid
    >>> lucid.argmax(lucid.tensor([[1.0, 5.0], [7.0, 2.0]]), axis=1)
    Tensor([1, 0])
    >>> lucid.argmax(lucid.tensor([[1.0, 5.0], [7.0, 2.0]]))
    Tensor(2)
    """
    return _index_reduction(x, axis, keepdims, dim, keepdim, True)


def argmin(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Index of the minimum over one axis (of the flattened tensor when ``axis`` is None).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    axis : int or None, default None
        One axis; ``None`` flattens first.
    keepdims : bool, default False
        Keep the reduced axis with length 1.
    dim, keepdim : optional
        PyTorch's names (keyword only).

    Returns
    -------
    Tensor
        int64 indices; the first occurrence wins a tie. Not differentiable.

    Examples
    --------
    >>> import lucid
    >>> lucid.argmin(lucid.tensor([3.0, -1.0, 2.0]))
    Tensor(1)
    """
    return _index_reduction(x, axis, keepdims, dim, keepdim, False)


def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """True where at least one element over ``axis`` is nonzero.

    Parameters
    ----------
    x : Tensor, array or number
        The input (any dtype; nonzero counts as true).
    axis : int, tuple of int or None, default None
        Axes to reduce; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Tensor
        Boolean; not differentiable.

    Examples
    --------
    >>> import lucid
    >>> lucid.any(lucid.tensor([0.0, 2.0]))
    Tensor(True)
    >>> lucid.any(lucid.tensor([[0.0, 0.0], [0.0, 1.0]]), axis=1)
    Tensor([False,  True])
    """
    x = tensor_arg(x, "x")
    return Tensor._make(backend.xp_of(x.data).any(x.data, axis=normalize_axis(axis, x.ndim), keepdims=keepdims))


def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """True where every element over ``axis`` is nonzero.

    Parameters
    ----------
    x : Tensor, array or number
        The input (any dtype; nonzero counts as true).
    axis : int, tuple of int or None, default None
        Axes to reduce; ``None`` reduces all.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Tensor
        Boolean; not differentiable.

    Examples
    --------
    >>> import lucid
    >>> lucid.all(lucid.tensor([1.0, 2.0]))
    Tensor(True)
    >>> bool((lucid.tensor([1.0, 2.0]) == lucid.tensor([1.0, 2.0])).all())
    True
    """
    x = tensor_arg(x, "x")
    return Tensor._make(backend.xp_of(x.data).all(x.data, axis=normalize_axis(axis, x.ndim), keepdims=keepdims))
