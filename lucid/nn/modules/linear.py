"""Linear layers: ``Identity`` and ``Linear``."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from lucid.nn import init
from lucid.nn.functional.linear import linear
from lucid.nn.module import Module
from lucid.nn.modules._checks import boolean, floating_input, positive_int
from lucid.nn.parameter import Parameter
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor

__all__ = ["Identity", "Linear"]


class Identity(Module):
    r"""Return the input unchanged (a placeholder, e.g. to switch a layer off); arguments are ignored.

    Forward Calculation
    -------------------
    .. math::

        y = x

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \partial L/\partial y` the gradient arriving from above:

    .. math::

        \frac{\partial L}{\partial x} = g

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.Identity(54, unused="ok")(lucid.tensor([1.0, 2.0]))
    Tensor([1., 2.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    r"""Affine layer :math:`y = x W^\top + b` applied to the last axis.

    Parameters
    ----------
    in_features : int
        Size of each input row (the last axis of the input).
    out_features : int
        Size of each output row.
    bias : bool, default True
        Learn an additive bias :math:`b`.

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
        Initialised like PyTorch: ``kaiming_uniform_(a=sqrt(5))``, i.e.
        :math:`\mathcal{U}(-1/\sqrt{\text{in}}, 1/\sqrt{\text{in}})`.
    bias : Parameter of shape (out_features,), or None
        :math:`\mathcal{U}(-1/\sqrt{\text{in}}, 1/\sqrt{\text{in}})`.

    Forward Calculation
    -------------------
    Input (\*, in_features), any number of leading axes; output (\*, out_features).
    With the leading axes flattened into rows :math:`n`, :math:`x` is
    :math:`(R, \text{in})` and :math:`y` is :math:`(R, \text{out})`:

    .. math::

        y_{n,o} = \sum_{k} x_{n,k}\, W_{o,k} + b_o \qquad (y = x W^\top + b)

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y` (same shape as :math:`y`):

    .. math::

        \frac{\partial L}{\partial x} &= G\, W \\
        \frac{\partial L}{\partial W} &= G^\top x \\
        \frac{\partial L}{\partial b} &= \textstyle\sum_{n} G_{n,:}

    The layer calls :func:`lucid.nn.functional.linear`; the gradients come
    from ``matmul`` and ``add``.

    Notes
    -----
    Parameter count: ``in * out`` (+ ``out`` with bias).

    **Input dtype.** A floating-point input is required: an integer or
    boolean tensor raises ``TypeError`` (convert it with ``x.float()``), as
    in every layer with float parameters.  A float64 input with the float32
    parameters follows NumPy promotion and gives a float64 output.

    References
    ----------
    PyTorch, ``torch.nn.Linear`` (same shapes, names and initialisation).

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> layer = nn.Linear(3, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer(lucid.zeros((5, 7, 3))).shape
    (5, 7, 2)
    >>> sum(p.size for p in layer.parameters())
    8
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        bias = boolean(bias, "bias", "Linear")
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), dtype=np.float32))
        if bias:
            self.bias = Parameter(np.zeros((self.out_features,), dtype=np.float32))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        input = tensor_arg(input, "input")
        floating_input(input, "Linear")
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}) got input with last dimension "
                f"{input.shape[-1] if input.ndim else 'none'} (shape {input.shape}); expected (*, {self.in_features})"
            )
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

