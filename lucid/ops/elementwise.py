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

    double_backward = True

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

    double_backward = True

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

    double_backward = True

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

    double_backward = True

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
    """y = |x|;  dL/dx = g * sign(x)  (0 at x = 0 and at NaN, as in PyTorch)"""

    double_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return backend.xp_of(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = backend.xp_of(x)
        sign = xp.sign(x)  # NaN at NaN; PyTorch's sgn gives 0 there
        return (grad * xp.where(sign == sign, sign, xp.zeros_like(sign)),)


class Sin(Function):
    """y = sin(x);  dL/dx = g * cos(x)"""

    double_backward = True

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

    double_backward = True

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

    double_backward = True

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
    """Elementwise exponential :math:`e^x`.

    Parameters
    ----------
    x : Tensor, array or number
        The input. Integer inputs are cast to float first (int64 to float64).

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    Forward and backward, elementwise, with :math:`g = \\partial L/\\partial y`:

    .. math:: y = e^{x}, \\qquad \\frac{\\partial L}{\\partial x} = g\\, e^{x} = g\\, y

    The output :math:`y` is saved for backward, not the input. Overflows to
    ``inf`` above about 88.7 in float32.


    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([0.0, 1.0], requires_grad=True)
    >>> y = lucid.exp(x)
    >>> y
    Tensor([1.      , 2.718282], grad_fn=<ExpBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([1.      , 2.718282], dtype=float32)
    """
    return Exp.apply(tensor_arg(x, "x"))


def log(x) -> Tensor:
    """Elementwise natural logarithm :math:`\\ln x`.

    Parameters
    ----------
    x : Tensor, array or number
        The input (:math:`x > 0`). Integer inputs are cast to float first (int64 to float64).

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    Forward and backward, elementwise, with :math:`g = \\partial L/\\partial y`:

    .. math:: y = \\ln x, \\qquad \\frac{\\partial L}{\\partial x} = \\frac{g}{x}

    :math:`\\ln 0 = -\\infty` and :math:`\\ln x` for :math:`x < 0` is ``nan``, as in NumPy.
    Use :func:`log1p` for :math:`\\ln(1 + x)` with small :math:`x`.


    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 4.0], requires_grad=True)
    >>> y = lucid.log(x)
    >>> y
    Tensor([0.      , 1.386294], grad_fn=<LogBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([1.  , 0.25], dtype=float32)
    """
    return Log.apply(tensor_arg(x, "x"))


def log1p(x) -> Tensor:
    """Elementwise :math:`\\ln(1 + x)`, accurate for small :math:`|x|`.

    Parameters
    ----------
    x : Tensor, array or number
        The input (:math:`x > -1`). Integer inputs are cast to float first (int64 to float64).

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    Forward and backward, elementwise, with :math:`g = \\partial L/\\partial y`:

    .. math:: y = \\ln(1 + x), \\qquad \\frac{\\partial L}{\\partial x} = \\frac{g}{1 + x}

    For :math:`|x| \\ll 1`, ``log(1 + x)`` loses digits when :math:`1 + x` is
    rounded; ``log1p`` does not (float32: ``log1p(1e-8)`` is ``1e-8``, ``log(1 + 1e-8)`` is 0).


    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([0.0, 1.0], requires_grad=True)
    >>> y = lucid.log1p(x)
    >>> y
    Tensor([0.      , 0.693147], grad_fn=<Log1pBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([1. , 0.5], dtype=float32)
    """
    return Log1p.apply(tensor_arg(x, "x"))


def sqrt(x) -> Tensor:
    """Elementwise square root :math:`\\sqrt{x}`.

    Parameters
    ----------
    x : Tensor, array or number
        The input (:math:`x \\ge 0`). Integer inputs are cast to float first (int64 to float64).

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    Forward and backward, elementwise, with :math:`g = \\partial L/\\partial y`:

    .. math:: y = \\sqrt{x}, \\qquad \\frac{\\partial L}{\\partial x} = \\frac{g}{2\\sqrt{x}} = \\frac{g}{2y}

    The output is saved for backward. The gradient is infinite at :math:`x = 0`
    (see :class:`lucid.autograd.detect_anomaly` to find where such values come from).


    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([4.0, 9.0], requires_grad=True)
    >>> y = lucid.sqrt(x)
    >>> y
    Tensor([2., 3.], grad_fn=<SqrtBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([0.25     , 0.1666667], dtype=float32)
    """
    return Sqrt.apply(tensor_arg(x, "x"))


def abs(x) -> Tensor:  # noqa: A001 - the op's name
    """Elementwise absolute value :math:`|x|`.

    Parameters
    ----------
    x : Tensor, array or number
        The input. Integer inputs keep their dtype (int64 gives int64), as in NumPy and PyTorch.

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    Forward and backward, elementwise, with :math:`g = \\partial L/\\partial y`:

    .. math:: y = |x|, \\qquad \\frac{\\partial L}{\\partial x} = g\\,\\operatorname{sign}(x)

    :math:`|x|` is not differentiable at 0; lucid uses :math:`\\operatorname{sign}(0) = 0`,
    as PyTorch does (and 0 at NaN).


    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> y = lucid.abs(x)
    >>> y
    Tensor([2., 0., 3.], grad_fn=<AbsBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([-1.,  0.,  1.], dtype=float32)
    """
    return Abs.apply(tensor_arg(x, "x"))


def sin(x) -> Tensor:
    """Elementwise sine (radians).

    Parameters
    ----------
    x : Tensor, array or number
        The input. Integer inputs are cast to float first (int64 to float64).

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    Forward and backward, elementwise, with :math:`g = \\partial L/\\partial y`:

    .. math:: y = \\sin x, \\qquad \\frac{\\partial L}{\\partial x} = g\\cos x


    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([0.0], requires_grad=True)
    >>> y = lucid.sin(x)
    >>> y
    Tensor([0.], grad_fn=<SinBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([1.], dtype=float32)
    """
    return Sin.apply(tensor_arg(x, "x"))


def cos(x) -> Tensor:
    """Elementwise cosine (radians).

    Parameters
    ----------
    x : Tensor, array or number
        The input. Integer inputs are cast to float first (int64 to float64).

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    Forward and backward, elementwise, with :math:`g = \\partial L/\\partial y`:

    .. math:: y = \\cos x, \\qquad \\frac{\\partial L}{\\partial x} = -g\\sin x


    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([0.0], requires_grad=True)
    >>> y = lucid.cos(x)
    >>> y
    Tensor([1.], grad_fn=<CosBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([-0.], dtype=float32)
    """
    return Cos.apply(tensor_arg(x, "x"))


def tanh(x) -> Tensor:
    """Elementwise hyperbolic tangent.

    Parameters
    ----------
    x : Tensor, array or number
        The input. Integer inputs are cast to float first (int64 to float64).

    Returns
    -------
    Tensor
        Same shape as ``x``.

    Notes
    -----
    Forward and backward, elementwise, with :math:`g = \\partial L/\\partial y`:

    .. math:: y = \\tanh x, \\qquad \\frac{\\partial L}{\\partial x} = g\\,(1 - y^2)

    The output :math:`y` is saved for backward. For large :math:`|x|`, :math:`y` rounds
    to :math:`\\pm 1` and the gradient to 0 (saturation).


    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([0.0, 1.0], requires_grad=True)
    >>> y = lucid.tanh(x)
    >>> y
    Tensor([0.      , 0.761594], grad_fn=<TanhBackward>)
    >>> y.sum().backward()
    >>> x.grad
    array([1.       , 0.4199743], dtype=float32)
    """
    return Tanh.apply(tensor_arg(x, "x"))
