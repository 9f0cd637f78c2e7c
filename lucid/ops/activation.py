"""Activations: sigmoid, relu, leaky_relu, gelu, softplus, softmax, log_softmax.

All are written to stay finite for large :math:`|x|` in float32: sigmoid and
softplus go through ``logaddexp``, softmax and log_softmax subtract the
row's log-sum-exp.
"""
from __future__ import annotations

import math

from lucid import backend
from lucid.autograd.function import Function
from lucid.backend import fused
from lucid.ops._args import alias, number, one_axis, tensor_arg
from lucid.ops.reduction import max_keepdims
from lucid.ops.special import erf
from lucid.tensor import Tensor


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x));  dL/dx = g * y * (1 - y)"""

    double_backward = True

    floating = True

    @staticmethod
    def forward(ctx, x):
        y = backend.sigmoid(x)  # exp(-logaddexp(0, -x)): exact 0 and 1 at -/+1e4, no overflow; one kernel on CuPy
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (fused.sigmoid_grad(grad, y),)  # g * y * (1 - y): one GPU kernel


class ReLU(Function):
    """y = max(x, 0);  dL/dx = g where y != 0, else 0 (0 at x = 0; g at x = NaN, as in PyTorch)"""

    double_backward = True

    @staticmethod
    def forward(ctx, x):
        xp = backend.xp_of(x)
        y = xp.maximum(x, 0)
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        # y is 0, positive or NaN; PyTorch passes g unless x <= 0, so NaN passes it (NaN != 0 is True)
        return (fused.relu_grad(grad, y),)  # one GPU kernel; branch-free on NumPy (see backend.where_zero)


class LeakyReLU(Function):
    """y = x if x > 0 else a*x;  dL/dx = g if x > 0 else a*g"""

    double_backward = True

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

    double_backward = True

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
            # erf works on arrays only: under create_graph (x a Tensor) the CDF is its own op, whose gradient is the pdf
            cdf = NormalCDF.apply(x) if isinstance(x, Tensor) else 0.5 * (1 + erf(x / math.sqrt(2)))
            pdf = xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            d = cdf + x * pdf
        return grad * d, None


class NormalCDF(Function):
    """y = Phi(x) = (1 + erf(x / sqrt 2)) / 2;  dL/dx = g * phi(x)   (GELU's double backward)"""

    double_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return 0.5 * (1 + erf(x / math.sqrt(2)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (grad * backend.xp_of(x).exp(-0.5 * x * x) / math.sqrt(2 * math.pi),)


class Softplus(Function):
    """y = log(1 + exp(b x)) / b  (x where b x > threshold);  dL/dx = g * sigmoid(b x)"""

    double_backward = True

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
        sig = backend.sigmoid(bx)
        return grad * xp.where(bx > ctx.threshold, 1.0, sig), None, None


class Softmax(Function):
    """y = exp(x - logsumexp(x));  dL/dx = y * (g - sum(g * y))  (sums along the axis)"""

    double_backward = True

    floating = True

    @staticmethod
    def forward(ctx, x, axis):
        xp = backend.xp_of(x)
        ctx.axis = axis
        shifted = x - max_keepdims(x, axis)  # an empty axis gives an empty result, as in PyTorch
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

    double_backward = True

    floating = True

    @staticmethod
    def forward(ctx, x, axis):
        xp = backend.xp_of(x)
        ctx.axis = axis
        shifted = x - max_keepdims(x, axis)
        y = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
        ctx.save(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        xp = backend.xp_of(y)
        return grad - xp.exp(y) * xp.sum(grad, axis=ctx.axis, keepdims=True), None


def sigmoid(x) -> Tensor:
    """Logistic sigmoid, elementwise and numerically stable.

    Parameters
    ----------
    x : Tensor, array or number
        The input, any shape.

    Returns
    -------
    Tensor
        Same shape as ``x``, values in :math:`[0, 1]`.

    Notes
    -----
    Forward and backward (:math:`g = \\partial L/\\partial y`):

    .. math:: y = \\sigma(x) = \\frac{1}{1 + e^{-x}}, \\qquad
              \\frac{\\partial L}{\\partial x} = g\\, y\\,(1 - y)

    since :math:`\\sigma'(x) = e^{-x}/(1 + e^{-x})^2 = \\sigma(x)(1 - \\sigma(x))`.
    The output is saved, not the input.

    Computed as written (on NumPy four SIMD ufuncs in one buffer): for large
    negative :math:`x`, :math:`e^{-x}` overflows to inf, silently, and
    :math:`1/\\infty` gives exactly 0 (PyTorch's value); exactly 1 at large :math:`x`.

    Examples
    --------
    >>> import lucid
    >>> lucid.sigmoid(lucid.tensor([-1e4, 0.0, 1e4]))
    Tensor([0. , 0.5, 1. ])
    >>> x = lucid.tensor([0.0], requires_grad=True)
    >>> lucid.sigmoid(x).sum().backward()
    >>> x.grad
    array([0.25], dtype=float32)
    """
    return Sigmoid.apply(tensor_arg(x, "x"))


def relu(x) -> Tensor:
    """Rectified linear unit, elementwise: :math:`\\max(x, 0)`.

    Parameters
    ----------
    x : Tensor, array or number
        The input, any shape.

    Returns
    -------
    Tensor
        Same shape and dtype as ``x``.

    Notes
    -----
    .. math:: y = \\max(x, 0), \\qquad \\frac{\\partial L}{\\partial x} = g\\,[x > 0]

    where :math:`[\\cdot]` is 1 when true and 0 otherwise. The derivative at
    :math:`x = 0` is taken as 0, as in PyTorch. The output is saved (its sign
    is the input's).

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> y = lucid.relu(x)
    >>> y
    Tensor([0., 0., 2.], grad_fn=<ReLUBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([0., 0., 1.], dtype=float32)
    """
    return ReLU.apply(tensor_arg(x, "x"))


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    """Leaky ReLU, elementwise: :math:`x` for :math:`x > 0`, else :math:`a x`.

    Parameters
    ----------
    x : Tensor, array or number
        The input, any shape.
    negative_slope : float, default 0.01
        The slope :math:`a` for negative inputs (any real; usually small and positive).

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    .. math:: y = \\begin{cases} x & x > 0 \\\\ a x & x \\le 0 \\end{cases}, \\qquad
              \\frac{\\partial L}{\\partial x} = \\begin{cases} g & x > 0 \\\\ a\\,g & x \\le 0 \\end{cases}

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([-2.0, 3.0], requires_grad=True)
    >>> y = lucid.leaky_relu(x, 0.1)
    >>> y
    Tensor([-0.2,  3. ], grad_fn=<LeakyReLUBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([0.1, 1. ], dtype=float32)
    """
    negative_slope = number(negative_slope, "leaky_relu: negative_slope")
    return LeakyReLU.apply(tensor_arg(x, "x"), negative_slope)


def gelu(x, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit :math:`x\\,\\Phi(x)`, elementwise.

    Parameters
    ----------
    x : Tensor, array or number
        The input, any shape.
    approximate : {"none", "tanh"}, default "none"
        ``"none"`` uses the exact :math:`\\Phi` (with ``erf``); ``"tanh"`` the
        tanh approximation of Hendrycks and Gimpel [1]_.

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Raises
    ------
    ValueError
        If ``approximate`` is not ``"none"`` or ``"tanh"``.

    Notes
    -----
    Exact form, with :math:`\\Phi` and :math:`\\varphi` the standard normal CDF and density:

    .. math:: y = x\\,\\Phi(x), \\quad \\Phi(x) = \\tfrac12\\bigl(1 + \\operatorname{erf}(x/\\sqrt2)\\bigr), \\qquad
              \\frac{\\partial L}{\\partial x} = g\\,\\bigl(\\Phi(x) + x\\,\\varphi(x)\\bigr),
              \\quad \\varphi(x) = \\frac{e^{-x^2/2}}{\\sqrt{2\\pi}}

    Tanh form, with :math:`k = \\sqrt{2/\\pi}` and :math:`t = \\tanh\\bigl(k(x + 0.044715\\,x^3)\\bigr)`:

    .. math:: y = \\tfrac12 x (1 + t), \\qquad
              \\frac{\\partial L}{\\partial x} = g\\,\\Bigl(\\tfrac12 (1 + t) + \\tfrac12 x (1 - t^2)\\, k\\,(1 + 3 \\cdot 0.044715\\,x^2)\\Bigr)

    ``erf`` comes from SciPy or CuPy when installed, else from
    :mod:`lucid.ops.special` (accurate to about 1e-15).

    References
    ----------
    .. [1] D. Hendrycks and K. Gimpel, "Gaussian Error Linear Units (GELUs)",
       arXiv:1606.08415, 2016.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([0.0, 1.0], requires_grad=True)
    >>> y = lucid.gelu(x)
    >>> y
    Tensor([0.      , 0.841345], grad_fn=<GELUBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([0.5     , 1.083316], dtype=float32)
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(tensor_arg(x, "x"), approximate)


def softplus(x, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Softplus :math:`\\frac{1}{\\beta}\\ln(1 + e^{\\beta x})`, a smooth ReLU, elementwise.

    Parameters
    ----------
    x : Tensor, array or number
        The input, any shape.
    beta : float, default 1.0
        Sharpness :math:`\\beta > 0`; larger is closer to ReLU.
    threshold : float, default 20.0
        Where :math:`\\beta x` exceeds it the output is :math:`x` itself (as in PyTorch).

    Returns
    -------
    Tensor
        Same shape as ``x``, values :math:`> 0` (up to rounding).

    Notes
    -----
    .. math:: y = \\begin{cases} \\frac{1}{\\beta}\\ln\\bigl(1 + e^{\\beta x}\\bigr) & \\beta x \\le \\text{threshold} \\\\
                                x & \\beta x > \\text{threshold} \\end{cases}, \\qquad
              \\frac{\\partial L}{\\partial x} = g\\,\\sigma(\\beta x) \\;\\; (\\text{or } g)

    Computed with ``logaddexp(0, beta * x)``, so there is no overflow.

    Examples
    --------
    >>> import lucid
    >>> lucid.softplus(lucid.tensor([0.0, 1e4]))
    Tensor([6.931472e-01, 1.000000e+04])
    >>> x = lucid.tensor([0.0], requires_grad=True)
    >>> lucid.softplus(x).sum().backward()
    >>> x.grad
    array([0.5], dtype=float32)
    """
    beta, threshold = number(beta, "softplus: beta"), number(threshold, "softplus: threshold")
    return Softplus.apply(tensor_arg(x, "x"), beta, threshold)


def softmax(x, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """Softmax along ``axis``: exponentials normalised to sum to 1.

    Parameters
    ----------
    x : Tensor, array or number
        The input. A 0-d tensor counts as one element (its softmax is 1), as in PyTorch.
    axis : int, default -1
        The axis that sums to 1, in :math:`[-x.ndim, x.ndim)` (0 or -1 for a 0-d tensor).
    dim : int, optional
        PyTorch's name for ``axis`` (keyword only).

    Returns
    -------
    Tensor
        Same shape as ``x``; every slice along ``axis`` is a probability vector.

    Notes
    -----
    For each slice :math:`x \\in \\mathbb{R}^n` along ``axis``:

    .. math:: y_i = \\frac{e^{x_i - m}}{\\sum_j e^{x_j - m}}, \\quad m = \\max_j x_j

    (the shift by :math:`m` changes nothing mathematically and prevents overflow).
    The Jacobian is :math:`\\partial y_i/\\partial x_k = y_i(\\delta_{ik} - y_k)`, so

    .. math:: \\frac{\\partial L}{\\partial x_k} = \\sum_i g_i\\, y_i(\\delta_{ik} - y_k)
              = y_k\\Bigl(g_k - \\sum_i g_i y_i\\Bigr).

    For a log of the result use :func:`log_softmax`, which is more accurate.

    Examples
    --------
    >>> import lucid
    >>> lucid.softmax(lucid.tensor([1.0, 1.0]), axis=0)
    Tensor([0.5, 0.5])
    >>> lucid.softmax(lucid.tensor([[0.0, 1000.0]]), dim=1)
    Tensor([[0., 1.]])
    """
    return Softmax.apply(*_softmax_args(x, axis, dim))


def log_softmax(x, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """Logarithm of the softmax along ``axis``, computed stably.

    Parameters
    ----------
    x : Tensor, array or number
        The input. A 0-d tensor counts as one element (its log-softmax is 0), as in PyTorch.
    axis : int, default -1
        The reduced axis, in :math:`[-x.ndim, x.ndim)` (0 or -1 for a 0-d tensor).
    dim : int, optional
        PyTorch's name for ``axis`` (keyword only).

    Returns
    -------
    Tensor
        Same shape as ``x``, values :math:`\\le 0`.

    Notes
    -----
    .. math:: y_i = x_i - m - \\ln\\sum_j e^{x_j - m}, \\quad m = \\max_j x_j

    Since :math:`\\partial y_i/\\partial x_k = \\delta_{ik} - \\operatorname{softmax}(x)_k`
    and :math:`\\operatorname{softmax}(x)_k = e^{y_k}`,

    .. math:: \\frac{\\partial L}{\\partial x_k} = g_k - e^{y_k}\\sum_i g_i .

    Unlike ``log(softmax(x))``, it stays finite when a probability underflows to 0.

    Examples
    --------
    >>> import lucid
    >>> lucid.log_softmax(lucid.tensor([0.0, 0.0]), axis=0)
    Tensor([-0.693147, -0.693147])
    >>> lucid.log_softmax(lucid.tensor([0.0, 1000.0]))
    Tensor([-1000.,     0.])
    """
    return LogSoftmax.apply(*_softmax_args(x, axis, dim))


def _softmax_args(x, axis, dim):
    """The tensor and its axis; ``()`` (no axis) for a 0-d tensor, which takes axis 0 or -1 as in PyTorch."""
    x = tensor_arg(x, "x")
    axis = one_axis(alias(axis, -1, dim, "dim", "axis"), x.ndim, scalar=True)
    return x, (axis if x.ndim else ())
