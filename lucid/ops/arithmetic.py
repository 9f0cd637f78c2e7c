"""Arithmetic: + - * / ** and negation, out of place and in place.

Python numbers stay Python numbers (a float32 tensor times 2.0 stays
float32).  Each backward returns gradients of the broadcast shape; the
engine sums them down to each input's shape.
"""
from __future__ import annotations

import math

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.autograd.grad_mode import _state
from lucid.ops._args import operand
from lucid.tensor import Tensor


class Add(Function):
    """y = a + b;  dL/da = g,  dL/db = g"""

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """y = a - b;  dL/da = g,  dL/db = -g"""

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.needs_input_grad[1] else None


class Mul(Function):
    """y = a * b;  dL/da = g * b,  dL/db = g * a  (each side saved only if the other needs it)"""

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad or (False, False)
        ctx.save(b if need_a else None, a if need_b else None)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class Div(Function):
    """y = a / b;  dL/da = g / b,  dL/db = -g * a / b**2"""

    promote = (0, 1)
    floating = True

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad or (False, False)
        ctx.save(a if need_b else None, b if (need_a or need_b) else None)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        ga = grad / b if ctx.needs_input_grad[0] else None
        gb = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """y = a ** b;  dL/da = g * b * a**(b-1),  dL/db = g * y * log(a)  (0 where a == 0)"""

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        y = a ** b
        ctx.save(a, b, y if (ctx.needs_input_grad and ctx.needs_input_grad[1]) else None)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = grad * b * a ** (b - 1) if not (isinstance(b, (int, float)) and b == 2) else grad * 2 * a
        if ctx.needs_input_grad[1]:
            if isinstance(a, (int, float)):
                log_a = math.log(a) if a > 0 else (0.0 if a == 0 else math.nan)
            else:
                xp = backend.xp_of(a)
                log_a = xp.where(a == 0, 0.0, xp.log(xp.where(a == 0, 1.0, a)))
            gb = grad * y * log_a
        return ga, gb


class Neg(Function):
    """y = -x;  dL/dx = -g"""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return (-grad,)


def add(a, b) -> Tensor:
    """Elementwise ``a + b`` with broadcasting.

    .. math:: y = a + b, \\qquad \\frac{\\partial L}{\\partial a} = g, \\quad \\frac{\\partial L}{\\partial b} = g

    (each summed over the axes that broadcasting stretched).

    Examples
    --------
    >>> import lucid
    >>> lucid.add(lucid.tensor([1.0, 2.0]), 1.5)
    Tensor([2.5, 3.5])
    """
    return Add.apply(operand(a, "a"), operand(b, "b"))


def sub(a, b) -> Tensor:
    """Elementwise ``a - b``: :math:`\\partial L/\\partial a = g`, :math:`\\partial L/\\partial b = -g`.

    Examples
    --------
    >>> import lucid
    >>> lucid.sub(3.0, lucid.tensor([1.0, 2.0]))
    Tensor([2., 1.])
    """
    return Sub.apply(operand(a, "a"), operand(b, "b"))


def mul(a, b) -> Tensor:
    """Elementwise ``a * b``: :math:`\\partial L/\\partial a = g\\,b`, :math:`\\partial L/\\partial b = g\\,a`.

    Examples
    --------
    >>> import lucid
    >>> lucid.mul(lucid.tensor([1.0, 2.0]), lucid.tensor([[1.0], [3.0]]))
    Tensor([[1., 2.],
            [3., 6.]])
    """
    return Mul.apply(operand(a, "a"), operand(b, "b"))


def div(a, b) -> Tensor:
    """Elementwise ``a / b``: :math:`\\partial L/\\partial a = g/b`, :math:`\\partial L/\\partial b = -g\\,a/b^2`.

    Examples
    --------
    >>> import lucid
    >>> lucid.div(lucid.tensor([1.0, 3.0]), 2.0)
    Tensor([0.5, 1.5])
    """
    return Div.apply(operand(a, "a"), operand(b, "b"))


def pow(a, b) -> Tensor:  # noqa: A001 - the op's name
    """Elementwise ``a ** b``.

    .. math:: \\frac{\\partial L}{\\partial a} = g\\, b\\, a^{b-1}, \\qquad
              \\frac{\\partial L}{\\partial b} = g\\, a^{b} \\ln a \\quad (0 \\text{ where } a = 0)

    Examples
    --------
    >>> import lucid
    >>> lucid.pow(lucid.tensor([1.0, 2.0, 3.0]), 2)
    Tensor([1., 4., 9.])
    """
    return Pow.apply(operand(a, "a"), operand(b, "b"))


