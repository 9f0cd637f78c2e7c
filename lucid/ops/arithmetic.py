"""Arithmetic: + - * / ** and negation, out of place and in place.

Python numbers stay Python numbers (a float32 tensor times 2.0 stays
float32).  Each backward returns gradients of the broadcast shape; the
engine sums them down to each input's shape.
"""
from __future__ import annotations

import math

import numpy as np

from lucid import backend
from lucid.autograd.engine import sum_product_to_shape
from lucid.autograd import views
from lucid.autograd.function import Function, move_retained_grad
from lucid.autograd.grad_mode import _state
from lucid.ops._args import operand
from lucid.tensor import Tensor


class Add(Function):
    """y = a + b;  dL/da = g,  dL/db = g"""

    double_backward = True

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """y = a - b;  dL/da = g,  dL/db = -g"""

    double_backward = True

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.needs_input_grad[1] else None


class Mul(Function):
    """y = a * b;  dL/da = g * b,  dL/db = g * a  (each side saved only if the other needs it)"""

    double_backward = True

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad or (False, False)
        ctx.save(b if need_a else None, a if need_b else None)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved
        ga = sum_product_to_shape(grad, b, ctx.shapes[0]) if b is not None else None
        gb = sum_product_to_shape(grad, a, ctx.shapes[1]) if a is not None else None
        return ga, gb


class Div(Function):
    """y = a / b;  dL/da = g / b,  dL/db = -g * a / b**2"""

    double_backward = True

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
    """y = a ** b;  dL/da = g * b * a**(b-1) (0 where b == 0),  dL/db = g * y * log(a) (0 where a == 0 and b >= 0)

    The two special cases are PyTorch's: ``x ** 0`` is constant (gradient 0,
    not ``0 * 0**-1 = nan`` at 0), and ``0 ** b`` for b >= 0 has no useful
    dependence on b (``y * log(0)`` would be ``0 * -inf = nan``).
    """

    double_backward = True

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
            if isinstance(b, (int, float)):
                if b == 0:
                    ga = backend.xp_of(grad).zeros_like(grad * a)
                else:
                    ga = grad * 2 * a if b == 2 else grad * b * a ** (b - 1)
            else:
                xp = backend.xp_of(b)
                ga = xp.where(b == 0, 0.0, grad * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            xp = backend.xp_of(b)
            if isinstance(a, (int, float)):
                log_a = math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan)
                gb = grad * y * log_a
                if a == 0:
                    gb = xp.where(b >= 0, 0.0, gb)
            else:
                gb = xp.where((a == 0) & (b >= 0), 0.0, grad * y * xp.log(a))
        return ga, gb


class Neg(Function):
    """y = -x;  dL/dx = -g"""

    double_backward = True

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return (-grad,)


def add(a, b) -> Tensor:
    """Elementwise sum ``a + b`` with broadcasting (also ``a + b`` on tensors).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands; their shapes must broadcast (NumPy rules). A Python number
        is a *weak* scalar: it does not change the tensor's dtype.

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted dtype.

    Notes
    -----
    Forward, with :math:`a` and :math:`b` broadcast to the output shape:

    .. math:: y = a + b

    Backward, with :math:`g = \\partial L / \\partial y`:

    .. math:: \\frac{\\partial L}{\\partial a} = g, \\qquad \\frac{\\partial L}{\\partial b} = g,

    each then summed over the axes that broadcasting added or stretched, so it
    has its input's shape (the engine does this for every op).

    Examples
    --------
    >>> import lucid
    >>> a = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> y = lucid.add(a, 1.5)
    >>> y
    Tensor([2.5, 3.5], grad_fn=<AddBackward>)
    >>> y.sum().backward()
    >>> a.grad
    array([1., 1.], dtype=float32)
    """
    return Add.apply(operand(a, "a"), operand(b, "b"))


def sub(a, b) -> Tensor:
    """Elementwise difference ``a - b`` with broadcasting (also ``a - b``).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands; their shapes must broadcast (NumPy rules). A Python number
        is a *weak* scalar: it does not change the tensor's dtype.

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted dtype.

    Notes
    -----
    .. math:: y = a - b, \\qquad
              \\frac{\\partial L}{\\partial a} = g, \\qquad \\frac{\\partial L}{\\partial b} = -g

    (summed over broadcast axes, see :func:`add`).

    Examples
    --------
    >>> import lucid
    >>> b = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> y = lucid.sub(3.0, b)
    >>> y
    Tensor([2., 1.], grad_fn=<SubBackward>)
    >>> y.sum().backward()
    >>> b.grad
    array([-1., -1.], dtype=float32)
    """
    return Sub.apply(operand(a, "a"), operand(b, "b"))


