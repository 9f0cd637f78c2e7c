"""Selection and comparison: maximum, minimum, clip, where; == != < <= > >= (no gradient)."""
from __future__ import annotations

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import number, operand, tensor_arg
from lucid.tensor import Tensor


class Maximum(Function):
    """y = max(a, b);  the gradient goes to the larger input, half to each at ties (as PyTorch)"""

    double_backward = True

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return backend.xp_of(a if not isinstance(a, (int, float)) else b).maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _split(ctx, grad, larger=True)


class Minimum(Function):
    """y = min(a, b);  the gradient goes to the smaller input, half to each at ties"""

    double_backward = True

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return backend.xp_of(a if not isinstance(a, (int, float)) else b).minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _split(ctx, grad, larger=False)


def _split(ctx, grad, larger: bool):
    """PyTorch's rule: g to the winner, g/2 to each at a tie, 0 to the loser.

    With a NaN neither input loses (NaN compares false), so both get g, as in
    PyTorch; the loser's 0 is exact even where g is inf or NaN.
    """
    a, b = ctx.saved
    xp = backend.xp_of(grad)
    zero = xp.zeros_like(grad)
    shared = xp.where(a == b, grad / 2, grad)
    ga = xp.where((a < b) if larger else (a > b), zero, shared) if ctx.needs_input_grad[0] else None
    gb = xp.where((a > b) if larger else (a < b), zero, shared) if ctx.needs_input_grad[1] else None
    return ga, gb


class Clip(Function):
    """y = min(max(x, lo), hi);  dL/dx = g where lo <= x <= hi, else 0"""

    double_backward = True

    promote = (0, 1, 2)  # an int tensor clipped to float bounds becomes float, as in NumPy

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = backend.xp_of(x)
        ctx.save(x)
        ctx.lo, ctx.hi = lo, hi
        return xp.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = backend.xp_of(x)
        inside = xp.ones(x.shape, dtype=xp.bool, **backend.device_kwargs(x))
        if ctx.lo is not None:
            inside = inside & (x >= ctx.lo)
        if ctx.hi is not None:
            inside = inside & (x <= ctx.hi)
        return xp.where(inside, grad, 0.0), None, None


class Where(Function):
    """y = a where cond else b;  dL/da = g where cond, dL/db = g elsewhere"""

    double_backward = True

    promote = (1, 2)

    @staticmethod
    def forward(ctx, cond, a, b):
        xp = backend.xp_of(cond)
        ctx.save(cond)
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved
        xp = backend.xp_of(grad)
        ga = xp.where(cond, grad, 0.0) if ctx.needs_input_grad[1] else None
        gb = xp.where(cond, 0.0, grad) if ctx.needs_input_grad[2] else None
        return None, ga, gb




