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
    """Mean squared error, :math:`\\ell_i = (x_i - y_i)^2`; see :func:`lucid.nn.functional.mse_loss`.

    .. math:: \\frac{\\partial \\ell_i}{\\partial x_i} = 2 (x_i - y_i)

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}

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
    """Mean absolute error, :math:`\\ell_i = |x_i - y_i|`; see :func:`lucid.nn.functional.l1_loss`.

    .. math:: \\frac{\\partial \\ell_i}{\\partial x_i} = \\operatorname{sign}(x_i - y_i)

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.L1Loss(reduction="none")(lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 4.0]))
    Tensor([1., 2.])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return FL.l1_loss(input, target, self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices (or probabilities); see
    :func:`lucid.nn.functional.cross_entropy`.

    .. math:: \\ell_n = -\\sum_c q_{n,c} \\log \\operatorname{softmax}(x_n)_c, \\qquad
              \\frac{\\partial \\ell_n}{\\partial x_n} = \\operatorname{softmax}(x_n) - q_n

    with :math:`q = (1-\\varepsilon)\\,\\text{onehot}(y) + \\varepsilon / C`.

    Parameters
    ----------
    weight : Tensor, optional
        Per-class weights ``(C,)``.
    ignore_index : int
        Target value to skip.
    reduction : {"mean", "sum", "none"}
    label_smoothing : float
        :math:`\\varepsilon`.

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
    """Negative log-likelihood of class indices given log-probabilities; see
    :func:`lucid.nn.functional.nll_loss`.

    .. math:: \\ell_n = -w_{y_n} x_{n, y_n}, \\qquad \\frac{\\partial \\ell_n}{\\partial x_{n,c}} = -w_{y_n} [c = y_n]

    Parameters
    ----------
    weight : Tensor, optional
    ignore_index : int
    reduction : {"mean", "sum", "none"}

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
    """Binary cross-entropy of probabilities; see :func:`lucid.nn.functional.binary_cross_entropy`.

    .. math:: \\ell_i = -w_i (y_i \\log p_i + (1 - y_i) \\log (1 - p_i)), \\qquad
              \\frac{\\partial \\ell_i}{\\partial p_i} = w_i \\frac{p_i - y_i}{p_i (1 - p_i)}

    Parameters
    ----------
    weight : Tensor, optional
    reduction : {"mean", "sum", "none"}

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
    """Sigmoid plus binary cross-entropy, computed stably from logits; see
    :func:`lucid.nn.functional.binary_cross_entropy_with_logits`.

    .. math:: \\ell_i = w_i\\big((1 - y_i) x_i + r_i \\log(1 + e^{-x_i})\\big), \\qquad
              \\frac{\\partial \\ell_i}{\\partial x_i} = w_i (\\sigma(x_i) - y_i) \\;\\; (r = 1)

    Parameters
    ----------
    weight : Tensor, optional
    reduction : {"mean", "sum", "none"}
    pos_weight : Tensor, optional
        Weight of positive examples, one per class (last axis).

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