def mul(a, b) -> Tensor:
    """Elementwise product ``a * b`` with broadcasting (also ``a * b``).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands; their shapes must broadcast (NumPy rules). A Python number
        is a *weak* scalar: it does not change the tensor's dtype.

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted dtype.

    Notes
    -----
    .. math:: y = a\\,b, \\qquad
              \\frac{\\partial L}{\\partial a} = g\\,b, \\qquad \\frac{\\partial L}{\\partial b} = g\\,a

    (products elementwise, then summed over broadcast axes). Each operand is
    saved only when the *other* one needs a gradient: ``x * 2`` saves nothing.

    Examples
    --------
    >>> import lucid
    >>> a = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> b = lucid.tensor([[1.0], [3.0]])
    >>> y = lucid.mul(a, b)
    >>> y.shape
    (2, 2)
    >>> y.sum().backward()
    >>> a.grad                     # sum over the broadcast rows of b
    array([4., 4.], dtype=float32)
    """
    return Mul.apply(operand(a, "a"), operand(b, "b"))


def div(a, b) -> Tensor:
    """Elementwise true division ``a / b`` with broadcasting (also ``a / b``).

    Parameters
    ----------
    a, b : Tensor, array or number
        Operands; their shapes must broadcast (NumPy rules). A Python number
        is a *weak* scalar: it does not change the tensor's dtype.

    Returns
    -------
    Tensor
        Of the broadcast shape and the promoted floating dtype (integers give float64, as in NumPy).

    Notes
    -----
    .. math:: y = \\frac{a}{b}, \\qquad
              \\frac{\\partial L}{\\partial a} = \\frac{g}{b}, \\qquad
              \\frac{\\partial L}{\\partial b} = -\\frac{g\\,a}{b^2}

    Division by zero gives ``inf`` or ``nan`` as in NumPy (no error).

    Examples
    --------
    >>> import lucid
    >>> b = lucid.tensor([2.0, 4.0], requires_grad=True)
    >>> y = lucid.div(lucid.tensor([1.0, 2.0]), b)
    >>> y
    Tensor([0.5, 0.5], grad_fn=<DivBackward>)
    >>> y.sum().backward()
    >>> b.grad
    array([-0.25 , -0.125], dtype=float32)
    """
    return Div.apply(operand(a, "a"), operand(b, "b"))


def pow(a, b) -> Tensor:  # noqa: A001 - the op's name
    """Elementwise power ``a ** b`` with broadcasting (also ``a ** b``).

    Parameters
    ----------
    a : Tensor, array or number
        The base.
    b : Tensor, array or number
        The exponent; shapes must broadcast with ``a``.

    Returns
    -------
    Tensor
        Of the broadcast shape.

    Notes
    -----
    .. math:: y = a^{b}, \\qquad
              \\frac{\\partial L}{\\partial a} = g\\, b\\, a^{b-1}, \\qquad
              \\frac{\\partial L}{\\partial b} = g\\, a^{b} \\ln a

    The special points follow PyTorch:

    - :math:`b = 0`: :math:`y = 1` whatever :math:`a`, so :math:`\\partial L/\\partial a = 0`
      (also at :math:`a = 0`, where :math:`b\\,a^{b-1}` would be :math:`0 \\cdot \\infty`).
    - :math:`a = 0,\\ b > 0`: :math:`\\partial L/\\partial a = g\\,b\\,0^{b-1}`, that is 0 for
      :math:`b > 1`, :math:`g` for :math:`b = 1` and :math:`+\\infty \\cdot g` for :math:`0 < b < 1`.
    - :math:`a = 0,\\ b < 0`: :math:`y = \\infty` and :math:`\\partial L/\\partial a = g\\,b\\,0^{b-1}`
      (:math:`\\mp\\infty`).
    - :math:`\\partial L/\\partial b` is 0 where :math:`a = 0` and :math:`b \\ge 0` (the limit of
      :math:`a^b \\ln a`); where :math:`a = 0` and :math:`b < 0` it is :math:`g \\cdot \\infty \\cdot (-\\infty)
      = -\\infty \\cdot g`; for :math:`a < 0` it is ``nan``. A negative base with a non-integer
      exponent gives ``nan``.

    Examples
    --------
    >>> import lucid
    >>> a = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = lucid.pow(a, 2)
    >>> y
    Tensor([1., 4., 9.], grad_fn=<PowBackward>)
    >>> y.sum().backward()
    >>> a.grad
    array([2., 4., 6.], dtype=float32)
    """
    return Pow.apply(operand(a, "a"), operand(b, "b"))