def neg(x) -> Tensor:
    """Elementwise ``-x``: :math:`\\partial L/\\partial x = -g`.

    Examples
    --------
    >>> import lucid
    >>> lucid.neg(lucid.tensor([1.0, -2.0]))
    Tensor([-1.,  2.])
    """
    return Neg.apply(operand(x, "x"))


# ------------------------------------------------------------------------------ in place
def _apply_in_place(target: Tensor, fn, other, name: str, check_shape: bool = True) -> Tensor:
    """Run ``fn(target, other)`` and write the result into ``target``'s array.

    Without a graph this is a plain in-place update.  With one, ``target``
    takes over the result's node, whose input is ``target`` as it was: the
    old value is kept only if the op's backward needs it.  The version
    counter goes up, so a backward that saved the old array notices.
    """
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: the target must be a Tensor, got {type(target).__name__}")
    other = operand(other, "other")
    recording = _state.enabled and (target.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
    if recording and target.is_leaf and target.requires_grad:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad cannot be changed in place (its gradient "
            f"would be wrong); wrap the update in `with lucid.no_grad():` or use an out-of-place op"
        )
    if recording and target.grad_fn is not None and target.grad_fn.fn.is_view:
        # the write would also change the viewed tensor, whose own graph would not know of it
        raise RuntimeError(
            f"{name}: cannot change in place a view ({target.grad_fn.fn.__name__}) of a tensor that is "
            f"part of the graph: its gradient would be wrong. Use an out-of-place op, or .clone() the view first"
        )
    other_shape = other.shape if isinstance(other, Tensor) else ()
    try:
        out_shape = np.broadcast_shapes(target.shape, other_shape)
    except ValueError:
        out_shape = None
    if check_shape and out_shape != target.shape:
        raise ValueError(
            f"{name}: the right-hand side of shape {other_shape} cannot be broadcast to the target's "
            f"shape {target.shape} for an in-place update"
        )
    if not recording:
        result = fn(Tensor._make(target.data), other.detach() if isinstance(other, Tensor) else other)
        _write(target, result.data, name)
        return target
    old = Tensor._make(target.data, target.requires_grad)
    old.grad_fn, old._version = target.grad_fn, [target._version[0]]
    result = fn(old, other)
    node = result.grad_fn
    if any(s is target.data for s in node.saved):
        # backward needs the old value (like y *= w needs y for dL/dw): keep a copy of it
        xp = backend.xp_of(target.data)
        node.saved = tuple(xp.asarray(s, copy=True) if s is target.data else s for s in node.saved)
    _write(target, result.data, name)
    if target._retains_grad:  # .grad is the gradient of the new value only, not also of the old one
        if target.grad_fn is not None:
            target.grad_fn.retained = None
        node.retained = target
    target.grad_fn, target.requires_grad = node, True
    return target


def _write(target: Tensor, values, name: str) -> None:
    if values.dtype != target.data.dtype and backend.to_numpy_dtype(values.dtype).kind != backend.to_numpy_dtype(target.data.dtype).kind:
        raise TypeError(
            f"{name}: the result has dtype {backend.to_numpy_dtype(values.dtype)}, which cannot be stored "
            f"in place in a tensor of dtype {target.dtype}"
        )
    if values is not target.data:
        xp = backend.xp_of(target.data)
        target.data[...] = xp.astype(values, target.data.dtype) if values.dtype != target.data.dtype else values
    target._version[0] += 1


def add_(target: Tensor, other) -> Tensor:
    """In-place ``target += other`` (also ``Tensor.__iadd__``). Returns ``target``."""
    return _apply_in_place(target, add, other, "add_ (+=)")


def sub_(target: Tensor, other) -> Tensor:
    """In-place ``target -= other``. Returns ``target``."""
    return _apply_in_place(target, sub, other, "sub_ (-=)")


def mul_(target: Tensor, other) -> Tensor:
    """In-place ``target *= other``. Returns ``target``."""
    return _apply_in_place(target, mul, other, "mul_ (*=)")


def div_(target: Tensor, other) -> Tensor:
    """In-place ``target /= other``. Returns ``target``."""
    return _apply_in_place(target, div, other, "div_ (/=)")
