"""The affine map of ``nn.Linear``: one op, its forward and backward side by side.

It could be composed of ``matmul``, a transpose and ``+``, and the gradients
would come out the same; one op instead of three records one node instead
of three, which is most of the cost on small layers.
"""
from __future__ import annotations

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor

__all__ = ["linear"]


class Linear(Function):
    """Y = X W^T + b;  dL/dX = G W,  dL/dW = G^T X,  dL/db = sum of G over the rows"""

    promote = (0, 1, 2)
    # backward is matmul, transpose, reshape and sum of the saved inputs: on Tensors it records
    # itself, so create_graph=True can differentiate it again (dL/dW depends on x, dL/dx on W)
    double_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        xp = backend.xp_of(x)
        need_x, need_w = ctx.needs_input_grad[:2] if ctx.needs_input_grad else (False, False)
        ctx.save(x if need_w else None, weight if need_x else None)
        y = xp.matmul(x, backend.mT(weight))
        return y if bias is None else y + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        xp = backend.xp_of(grad)
        gx = xp.matmul(grad, weight) if weight is not None else None
        gw = gb = None
        rows = backend.reshape(grad, (-1, grad.shape[-1]))  # every leading axis is a batch of rows
        if x is not None:
            gw = xp.matmul(backend.mT(rows), backend.reshape(x, (-1, x.shape[-1])))
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gb = backend.sum(rows, (0,))
        return gx, gw, gb


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

    Forward Calculation
    -------------------
    For each row :math:`x` of the input (every leading index):

    .. math:: y_o = \\sum_i x_i W_{oi} + b_o

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \\partial L / \\partial y` (rows stacked over all leading axes into
    :math:`G \\in \\mathbb{R}^{R \\times \\text{out}}`, and :math:`x` into :math:`R \\times \\text{in}`):

    .. math:: \\frac{\\partial L}{\\partial x} = G W, \\qquad
              \\frac{\\partial L}{\\partial W} = G^\\top x, \\qquad
              \\frac{\\partial L}{\\partial b} = \\sum_{\\text{rows}} G

    These are exactly ``matmul``'s and ``+``'s gradients: ``linear(x, W, b)``
    equals ``x @ W.T + b``, done as one op so it records one graph node.

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
    if bias is not None:
        bias = tensor_arg(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got shape {bias.shape}")
    return Linear.apply(input, weight, bias)
