"""Elementwise math: exp, log, log1p, sqrt, abs, sin, cos, tanh.

Each op saves the one array its derivative needs: ``exp`` and ``tanh`` and
``sqrt`` save their output, the others their input.
"""
from __future__ import annotations

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor


class Exp(Function):
    """y = exp(x);  dL/dx = g * y"""

    floating = True

    @staticmethod
    def forward(ctx, x):
        y = backend.xp_of(x).exp(x)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (grad * y,)


class Log(Function):
    """y = ln(x);  dL/dx = g / x"""

    floating = True

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return backend.xp_of(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (grad / x,)


class Log1p(Function):
    """y = ln(1 + x);  dL/dx = g / (1 + x)"""

    floating = True

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return backend.xp_of(x).log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (grad / (1 + x),)


class Sqrt(Function):
    """y = sqrt(x);  dL/dx = g / (2 y)"""

    floating = True

    @staticmethod
    def forward(ctx, x):
        y = backend.xp_of(x).sqrt(x)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (grad / (2 * y),)


class Abs(Function):
    """y = |x|;  dL/dx = g * sign(x)  (0 at x = 0, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return backend.xp_of(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (grad * backend.xp_of(x).sign(x),)


class Sin(Function):
    """y = sin(x);  dL/dx = g * cos(x)"""

    floating = True

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return backend.xp_of(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (grad * backend.xp_of(x).cos(x),)


class Cos(Function):
    """y = cos(x);  dL/dx = -g * sin(x)"""

    floating = True

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return backend.xp_of(x).cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (-grad * backend.xp_of(x).sin(x),)


class Tanh(Function):
    """y = tanh(x);  dL/dx = g * (1 - y**2)"""

    floating = True

    @staticmethod
    def forward(ctx, x):
        y = backend.xp_of(x).tanh(x)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (grad * (1 - y * y),)


def exp(x) -> Tensor:
    """Elementwise :math:`e^x`.

    Forward :math:`y = e^x`; backward :math:`\\partial L/\\partial x = g\\, y` (the output is saved, not the input).

    Examples
    --------
    >>> import lucid
    >>> lucid.exp(lucid.tensor([0.0, 1.0]))
    Tensor([1.      , 2.718282])
    """
    return Exp.apply(tensor_arg(x, "x"))


def log(x) -> Tensor:
    """Elementwise natural logarithm; :math:`\\partial L/\\partial x = g / x`.

    Examples
    --------
    >>> import lucid
    >>> lucid.log(lucid.tensor([1.0, 4.0]))
    Tensor([0.      , 1.386294])
    """
    return Log.apply(tensor_arg(x, "x"))


def log1p(x) -> Tensor:
    """Elementwise :math:`\\ln(1 + x)`, accurate for small x; :math:`\\partial L/\\partial x = g/(1+x)`.

    Examples
    --------
    >>> import lucid
    >>> lucid.log1p(lucid.tensor([0.0, 1.0]))
    Tensor([0.      , 0.693147])
    """
    return Log1p.apply(tensor_arg(x, "x"))


def sqrt(x) -> Tensor:
    """Elementwise square root; :math:`\\partial L/\\partial x = g / (2\\sqrt{x})`.

    Examples
    --------
    >>> import lucid
    >>> lucid.sqrt(lucid.tensor([4.0, 9.0]))
    Tensor([2., 3.])
    """
    return Sqrt.apply(tensor_arg(x, "x"))


def abs(x) -> Tensor:  # noqa: A001 - the op's name
    """Elementwise :math:`|x|`; :math:`\\partial L/\\partial x = g\\,\\mathrm{sign}(x)` (0 at 0).

    Examples
    --------
    >>> import lucid
    >>> lucid.abs(lucid.tensor([-2.0, 3.0]))
    Tensor([2., 3.])
    """
    return Abs.apply(tensor_arg(x, "x"))


def sin(x) -> Tensor:
    """Elementwise sine; :math:`\\partial L/\\partial x = g \\cos x`.

    Examples
    --------
    >>> import lucid
    >>> lucid.sin(lucid.tensor([0.0]))
    Tensor([0.])
    """
    return Sin.apply(tensor_arg(x, "x"))


def cos(x) -> Tensor:
    """Elementwise cosine; :math:`\\partial L/\\partial x = -g \\sin x`.

    Examples
    --------
    >>> import lucid
    >>> lucid.cos(lucid.tensor([0.0]))
    Tensor([1.])
    """
    return Cos.apply(tensor_arg(x, "x"))


def tanh(x) -> Tensor:
    """Elementwise hyperbolic tangent; :math:`\\partial L/\\partial x = g\\,(1 - y^2)`.

    Examples
    --------
    >>> import lucid
    >>> lucid.tanh(lucid.tensor([0.0]))
    Tensor([0.])
    """
    return Tanh.apply(tensor_arg(x, "x"))
