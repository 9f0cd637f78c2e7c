"""Copies and conversions that stay in the graph: clone, astype, to_device."""
from __future__ import annotations

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor


class Clone(Function):
    """y = a copy of x;  dL/dx = g"""

    @staticmethod
    def forward(ctx, x):
        return backend.xp_of(x).asarray(x, copy=True)

    @staticmethod
    def backward(ctx, grad):
        return (grad,)


class AsType(Function):
    """y = x cast to another dtype;  dL/dx = g cast back to x's dtype"""

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

    @staticmethod
    def forward(ctx, x, device):
        ctx.device = backend.device_of(x)
        return backend.to_device(x, device)

    @staticmethod
    def backward(ctx, grad):
        return backend.to_device(grad, ctx.device), None


def clone(x) -> Tensor:
    """A copy of ``x`` that stays in the graph (:math:`\\partial L/\\partial x = g`).

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0])
    >>> y = lucid.clone(x)
    >>> y.data is x.data
    False
    """
    return Clone.apply(tensor_arg(x, "x"))


def astype(x, dtype) -> Tensor:
    """``x`` cast to ``dtype``; between float types the gradient is cast back.

    Examples
    --------
    >>> import lucid
    >>> lucid.tensor([1.5, 2.5]).astype("float64").dtype
    dtype('float64')
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
    """``x`` on ``device`` (``"cpu"`` or ``"gpu"``); the gradient moves back. No copy if already there.

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
