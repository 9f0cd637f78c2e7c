"""Pooling layers: adaptive average pooling (any rank; 1-D, 2-D, 3-D forms), global, max and average pooling."""
from __future__ import annotations

from typing import Any

from lucid.nn.functional.pooling import _adaptive_avg_pool, _output_size, global_avg_pool
from lucid.nn.module import Module
from lucid.tensor import Tensor

__all__ = ["AdaptiveAvgPool", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "GlobalAvgPool"]


class AdaptiveAvgPool(Module):
    r"""Average (N, C, \*spatial) over adaptive windows down to (N, C, \*output_size), for any number of spatial axes.

    :class:`AdaptiveAvgPool1d`, :class:`AdaptiveAvgPool2d` and
    :class:`AdaptiveAvgPool3d` are its fixed-rank forms (subclasses: the same
    numbers, PyTorch's names and error messages).  ``AdaptiveAvgPool(1)`` is
    global average pooling that keeps the pooled axes, (N, C, \*spatial) to
    (N, C, 1, ..., 1): the squeeze of :class:`~lucid.nn.SEModule`.

    Parameters
    ----------
    output_size : int or tuple of (int or None)
        :math:`(O_1, \dots, O_k)`, one entry per spatial axis, ``None``
        keeping that axis' length.  A tuple fixes the number :math:`k` of
        pooled axes (the last :math:`k`); an int is the same size on every
        axis after (N, C), however many there are.

    Forward Calculation
    -------------------
    Input (N, C, :math:`S_1, \dots, S_k`), output (N, C, :math:`O_1, \dots, O_k`).  An
    unbatched input (C, :math:`S_1, \dots, S_k`) is accepted when ``output_size`` is a
    tuple, as in PyTorch's fixed-rank pools; with an int the rank comes from the input,
    which must then be batched (an unbatched (C, H, W) would be indistinguishable from a
    batched (N, C, L)).

    PyTorch's bins, exactly: along an axis of length :math:`L` pooled to :math:`O`, output
    :math:`i` covers :math:`[s_i, e_i)`; a multi-axis bin :math:`R_{\mathbf{i}}` is the product
    of the intervals, and the output is the sum over the bin divided by its size:

    .. math::

        s_i &= \lfloor i L / O \rfloor \\
        e_i &= \lceil (i + 1) L / O \rceil \\
        R_{\mathbf{i}} &= \textstyle\prod_d \bigl[s^{(d)}_{i_d}, e^{(d)}_{i_d}\bigr) \\
        |R_{\mathbf{i}}| &= \textstyle\prod_d \bigl(e^{(d)}_{i_d} - s^{(d)}_{i_d}\bigr) \\
        y_{n c \mathbf{i}} &= \frac{1}{|R_{\mathbf{i}}|} \sum_{\mathbf{j} \in R_{\mathbf{i}}} x_{n c \mathbf{j}}

    Bins overlap when :math:`O` does not divide :math:`L` and repeat elements when
    :math:`O > L`.

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`, each input element receives, from every bin that
    holds it, that bin's gradient divided by the bin's size:

    .. math::

        \frac{\partial L}{\partial x_{n c \mathbf{j}}} =
            \sum_{\mathbf{i}:\ \mathbf{j} \in R_{\mathbf{i}}} \frac{G_{n c \mathbf{i}}}{|R_{\mathbf{i}}|}

    Notes
    -----
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
    r"""Average (N, C, L) or (C, L) over adaptive windows down to length ``output_size``.

    The 1-D form of :class:`AdaptiveAvgPool` (one pooled axis; an input of
    another rank is an error).

    Parameters
    ----------
    output_size : int or (int or None,)
        The output length :math:`O` (``None`` keeps :math:`L`).

    Forward Calculation
    -------------------
    Input (N, C, L), output (N, C, O); PyTorch's bins :math:`[s_i, e_i)`:

    .. math::

        s_i &= \lfloor i L / O \rfloor \\
        e_i &= \lceil (i + 1) L / O \rceil \\
        y_{n,c,i} &= \frac{1}{e_i - s_i} \sum_{j = s_i}^{e_i - 1} x_{n,c,j}

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`:

    .. math::

        \frac{\partial L}{\partial x_{n,c,j}} = \sum_{i:\ s_i \le j < e_i} \frac{G_{n,c,i}}{e_i - s_i}

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
    r"""Average (N, C, H, W) or (C, H, W) over adaptive windows down to ``output_size``.

    The 2-D form of :class:`AdaptiveAvgPool` (two pooled axes; an input of
    another rank is an error).

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        :math:`(O_h, O_w)`; an int means a square output, ``None`` keeps that axis.

    Forward Calculation
    -------------------
    Input (N, C, H, W), output (N, C, :math:`O_h, O_w`); along each axis PyTorch's bins
    :math:`[s_i, e_i)` of :class:`AdaptiveAvgPool1d` (:math:`s^h, e^h` for the rows,
    :math:`s^w, e^w` for the columns):

    .. math::

        n_{ij} &= (e^h_i - s^h_i)(e^w_j - s^w_j) \\
        y_{n,c,i,j} &= \frac{1}{n_{ij}} \sum_{u = s^h_i}^{e^h_i - 1} \sum_{v = s^w_j}^{e^w_j - 1} x_{n,c,u,v}

    Per channel that is :math:`Y = (B_h X B_w^\top) / n` with the 0/1 membership matrices
    :math:`B`.  ``AdaptiveAvgPool2d(1)`` is global average pooling (one sum).

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`:

    .. math::

        \frac{\partial L}{\partial x_{n,c,u,v}} &= \sum_{i:\ s^h_i \le u < e^h_i}\;
            \sum_{j:\ s^w_j \le v < e^w_j} \frac{G_{n,c,i,j}}{n_{ij}} \\
        \frac{\partial L}{\partial X} &= B_h^\top (G / n)\, B_w

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
    r"""Average (N, C, D, H, W) or (C, D, H, W) over adaptive windows down to ``output_size``.

    The 3-D form of :class:`AdaptiveAvgPool` (three pooled axes; an input of
    another rank is an error).

    Parameters
    ----------
    output_size : int or a tuple of three (int or None)

    Forward Calculation
    -------------------
    Input (N, C, D, H, W), output (N, C, :math:`O_d, O_h, O_w`); along each axis PyTorch's
    bins :math:`[s_i, e_i)` of :class:`AdaptiveAvgPool1d`:

    .. math::

        n_{ijk} &= (e^d_i - s^d_i)(e^h_j - s^h_j)(e^w_k - s^w_k) \\
        y_{n,c,i,j,k} &= \frac{1}{n_{ijk}} \sum_{t = s^d_i}^{e^d_i - 1} \sum_{u = s^h_j}^{e^h_j - 1}
            \sum_{v = s^w_k}^{e^w_k - 1} x_{n,c,t,u,v}

    Computed with one membership matrix per axis, then a division by the bin sizes.

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`, every bin that holds an element sends it its
    gradient divided by the bin's size (the membership matrices' transposes, after dividing):

    .. math::

        \frac{\partial L}{\partial x_{n,c,t,u,v}} = \sum_{i:\ s^d_i \le t < e^d_i}\;
            \sum_{j:\ s^h_j \le u < e^h_j}\; \sum_{k:\ s^w_k \le v < e^w_k} \frac{G_{n,c,i,j,k}}{n_{ijk}}

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> nn.AdaptiveAvgPool3d(1)(lucid.ones((2, 3, 4, 4, 4))).shape
    (2, 3, 1, 1, 1)
    """

    _dims = 3


