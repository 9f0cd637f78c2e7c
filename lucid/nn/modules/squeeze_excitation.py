"""The Squeeze-and-Excitation block (Hu, Shen and Sun), composed of ordinary layers."""
from __future__ import annotations

from lucid.nn.module import Module
from lucid.nn.modules._checks import boolean, floating_input, positive_int
from lucid.nn.modules.activation import ReLU, Sigmoid
from lucid.nn.modules.flatten import Flatten
from lucid.nn.modules.linear import Linear
from lucid.nn.modules.pooling import AdaptiveAvgPool
from lucid.ops._args import tensor_arg
from lucid.ops.shape import reshape
from lucid.tensor import Tensor

import numpy as np  # noqa: F401  (the course's doctest example writes Tensor(np.random.randn(...)))

__all__ = ["SEModule"]


class SEModule(Module):
    r"""Squeeze-and-Excitation block: reweight each channel by a gate computed from the whole input.

    The block of Hu, Shen and Sun [1]_ [2]_, composed of registered layers:
    ``AdaptiveAvgPool(1)``, ``Flatten``, ``Linear``, ``ReLU``, ``Linear``
    and ``Sigmoid``, as PyTorch models write it (with ``AdaptiveAvgPool2d``
    there, which lucid generalises to 1, 2, 3 or more spatial axes).

    Parameters
    ----------
    in_channels : int
        :math:`C`, the number of channels of the input (axis 1). A positive int.
    reduction : int, default 16
        :math:`r`, the bottleneck ratio. A positive int.
    bias : bool, default True
        Give both linear layers a bias.

    Attributes
    ----------
    in_channels : int
        :math:`C`.
    reduction : int
        :math:`r`.
    hidden_channels : int
        :math:`h = \max(1, \lfloor C / r \rfloor)`: the clamp keeps one
        hidden unit when :math:`r > C` (e.g. :math:`C = 4, r = 16`).
    use_bias : bool
        The ``bias`` argument.
    pool : AdaptiveAvgPool
        ``AdaptiveAvgPool(1)``, the squeeze: (N, C, \*spatial) to
        (N, C, 1, ..., 1), the mean of each channel.
    flatten : Flatten
        ``Flatten(1)``: (N, C, 1, ..., 1) to (N, C).
    fc1 : Linear
        ``Linear(C, h, bias)``, weight :math:`W_1 \in \mathbb{R}^{h \times C}`, bias :math:`b_1`.
    relu : ReLU
        The nonlinearity between the two linear layers.
    fc2 : Linear
        ``Linear(h, C, bias)``, weight :math:`W_2 \in \mathbb{R}^{C \times h}`, bias :math:`b_2`.
    sigmoid : Sigmoid
        The gate, with values in (0, 1).

    Forward Calculation
    -------------------
    Input :math:`x` of shape (N, C, \*spatial) with one, two or three (or
    more) spatial axes, e.g. (N, C, L), (N, C, H, W) or (N, C, D, H, W); the
    output has the input's shape.  :math:`p` runs over the :math:`P` spatial
    positions.  Layer by layer:

    ===============  ================================  ====================================
    layer            step                              output shape
    ===============  ================================  ====================================
    (input)          :math:`x`                         (N, C, \*spatial)
    ``pool``         squeeze: ``AdaptiveAvgPool(1)``   (N, C, \*1), that is (N, C, 1, ..., 1)
    ``flatten``      ``Flatten(1)``                    (N, C)
    ``fc1``          excitation: ``Linear(C, h)``      (N, h)
    ``relu``         ``ReLU()``                        (N, h)
    ``fc2``          ``Linear(h, C)``                  (N, C)
    ``sigmoid``      ``Sigmoid()``: the gates          (N, C), values in (0, 1)
    (scale)          reshape to (N, C, \*1), multiply  (N, C, \*spatial)
    ===============  ================================  ====================================

    .. math::

        m_{nc1 \dots 1} &= \frac{1}{P} \sum_{p} x_{ncp} \qquad \text{pool (squeeze)} \\
        s_{nc} &= m_{nc1 \dots 1} \qquad \text{flatten} \\
        a &= s W_1^\top + b_1 \qquad \text{fc1} \\
        z &= \max(a, 0) \qquad \text{relu} \\
        e &= z W_2^\top + b_2 \qquad \text{fc2} \\
        g &= \sigma(e) \in (0, 1)^{N \times C} \qquad \text{sigmoid} \\
        y_{ncp} &= x_{ncp}\, g_{nc} \qquad \text{scale}

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L / \partial y`, the gradient flows back through
    the same layers in reverse (:math:`\odot` elementwise, :math:`[\cdot]` 1 when true):

    .. math::

        \frac{\partial L}{\partial g_{nc}} &= \sum_p G_{ncp}\, x_{ncp} \\
        \frac{\partial L}{\partial e} &= \frac{\partial L}{\partial g} \odot g \odot (1 - g) \\
        \frac{\partial L}{\partial W_2} &= \Bigl(\frac{\partial L}{\partial e}\Bigr)^{\!\top} z \\
        \frac{\partial L}{\partial b_2} &= \sum_n \frac{\partial L}{\partial e_n} \\
        \frac{\partial L}{\partial z} &= \frac{\partial L}{\partial e}\, W_2 \\
        \frac{\partial L}{\partial a} &= \frac{\partial L}{\partial z} \odot [a > 0] \\
        \frac{\partial L}{\partial W_1} &= \Bigl(\frac{\partial L}{\partial a}\Bigr)^{\!\top} s \\
        \frac{\partial L}{\partial b_1} &= \sum_n \frac{\partial L}{\partial a_n} \\
        \frac{\partial L}{\partial s} &= \frac{\partial L}{\partial a}\, W_1 \\
        \frac{\partial L}{\partial x_{ncp}} &= G_{ncp}\, g_{nc} + \frac{1}{P} \frac{\partial L}{\partial s_{nc}}

    The input receives gradient along **two paths**, because :math:`x` is used
    twice: it is scaled (the first term), and it is squeezed to compute its
    own gate (the second).  None of this is written by hand: the pool (one
    sum over the spatial block), ``flatten``, ``linear`` (the affine map of
    each ``Linear``), ``relu``, ``sigmoid``, ``reshape`` and ``mul`` each
    know their own backward, and the engine adds the two paths into ``x.grad``.

    Examples
    --------
    The course's example (there, as here, ``np`` is NumPy and ``Tensor`` is
    :class:`lucid.Tensor`):

    >>> import lucid.nn as nn
    >>> module = nn.SEModule(in_channels=64, reduction=16)
    >>> input_tensor = Tensor(np.random.randn(8, 64, 32, 32))  # Shape: (N, C, H, W)
    >>> output = module(input_tensor)  # Forward pass
    >>> print(output.shape)
    (8, 64, 32, 32)

    The parameters are float32.  A float32 input gives a float32 output;
    ``np.random.randn`` makes float64, and a float64 input is computed in
    float64 (NumPy's promotion, as in ``Linear``) and gives float64:

    >>> input_tensor.dtype, output.dtype
    (dtype('float64'), dtype('float64'))
    >>> x32 = Tensor(np.random.randn(8, 64, 32, 32).astype(np.float32))
    >>> module(x32).dtype
    dtype('float32')
    >>> module.fc1.weight.dtype
    dtype('float32')

    The layers, their output shapes and the parameter count
    (:math:`2 C h + C + h = 2 \cdot 64 \cdot 4 + 64 + 4 = 580`):

    >>> import lucid
    >>> se = nn.SEModule(in_channels=64, reduction=16)
    >>> se
    SEModule(
      in_channels=64, reduction=16, hidden_channels=4, bias=True
      (pool): AdaptiveAvgPool(output_size=1)
      (flatten): Flatten(start_dim=1, end_dim=-1)
      (fc1): Linear(in_features=64, out_features=4, bias=True)
      (relu): ReLU()
      (fc2): Linear(in_features=4, out_features=64, bias=True)
      (sigmoid): Sigmoid()
    )
    >>> print(nn.summary(se, (8, 64, 32, 32)))  # doctest: +ELLIPSIS
    ====================================================
    Layer (type)               Output Shape      Param #
    ====================================================
    SEModule                   [8, 64, 32, 32]        --
      pool (AdaptiveAvgPool)   [8, 64, 1, 1]           0
      flatten (Flatten)        [8, 64]                 0
      fc1 (Linear)             [8, 4]                260
      relu (ReLU)              [8, 4]                  0
      fc2 (Linear)             [8, 64]               320
      sigmoid (Sigmoid)        [8, 64]                 0
    ====================================================
    Total params: 580
    ...

    The backward pass reaches the input and every parameter:

    >>> x = lucid.randn(8, 64, 32, 32, requires_grad=True)
    >>> y = se(x)
    >>> y.sum().backward()
    >>> x.grad.shape, se.fc1.weight.grad.shape
    ((8, 64, 32, 32), (4, 64))
    >>> nn.SEModule(4).hidden_channels  # max(1, 4 // 16)
    1

    A wrong channel count is an error that names both:

    >>> se(lucid.zeros((8, 32, 16, 16)))
    Traceback (most recent call last):
        ...
    ValueError: SEModule(in_channels=64) got input with 32 channels
    (shape (8, 32, 16, 16))

    Notes
    -----
    SE blocks are meant to be inserted into existing architectures: after
    the last convolution of each residual block of a ResNet (before the
    addition of the shortcut), or in each block of a DenseNet or Inception
    network, where they recalibrate the block's channels.  Their overhead
    is small: :math:`2C^2/r` weights per block (a few percent of a ResNet-50's
    parameters with :math:`r = 16`) and a negligible share of the
    computation, since they act on the pooled (N, C) vectors.

    **Input dtype.** A floating-point input is required: an integer or
    boolean tensor raises ``TypeError`` (convert it with ``x.float()``), as in
    every layer with float parameters.

    **Batch axis.** The batch axis is required: an unbatched (C, H, W)
    would be indistinguishable from a batched (N, C, L).  Add one with
    ``x.unsqueeze(0)``.

    References
    ----------
    .. [1] J. Hu, L. Shen and G. Sun, "Squeeze-and-Excitation Networks",
       CVPR 2018, pp. 7132-7141.
    .. [2] J. Hu, L. Shen, S. Albanie, G. Sun and E. Wu, "Squeeze-and-Excitation
       Networks", IEEE TPAMI 42(8), 2020, pp. 2011-2023.
    """

    def __init__(self, in_channels: int, reduction: int = 16, bias: bool = True) -> None:
        super().__init__()
        self.in_channels = positive_int(in_channels, "in_channels", "SEModule")
        self.reduction = positive_int(reduction, "reduction", "SEModule")
        self.use_bias = boolean(bias, "bias", "SEModule")
        self.hidden_channels = max(1, self.in_channels // self.reduction)
        self.pool = AdaptiveAvgPool(1)  # (N, C, *spatial) -> (N, C, 1, ..., 1): one sum over the spatial block
        self.flatten = Flatten(1)        # -> (N, C)
        self.fc1 = Linear(self.in_channels, self.hidden_channels, bias=self.use_bias)
        self.relu = ReLU()
        self.fc2 = Linear(self.hidden_channels, self.in_channels, bias=self.use_bias)
        self.sigmoid = Sigmoid()

    def _check_input(self, x: Tensor) -> None:
        if x.ndim < 3:
            raise ValueError(
                f"SEModule expects a batched input (N, C, *spatial) with a channel axis and at least one "
                f"spatial axis, got shape {x.shape} ({x.ndim} axes); for one unbatched sample add a batch "
                f"axis with x.unsqueeze(0)"
            )
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"SEModule(in_channels={self.in_channels}) got input with {x.shape[1]} channels (shape {x.shape})"
            )

    def forward(self, x: Tensor) -> Tensor:
        x = tensor_arg(x, "x")
        floating_input(x, "SEModule")
        self._check_input(x)
        s = self.flatten(self.pool(x))                     # squeeze:    (N, C, 1, ..., 1), then (N, C)
        g = self.sigmoid(self.fc2(self.relu(self.fc1(s))))  # excitation: (N, C), gates in (0, 1)
        g = reshape(g, g.shape + (1,) * (x.ndim - 2))      # (N, C, 1, ..., 1) broadcasts over space
        return x * g                                       # scale

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, reduction={self.reduction}, "
                f"hidden_channels={self.hidden_channels}, bias={self.use_bias}")
