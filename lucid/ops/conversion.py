"""Copies and conversions that stay in the graph: clone, astype, to_device."""
from __future__ import annotations

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor


class Clone(Function):
    """y = a copy of x;  dL/dx = g"""

    double_backward = True

    @staticmethod
    def forward(ctx, x):
        return backend.xp_of(x).asarray(x, copy=True)

    @staticmethod
    def backward(ctx, grad):
        return (grad,)


class AsType(Function):
    """y = x cast to another dtype;  dL/dx = g cast back to x's dtype"""

    double_backward = True

    @staticmethod
    def forward(ctx, x, dtype):
        xp = backend.xp_of(x)
        ctx.dtype = x.dtype
        return xp.astype(x, backend.native_dtype(xp, dtype))

    @staticmethod
    def backward(ctx, grad):
        return backend.xp_of(grad).astype(grad, ctx.dtype), None


class ToDevice(Function):
    """y = x on another device;  dL/dx = g moved back"""

    double_backward = True

    @staticmethod
    def forward(ctx, x, device):
        ctx.device = backend.device_of(x)
        return backend.to_device(x, device)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):  # recorded (create_graph): the move back is this op again
            return ToDevice.apply(grad, ctx.device), None
        return backend.to_device(grad, ctx.device), None


def clone(x) -> Tensor:
    """A copy of ``x`` with its own memory that stays in the graph.

    Parameters
    ----------
    x : Tensor, array or number
        The input.

    Returns
    -------
    Tensor
        Same values, shape and dtype; a new array.

    Notes
    -----
    .. math:: y = x, \\qquad \\frac{\\partial L}{\\partial x} = g

    Use it before changing a view in place. Unlike :meth:`Tensor.detach`, the
    copy is still connected to ``x``.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> y = lucid.clone(x)
    >>> y.data is x.data
    False
    >>> (3 * y).sum().backward()
    >>> x.grad
    array([3., 3.], dtype=float32)
    """
    return Clone.apply(tensor_arg(x, "x"))


def astype(x, dtype) -> Tensor:
    """``x`` cast to ``dtype`` (also :meth:`Tensor.astype`, ``.float()``, ``.double()``...).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    dtype : dtype or str
        The target, e.g. ``lucid.float64`` or ``"float32"``.

    Returns
    -------
    Tensor
        ``x`` itself if the dtype already matches, else a new tensor.

    Notes
    -----
    .. math:: y = \\operatorname{cast}(x), \\qquad \\frac{\\partial L}{\\partial x} = \\operatorname{cast}^{-1}(g)

    i.e. the gradient is cast back to ``x``'s dtype. A cast to an integer or
    boolean dtype is cut from the graph (its result does not require grad),
    as in PyTorch. Float to int truncates toward zero, as in NumPy.

    Examples
    --------
    >>> import lucid
    >>> lucid.tensor([1.5, 2.5]).astype("float64").dtype
    dtype('float64')
    >>> x = lucid.tensor([1.5], requires_grad=True)
    >>> y = lucid.astype(x, lucid.float64)
    >>> (y * 2).sum().backward()
    >>> x.grad
    array([2.], dtype=float32)
    """
    x = tensor_arg(x, "x")
    target = backend.to_numpy_dtype(dtype)
    if target == x.dtype:
        return x
    if x.requires_grad and target.kind not in "fc":
        out = AsType.apply(x.detach(), target)  # integers and booleans carry no gradient
        return out
    return AsType.apply(x, target)


def to_device(x, device: str) -> Tensor:
    """``x`` on ``device``; the gradient moves back (also :meth:`Tensor.to`).

    Parameters
    ----------
    x : Tensor, array or number
        The input.
    device : str
        ``"cpu"`` or ``"gpu"`` (``"cuda"``, ``"cuda:0"`` accepted).

    Returns
    -------
    Tensor
        ``x`` itself if already there (no copy), else a copy on ``device``.

    Raises
    ------
    lucid.backend.GPUUnavailableError
        If ``"gpu"`` is asked for and CuPy or a CUDA device is missing.

    Notes
    -----
    .. math:: y = x \\text{ (on the new device)}, \\qquad \\frac{\\partial L}{\\partial x} = g \\text{ (moved back)}

    The only op whose output lives on another device than its input.

    Examples
    --------
    >>> import lucid
    >>> lucid.to_device(lucid.tensor([1.0]), "cpu").device
    'cpu'
    """
    x = tensor_arg(x, "x")
    device = backend.normalize_device(device)
    if x.device == device:
        return x
    # the one op whose output lives on another device than its (single) input
    return ToDevice.apply(x, device)