class GlobalAvgPool(Module):
    r"""Mean over every spatial axis: (N, C, \*spatial) to (N, C), for 1, 2 or 3 (or more) spatial axes.

    A convenience layer, the same numbers as ``AdaptiveAvgPool(1)`` followed
    by ``Flatten(1)`` (which is how :class:`~lucid.nn.SEModule` spells its
    squeeze, as PyTorch models do); one layer instead of two for a
    classifier head.

    Forward Calculation
    -------------------
    Input (N, C, \*spatial), output (N, C); :math:`p` runs over the :math:`P` spatial positions:

    .. math::

        s_{nc} = \frac{1}{P} \sum_{p} x_{ncp}

    Backward Gradient Calculation
    -----------------------------
    .. math::

        \frac{\partial L}{\partial x_{ncp}} = \frac{1}{P} \frac{\partial L}{\partial s_{nc}}

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
    r"""2-D max pooling layer; see :func:`lucid.nn.functional.max_pool2d`.

    Parameters
    ----------
    kernel_size : int or (int, int)
        :math:`(KH, KW)`.
    stride : int or (int, int), optional
        :math:`(s_h, s_w)`; default ``kernel_size``.
    padding : int or (int, int)
        :math:`(P_h, P_w)`, :math:`-\infty` padding on both sides, at most half the kernel.
    dilation : int or (int, int)
        :math:`(d_h, d_w)`, the spacing between taps.
    ceil_mode : bool
        Round the output size up.

    Forward Calculation
    -------------------
    Input (N, C, H, W) (or (C, H, W)), output (N, C, OH, OW); :math:`\tilde x` is :math:`x`
    read as :math:`-\infty` outside the image, :math:`p, q` run over the taps:

    .. math::

        y_{n,c,i,j} &= \max_{0 \le p < KH,\ 0 \le q < KW}\;
            \tilde x_{n,c,\; s_h i + d_h p - P_h,\; s_w j + d_w q - P_w} \\
        OH &= \Bigl\lfloor \frac{H + 2 P_h - d_h (KH - 1) - 1}{s_h} \Bigr\rfloor + 1

    (:math:`OW` alike).  With ``ceil_mode`` the floor becomes a ceiling, and the last window is
    dropped when it would start past the padded input, i.e. when :math:`(OH - 1)\, s_h \ge H + P_h`.
    A NaN in a window gives NaN.

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y` and :math:`(p^*, q^*)_{ij}` the tap where window
    :math:`(i, j)` attains its maximum (the first in row-major order on ties, as in PyTorch; in a
    window holding NaN, its last NaN; in a window whose pixels are all :math:`-\infty`, its first
    tap inside the image),
    each :math:`G_{n,c,i,j}` goes to that one pixel; overlapping windows add up:

    .. math::

        u^*_{ij} &= s_h i + d_h p^*_{ij} - P_h, \qquad v^*_{ij} = s_w j + d_w q^*_{ij} - P_w \\
        \frac{\partial L}{\partial x_{n,c,u,v}} &= \sum_{i,j} G_{n,c,i,j}\, [u^*_{ij} = u]\, [v^*_{ij} = v]

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
    r"""2-D average pooling layer; see :func:`lucid.nn.functional.avg_pool2d`.

    Parameters
    ----------
    kernel_size : int or (int, int)
        :math:`(KH, KW)`.
    stride : int or (int, int), optional
        :math:`(s_h, s_w)`; default ``kernel_size``.
    padding : int or (int, int)
        :math:`(P_h, P_w)`, zeros on both sides, at most half the kernel.
    ceil_mode : bool
        Round the output size up (as for :class:`MaxPool2d`).
    count_include_pad : bool
        Count the zero padding in the divisor :math:`D_{ij}`.
    divisor_override : int, optional
        Divide by this instead.

    Forward Calculation
    -------------------
    Input (N, C, H, W) (or (C, H, W)), output (N, C, OH, OW) with :math:`OH, OW` as for
    :class:`MaxPool2d` (dilation 1).  :math:`\tilde x` is :math:`x` read as 0 outside the image;
    window :math:`(i, j)` starts at :math:`a_i = s_h i - P_h`, :math:`b_j = s_w j - P_w`:

    .. math::

        y_{n,c,i,j} &= \frac{1}{D_{ij}} \sum_{p=0}^{KH-1} \sum_{q=0}^{KW-1} \tilde x_{n,c,\, a_i + p,\, b_j + q} \\
        D_{ij} &= \bigl(\min(a_i + KH,\, H + P_h) - a_i\bigr)\,\bigl(\min(b_j + KW,\, W + P_w) - b_j\bigr)
            \quad (\texttt{count\_include\_pad}) \\
        D_{ij} &= \bigl(\min(a_i + KH,\, H) - \max(a_i, 0)\bigr)\,\bigl(\min(b_j + KW,\, W) - \max(b_j, 0)\bigr)
            \quad (\text{otherwise})

    or ``divisor_override``.  :math:`D_{ij} = KH \cdot KW` for every window inside the padded
    input; only the extra windows that ``ceil_mode`` adds (hanging over the bottom/right edge of
    the padded input) count fewer cells.

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`, each window sends :math:`G_{n,c,i,j} / D_{ij}` to every
    pixel it covers:

    .. math::

        \frac{\partial L}{\partial x_{n,c,u,v}} = \sum_{i,j} \frac{G_{n,c,i,j}}{D_{ij}}\,
            [a_i \le u < a_i + KH]\, [b_j \le v < b_j + KW]

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
