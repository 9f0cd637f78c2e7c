"""Pooling layers: adaptive average pooling (any rank; 1-D, 2-D, 3-D forms), global, max and average pooling."""
from __future__ import annotations

from typing import Any

from lucid.nn.functional.pooling import _adaptive_avg_pool, _output_size, global_avg_pool
from lucid.nn.module import Module
from lucid.tensor import Tensor

__all__ = ["AdaptiveAvgPool", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "GlobalAvgPool"]


class AdaptiveAvgPool(Module):
    """Average (N, C, \\*spatial) over adaptive windows down to (N, C, \\*output_size), for any number of spatial axes.

    :class:`AdaptiveAvgPool1d`, :class:`AdaptiveAvgPool2d` and
    :class:`AdaptiveAvgPool3d` are its fixed-rank forms (subclasses: the same
    numbers, PyTorch's names and error messages).  ``AdaptiveAvgPool(1)`` is
    global average pooling that keeps the pooled axes, (N, C, \\*spatial) to
    (N, C, 1, ..., 1): the squeeze of :class:`~lucid.nn.SEModule`.

    Parameters
    ----------
    output_size : int or tuple of (int or None)
        :math:`(O_1, \\dots, O_k)`, one entry per spatial axis, ``None``
        keeping that axis' length.  A tuple fixes the number :math:`k` of
        pooled axes (the last :math:`k`); an int is the same size on every
        axis after (N, C), however many there are.

    Notes
    -----
    **Shapes.** Input (N, C, :math:`S_1, \\dots, S_k`), output
    (N, C, :math:`O_1, \\dots, O_k`).  An unbatched input
    (C, :math:`S_1, \\dots, S_k`) is accepted when ``output_size`` is a
    tuple, as in PyTorch's fixed-rank pools; with an int the rank comes from
    the input, which must then be batched (an unbatched (C, H, W) would be
    indistinguishable from a batched (N, C, L)).

    **Bins** (PyTorch's, exactly).  Along an axis of length :math:`L` pooled
    to :math:`O`, output :math:`i` covers

    .. math:: [\\,s_i, e_i), \\qquad s_i = \\left\\lfloor \\frac{iL}{O} \\right\\rfloor, \\qquad
              e_i = \\left\\lceil \\frac{(i+1)L}{O} \\right\\rceil ;

    bins overlap when :math:`O` does not divide :math:`L` and repeat
    elements when :math:`O > L`.  A multi-axis bin is a product of intervals,
    :math:`R_{\\mathbf{i}} = \\prod_d [s^{(d)}_{i_d}, e^{(d)}_{i_d})`.

    **Forward**: the sum over the bin divided by its size (as PyTorch does),

    .. math:: y_{n c \\mathbf{i}} = \\frac{1}{|R_{\\mathbf{i}}|}
              \\sum_{\\mathbf{j} \\in R_{\\mathbf{i}}} x_{n c \\mathbf{j}},
              \\qquad |R_{\\mathbf{i}}| = \\prod_d \\bigl(e^{(d)}_{i_d} - s^{(d)}_{i_d}\\bigr) .

    **Backward**: each input element receives, from every bin that holds it,
    that bin's gradient divided by the bin's size,

    .. math:: \\frac{\\partial L}{\\partial x_{n c \\mathbf{j}}} =
              \\sum_{\\mathbf{i}:\\, \\mathbf{j} \\in R_{\\mathbf{i}}}
              \\frac{1}{|R_{\\mathbf{i}}|} \\frac{\\partial L}{\\partial y_{n c \\mathbf{i}}} .

    Both are computed with one 0/1 membership-matrix product per pooled axis
    (see :mod:`lucid.nn.functional.pooling`); an axis pooled to 1 is one
    sum, and with every axis pooled to 1 the forward is a single sum over
    the spatial block (the cost of a mean).

    Examples
    --------
    Inputs whose bin means are exact in binary, so the printed values are
    the same on every machine.

    1-D, (N, C, L) = (1, 1, 5) to 3 bins [0, 2), [1, 4), [3, 5):

    >>> import lucid
    >>> from lucid import nn
    >>> nn.AdaptiveAvgPool(3)(lucid.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]))
    Tensor([[[1.5, 3. , 4.5]]])

    2-D, 4 x 4 to 2 x 2 (each output the mean of a 2 x 2 block), and to 1:

    >>> x = lucid.arange(16.0).reshape(1, 1, 4, 4)
    >>> nn.AdaptiveAvgPool((2, 2))(x)
    Tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    >>> nn.AdaptiveAvgPool(1)(x)
    Tensor([[[[7.5]]]])

    3-D, (D, H, W) = (2, 3, 4): D pooled to 1, H kept (``None``), W to 2:

    >>> pool = nn.AdaptiveAvgPool((1, None, 2))
    >>> pool
    AdaptiveAvgPool(output_size=(1, None, 2))
    >>> pool(lucid.arange(24.0).reshape(1, 1, 2, 3, 4))
    Tensor([[[[[ 6.5,  8.5],
               [10.5, 12.5],
               [14.5, 16.5]]]]])

    Any number of spatial axes, and the gradient:

    >>> x = lucid.ones((2, 3, 2, 4, 2, 4), requires_grad=True)
    >>> y = nn.AdaptiveAvgPool(1)(x)
    >>> y.shape
    (2, 3, 1, 1, 1, 1)
    >>> y.sum().backward()
    >>> float(x.grad[0, 0, 1, 2, 1, 3])  # 1 / (2 * 4 * 2 * 4)
    0.015625
    """

    _dims: int | None = None  # the number of pooled axes; None: any (the fixed-rank subclasses set 1, 2 or 3)

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        _output_size(output_size, self._dims, type(self).__name__)  # validate now, not at the first call
        self.output_size = tuple(output_size) if isinstance(output_size, list) else output_size

    def forward(self, input: Tensor) -> Tensor:
        return _adaptive_avg_pool(input, self.output_size, self._dims)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool):
    """Average (N, C, L) or (C, L) over adaptive windows down to length ``output_size``.

    The 1-D form of :class:`AdaptiveAvgPool` (one pooled axis; an input of
    another rank is an error).

    Parameters
    ----------
    output_size : int or (int or None,)
        The output length :math:`O` (``None`` keeps :math:`L`).

    Notes
    -----
    PyTorch's bins: output :math:`i` averages :math:`[\\lfloor iL/O \\rfloor, \\lceil (i+1)L/O \\rceil)`.

    .. math:: y_i = \\frac{1}{e_i - s_i}\\sum_{j=s_i}^{e_i-1} x_j, \\qquad
              \\frac{\\partial L}{\\partial x_j} = \\sum_{i \\ni j} \\frac{g_i}{e_i - s_i}

    See :mod:`lucid.nn.functional.pooling` for the membership-matrix formulation.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.AdaptiveAvgPool1d(2)(lucid.tensor([[[1.0, 2.0, 3.0, 4.0]]]))
    Tensor([[[1.5, 3.5]]])
    """

    _dims = 1


