"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d`` and ``LayerNorm``."""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid.nn.functional.normalization import batch_norm, layer_norm
from lucid.nn.module import Module
from lucid.nn.modules._checks import boolean, floating_input, number, positive_int
from lucid.nn.parameter import Parameter
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: parameters, running-statistics buffers, train/eval behaviour."""

    _dims: tuple = ()
    _shape_text = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = positive_int(num_features, "num_features", name)
        if momentum is not None:
            number(momentum, "momentum", name)
        if not number(eps, "eps", name) > 0:
            raise ValueError(f"{name}: eps must be > 0, got {eps!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None (cumulative average), got {momentum!r}")
        self.eps, self.momentum = float(eps), momentum
        self.affine = boolean(affine, "affine", name)
        self.track_running_stats = boolean(track_running_stats, "track_running_stats", name)
        c = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(c, dtype=np.float32))
            self.bias = Parameter(np.zeros(c, dtype=np.float32))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(c, dtype=np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(c, dtype=np.float32)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, input: Tensor) -> Tensor:
        x = tensor_arg(input, "input")
        if x.ndim not in self._dims or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}(num_features={self.num_features}) expects input of shape "
                             f"{self._shape_text.format(C=self.num_features)}, got shape {x.shape}")
        floating_input(x, type(self).__name__)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1  # in place: one launch on a GPU
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or not self.track_running_stats
        return batch_norm(x, self.running_mean if self.track_running_stats else None,
                          self.running_var if self.track_running_stats else None, self.weight, self.bias,
                          training=use_batch, momentum=factor, eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm2d(_BatchNorm):
    r"""Batch normalisation of ``(N, C, H, W)`` inputs, per channel over the batch and the pixels.

    Parameters
    ----------
    num_features : int
        :math:`C`.
    eps : float
        :math:`\epsilon`, added to the variance.
    momentum : float or None
        :math:`\alpha`, the weight of each new batch in the running statistics; None: their plain average.
    affine : bool
        Learn :math:`\gamma` (ones) and :math:`\beta` (zeros).
    track_running_stats : bool
        Keep ``running_mean``/``running_var`` buffers and use them in evaluation mode.

    Attributes
    ----------
    weight, bias : Parameter, shape (C,), or None
        :math:`\gamma` and :math:`\beta`.
    running_mean, running_var : Tensor (buffers), shape (C,)
        :math:`\hat\mu` and :math:`\hat\sigma^2`: start at 0 and 1; updated in training with the
        *unbiased* batch variance.
    num_batches_tracked : Tensor (buffer), int64 scalar

    Forward Calculation
    -------------------
    Per channel :math:`c`, over the :math:`m = N H W` values :math:`x_{n,c,\dots}` of that channel
    (sums over :math:`n` and the pixels :math:`h, w`), in training mode (or with ``track_running_stats=False``):

    .. math::

        \mu_c &= \frac1m \sum x_{n,c,\dots} \\
        \sigma_c^2 &= \frac1m \sum (x_{n,c,\dots} - \mu_c)^2 \\
        \hat x_{n,c,\dots} &= \frac{x_{n,c,\dots} - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}} \\
        y_{n,c,\dots} &= \gamma_c\, \hat x_{n,c,\dots} + \beta_c \\
        \hat\mu_c &\leftarrow (1 - \alpha)\, \hat\mu_c + \alpha\, \mu_c \\
        \hat\sigma_c^2 &\leftarrow (1 - \alpha)\, \hat\sigma_c^2 + \alpha\, \frac{m}{m - 1}\, \sigma_c^2

    with :math:`\alpha` = ``momentum`` (``None``: :math:`\alpha = 1/t` at the :math:`t`-th
    training batch, a plain average).  In evaluation mode (with running statistics)
    :math:`\hat\mu_c, \hat\sigma_c^2` replace :math:`\mu_c, \sigma_c^2` and nothing is updated.
    Without ``affine``, :math:`\gamma = 1, \beta = 0`.

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`, :math:`\hat g = \gamma_c\, G` and bars for the mean over
    the :math:`m` values of channel :math:`c`; in training mode (the statistics depend on :math:`x`):

    .. math::

        \frac{\partial L}{\partial x_{n,c,\dots}} &= \frac{1}{\sqrt{\sigma_c^2 + \epsilon}}
            \Bigl(\hat g_{n,c,\dots} - \overline{\hat g}_c - \hat x_{n,c,\dots}\,
            \overline{\hat g\, \hat x}_c\Bigr) \\
        \frac{\partial L}{\partial \gamma_c} &= \sum G_{n,c,\dots}\, \hat x_{n,c,\dots} \\
        \frac{\partial L}{\partial \beta_c} &= \sum G_{n,c,\dots}

    In evaluation mode the statistics are constants, so
    :math:`\partial L/\partial x_{n,c,\dots} = \gamma_c\, G_{n,c,\dots} / \sqrt{\hat\sigma_c^2 + \epsilon}`,
    and :math:`\partial L/\partial \gamma_c`, :math:`\partial L/\partial \beta_c` are as above with
    :math:`\hat x` from the running statistics.

    Notes
    -----
    **Input dtype.** A floating-point input is required: an integer or boolean
    tensor raises ``TypeError`` (convert it with ``x.float()``), the same rule
    in every layer with float parameters; a silent promotion would hide a
    data bug.

    References
    ----------
    S. Ioffe, C. Szegedy, "Batch Normalization", ICML 2015.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> bn = nn.BatchNorm2d(3)
    >>> bn
    BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    >>> y = bn(lucid.randn(4, 3, 5, 5) * 2 + 1)
    >>> round(float(y.mean()), 4), round(float(y.std(correction=0)), 3)
    (0.0, 1.0)
    >>> sorted(bn.state_dict())
    ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']
    """

    _dims = (4,)
    _shape_text = "(N, {C}, H, W)"


class BatchNorm1d(_BatchNorm):
    r"""Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs, per channel (feature).

    Parameters and attributes are those of :class:`BatchNorm2d`; the statistics run over
    the batch (and the length ``L``).

    Forward Calculation
    -------------------
    Per channel :math:`c`, over the :math:`m = N` values :math:`x_{n,c,\dots}` of that channel
    (sums over :math:`n` and the positions :math:`l` for :math:`(N, C, L)` input, where :math:`m = N L`), in training mode (or with ``track_running_stats=False``):

    .. math::

        \mu_c &= \frac1m \sum x_{n,c,\dots} \\
        \sigma_c^2 &= \frac1m \sum (x_{n,c,\dots} - \mu_c)^2 \\
        \hat x_{n,c,\dots} &= \frac{x_{n,c,\dots} - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}} \\
        y_{n,c,\dots} &= \gamma_c\, \hat x_{n,c,\dots} + \beta_c \\
        \hat\mu_c &\leftarrow (1 - \alpha)\, \hat\mu_c + \alpha\, \mu_c \\
        \hat\sigma_c^2 &\leftarrow (1 - \alpha)\, \hat\sigma_c^2 + \alpha\, \frac{m}{m - 1}\, \sigma_c^2

    with :math:`\alpha` = ``momentum`` (``None``: :math:`\alpha = 1/t` at the :math:`t`-th
    training batch, a plain average).  In evaluation mode (with running statistics)
    :math:`\hat\mu_c, \hat\sigma_c^2` replace :math:`\mu_c, \sigma_c^2` and nothing is updated.
    Without ``affine``, :math:`\gamma = 1, \beta = 0`.

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`, :math:`\hat g = \gamma_c\, G` and bars for the mean over
    the :math:`m` values of channel :math:`c`; in training mode (the statistics depend on :math:`x`):

    .. math::

        \frac{\partial L}{\partial x_{n,c,\dots}} &= \frac{1}{\sqrt{\sigma_c^2 + \epsilon}}
            \Bigl(\hat g_{n,c,\dots} - \overline{\hat g}_c - \hat x_{n,c,\dots}\,
            \overline{\hat g\, \hat x}_c\Bigr) \\
        \frac{\partial L}{\partial \gamma_c} &= \sum G_{n,c,\dots}\, \hat x_{n,c,\dots} \\
        \frac{\partial L}{\partial \beta_c} &= \sum G_{n,c,\dots}

    In evaluation mode the statistics are constants, so
    :math:`\partial L/\partial x_{n,c,\dots} = \gamma_c\, G_{n,c,\dots} / \sqrt{\hat\sigma_c^2 + \epsilon}`,
    and :math:`\partial L/\partial \gamma_c`, :math:`\partial L/\partial \beta_c` are as above with
    :math:`\hat x` from the running statistics.

    Notes
    -----
    **Input dtype.** A floating-point input is required: an integer or boolean
    tensor raises ``TypeError`` (convert it with ``x.float()``), the same rule
    in every layer with float parameters; a silent promotion would hide a
    data bug.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> bn = nn.BatchNorm1d(2)
    >>> bn(lucid.tensor([[1.0, 10.0], [3.0, 30.0]]))
    Tensor([[-0.99999, -1.     ],
            [ 0.99999,  1.     ]], grad_fn=<NormalizeBackward>)
    >>> bn.running_mean
    Tensor([0.2, 2. ])
    """

    _dims = (2, 3)
    _shape_text = "(N, {C}) or (N, {C}, L)"


class LayerNorm(Module):
    r"""Layer normalisation over the trailing ``normalized_shape`` of each sample.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The trailing shape to normalise over.
    eps : float
        :math:`\epsilon`, added to the variance.
    elementwise_affine : bool
        Learn :math:`\gamma` (ones) and :math:`\beta` (zeros) of shape ``normalized_shape``.
    bias : bool
        Learn :math:`\beta` (when ``elementwise_affine``).

    Forward Calculation
    -------------------
    For each sample :math:`a` (the leading axes), over the :math:`m` values :math:`x_{a,k}` of its
    trailing ``normalized_shape`` (:math:`k` runs over them); the same in training and evaluation:

    .. math::

        \mu_a &= \frac1m \sum_k x_{a,k} \\
        \sigma_a^2 &= \frac1m \sum_k (x_{a,k} - \mu_a)^2 \\
        \hat x_{a,k} &= \frac{x_{a,k} - \mu_a}{\sqrt{\sigma_a^2 + \epsilon}} \\
        y_{a,k} &= \gamma_k\, \hat x_{a,k} + \beta_k

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`, :math:`\hat g_{a,k} = \gamma_k\, G_{a,k}` and bars for
    the mean over :math:`k`:

    .. math::

        \frac{\partial L}{\partial x_{a,k}} &= \frac{1}{\sqrt{\sigma_a^2 + \epsilon}}
            \Bigl(\hat g_{a,k} - \overline{\hat g}_a - \hat x_{a,k}\, \overline{\hat g\, \hat x}_a\Bigr) \\
        \frac{\partial L}{\partial \gamma_k} &= \sum_a G_{a,k}\, \hat x_{a,k} \\
        \frac{\partial L}{\partial \beta_k} &= \sum_a G_{a,k}

    Notes
    -----
    **Input dtype.** A floating-point input is required: an integer or boolean
    tensor raises ``TypeError`` (convert it with ``x.float()``), the same rule
    in every layer with float parameters; a silent promotion would hide a
    data bug.

    References
    ----------
    J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer Normalization", 2016.

    Examples
    --------
    >>> import lucid
    >>> from lucid import nn
    >>> ln = nn.LayerNorm(4)
    >>> ln
    LayerNorm((4,), eps=1e-05, elementwise_affine=True)
    >>> ln(lucid.randn(2, 3, 4)).shape
    (2, 3, 4)
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True) -> None:
        super().__init__()
        shape = normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
        self.normalized_shape = tuple(positive_int(n, "normalized_shape", "LayerNorm") for n in shape)
        if not number(eps, "eps", "LayerNorm") > 0:
            raise ValueError(f"LayerNorm: eps must be > 0, got {eps!r}")
        self.eps = float(eps)
        self.elementwise_affine = boolean(elementwise_affine, "elementwise_affine", "LayerNorm")
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=np.float32))
            if boolean(bias, "bias", "LayerNorm"):
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=np.float32))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        input = tensor_arg(input, "input")
        floating_input(input, "LayerNorm")
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
