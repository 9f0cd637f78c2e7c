"""Dropout layer."""
from __future__ import annotations

from lucid.nn.functional.dropout import dropout
from lucid.nn.module import Module
from lucid.tensor import Tensor

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode and scale the rest by :math:`1/(1-p)`.

    Parameters
    ----------
    p : float
        Probability of zeroing, in [0, 1].
    inplace : bool
        Accepted for PyTorch compatibility; the result is always a new tensor.

    Notes
    -----
    .. math:: y = \\frac{m \\odot x}{1 - p}, \\quad m_i \\sim \\text{Bernoulli}(1-p), \\qquad
              \\frac{\\partial L}{\\partial x} = \\frac{m \\odot g}{1 - p}

    In evaluation mode (``model.eval()``) the layer is the identity.  Masks come from
    :func:`lucid.random.generator`, so :func:`lucid.random.seed` makes them reproducible.

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