class AdaptiveAvgPool2d(AdaptiveAvgPool):
    """Average (N, C, H, W) or (C, H, W) over adaptive windows down to ``output_size``.

    The 2-D form of :class:`AdaptiveAvgPool` (two pooled axes; an input of
    another rank is an error).

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        :math:`(O_h, O_w)`; an int means a square output, ``None`` keeps that axis.

    Notes
    -----
    Per channel :math:`Y = (B_h X B_w^\\top) / n` with the 0/1 membership
    matrices of PyTorch's bins and :math:`n` the bin sizes; backward
    :math:`\\partial L/\\partial X = B_h^\\top (G / n) B_w`.
    ``AdaptiveAvgPool2d(1)`` is global average pooling (one sum).

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> pool = nn.AdaptiveAvgPool2d((None, 7))
    >>> pool
    AdaptiveAvgPool2d(output_size=(None, 7))
    >>> pool(lucid.zeros((2, 3, 10, 9))).shape
    (2, 3, 10, 7)
    """

    _dims = 2


class AdaptiveAvgPool3d(AdaptiveAvgPool):
    """Average (N, C, D, H, W) or (C, D, H, W) over adaptive windows down to ``output_size``.

    The 3-D form of :class:`AdaptiveAvgPool` (three pooled axes; an input of
    another rank is an error).

    Parameters
    ----------
    output_size : int or a tuple of three (int or None)

    Notes
    -----
    One membership matrix per axis, then a division by the bin sizes; the
    gradient divides first and applies their transposes.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.AdaptiveAvgPool3d(1)(lucid.ones((2, 3, 4, 4, 4))).shape
    (2, 3, 1, 1, 1)
    """

    _dims = 3


