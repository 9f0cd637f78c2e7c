"""The affine map of ``nn.Linear``, composed of existing ops (matmul, transpose, add)."""
from __future__ import annotations

from lucid.ops._args import tensor_arg
from lucid.ops.linalg import matmul
from lucid.tensor import Tensor

__all__ = ["linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Affine map :math:`y = x W^\\top + b` over the last axis of ``input``.

    Parameters
    ----------
    input : Tensor, shape (\\*, in_features)
        Any number of leading (batch) axes.
    weight : Tensor, shape (out_features, in_features)
    bias : Tensor, shape (out_features,), optional

    Returns
    -------
    Tensor, shape (\\*, out_features)

    Notes
    -----
    Forward, for each row :math:`x` of the input:

    .. math:: y_o = \\sum_i x_i W_{oi} + b_o

    Backward, with :math:`G = \\partial L / \\partial y` (rows stacked over all leading axes):

    .. math:: \\frac{\\partial L}{\\partial x} = G W, \\qquad
              \\frac{\\partial L}{\\partial W} = G^\\top x, \\qquad
              \\frac{\\partial L}{\\partial b} = \\sum_{\\text{rows}} G

    No backward is written here: ``matmul``'s backward gives the first two,
    and the engine's reduction of the broadcast ``+ b`` gives the third.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> x = lucid.tensor([[1.0, 2.0]])
    >>> w = lucid.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]])
    >>> F.linear(x, w, lucid.tensor([0.0, 0.5, 1.0]))
    Tensor([[ 1. ,  3.5, -1. ]])
    """
    input, weight = tensor_arg(input, "input"), tensor_arg(weight, "weight")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must have shape (out_features, in_features), got shape {weight.shape}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input's last axis must have in_features={weight.shape[1]} entries, "
            f"got input of shape {input.shape}"
        )
    y = matmul(input, weight.T)
    if bias is not None:
        bias = tensor_arg(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got shape {bias.shape}")
        y = y + bias
    return y
