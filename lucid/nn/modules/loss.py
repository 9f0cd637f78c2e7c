"""Loss layers: thin modules around :mod:`lucid.nn.functional.loss` that store the options."""
from __future__ import annotations

import numpy as np

from lucid.nn.functional import loss as FL
from lucid.nn.module import Module
from lucid.tensor import Tensor

__all__ = ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]


def _ignore_index(value, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: ignore_index must be an int (a class index), got {value!r} ({type(value).__name__})")
    return int(value)


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        FL._check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    r"""Mean squared error between ``input`` :math:`x` and ``target`` :math:`y` (same shape).

    See :func:`lucid.nn.functional.mse_loss`.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}

    Forward Calculation
    -------------------
    .. math::

        \ell_i = (x_i - y_i)^2

    Reduction: ``"none"`` returns :math:`\ell_i`, ``"sum"`` :math:`L = \sum_i \ell_i`,
    ``"mean"`` :math:`L = \frac1n \sum_i \ell_i` over the :math:`n` elements.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_i = \partial L/\partial \ell_i` (1 for ``"sum"``, :math:`1/n` for ``"mean"``,
    the incoming gradient for ``"none"``), :math:`\partial L/\partial x_i = g_i\, \partial \ell_i/\partial x_i`:

    .. math::

        \frac{\partial \ell_i}{\partial x_i} &= 2 (x_i - y_i) \\
        \frac{\partial \ell_i}{\partial y_i} &= -2 (x_i - y_i)

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.MSELoss()(lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 4.0]))
    Tensor(2.5)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return FL.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    r"""Mean absolute error between ``input`` :math:`x` and ``target`` :math:`y` (same shape).

    See :func:`lucid.nn.functional.l1_loss`.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}

    Forward Calculation
    -------------------
    .. math::

        \ell_i = |x_i - y_i|

    Reduction: ``"none"`` returns :math:`\ell_i`, ``"sum"`` :math:`L = \sum_i \ell_i`,
    ``"mean"`` :math:`L = \frac1n \sum_i \ell_i` over the :math:`n` elements.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_i = \partial L/\partial \ell_i` (1 for ``"sum"``, :math:`1/n` for ``"mean"``,
    the incoming gradient for ``"none"``), :math:`\partial L/\partial x_i = g_i\, \partial \ell_i/\partial x_i`:

    .. math::

        \frac{\partial \ell_i}{\partial x_i} &= \operatorname{sign}(x_i - y_i) \\
        \frac{\partial \ell_i}{\partial y_i} &= -\operatorname{sign}(x_i - y_i)

    (:math:`\operatorname{sign}(0) = 0`: no gradient where :math:`x_i = y_i`, as in PyTorch).

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> loss = nn.L1Loss(reduction="none")
    >>> loss(lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 4.0]))
    Tensor([1., 2.])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return FL.l1_loss(input, target, self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross-entropy of logits against class indices (or class probabilities).

    See :func:`lucid.nn.functional.cross_entropy`.

    Parameters
    ----------
    weight : Tensor, optional
        Per-class weights :math:`w_c`, shape ``(C,)``; all 1 when omitted.
    ignore_index : int
        Target value to skip (no loss, no gradient, not counted in the mean).
    reduction : {"mean", "sum", "none"}
    label_smoothing : float
        :math:`\varepsilon`.

    Forward Calculation
    -------------------
    Logits :math:`x` of shape :math:`(N, C)` (or :math:`(N, C, d_1, \dots)`, each position a
    sample), targets :math:`y_n \in \{0, \dots, C-1\}`; :math:`p` the softmax over classes and
    :math:`q` the smoothed target:

    .. math::

        p_{n,c} &= \frac{e^{x_{n,c}}}{\sum_k e^{x_{n,k}}} \\
        q_{n,c} &= (1 - \varepsilon)\, [c = y_n] + \varepsilon / C \\
        \ell_n &= -\sum_c w_c\, q_{n,c} \log p_{n,c} \\
        L_{\text{mean}} &= \frac{\sum_n \ell_n}{\sum_n w_{y_n}}, \qquad
            L_{\text{sum}} = \sum_n \ell_n

    The sums over :math:`n` skip samples with :math:`y_n` = ``ignore_index`` (and
    ``"none"`` gives them :math:`\ell_n = 0`).  So ``"mean"`` with weights divides by the
    total weight of the targets, as PyTorch does.  With *probability* targets
    :math:`t_{n,c}` (a float tensor of the logits' shape),
    :math:`q_{n,c} = (1 - \varepsilon)\, t_{n,c} + \varepsilon / C` and ``"mean"`` divides by :math:`N`.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_n = \partial L/\partial \ell_n` (1 for ``"sum"``, :math:`1 / \sum_n w_{y_n}`
    for ``"mean"``, the incoming gradient for ``"none"``):

    .. math::

        \frac{\partial \ell_n}{\partial x_{n,c}} = p_{n,c} \sum_k w_k\, q_{n,k} - w_c\, q_{n,c}
        \qquad \Bigl(= p_{n,c} - q_{n,c} \text{ without weights}\Bigr)

    and :math:`\partial L/\partial x_{n,c} = g_n\, \partial \ell_n / \partial x_{n,c}`
    (0 for ignored samples).  Class-index targets get no gradient.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss
    CrossEntropyLoss(label_smoothing=0.1)
    >>> loss(lucid.tensor([[10.0, 0.0]]), lucid.tensor([0]))
    Tensor(0.50005)
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing!r}")
        self.ignore_index, self.label_smoothing = _ignore_index(ignore_index, type(self).__name__), float(label_smoothing)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return FL.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)

    def extra_repr(self) -> str:
        parts = [super().extra_repr()] + ([f"label_smoothing={self.label_smoothing}"] if self.label_smoothing else [])
        return ", ".join(p for p in parts if p)