class GlobalAvgPool(Module):
    """Mean over every spatial axis: (N, C, \\*spatial) to (N, C), for 1, 2 or 3 (or more) spatial axes.

    A convenience layer, the same numbers as ``AdaptiveAvgPool(1)`` followed
    by ``Flatten(1)`` (which is how :class:`~lucid.nn.SEModule` spells its
    squeeze, as PyTorch models do); one layer instead of two for a
    classifier head.

    Notes
    -----
    .. math:: s_{nc} = \\frac{1}{P}\\sum_{p} x_{ncp}, \\qquad
              \\frac{\\partial L}{\\partial x_{ncp}} = \\frac{1}{P}\\frac{\\partial L}{\\partial s_{nc}}

    where :math:`P` is the number of spatial positions.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.GlobalAvgPool()(lucid.ones((8, 16, 5))).shape
    (8, 16)
    """

    def forward(self, input: Tensor) -> Tensor:
        return global_avg_pool(input)


# ----------------------------------------------------------------------------- max and average pooling
from lucid.nn.functional.conv import _tuple, avg_pool2d, max_pool2d  # noqa: E402  (appended family)

__all__ += ["MaxPool2d", "AvgPool2d"]


class MaxPool2d(Module):
    """2-D max pooling layer; see :func:`lucid.nn.functional.max_pool2d`.

    .. math::
        y_{n,c,i,j} = \\max_{p,q} x_{n,c,\\, s_h i + d_h p - P_h,\\, s_w j + d_w q - P_w}, \\qquad
        \\frac{\\partial L}{\\partial x} = G \\text{ routed to each window's maximum}

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Default ``kernel_size``.
    padding : int or (int, int)
        :math:`-\\infty` padding, at most half the kernel.
    dilation : int or (int, int)
    ceil_mode : bool
        Round the output size up.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> pool = nn.MaxPool2d(2)
    >>> pool
    MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False)
    >>> pool(lucid.zeros((1, 3, 8, 8))).shape
    (1, 3, 4, 4)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = _tuple(kernel_size, 2, "kernel_size", "MaxPool2d", 1)
        self.stride = self.kernel_size if stride is None else _tuple(stride, 2, "stride", "MaxPool2d", 1)
        self.padding = _tuple(padding, 2, "padding", "MaxPool2d")
        self.dilation = _tuple(dilation, 2, "dilation", "MaxPool2d", 1)
        self.ceil_mode = bool(ceil_mode)

    def forward(self, input: Tensor) -> Tensor:
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """2-D average pooling layer; see :func:`lucid.nn.functional.avg_pool2d`.

    .. math::
        y_{n,c,i,j} = \\frac{1}{D} \\sum_{p,q} x_{n,c,\\, s_h i + p - P_h,\\, s_w j + q - P_w}, \\qquad
        \\frac{\\partial L}{\\partial x_{u,v}} = \\sum_{\\text{windows} \\ni (u,v)} \\frac{G_{i,j}}{D}

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Default ``kernel_size``.
    padding : int or (int, int)
    ceil_mode : bool
    count_include_pad : bool
        Count the zero padding in the divisor :math:`D`.
    divisor_override : int, optional

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.AvgPool2d(2)(lucid.ones((1, 1, 4, 4)))
    Tensor([[[[1., 1.],
              [1., 1.]]]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = _tuple(kernel_size, 2, "kernel_size", "AvgPool2d", 1)
        self.stride = self.kernel_size if stride is None else _tuple(stride, 2, "stride", "AvgPool2d", 1)
        self.padding = _tuple(padding, 2, "padding", "AvgPool2d")
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
