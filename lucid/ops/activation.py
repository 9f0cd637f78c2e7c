"""Activations: sigmoid, relu, leaky_relu, gelu, softplus, softmax, log_softmax.

All are written to stay finite for large :math:`|x|` in float32: sigmoid and
softplus go through ``logaddexp``, softmax and log_softmax subtract the
row's log-sum-exp.
"""
from __future__ import annotations

import math

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import alias, one_axis, tensor_arg
from lucid.ops.special import erf
from lucid.tensor import Tensor


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x));  dL/dx = g * y * (1 - y)"""

    floating = True

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        y = xp.exp(-xp.logaddexp(0.0, -x))  # exact 0 and 1 at -/+1e4, no overflow warning
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (grad * y * (1 - y),)


class ReLU(Function):
    """y = max(x, 0);  dL/dx = g where y > 0, else 0 (0 at x = 0, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        y = xp.maximum(x, 0)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        xp = backend.xp_of(y)
        return (xp.where(y > 0, grad, 0),)


class LeakyReLU(Function):
    """y = x if x > 0 else a*x;  dL/dx = g if x > 0 else a*g"""

    @staticmethod
    def forward(ctx, x, negative_slope):
        xp = backend.xp_of(x)
        ctx.save(x)
        ctx.negative_slope = negative_slope
        return xp.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = backend.xp_of(x)
        return xp.where(x > 0, grad, grad * ctx.negative_slope), None


class GELU(Function):
    """y = x * Phi(x);  dL/dx = g * (Phi(x) + x * phi(x))   (or the tanh approximation)"""

    floating = True

    @staticmethod
    def forward(ctx, x, approximate):
        xp = backend.xp_of(x)
        ctx.save(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            t = xp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x))
            return 0.5 * x * (1 + t)
        return 0.5 * x * (1 + erf(x / math.sqrt(2)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = backend.xp_of(x)
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = xp.tanh(k * (x + 0.044715 * x * x * x))
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
        else:
            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
            pdf = xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            d = cdf + x * pdf
        return grad * d, None


class Softplus(Function):
    """y = log(1 + exp(b x)) / b  (x where b x > threshold);  dL/dx = g * sigmoid(b x)"""

    floating = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = backend.xp_of(x)
        bx = x * beta
        ctx.save(x)
        ctx.beta, ctx.threshold = beta, threshold
        return xp.where(bx > threshold, x, xp.logaddexp(0.0, bx) / beta)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = backend.xp_of(x)
        bx = x * ctx.beta
        sig = xp.exp(-xp.logaddexp(0.0, -bx))
        return grad * xp.where(bx > ctx.threshold, 1.0, sig), None, None


class Softmax(Function):
    """y = exp(x - logsumexp(x));  dL/dx = y * (g - sum(g * y))  (sums along the axis)"""

    floating = True

    @staticmethod
    def forward(ctx, x, axis):
        xp = backend.xp_of(x)
        ctx.axis = axis
        shifted = x - xp.max(x, axis=axis, keepdims=True)
        e = xp.exp(shifted)
        y = e / xp.sum(e, axis=axis, keepdims=True)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        xp = backend.xp_of(y)
        return y * (grad - xp.sum(grad * y, axis=ctx.axis, keepdims=True)), None


class LogSoftmax(Function):
    """y = x - logsumexp(x);  dL/dx = g - exp(y) * sum(g)  (sums along the axis)"""

    floating = True

    @staticmethod
    def forward(ctx, x, axis):
        xp = backend.xp_of(x)
        ctx.axis = axis
        shifted = x - xp.max(x, axis=axis, keepdims=True)
        y = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        xp = backend.xp_of(y)
        return grad - xp.exp(y) * xp.sum(grad, axis=ctx.axis, keepdims=True), None


def sigmoid(x) -> Tensor:
    """Logistic sigmoid, numerically stable.

    .. math:: y = \\frac{1}{1 + e^{-x}}, \\qquad \\frac{\\partial L}{\\partial x} = g\\, y\\,(1 - y)

    Computed as :math:`e^{-\\operatorname{logaddexp}(0, -x)}`: no overflow, and
    exactly 0 and 1 at :math:`\\mp 10^4` in float32.

    Examples
    --------
    >>> import lucid
    >>> lucid.sigmoid(lucid.tensor([-1e4, 0.0, 1e4]))
    Tensor([0. , 0.5, 1. ])
    """
    return Sigmoid.apply(tensor_arg(x, "x"))


def relu(x) -> Tensor:
    """Rectified linear unit :math:`y = \\max(x, 0)`; :math:`\\partial L/\\partial x = g\\,[x > 0]`.

    Examples
    --------
    >>> import lucid
    >>> lucid.relu(lucid.tensor([-1.0, 0.0, 2.0]))
    Tensor([0., 0., 2.])
    """
    return ReLU.apply(tensor_arg(x, "x"))


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    """:math:`y = x` for :math:`x > 0`, else :math:`a x`; gradient :math:`g` or :math:`a g`.

    Examples
    --------
    >>> import lucid
    >>> lucid.leaky_relu(lucid.tensor([-2.0, 3.0]), 0.1)
    Tensor([-0.2,  3. ])
    """
    negative_slope = float(negative_slope)
    return LeakyReLU.apply(tensor_arg(x, "x"), negative_slope)


def gelu(x, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit :math:`y = x\\,\\Phi(x)`.

    .. math:: \\Phi(x) = \\tfrac12\\bigl(1 + \\operatorname{erf}(x/\\sqrt2)\\bigr), \\qquad
              \\frac{\\partial L}{\\partial x} = g\\,\\bigl(\\Phi(x) + x\\,\\varphi(x)\\bigr)

    ``approximate="tanh"`` uses :math:`\\tfrac12 x (1 + \\tanh(\\sqrt{2/\\pi}(x + 0.044715 x^3)))`.

    Examples
    --------
    >>> import lucid
    >>> lucid.gelu(lucid.tensor([0.0, 1.0]))
    Tensor([0.      , 0.841345])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(tensor_arg(x, "x"), approximate)


def softplus(x, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """:math:`y = \\frac1\\beta \\ln(1 + e^{\\beta x})` (linear where :math:`\\beta x` > threshold).

    Backward: :math:`\\partial L/\\partial x = g\\,\\sigma(\\beta x)`.

    Examples
    --------
    >>> import lucid
    >>> lucid.softplus(lucid.tensor([0.0, 1e4]))
    Tensor([6.931472e-01, 1.000000e+04])
    """
    beta, threshold = float(beta), float(threshold)
    return Softplus.apply(tensor_arg(x, "x"), beta, threshold)


def softmax(x, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """Softmax along ``axis``: :math:`y_i = e^{x_i} / \\sum_j e^{x_j}` (shifted by the max, so stable).

    Backward: :math:`\\partial L/\\partial x_i = y_i\\,(g_i - \\sum_j g_j y_j)`.

    Examples
    --------
    >>> import lucid
    >>> lucid.softmax(lucid.tensor([1.0, 1.0]), axis=0)
    Tensor([0.5, 0.5])
    """
    x = tensor_arg(x, "x")
    axis = one_axis(alias(axis, -1, dim, "dim", "axis"), x.ndim)
    return Softmax.apply(x, axis)


def log_softmax(x, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """:math:`y_i = x_i - \\log\\sum_j e^{x_j}`, stable; backward :math:`g_i - e^{y_i} \\sum_j g_j`.

    Examples
    --------
    >>> import lucid
    >>> lucid.log_softmax(lucid.tensor([0.0, 0.0]), axis=0)
    Tensor([-0.693147, -0.693147])
    """
    x = tensor_arg(x, "x")
    axis = one_axis(alias(axis, -1, dim, "dim", "axis"), x.ndim)
    return LogSoftmax.apply(x, axis)
