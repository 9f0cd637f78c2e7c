"""Convolution layers: ``Conv1d`` and ``Conv2d`` (the work is in :mod:`lucid.nn.functional.conv`)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from lucid.nn import init
from lucid.nn.functional.conv import _tuple, conv1d, conv2d
from lucid.nn.module import Module
from lucid.nn.modules._checks import boolean, floating_input, positive_int
from lucid.nn.parameter import Parameter
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor

__all__ = ["Conv1d", "Conv2d"]


class _ConvNd(Module):
    """Shared constructor: validation, parameters and PyTorch's default initialisation."""

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros") -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        self.in_channels = positive_int(in_channels, "in_channels", name)
        self.out_channels = positive_int(out_channels, "out_channels", name)
        self.groups = positive_int(groups, "groups", name)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{name}: in_channels={in_channels} and out_channels={out_channels} must both be "
                             f"divisible by groups={groups}")
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size", name, 1)
        self.stride = _tuple(stride, nd, "stride", name, 1)
        self.dilation = _tuple(dilation, nd, "dilation", name, 1)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' needs stride=1, got stride={stride!r}")
            self.padding = padding
        else:
            self.padding = _tuple(padding, nd, "padding", name)
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.padding_mode = padding_mode
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.zeros(shape, dtype=np.float32))
        if boolean(bias, "bias", name):
            self.bias = Parameter(np.zeros((self.out_channels,), dtype=np.float32))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight ``kaiming_uniform_(a=sqrt(5))`` and bias ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.size // self.out_channels
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x: Tensor) -> Tensor:
        x = tensor_arg(x, "input")
        nd = self._nd
        if x.ndim not in (nd + 1, nd + 2) or x.shape[-nd - 1] != self.in_channels:
            spatial = "H, W" if nd == 2 else "L"
            raise ValueError(f"{type(self).__name__}(in_channels={self.in_channels}) expects input of shape "
                             f"(N, {self.in_channels}, {spatial}), got shape {x.shape}")
        floating_input(x, type(self).__name__)
        return x

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    r"""2-D convolution layer over ``(N, C, H, W)`` images.

    Parameters
    ----------
    in_channels, out_channels : int
        :math:`C` and :math:`O`.
    kernel_size : int or (int, int)
        :math:`(KH, KW)`.
    stride, dilation : int or (int, int)
        :math:`(s_h, s_w)`, the step between windows, and :math:`(d_h, d_w)`, the spacing between taps.
    padding : int, (int, int), "valid" or "same"
        Zeros added before (:math:`P_h, P_w`) and after (:math:`P'_h, P'_w`) each spatial axis:
        an int pads both sides equally, ``"valid"`` is 0, and ``"same"`` (stride 1 only) pads
        :math:`P_h = \lfloor d_h (KH - 1) / 2 \rfloor` before and :math:`P'_h = d_h (KH - 1) - P_h`
        after (the odd pixel at the end, as in PyTorch), so that :math:`OH = H` even for an even kernel.
    groups : int
        :math:`G`, independent channel groups (both channel counts divisible by it):
        input channels :math:`g C_g \dots (g+1) C_g - 1` feed output channels
        :math:`g O_g \dots (g+1) O_g - 1`, with :math:`C_g = C/G`, :math:`O_g = O/G`.
    bias : bool
        Learn a bias per output channel.
    padding_mode : {"zeros"}
        Only zero padding is implemented.

    Attributes
    ----------
    weight : Parameter, shape (O, C / groups, KH, KW)
        :math:`\mathcal{U}(-1/\sqrt{k}, 1/\sqrt{k})` with :math:`k = C/\text{groups} \cdot KH \cdot KW`
        (PyTorch's ``kaiming_uniform_(a=sqrt(5))``).
    bias : Parameter, shape (O,), or None
        :math:`\mathcal{U}(-1/\sqrt{k}, 1/\sqrt{k})`.

    Forward Calculation
    -------------------
    Input :math:`x` of shape :math:`(N, C, H, W)`, output :math:`y` of shape :math:`(N, O, OH, OW)`.
    :math:`\tilde x` is :math:`x` read as 0 outside the image (the padding), :math:`g = \lfloor o / O_g \rfloor`
    is the group of output channel :math:`o`, and :math:`p, q` run over the :math:`KH \times KW` taps:

    .. math::

        y_{n,o,i,j} &= b_o + \sum_{c = g C_g}^{(g+1) C_g - 1} \sum_{p,q}
            W_{o,\, c - g C_g,\, p,\, q}\; \tilde x_{n,\, c,\, s_h i + d_h p - P_h,\; s_w j + d_w q - P_w} \\
        OH &= \Bigl\lfloor \frac{H + P_h + P'_h - d_h (KH - 1) - 1}{s_h} \Bigr\rfloor + 1 \\
        OW &= \Bigl\lfloor \frac{W + P_w + P'_w - d_w (KW - 1) - 1}{s_w} \Bigr\rfloor + 1

    (:math:`W_{o,\,c - g C_g}`: the weight has only :math:`C_g = C/G` entries on its second axis.)
    The work is done by :func:`lucid.nn.functional.conv2d` (im2col and one matrix product per group).

    Backward Gradient Calculation
    -----------------------------
    With :math:`\delta_{n,o,i,j} = \partial L / \partial y_{n,o,i,j}` the gradient arriving from above,
    :math:`c' = 0 \dots C_g - 1` the weight's channel index, :math:`g = \lfloor o / O_g \rfloor` in the
    first two lines and :math:`g = \lfloor c / C_g \rfloor` in the last:

    .. math::

        \frac{\partial L}{\partial b_o} &= \sum_{n,i,j} \delta_{n,o,i,j} \\
        \frac{\partial L}{\partial W_{o,c',p,q}} &= \sum_{n,i,j} \delta_{n,o,i,j}\;
            \tilde x_{n,\, g C_g + c',\, s_h i + d_h p - P_h,\; s_w j + d_w q - P_w} \\
        \frac{\partial L}{\partial x_{n,c,u,v}} &= \sum_{o = g O_g}^{(g+1) O_g - 1} \sum_{p,q}
            \sum_{\substack{i:\ s_h i + d_h p - P_h = u \\ j:\ s_w j + d_w q - P_w = v}}
            \delta_{n,o,i,j}\, W_{o,\, c - g C_g,\, p,\, q}

    In words: the weight gradient is a cross-correlation of :math:`\tilde x` with :math:`\delta` as
    the kernel, that kernel dilated by the *stride* and stepped by the *dilation*, cropped to
    :math:`KH \times KW` (the usual ":math:`\delta \star x`" holds only when stride equals
    dilation); the input gradient sends every :math:`\delta_{n,o,i,j} W_{o,c-gC_g,p,q}` back to the
    pixel its tap read (a transposed convolution, which needs
    ``output_padding`` :math:`= (H + P_h + P'_h - d_h(KH - 1) - 1) \bmod s_h` to give back all
    :math:`H` rows; pixels no window reads get 0).

    Notes
    -----
    **Input dtype.** A floating-point input is required: an integer or boolean
    tensor raises ``TypeError`` (convert it with ``x.float()``), the same rule
    in every layer with float parameters; a silent promotion would hide a
    data bug.  A float64 input with the float32 parameters follows NumPy
    promotion and gives a float64 output, as in ``Linear``.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
    >>> conv
    Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(lucid.zeros((2, 3, 16, 16))).shape
    (2, 8, 16, 16)
    >>> sum(p.size for p in conv.parameters())
    224
    """

    _nd = 2

    def forward(self, input: Tensor) -> Tensor:
        x = self._check_input(input)
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    r"""1-D convolution layer over ``(N, C, L)`` sequences.

    Parameters are as for :class:`Conv2d` with one spatial axis (``padding``
    :math:`P` before and :math:`P'` after, ``"same"`` as there): ``weight`` has shape
    ``(O, C / groups, K)``, initialised :math:`\mathcal{U}(-1/\sqrt{k}, 1/\sqrt{k})`,
    :math:`k = C / \text{groups} \cdot K`.

    Forward Calculation
    -------------------
    Input :math:`x` of shape :math:`(N, C, L)`, output :math:`(N, O, OL)`; :math:`\tilde x` is
    :math:`x` read as 0 outside :math:`0 \dots L-1`, :math:`G` the groups,
    :math:`C_g = C/G`, :math:`O_g = O/G`, :math:`g = \lfloor o / O_g \rfloor`:

    .. math::

        y_{n,o,i} &= b_o + \sum_{c = g C_g}^{(g+1) C_g - 1} \sum_{p=0}^{K-1}
            W_{o,\, c - g C_g,\, p}\; \tilde x_{n,\, c,\, s i + d p - P} \\
        OL &= \Bigl\lfloor \frac{L + P + P' - d (K - 1) - 1}{s} \Bigr\rfloor + 1

    Computed by :func:`lucid.nn.functional.conv1d` (``conv2d`` with height 1).

    Backward Gradient Calculation
    -----------------------------
    With :math:`\delta_{n,o,i} = \partial L / \partial y_{n,o,i}`, :math:`c' = 0 \dots C_g - 1`,
    :math:`g = \lfloor o / O_g \rfloor` in the first two lines and :math:`g = \lfloor c / C_g \rfloor`
    in the last:

    .. math::

        \frac{\partial L}{\partial b_o} &= \sum_{n,i} \delta_{n,o,i} \\
        \frac{\partial L}{\partial W_{o,c',p}} &= \sum_{n,i} \delta_{n,o,i}\;
            \tilde x_{n,\, g C_g + c',\, s i + d p - P} \\
        \frac{\partial L}{\partial x_{n,c,u}} &= \sum_{o = g O_g}^{(g+1) O_g - 1} \sum_{p}
            \sum_{i:\ s i + d p - P = u} \delta_{n,o,i}\, W_{o,\, c - g C_g,\, p}

    Notes
    -----
    **Input dtype.** A floating-point input is required: an integer or boolean
    tensor raises ``TypeError`` (convert it with ``x.float()``), the same rule
    in every layer with float parameters; a silent promotion would hide a
    data bug.  A float64 input with the float32 parameters follows NumPy
    promotion and gives a float64 output, as in ``Linear``.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> conv = nn.Conv1d(4, 6, kernel_size=3, stride=2, groups=2)
    >>> conv
    Conv1d(4, 6, kernel_size=(3,), stride=(2,), groups=2)
    >>> conv(lucid.zeros((5, 4, 11))).shape
    (5, 6, 5)
    """

    _nd = 1

    def forward(self, input: Tensor) -> Tensor:
        x = self._check_input(input)
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)
