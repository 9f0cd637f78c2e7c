"""Dropout: zero each element with probability p during training, scale the rest by 1/(1-p).

The mask is drawn from :func:`lucid.random.generator` on the host and moved to
the input's device, so ``lucid.random.seed(n)`` makes it reproducible on every
device.
"""
from __future__ import annotations

import numpy as np

from lucid import backend, random
from lucid.autograd.function import Function
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor

__all__ = ["dropout"]


class Dropout(Function):
    """y = x * mask, mask in {0, 1/(1-p)};  dL/dx = g * mask

    The mask is a constant (drawn before the op, not an input that needs a
    gradient), so the backward is linear in g and differentiable as it is.
    """

    double_backward = True

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        return grad * mask, None


def dropout(input, p: float = 0.5, training: bool = True) -> Tensor:
    """Randomly zero elements with probability ``p`` (training only); scale the kept ones.

    Parameters
    ----------
    input : Tensor
        Any shape.
    p : float
        Probability of zeroing an element, in ``[0, 1]``.
    training : bool
        Apply dropout (True) or return ``input`` unchanged (False).

    Returns
    -------
    Tensor
        Same shape as ``input``.

    Forward Calculation
    -------------------
    In training, with a mask drawn once per call from :func:`lucid.random.generator`:

    .. math::

        m_i \\sim \\text{Bernoulli}(1 - p), \\qquad y_i = \\frac{m_i\\, x_i}{1 - p} \\quad (p < 1),
        \\qquad y = 0 \\quad (p = 1)

    The scaling keeps :math:`\\mathbb{E}[y] = x`, so nothing changes at evaluation time:
    ``training=False`` (or ``p = 0``) returns ``input`` itself, :math:`y = x`.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \\partial L / \\partial y` and the same mask :math:`m` (a constant):

    .. math::

        \\frac{\\partial L}{\\partial x_i} = \\frac{m_i\\, g_i}{1 - p} \\quad (p < 1), \\qquad
        \\frac{\\partial L}{\\partial x} = 0 \\quad (p = 1), \\qquad
        \\frac{\\partial L}{\\partial x} = g \\quad (\\text{evaluation, or } p = 0)

    At :math:`p = 1` every element is dropped and the gradient is zero, as in PyTorch
    (the factor :math:`1 / (1 - p)` is never formed).

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> lucid.random.seed(0)
    >>> F.dropout(lucid.ones(6), p=0.5)
    Tensor([2., 0., 0., 0., 2., 2.])
    >>> F.dropout(lucid.ones(3), p=0.5, training=False)
    Tensor([1., 1., 1.])

    References
    ----------
    N. Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from Overfitting", JMLR 2014.
    """
    x = tensor_arg(input, "input")
    if backend.to_numpy_dtype(x.dtype).kind not in "fc":  # the kept values are scaled by 1/(1-p)
        raise TypeError(f"dropout: input must be a floating-point tensor, got dtype {x.dtype} (shape {x.shape}); "
                        f"convert it first with input.float()")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r}")
    if not training or p == 0.0:
        return x
    dtype = backend.to_numpy_dtype(x.dtype)
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=dtype)
    else:
        mask = (random.generator().random(x.shape) >= p).astype(dtype) / dtype.type(1.0 - p)
    return Dropout.apply(x, backend.asarray(mask, device=x.device))
