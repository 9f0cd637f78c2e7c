"""Dropout layer."""
from __future__ import annotations

from lucid.nn.functional.dropout import dropout
from lucid.nn.module import Module
from lucid.tensor import Tensor

__all__ = ["Dropout"]


class Dropout(Module):
    r"""Zero each element with probability ``p`` in training mode and scale the rest by :math:`1/(1-p)`.

    Parameters
    ----------
    p : float
        Probability of zeroing, in [0, 1].
    inplace : bool
        Accepted for PyTorch compatibility; the result is always a new tensor.

    Forward Calculation
    -------------------
    Input and output of any shape (the same).  In training mode, with a fresh mask
    :math:`m_i \sim \text{Bernoulli}(1 - p)` per element:

    .. math::

        y_i = \begin{cases} m_i\, x_i / (1 - p) & p < 1 \\ 0 & p = 1 \end{cases}

    In evaluation mode (``model.eval()``) the layer is the identity, :math:`y = x`.  Masks
    come from :func:`lucid.random.generator`, so :func:`lucid.manual_seed` makes them
    reproducible.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` and the same mask :math:`m` as the forward:

    .. math::

        \frac{\partial L}{\partial x_i} = \begin{cases} m_i\, g_i / (1 - p) & p < 1 \\ 0 & p = 1 \end{cases}

    (:math:`g` itself in evaluation mode).

    Notes
    -----
    **Input dtype.** A floating-point input is required: an integer or boolean
    tensor raises ``TypeError`` (convert it with ``x.float()``), since the kept
    values are scaled by :math:`1/(1-p)`.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> drop = nn.Dropout(0.25)
    >>> drop
    Dropout(p=0.25, inplace=False)
    >>> x = lucid.ones(1000)
    >>> 0.15 < float((drop(x) == 0).float().mean()) < 0.35
    True
    >>> bool((drop.eval()(x) == x).all())
    True
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p, self.inplace = float(p), bool(inplace)

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
