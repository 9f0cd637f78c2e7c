"""Activation layers: thin modules around :mod:`lucid.nn.functional` (no parameters)."""
from __future__ import annotations

from lucid.nn import functional as F
from lucid.nn.module import Module
from lucid.tensor import Tensor

__all__ = ["ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU", "Softmax", "LogSoftmax", "Softplus"]


class ReLU(Module):
    r"""Rectified linear unit, elementwise.

    Forward Calculation
    -------------------
    Input and output of any shape (the same); elementwise:

    .. math::

        y = \max(x, 0)

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above:

    .. math::

        \frac{\partial L}{\partial x} = g\,[x > 0]

    (:math:`[\cdot]` is 1 when true, else 0: the gradient at exactly 0 is 0, as in PyTorch).

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.ReLU()(lucid.tensor([-1.0, 0.0, 2.0]))
    Tensor([0., 0., 2.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)


class Sigmoid(Module):
    r"""Logistic sigmoid, elementwise, numerically stable.

    Forward Calculation
    -------------------
    Input and output of any shape (the same); elementwise:

    .. math::

        y = \sigma(x) = \frac{1}{1 + e^{-x}}

    Computed as written: for large negative :math:`x`, :math:`e^{-x}`
    overflows to inf without a warning and :math:`1/\infty` gives exactly 0
    (PyTorch's value); exactly 1 at large :math:`x`.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above:

    .. math::

        \frac{\partial L}{\partial x} = g\,y\,(1 - y)

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.Sigmoid()(lucid.tensor([-1e4, 0.0, 1e4]))
    Tensor([0. , 0.5, 1. ])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    r"""Hyperbolic tangent, elementwise.

    Forward Calculation
    -------------------
    Input and output of any shape (the same); elementwise:

    .. math::

        y = \tanh x

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above:

    .. math::

        \frac{\partial L}{\partial x} = g\,(1 - y^2)

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.Tanh()(lucid.tensor([0.0]))
    Tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class LeakyReLU(Module):
    r"""Leaky ReLU with slope ``negative_slope`` for negative inputs.

    Parameters
    ----------
    negative_slope : float, default 0.01
        The slope :math:`a` for :math:`x \le 0`.

    Forward Calculation
    -------------------
    Input and output of any shape (the same); elementwise, with :math:`a` = ``negative_slope``:

    .. math::

        y = \begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above:

    .. math::

        \frac{\partial L}{\partial x} = \begin{cases} g & x > 0 \\ a\,g & x \le 0 \end{cases}

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.LeakyReLU(0.1)(lucid.tensor([-2.0, 3.0]))
    Tensor([-0.2,  3. ])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
            raise TypeError(f"LeakyReLU: negative_slope must be a number, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    r"""Gaussian error linear unit, exact (erf) or with the tanh approximation.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default "none"
        ``"none"``: the exact form with :math:`\Phi`; ``"tanh"``: the tanh approximation.

    Forward Calculation
    -------------------
    Input and output of any shape (the same); elementwise.  Exact form
    (``approximate="none"``), with :math:`\Phi` and :math:`\varphi` the standard
    normal CDF and density; tanh form (``approximate="tanh"``), with
    :math:`k = \sqrt{2/\pi}` and :math:`a = 0.044715`:

    .. math::

        \Phi(x) &= \tfrac12 \bigl(1 + \operatorname{erf}(x / \sqrt2)\bigr) \\
        y_{\text{none}} &= x\,\Phi(x) \\
        t &= \tanh\bigl(k\,(x + a x^3)\bigr) \\
        y_{\text{tanh}} &= \tfrac12\, x\,(1 + t)

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above, for each form:

    .. math::

        \varphi(x) &= e^{-x^2/2} / \sqrt{2\pi} \\
        \frac{\partial L}{\partial x}\Big|_{\text{none}} &= g\,\bigl(\Phi(x) + x\,\varphi(x)\bigr) \\
        \frac{\partial L}{\partial x}\Big|_{\text{tanh}}
            &= g\,\Bigl(\tfrac12 (1 + t) + \tfrac12\, x\,(1 - t^2)\, k\,(1 + 3 a x^2)\Bigr)

    References
    ----------
    D. Hendrycks and K. Gimpel, "Gaussian Error Linear Units (GELUs)", arXiv:1606.08415, 2016.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.GELU()(lucid.tensor([0.0, 1.0]))
    Tensor([0.      , 0.841345])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


def _dim(dim, owner: str) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{owner}: dim must be an int, got {dim!r}")
    return dim


class Softmax(Module):
    r"""Softmax along ``dim``: the entries along that axis become positive and sum to 1.

    Parameters
    ----------
    dim : int, default -1
        The axis to normalise (PyTorch has no default and guesses when it is
        omitted; here it is the last axis).

    Forward Calculation
    -------------------
    Input and output of any shape (the same); :math:`i, j` run along ``dim``:

    .. math::

        y_i = \frac{e^{x_i - \max_k x_k}}{\sum_j e^{x_j - \max_k x_k}} = \frac{e^{x_i}}{\sum_j e^{x_j}}

    (the maximum is subtracted first so that no exponential overflows).

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above:

    .. math::

        \frac{\partial L}{\partial x_i} = y_i \Bigl(g_i - \sum_j g_j\, y_j\Bigr)

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.Softmax(dim=1)(lucid.tensor([[1.0, 1.0]]))
    Tensor([[0.5, 0.5]])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = _dim(dim, "Softmax")

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    r"""Log of the softmax along ``dim``, computed stably.

    Parameters
    ----------
    dim : int, default -1
        The axis to normalise.

    Forward Calculation
    -------------------
    Input and output of any shape (the same); :math:`i, j` run along ``dim``:

    .. math::

        y_i = x_i - \log \sum_j e^{x_j}

    (the log-sum-exp is computed with the maximum subtracted, so it never overflows).

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above:

    .. math::

        \frac{\partial L}{\partial x_i} = g_i - e^{y_i} \sum_j g_j

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.LogSoftmax(dim=0)(lucid.tensor([0.0, 0.0]))
    Tensor([-0.693147, -0.693147])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = _dim(dim, "LogSoftmax")

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softplus(Module):
    r"""Smooth ReLU :math:`\frac1\beta\log(1 + e^{\beta x})`, linear above ``threshold``.

    Parameters
    ----------
    beta : float, default 1.0
        Sharpness :math:`\beta`; larger is closer to ReLU.
    threshold : float, default 20.0
        :math:`\tau`: where :math:`\beta x > \tau` the output is :math:`x` itself (as in PyTorch).

    Forward Calculation
    -------------------
    Input and output of any shape (the same); elementwise:

    .. math::

        y = \begin{cases} \frac{1}{\beta} \log\bigl(1 + e^{\beta x}\bigr) & \beta x \le \tau \\
            x & \beta x > \tau \end{cases}

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above and
    :math:`\sigma` the sigmoid:

    .. math::

        \frac{\partial L}{\partial x} = \begin{cases} g\,\sigma(\beta x) & \beta x \le \tau \\
            g & \beta x > \tau \end{cases}

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.Softplus()(lucid.tensor([0.0]))
    Tensor([0.693147])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"
