"""Shape layers: ``Flatten`` and ``Unflatten`` (reshapes; the gradient is reshaped back)."""
from __future__ import annotations

from typing import Sequence

from lucid.nn.module import Module
from lucid.ops._args import one_axis, tensor_arg
from lucid.ops.shape import flatten, reshape
from lucid.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    r"""Merge axes ``start_dim`` .. ``end_dim`` (inclusive) into one; by default all but the batch axis.

    Parameters
    ----------
    start_dim : int, default 1
        :math:`s`, the first axis to merge.
    end_dim : int, default -1
        :math:`e`, the last axis to merge.

    Forward Calculation
    -------------------
    A reshape: input :math:`(d_0, \dots, d_{s-1}, d_s, \dots, d_e, d_{e+1}, \dots)`, output
    :math:`(d_0, \dots, d_{s-1}, D, d_{e+1}, \dots)` with :math:`D = d_s \cdots d_e`, e.g.
    :math:`(N, C, H, W) \to (N, CHW)`.  Entries keep their row-major order: with
    :math:`a` the leading and :math:`b` the trailing indices,

    .. math::

        y_{a,\, j,\, b} = x_{a,\, i_s, \dots, i_e,\, b}, \qquad
        j = \sum_{k=s}^{e} i_k \prod_{l=k+1}^{e} d_l

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`: the gradient is reshaped back to the input's shape,

    .. math::

        \frac{\partial L}{\partial x_{a,\, i_s, \dots, i_e,\, b}} = G_{a,\, j,\, b}, \qquad
        j = \sum_{k=s}^{e} i_k \prod_{l=k+1}^{e} d_l

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.Flatten()(lucid.zeros((8, 3, 4, 4))).shape
    (8, 48)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        for name, v in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"Flatten: {name} must be an int, got {v!r}")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    r"""Split axis ``dim`` into the shape ``unflattened_size`` (the inverse of :class:`Flatten`).

    Parameters
    ----------
    dim : int
        The axis to split.
    unflattened_size : tuple of int
        Its new shape :math:`(u_1, \dots, u_r)`; the product must equal the axis' length
        (one entry may be -1).

    Forward Calculation
    -------------------
    A reshape, e.g. :math:`(N, C) \to (N, C, 1, 1)`: axis ``dim`` (index :math:`j`, length
    :math:`u_1 \cdots u_r`) becomes :math:`r` axes (indices :math:`i_1, \dots, i_r`), row-major;
    :math:`a` and :math:`b` are the other indices:

    .. math::

        y_{a,\, i_1, \dots, i_r,\, b} = x_{a,\, j,\, b}, \qquad
        j = \sum_{k=1}^{r} i_k \prod_{l=k+1}^{r} u_l

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`: reshaped back,

    .. math::

        \frac{\partial L}{\partial x_{a,\, j,\, b}} = G_{a,\, i_1, \dots, i_r,\, b}

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.Unflatten(1, (2, 5))(lucid.zeros((3, 10))).shape
    (3, 2, 5)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in unflattened_size
        ):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        input = tensor_arg(input, "input")
        d = one_axis(self.dim, input.ndim, "dim")
        sizes = self.unflattened_size
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        n = input.shape[d]
        if (-1 in sizes and (known == 0 or n % known)) or (-1 not in sizes and known != n):
            raise ValueError(
                f"Unflatten(dim={self.dim}, unflattened_size={sizes}): axis {d} of the input has length {n}, "
                f"which cannot be split into {sizes} (input shape {input.shape})"
            )
        return reshape(input, input.shape[:d] + sizes + input.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
