"""Matrix product with NumPy's rules: 1-D, 2-D and batched (broadcast batch axes)."""
from __future__ import annotations

from lucid import backend
from lucid.autograd.engine import sum_to_shape
from lucid.autograd.function import Function
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor


class MatMul(Function):
    """Y = A @ B;  dL/dA = G @ B^T,  dL/dB = A^T @ G   (1-D operands are treated as a row/column)"""

    double_backward = True

    promote = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad or (False, False)
        ctx.save(a if need_b else None, b if need_a else None)
        return backend.xp_of(a).matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        xp = backend.xp_of(grad)
        ga = gb = None
        if b is not None:  # dL/dA
            b2 = b[:, None] if b.ndim == 1 else b
            g2 = _as_matrix_grad(grad, a_ndim=len(ctx.shapes[0]), b_ndim=b.ndim)
            ga = xp.matmul(g2, backend.mT(b2))
            ga = _back_to(ga, ctx.shapes[0], xp)
        if a is not None:  # dL/dB
            a2 = a[None, :] if a.ndim == 1 else a
            g2 = _as_matrix_grad(grad, a_ndim=a.ndim, b_ndim=len(ctx.shapes[1]))
            gb = xp.matmul(backend.mT(a2), g2)
            gb = _back_to(gb, ctx.shapes[1], xp)
        return ga, gb


def _as_matrix_grad(grad, a_ndim: int, b_ndim: int):
    """Give the output gradient back the axes that 1-D operands dropped."""
    if a_ndim == 1 and b_ndim == 1:
        return grad[None, None]
    if a_ndim == 1:
        return grad[..., None, :]
    if b_ndim == 1:
        return grad[..., :, None]
    return grad


def _back_to(g, shape, xp):
    """Sum over broadcast batch axes and drop the axis a 1-D operand was given."""
    if len(shape) == 1:
        g = backend.reshape(sum_to_shape(g, (1, shape[0]) if g.shape[-2] == 1 else (shape[0], 1)), shape)
        return g
    return sum_to_shape(g, shape)


def matmul(a, b) -> Tensor:
    """Matrix product ``a @ b`` with NumPy's ``matmul`` rules.

    Parameters
    ----------
    a : Tensor or array
        Shape ``(..., n, k)``, or ``(k,)`` (a row vector whose axis is dropped again).
    b : Tensor or array
        Shape ``(..., k, m)``, or ``(k,)`` (a column vector whose axis is dropped again).
        The batch axes ``...`` of ``a`` and ``b`` broadcast.

    Returns
    -------
    Tensor
        Shape ``(..., n, m)``, minus the axes of 1-D operands: ``(k,) @ (k,)`` is a
        0-d tensor, ``(n, k) @ (k,)`` has shape ``(n,)``.

    Raises
    ------
    ValueError
        If an operand is 0-d (use ``*``), the inner sizes ``k`` differ, or the
        batch axes do not broadcast.

    Notes
    -----
    Forward, for each batch index:

    .. math:: Y = A B, \\qquad Y_{ij} = \\sum_{l} A_{il} B_{lj}

    Backward: :math:`\\partial Y_{ij}/\\partial A_{il} = B_{lj}`, hence
    :math:`\\partial L/\\partial A_{il} = \\sum_j G_{ij} B_{lj}`, and likewise for :math:`B`:

    .. math:: \\frac{\\partial L}{\\partial A} = G B^{\\top}, \\qquad
              \\frac{\\partial L}{\\partial B} = A^{\\top} G

    Each gradient is then summed over the batch axes that broadcasting added
    to its operand; a 1-D operand's gradient drops its extra axis again.

    Examples
    --------
    >>> import lucid
    >>> a = lucid.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = lucid.matmul(a, lucid.tensor([1.0, 1.0]))
    >>> y
    Tensor([3., 7.], grad_fn=<MatMulBackward>)
    >>> y.sum().backward()
    >>> a.grad
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    >>> (lucid.ones((5, 2, 3)) @ lucid.ones((3, 4))).shape
    (5, 2, 4)
    """
    a, b = tensor_arg(a, "a"), tensor_arg(b, "b")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}; use * for scalars")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(
            f"matmul: the inner dimensions must match: a has shape {a.shape} (last axis {k_a}) and b has "
            f"shape {b.shape} ({'its length' if b.ndim == 1 else 'second-to-last axis'} {k_b})"
        )
    if a.ndim > 2 and b.ndim > 2:
        import numpy as np

        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch axes {a.shape[:-2]} and {b.shape[:-2]} do not broadcast") from None
    return MatMul.apply(a, b)
