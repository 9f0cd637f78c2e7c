"""Pooling layers: adaptive average pooling (1-D, 2-D, 3-D) and global average pooling."""
from __future__ import annotations

from typing import Any

from lucid.nn import functional as F
from lucid.nn.functional.pooling import _output_size
from lucid.nn.module import Module
from lucid.tensor import Tensor

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "GlobalAvgPool"]


class _AdaptiveAvgPoolNd(Module):
    _dims = 0

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        _output_size(output_size, self._dims, type(self).__name__)  # validate now, not at the first call
        self.output_size = tuple(output_size) if isinstance(output_size, list) else output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average (N, C, L) or (C, L) over adaptive windows down to length ``output_size``.

    Parameters
    ----------
    output_size : int or (int or None,)
        The output length :math:`O` (``None`` keeps :math:`L`).

    Notes
    -----
    PyTorch's bins: output :math:`i` averages :math:`[\\lfloor iL/O \\rfloor, \\lceil (i+1)L/O \\rceil)`.

    .. math:: y_i = \\frac{1}{e_i - s_i}\\sum_{j=s_i}^{e_i-1} x_j, \\qquad
              \\frac{\\partial L}{\\partial x_j} = \\sum_{i \\ni j} \\frac{g_i}{e_i - s_i}

    See :mod:`lucid.nn.functional.pooling` for the averaging-matrix formulation.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.AdaptiveAvgPool1d(2)(lucid.tensor([[[1.0, 2.0, 3.0, 4.0]]]))
    Tensor([[[1.5, 3.5]]])
    """

    _dims = 1

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average (N, C, H, W) or (C, H, W) over adaptive windows down to ``output_size``.

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        :math:`(O_h, O_w)`; an int means a square output, ``None`` keeps that axis.

    Notes
    -----
    Per channel :math:`Y = A_h X A_w^\\top` with the averaging matrices of
    PyTorch's bins; backward :math:`\\partial L/\\partial X = A_h^\\top G A_w`.
    ``AdaptiveAvgPool2d(1)`` is global average pooling (one mean).

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

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average (N, C, D, H, W) or (C, D, H, W) over adaptive windows down to ``output_size``.

    Parameters
    ----------
    output_size : int or a tuple of three (int or None)

    Notes
    -----
    One averaging matrix per axis; the gradient applies their transposes.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.AdaptiveAvgPool3d(1)(lucid.ones((2, 3, 4, 4, 4))).shape
    (2, 3, 1, 1, 1)
    """

    _dims = 3

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class GlobalAvgPool(Module):
    """Mean over every spatial axis: (N, C, \\*spatial) to (N, C), for 1, 2 or 3 (or more) spatial axes.

    The "squeeze" of :class:`~lucid.nn.SEModule`.  Equal to
    ``AdaptiveAvgPoolNd(1)`` followed by ``Flatten()``.

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
        return F.global_avg_pool(input)


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