def neg(x) -> Tensor:
    """Elementwise negation ``-x``.

    Parameters
    ----------
    x : Tensor, array or number
        The input.

    Returns
    -------
    Tensor
        Same shape and dtype as ``x``.

    Notes
    -----
    .. math:: y = -x, \\qquad \\frac{\\partial L}{\\partial x} = -g

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
    counter goes up, so a backward that saved the old array notices, and
    every other view of the same memory takes the new graph when next used.
    A write through a view also gives its base a new node
    (:func:`lucid.autograd.views.write_through_view`), as in PyTorch.
    """
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: the target must be a Tensor, got {type(target).__name__}")
    other = operand(other, "other")
    grad_on = _state.enabled
    view = target._view
    if view is not None and grad_on and views.is_stale(target):
        views.refresh(target)
    if backend.has_internal_overlap(target.data):
        raise RuntimeError(
            f"{name}: the target is an expanded view in which several elements are one memory "
            f"location, so an in-place write is ambiguous; .clone() it first"
        )
    if not backend.is_writeable(target.data):
        raise RuntimeError(
            f"{name}: the target's memory is read-only (an expanded view of a non-contiguous tensor, or an "
            f"array NumPy marked read-only); .clone() it first"
        )
    other_grad = isinstance(other, Tensor) and other.requires_grad
    recording = grad_on and (target.requires_grad or other_grad)
    if grad_on and view is not None and view.made_without_grad and (view.base.requires_grad or other_grad):
        raise RuntimeError(
            f"{name}: this view was taken inside no_grad from a tensor that requires grad, and is now "
            f"changed in place with grad mode on: its base's gradient could not know. Take the view "
            f"outside no_grad, or change it inside the no_grad block"
        )
    if recording and target.is_leaf and target.requires_grad:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad cannot be changed in place (its gradient "
            f"would be wrong); wrap the update in `with lucid.no_grad():` or use an out-of-place op"
        )
    if recording and view is not None and view.base.is_leaf and view.base.requires_grad:
        raise RuntimeError(
            f"{name}: a view of a leaf tensor that requires grad cannot be changed in place (the "
            f"leaf's gradient would be wrong); wrap the update in `with lucid.no_grad():`, or "
            f".clone() the leaf and change the clone"
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
    if view is not None:  # the base's memory changed too: it takes a node that knows, and the view follows
        views.write_through_view(target, result)
        return target
    move_retained_grad(target, target.grad_fn, node)  # .grad is the gradient of the new value only
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
    """In-place ``target += other`` (``Tensor.__iadd__``); returns ``target``.

    Parameters
    ----------
    target : Tensor
        The tensor to update. Its shape and dtype do not change.
    other : Tensor, array or number
        Must broadcast to ``target``'s shape.

    Returns
    -------
    Tensor
        ``target`` itself, holding the new values.

    Raises
    ------
    ValueError
        If ``other`` does not broadcast to ``target.shape``.
    TypeError
        If the result's dtype kind cannot be stored in ``target`` (a float
        result into an int tensor).
    RuntimeError
        If ``target`` is a leaf that requires grad (wrap the update in
        :class:`lucid.no_grad`), or a view of a tensor in the graph.

    Notes
    -----
    The forward and backward are those of :func:`add`: the new value is
    :math:`a' = a + b` and :math:`\\partial L/\\partial a = \\partial L/\\partial b = g`, and ``target`` takes over that op's graph node, whose input is the
    old value of ``target``. The version counter of ``target`` goes up, so a
    backward that had saved the old array raises an error instead of using
    changed numbers.

    Examples
    --------
    >>> import lucid
    >>> t = lucid.tensor([1.0, 2.0])
    >>> lucid.add_(t, 1.0)
    Tensor([2., 3.])
    >>> t
    Tensor([2., 3.])
    """
    return _apply_in_place(target, add, other, "add_ (+=)")


def sub_(target: Tensor, other) -> Tensor:
    """In-place ``target -= other`` (``Tensor.__isub__``); returns ``target``.

    Parameters
    ----------
    target : Tensor
        The tensor to update. Its shape and dtype do not change.
    other : Tensor, array or number
        Must broadcast to ``target``'s shape.

    Returns
    -------
    Tensor
        ``target`` itself, holding the new values.

    Raises
    ------
    ValueError
        If ``other`` does not broadcast to ``target.shape``.
    TypeError
        If the result's dtype kind cannot be stored in ``target`` (a float
        result into an int tensor).
    RuntimeError
        If ``target`` is a leaf that requires grad (wrap the update in
        :class:`lucid.no_grad`), or a view of a tensor in the graph.

    Notes
    -----
    The forward and backward are those of :func:`sub`: the new value is
    :math:`a' = a - b`, with :math:`\\partial L/\\partial a = g`, :math:`\\partial L/\\partial b = -g`, and ``target`` takes over that op's graph node, whose input is the
    old value of ``target``. The version counter of ``target`` goes up, so a
    backward that had saved the old array raises an error instead of using
    changed numbers.

    Examples
    --------
    >>> import lucid
    >>> t = lucid.tensor([1.0, 2.0])
    >>> lucid.sub_(t, 1.0)
    Tensor([0., 1.])
    >>> t
    Tensor([0., 1.])
    """
    return _apply_in_place(target, sub, other, "sub_ (-=)")


def mul_(target: Tensor, other) -> Tensor:
    """In-place ``target *= other`` (``Tensor.__imul__``); returns ``target``.

    Parameters
    ----------
    target : Tensor
        The tensor to update. Its shape and dtype do not change.
    other : Tensor, array or number
        Must broadcast to ``target``'s shape.

    Returns
    -------
    Tensor
        ``target`` itself, holding the new values.

    Raises
    ------
    ValueError
        If ``other`` does not broadcast to ``target.shape``.
    TypeError
        If the result's dtype kind cannot be stored in ``target`` (a float
        result into an int tensor).
    RuntimeError
        If ``target`` is a leaf that requires grad (wrap the update in
        :class:`lucid.no_grad`), or a view of a tensor in the graph.

    Notes
    -----
    The forward and backward are those of :func:`mul`: the new value is
    :math:`a' = a\\,b`, with :math:`\\partial L/\\partial a = g\\,b`, :math:`\\partial L/\\partial b = g\\,a` (the old :math:`a` is kept only if :math:`b` needs a gradient), and ``target`` takes over that op's graph node, whose input is the
    old value of ``target``. The version counter of ``target`` goes up, so a
    backward that had saved the old array raises an error instead of using
    changed numbers.

    Examples
    --------
    >>> import lucid
    >>> t = lucid.tensor([1.0, 2.0])
    >>> lucid.mul_(t, 3.0)
    Tensor([3., 6.])
    >>> t
    Tensor([3., 6.])
    """
    return _apply_in_place(target, mul, other, "mul_ (*=)")


def div_(target: Tensor, other) -> Tensor:
    """In-place ``target /= other`` (``Tensor.__itruediv__``); returns ``target``.

    Parameters
    ----------
    target : Tensor
        The tensor to update. Its shape and dtype do not change.
    other : Tensor, array or number
        Must broadcast to ``target``'s shape.

    Returns
    -------
    Tensor
        ``target`` itself, holding the new values.

    Raises
    ------
    ValueError
        If ``other`` does not broadcast to ``target.shape``.
    TypeError
        If the result's dtype kind cannot be stored in ``target`` (a float
        result into an int tensor).
    RuntimeError
        If ``target`` is a leaf that requires grad (wrap the update in
        :class:`lucid.no_grad`), or a view of a tensor in the graph.

    Notes
    -----
    The forward and backward are those of :func:`div`: the new value is
    :math:`a' = a / b`, with :math:`\\partial L/\\partial a = g/b`, :math:`\\partial L/\\partial b = -g\\,a/b^2`, and ``target`` takes over that op's graph node, whose input is the
    old value of ``target``. The version counter of ``target`` goes up, so a
    backward that had saved the old array raises an error instead of using
    changed numbers.

    Examples
    --------
    >>> import lucid
    >>> t = lucid.tensor([1.0, 2.0])
    >>> lucid.div_(t, 2.0)
    Tensor([0.5, 1. ])
    >>> t
    Tensor([0.5, 1. ])
    """
    return _apply_in_place(target, div, other, "div_ (/=)")
