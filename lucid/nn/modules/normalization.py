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
            self.num_batches_tracked.data[...] = self.num_batches_tracked.data + 1
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
    """Batch normalisation of ``(N, C, H, W)`` inputs, per channel over the batch and the pixels.

    Parameters
    ----------
    num_features : int
        :math:`C`.
    eps : float
        Added to the variance.
    momentum : float or None
        Weight of each new batch in the running statistics; None: their plain average.
    affine : bool
        Learn :math:`\\gamma` (ones) and :math:`\\beta` (zeros).
    track_running_stats : bool
        Keep ``running_mean``/``running_var`` buffers and use them in evaluation mode.

    Attributes
    ----------
    weight, bias : Parameter, shape (C,), or None
    running_mean, running_var : Tensor (buffers), shape (C,)
        Start at 0 and 1; updated in training with the *unbiased* batch variance.
    num_batches_tracked : Tensor (buffer), int64 scalar

    Notes
    -----
    Training (batch statistics :math:`\\mu, \\sigma^2` over :math:`m = N H W` values per channel):

    .. math::
        y = \\gamma \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta, \\qquad
        \\hat\\mu \\leftarrow (1 - \\text{momentum})\\hat\\mu + \\text{momentum}\\,\\mu

    Evaluation uses :math:`\\hat\\mu, \\hat\\sigma^2` instead.  The backward is given in
    :func:`lucid.nn.functional.batch_norm`.

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
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs, per channel (feature).

    Parameters and behaviour are those of :class:`BatchNorm2d`; the statistics run over
    the batch (and the length ``L``).

    .. math:: y = \\gamma \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta

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
    """Layer normalisation over the trailing ``normalized_shape`` of each sample.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The trailing shape to normalise over.
    eps : float
        Added to the variance.
    elementwise_affine : bool
        Learn :math:`\\gamma` (ones) and :math:`\\beta` (zeros) of shape ``normalized_shape``.
    bias : bool
        Learn :math:`\\beta` (when ``elementwise_affine``).

    Notes
    -----
    .. math:: y = \\gamma \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta

    with the statistics of each sample's trailing axes; the same in training and evaluation.
    Backward: see :func:`lucid.nn.functional.layer_norm`.

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