class NLLLoss(_WeightedLoss):
    r"""Negative log-likelihood of class indices given log-probabilities.

    See :func:`lucid.nn.functional.nll_loss`.

    Parameters
    ----------
    weight : Tensor, optional
        Per-class weights :math:`w_c`, shape ``(C,)``; all 1 when omitted.
    ignore_index : int
        Target value to skip.
    reduction : {"mean", "sum", "none"}

    Forward Calculation
    -------------------
    Log-probabilities :math:`x` of shape :math:`(N, C)`, targets :math:`y_n`:

    .. math::

        \ell_n &= -w_{y_n}\, x_{n, y_n} \\
        L_{\text{mean}} &= \frac{\sum_n \ell_n}{\sum_n w_{y_n}}, \qquad L_{\text{sum}} = \sum_n \ell_n

    (sums over the samples whose target is not ``ignore_index``).

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_n = \partial L/\partial \ell_n` (1, :math:`1/\sum_n w_{y_n}`, or the incoming gradient):

    .. math::

        \frac{\partial \ell_n}{\partial x_{n,c}} = -w_{y_n}\, [c = y_n]

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.NLLLoss()(lucid.tensor([[-0.1, -2.0]]), lucid.tensor([1]))
    Tensor(2.)
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = _ignore_index(ignore_index, type(self).__name__)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return FL.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(_WeightedLoss):
    r"""Binary cross-entropy of probabilities :math:`p` against targets :math:`y \in [0, 1]`.

    See :func:`lucid.nn.functional.binary_cross_entropy`.

    Parameters
    ----------
    weight : Tensor, optional
        :math:`w_i`, broadcast against the input; all 1 when omitted.
    reduction : {"mean", "sum", "none"}

    Forward Calculation
    -------------------
    .. math::

        \ell_i = -w_i \bigl(y_i \log p_i + (1 - y_i) \log (1 - p_i)\bigr)

    Each logarithm is clamped at :math:`-100`, as in PyTorch, so :math:`p_i = 0` or 1 gives
    a finite loss.
    Reduction: ``"none"`` returns :math:`\ell_i`, ``"sum"`` :math:`L = \sum_i \ell_i`,
    ``"mean"`` :math:`L = \frac1n \sum_i \ell_i` over the :math:`n` elements.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_i = \partial L/\partial \ell_i` (1 for ``"sum"``, :math:`1/n` for ``"mean"``,
    the incoming gradient for ``"none"``), :math:`\partial L/\partial p_i = g_i\, \partial \ell_i/\partial p_i`:

    .. math::

        \frac{\partial \ell_i}{\partial p_i} &= w_i\, \frac{p_i - y_i}{\max\bigl(p_i (1 - p_i),\, 10^{-12}\bigr)} \\
        \frac{\partial \ell_i}{\partial y_i} &= w_i \bigl(\log (1 - p_i) - \log p_i\bigr)

    The target gradient is *not* clamped, as in PyTorch: it is :math:`+\infty` at
    :math:`p_i = 0` and :math:`-\infty` at :math:`p_i = 1` (for :math:`w_i > 0`).

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.BCELoss()(lucid.tensor([0.5]), lucid.tensor([1.0]))
    Tensor(0.69315)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return FL.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    r"""Sigmoid plus binary cross-entropy, computed stably from logits :math:`x`.

    See :func:`lucid.nn.functional.binary_cross_entropy_with_logits`.

    Parameters
    ----------
    weight : Tensor, optional
        :math:`w_i`, broadcast against the input; all 1 when omitted.
    reduction : {"mean", "sum", "none"}
    pos_weight : Tensor, optional
        :math:`\pi`, the weight of positive examples, one per class (broadcast along the last
        axis); all 1 when omitted.

    Forward Calculation
    -------------------
    With :math:`\sigma` the sigmoid, :math:`\operatorname{softplus}(z) = \log(1 + e^{z})` and
    :math:`r_i = 1 + (\pi_i - 1)\, y_i` (1 without ``pos_weight``):

    .. math::

        \ell_i &= w_i \bigl((1 - y_i)\, x_i + r_i \operatorname{softplus}(-x_i)\bigr) \\
               &= -w_i \bigl(\pi_i\, y_i \log \sigma(x_i) + (1 - y_i) \log (1 - \sigma(x_i))\bigr)

    Reduction: ``"none"`` returns :math:`\ell_i`, ``"sum"`` :math:`L = \sum_i \ell_i`,
    ``"mean"`` :math:`L = \frac1n \sum_i \ell_i` over the :math:`n` elements.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_i = \partial L/\partial \ell_i` (1 for ``"sum"``, :math:`1/n` for ``"mean"``,
    the incoming gradient for ``"none"``), :math:`\partial L/\partial x_i = g_i\, \partial \ell_i/\partial x_i`:

    .. math::

        \frac{\partial \ell_i}{\partial x_i} &= w_i \bigl((1 - y_i) - r_i\, \sigma(-x_i)\bigr)
            \qquad \bigl(= w_i (\sigma(x_i) - y_i) \text{ when } r_i = 1\bigr) \\
        \frac{\partial \ell_i}{\partial y_i} &= w_i \bigl((\pi_i - 1) \operatorname{softplus}(-x_i) - x_i\bigr)

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.BCEWithLogitsLoss()(lucid.tensor([0.0]), lucid.tensor([1.0]))
    Tensor(0.69315)
    """

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return FL.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)
