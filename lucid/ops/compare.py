"""Selection and comparison: maximum, minimum, clip, where; == != < <= > >= (no gradient)."""
from __future__ import annotations

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import operand, tensor_arg
from lucid.tensor import Tensor


class Maximum(Function):
    """y = max(a, b);  the gradient goes to the larger input, half to each at ties (as PyTorch)"""

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

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save(a, b)
        return backend.xp_of(a if not isinstance(a, (int, float)) else b).minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _split(ctx, grad, larger=False)


def _split(ctx, grad, larger: bool):
    a, b = ctx.saved
    xp = backend.xp_of(grad)
    wins = (a > b) if larger else (a < b)
    share_a = xp.astype(wins, grad.dtype) + 0.5 * xp.astype(a == b, grad.dtype)  # 1, 1/2 at ties, else 0
    return grad * share_a, grad * (1 - share_a)


class Clip(Function):
    """y = min(max(x, lo), hi);  dL/dx = g where lo <= x <= hi, else 0"""

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
        inside = xp.ones(x.shape, dtype=xp.bool, **_dev(x))
        if ctx.lo is not None:
            inside = inside & (x >= ctx.lo)
        if ctx.hi is not None:
            inside = inside & (x <= ctx.hi)
        return xp.where(inside, grad, 0.0), None, None


class Where(Function):
    """y = a where cond else b;  dL/da = g where cond, dL/db = g elsewhere"""

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


def _dev(x):
    dev = backend.array_device(x)
    return {} if dev is None else {"device": dev}


def maximum(a, b) -> Tensor:
    """Elementwise maximum of ``a`` and ``b`` (broadcast).

    .. math:: y = \\max(a, b), \\qquad \\frac{\\partial L}{\\partial a} = g\\,\\bigl([a > b] + \\tfrac12 [a = b]\\bigr)

    and symmetrically for ``b``: ties split the gradient in half, as in PyTorch.

    Examples
    --------
    >>> import lucid
    >>> lucid.maximum(lucid.tensor([1.0, 4.0]), lucid.tensor([3.0, 2.0]))
    Tensor([3., 4.])
    """
    a, b = operand(a, "a"), operand(b, "b")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("maximum: at least one argument must be a Tensor")
    return Maximum.apply(a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum; ties split the gradient in half (see :func:`maximum`).

    Examples
    --------
    >>> import lucid
    >>> lucid.minimum(lucid.tensor([1.0, 4.0]), 2.0)
    Tensor([1., 2.])
    """
    a, b = operand(a, "a"), operand(b, "b")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("minimum: at least one argument must be a Tensor")
    return Minimum.apply(a, b)


def clip(x, min=None, max=None) -> Tensor:  # noqa: A002 - NumPy's and PyTorch's names
    """Limit values to ``[min, max]`` (either may be None).

    .. math:: y = \\min(\\max(x, \\text{min}), \\text{max}), \\qquad
              \\frac{\\partial L}{\\partial x} = g\\,[\\text{min} \\le x \\le \\text{max}]

    Examples
    --------
    >>> import lucid
    >>> lucid.clip(lucid.tensor([-2.0, 0.5, 3.0]), -1.0, 1.0)
    Tensor([-1. ,  0.5,  1. ])
    """
    x = tensor_arg(x, "x")
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    for name, v in (("min", min), ("max", max)):
        if v is not None and not isinstance(v, (int, float)):
            raise TypeError(f"clip: {name} must be a number or None, got {type(v).__name__}; use lucid.maximum/minimum for tensors")
    bound = lambda v: v if v is None or type(v) is int else float(v)  # noqa: E731 - ints stay ints
    return Clip.apply(x, bound(min), bound(max))


def where(condition, a, b) -> Tensor:
    """Pick ``a`` where ``condition`` is true, else ``b`` (all three broadcast).

    .. math:: \\frac{\\partial L}{\\partial a} = g\\,[c], \\qquad \\frac{\\partial L}{\\partial b} = g\\,[\\lnot c]

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([-1.0, 2.0])
    >>> lucid.where(x > 0, x, 0.0)
    Tensor([0., 2.])
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
    """Elementwise ``a == b`` as a boolean tensor (no gradient).

    Examples
    --------
    >>> import lucid
    >>> lucid.tensor([1.0, 2.0]) == 2.0
    Tensor([False,  True])
    """
    return _compare("equal", a, b)


def ne(a, b) -> Tensor:
    """Elementwise ``a != b`` (boolean, no gradient)."""
    return _compare("not_equal", a, b)


def lt(a, b) -> Tensor:
    """Elementwise ``a < b`` (boolean, no gradient)."""
    return _compare("less", a, b)


def le(a, b) -> Tensor:
    """Elementwise ``a <= b`` (boolean, no gradient)."""
    return _compare("less_equal", a, b)


def gt(a, b) -> Tensor:
    """Elementwise ``a > b`` (boolean, no gradient)."""
    return _compare("greater", a, b)


def ge(a, b) -> Tensor:
    """Elementwise ``a >= b`` (boolean, no gradient)."""
    return _compare("greater_equal", a, b)