def maximum(a, b) -> Tensor:
    """Elementwise maximum of ``a`` and ``b``, with broadcasting.

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands whose shapes broadcast; at least one must be a Tensor.

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted dtype.

    Raises
    ------
    TypeError
        If neither argument is a Tensor.

    Notes
    -----
    .. math:: y = \\max(a, b), \\qquad
              \\frac{\\partial L}{\\partial a} = g\\,\\bigl([a > b] + \\tfrac12 [a = b]\\bigr), \\qquad
              \\frac{\\partial L}{\\partial b} = g\\,\\bigl([a < b] + \\tfrac12 [a = b]\\bigr)

    At a tie the gradient is split in half between the two inputs, as in
    PyTorch. This is the elementwise maximum of two tensors; the maximum
    *over an axis* is :func:`max`.

    Examples
    --------
    >>> import lucid
    >>> a = lucid.tensor([1.0, 4.0, 2.0], requires_grad=True)
    >>> y = lucid.maximum(a, lucid.tensor([3.0, 2.0, 2.0]))
    >>> y
    Tensor([3., 4., 2.], grad_fn=<MaximumBackward>)
    >>> y.sum().backward()
    >>> a.grad
    array([0. , 1. , 0.5], dtype=float32)
    """
    a, b = operand(a, "a"), operand(b, "b")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("maximum: at least one argument must be a Tensor")
    return Maximum.apply(a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum of ``a`` and ``b``, with broadcasting.

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands whose shapes broadcast; at least one must be a Tensor.

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted dtype.

    Raises
    ------
    TypeError
        If neither argument is a Tensor.

    Notes
    -----
    .. math:: y = \\min(a, b), \\qquad
              \\frac{\\partial L}{\\partial a} = g\\,\\bigl([a < b] + \\tfrac12 [a = b]\\bigr), \\qquad
              \\frac{\\partial L}{\\partial b} = g\\,\\bigl([a > b] + \\tfrac12 [a = b]\\bigr)

    Ties split the gradient in half (see :func:`maximum`).

    Examples
    --------
    >>> import lucid
    >>> a = lucid.tensor([1.0, 4.0], requires_grad=True)
    >>> y = lucid.minimum(a, 2.0)
    >>> y
    Tensor([1., 2.], grad_fn=<MinimumBackward>)
    >>> y.sum().backward()
    >>> a.grad
    array([1., 0.], dtype=float32)
    """
    a, b = operand(a, "a"), operand(b, "b")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("minimum: at least one argument must be a Tensor")
    return Minimum.apply(a, b)


def clip(x, min=None, max=None) -> Tensor:  # noqa: A002 - NumPy's and PyTorch's names
    """Limit values to the interval ``[min, max]`` (also ``lucid.clamp``).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    min : float or int, optional
        Lower bound; ``None`` for none.
    max : float or int, optional
        Upper bound; ``None`` for none. At least one bound must be given.
        Bounds are numbers; for tensor bounds use :func:`maximum` and :func:`minimum`.

    Returns
    -------
    Tensor
        Same shape as ``x`` (an int tensor with float bounds becomes float, as in NumPy).

    Raises
    ------
    ValueError
        If both bounds are ``None``.
    TypeError
        If a bound is not a number.

    Notes
    -----
    .. math:: y = \\min(\\max(x, \\text{min}), \\text{max}), \\qquad
              \\frac{\\partial L}{\\partial x} = g\\,[\\text{min} \\le x \\le \\text{max}]

    At a bound (:math:`x = \\text{min}` or :math:`x = \\text{max}`) the gradient passes, as in PyTorch.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    >>> y = lucid.clip(x, -1.0, 1.0)
    >>> y
    Tensor([-1. ,  0.5,  1. ], grad_fn=<ClipBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([0., 1., 0.], dtype=float32)
    """
    x = tensor_arg(x, "x")
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    for name, v in (("min", min), ("max", max)):
        if isinstance(v, Tensor) or backend.is_array(v):
            raise TypeError(f"clip: {name} must be a number or None, got {type(v).__name__}; "
                            f"use lucid.maximum/minimum for tensors")
    lo = None if min is None else number(min, "clip: min")  # ints stay ints (an int tensor stays int)
    hi = None if max is None else number(max, "clip: max")
    return Clip.apply(x, lo, hi)


def where(condition, a, b) -> Tensor:
    """Choose elementwise: ``a`` where ``condition`` is true, else ``b``.

    Parameters
    ----------
    condition : Tensor or array of bool
        The mask (for example ``x > 0``).
    a, b : Tensor, array or number
        The values; ``condition``, ``a`` and ``b`` broadcast together.

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted dtype of ``a`` and ``b``.

    Raises
    ------
    TypeError
        If ``condition`` is not boolean.

    Notes
    -----
    With :math:`c` the condition:

    .. math:: y = \\begin{cases} a & c \\\\ b & \\lnot c \\end{cases}, \\qquad
              \\frac{\\partial L}{\\partial a} = g\\,[c], \\qquad
              \\frac{\\partial L}{\\partial b} = g\\,[\\lnot c]

    (each summed over broadcast axes); ``condition`` gets no gradient.
    Beware: a ``nan`` or ``inf`` in the branch *not* taken does not show in
    :math:`y`, but it can in the gradient: in ``where(x > 0, log(x), 0.0)``
    the backward of :func:`log` computes :math:`0 / x`, which is ``nan`` at
    :math:`x = 0`. Make the unused branch safe instead, e.g.
    ``log(where(x > 0, x, 1.0))``.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([-1.0, 2.0], requires_grad=True)
    >>> y = lucid.where(x > 0, x, 0.0)
    >>> y
    Tensor([0., 2.], grad_fn=<WhereBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([0., 1.], dtype=float32)
    """
    condition = tensor_arg(condition, "condition")
    if condition.dtype.kind != "b":
        raise TypeError(f"where: condition must be a boolean tensor, got dtype {condition.dtype}")
    a, b = operand(a, "a"), operand(b, "b")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two numbers: make one a tensor (float32 or int64)
        a = Tensor(a, device=condition.device)
    return Where.apply(condition, a, b)


def _compare(name: str, a, b) -> Tensor:
    a, b = operand(a, "a"), operand(b, "b")
    arrays = [t.data for t in (a, b) if isinstance(t, Tensor)]
    if len(arrays) == 2 and type(arrays[0]) is not type(arrays[1]):
        raise RuntimeError(f"{name}: tensors on different devices ({a.device} and {b.device})")
    xp = backend.xp_of(arrays[0])
    fn = getattr(xp, name)
    return Tensor._make(fn(a.data if isinstance(a, Tensor) else a, b.data if isinstance(b, Tensor) else b))


def eq(a, b) -> Tensor:
    """Elementwise ``a == b`` as a boolean tensor (also the ``==`` operator).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands whose shapes broadcast.

    Returns
    -------
    Tensor
        Boolean, of the broadcast shape. Not differentiable: the result has
        no ``grad_fn`` (a step function's derivative is 0 almost everywhere).

    Notes
    -----
    Unlike Python objects, ``==`` on tensors compares elementwise (as in NumPy
    and PyTorch); use ``bool((a == b).all())`` for one answer.

    Examples
    --------
    >>> import lucid
    >>> lucid.eq(lucid.tensor([1.0, 2.0, 3.0]), 2.0)
    Tensor([False,  True, False])
    >>> lucid.tensor([1.0, 2.0, 3.0]) == 2.0
    Tensor([False,  True, False])
    """
    return _compare("equal", a, b)


def ne(a, b) -> Tensor:
    """Elementwise ``a != b`` as a boolean tensor (also the ``!=`` operator).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands whose shapes broadcast.

    Returns
    -------
    Tensor
        Boolean, of the broadcast shape. Not differentiable: the result has
        no ``grad_fn`` (a step function's derivative is 0 almost everywhere).

    Notes
    -----
    Unlike Python objects, ``==`` on tensors compares elementwise (as in NumPy
    and PyTorch); use ``bool((a == b).all())`` for one answer.

    Examples
    --------
    >>> import lucid
    >>> lucid.ne(lucid.tensor([1.0, 2.0, 3.0]), 2.0)
    Tensor([ True, False,  True])
    >>> lucid.tensor([1.0, 2.0, 3.0]) != 2.0
    Tensor([ True, False,  True])
    """
    return _compare("not_equal", a, b)


def lt(a, b) -> Tensor:
    """Elementwise ``a < b`` as a boolean tensor (also the ``<`` operator).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands whose shapes broadcast.

    Returns
    -------
    Tensor
        Boolean, of the broadcast shape. Not differentiable: the result has
        no ``grad_fn`` (a step function's derivative is 0 almost everywhere).

    Notes
    -----
    Unlike Python objects, ``==`` on tensors compares elementwise (as in NumPy
    and PyTorch); use ``bool((a == b).all())`` for one answer.

    Examples
    --------
    >>> import lucid
    >>> lucid.lt(lucid.tensor([1.0, 2.0, 3.0]), 2.0)
    Tensor([ True, False, False])
    >>> lucid.tensor([1.0, 2.0, 3.0]) < 2.0
    Tensor([ True, False, False])
    """
    return _compare("less", a, b)


def le(a, b) -> Tensor:
    """Elementwise ``a <= b`` as a boolean tensor (also the ``<=`` operator).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands whose shapes broadcast.

    Returns
    -------
    Tensor
        Boolean, of the broadcast shape. Not differentiable: the result has
        no ``grad_fn`` (a step function's derivative is 0 almost everywhere).

    Notes
    -----
    Unlike Python objects, ``==`` on tensors compares elementwise (as in NumPy
    and PyTorch); use ``bool((a == b).all())`` for one answer.

    Examples
    --------
    >>> import lucid
    >>> lucid.le(lucid.tensor([1.0, 2.0, 3.0]), 2.0)
    Tensor([ True,  True, False])
    >>> lucid.tensor([1.0, 2.0, 3.0]) <= 2.0
    Tensor([ True,  True, False])
    """
    return _compare("less_equal", a, b)


def gt(a, b) -> Tensor:
    """Elementwise ``a > b`` as a boolean tensor (also the ``>`` operator).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands whose shapes broadcast.

    Returns
    -------
    Tensor
        Boolean, of the broadcast shape. Not differentiable: the result has
        no ``grad_fn`` (a step function's derivative is 0 almost everywhere).

    Notes
    -----
    Unlike Python objects, ``==`` on tensors compares elementwise (as in NumPy
    and PyTorch); use ``bool((a == b).all())`` for one answer.

    Examples
    --------
    >>> import lucid
    >>> lucid.gt(lucid.tensor([1.0, 2.0, 3.0]), 2.0)
    Tensor([False, False,  True])
    >>> lucid.tensor([1.0, 2.0, 3.0]) > 2.0
    Tensor([False, False,  True])
    """
    return _compare("greater", a, b)


def ge(a, b) -> Tensor:
    """Elementwise ``a >= b`` as a boolean tensor (also the ``>=`` operator).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands whose shapes broadcast.

    Returns
    -------
    Tensor
        Boolean, of the broadcast shape. Not differentiable: the result has
        no ``grad_fn`` (a step function's derivative is 0 almost everywhere).

    Notes
    -----
    Unlike Python objects, ``==`` on tensors compares elementwise (as in NumPy
    and PyTorch); use ``bool((a == b).all())`` for one answer.

    Examples
    --------
    >>> import lucid
    >>> lucid.ge(lucid.tensor([1.0, 2.0, 3.0]), 2.0)
    Tensor([False,  True,  True])
    >>> lucid.tensor([1.0, 2.0, 3.0]) >= 2.0
    Tensor([False,  True,  True])
    """
    return _compare("greater_equal", a, b)


def _boolean(name: str, *args) -> Tensor:
    tensors = [operand(a, "a") for a in args] if len(args) == 2 else [tensor_arg(args[0], "a")]
    for t in tensors:
        if isinstance(t, Tensor) and t.dtype.kind != "b":
            raise TypeError(f"{name}: expects boolean tensors (e.g. the result of x > 0), got dtype {t.dtype}")
    if len(tensors) == 1:
        return Tensor._make(backend.xp_of(tensors[0].data).logical_not(tensors[0].data))
    return _compare(name, *tensors)


def logical_and(a, b) -> Tensor:
    """Elementwise AND of boolean tensors (also ``a & b``); no gradient.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([-1.0, 0.5, 2.0])
    >>> (x > 0) & (x < 1)
    Tensor([False,  True, False])
    """
    return _boolean("logical_and", a, b)


def logical_or(a, b) -> Tensor:
    """Elementwise OR of boolean tensors (also ``a | b``); no gradient.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([-1.0, 0.5, 2.0])
    >>> (x < 0) | (x > 1)
    Tensor([ True, False,  True])
    """
    return _boolean("logical_or", a, b)


def logical_xor(a, b) -> Tensor:
    """Elementwise XOR of boolean tensors (also ``a ^ b``); no gradient.

    Examples
    --------
    >>> import lucid
    >>> lucid.tensor([True, False]) ^ lucid.tensor([True, True])
    Tensor([False,  True])
    """
    return _boolean("logical_xor", a, b)


def logical_not(a) -> Tensor:
    """Elementwise NOT of a boolean tensor (also ``~a``); no gradient.

    Examples
    --------
    >>> import lucid
    >>> ~lucid.tensor([True, False])
    Tensor([False,  True])
    """
    return _boolean("logical_not", a)
