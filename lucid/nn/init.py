"""Weight initialisation, in place, with PyTorch's formulas and names.

Every function fills a tensor (usually a :class:`~lucid.nn.Parameter`)
with numbers drawn from :func:`lucid.random.generator`, so results are
reproducible after ``lucid.random.seed(n)``, and returns the tensor.
Numbers are drawn on the host in float64, then cast to the tensor's dtype
and moved to its device: the same seed gives the same weights on every device.

References:

* X. Glorot and Y. Bengio, "Understanding the difficulty of training deep
  feedforward neural networks", AISTATS 2010 (``xavier_*``).
* K. He, X. Zhang, S. Ren and J. Sun, "Delving deep into rectifiers",
  ICCV 2015 (``kaiming_*``).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from lucid import backend, random
from lucid.tensor import Tensor

__all__ = [
    "calculate_gain", "calculate_fan_in_and_fan_out", "uniform_", "normal_", "zeros_", "ones_", "constant_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
]


def _need_tensor(tensor: Any, name: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{name}: expected a Tensor or nn.Parameter, got {type(tensor).__name__}")


def _fill(tensor: Tensor, host: np.ndarray, name: str) -> Tensor:
    """Store host values in ``tensor`` (its dtype, its device); the old array is not modified."""
    _need_tensor(tensor, name)
    host = np.asarray(host, dtype=tensor.dtype)
    tensor.data = backend.to_device(np.broadcast_to(host, tensor.shape).copy(), tensor.device)
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (PyTorch's table).

    ==================  ====================================
    nonlinearity        gain
    ==================  ====================================
    linear, conv*d,     :math:`1`
    sigmoid
    tanh                :math:`5/3`
    relu                :math:`\\sqrt{2}`
    leaky_relu          :math:`\\sqrt{2 / (1 + a^2)}`, a = param (default 0.01)
    selu                :math:`3/4`
    ==================  ====================================

    Examples
    --------
    >>> from lucid.nn import init
    >>> round(init.calculate_gain("relu"), 6), init.calculate_gain("tanh")
    (1.414214, 1.6666666666666667)
    """
    linear = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid", "identity"}
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, (int, float)):
            raise ValueError(f"calculate_gain: param must be a number for leaky_relu, got {param!r}")
        else:
            slope = float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Fan-in and fan-out of a weight of shape ``(out, in, *k)``.

    ``fan_in = in * prod(k)`` and ``fan_out = out * prod(k)``, where
    ``prod(k)`` (the receptive field) is 1 for a linear layer's ``(out, in)``.

    Parameters
    ----------
    tensor : Tensor
        A weight with at least 2 dimensions.

    Returns
    -------
    tuple of int
        ``(fan_in, fan_out)``.

    Raises
    ------
    ValueError
        If ``tensor.ndim < 2``.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> init.calculate_fan_in_and_fan_out(lucid.zeros((8, 3, 5, 5)))
    (75, 200)
    """
    _need_tensor(tensor, "calculate_fan_in_and_fan_out")
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out need a tensor with at least 2 dimensions, got shape {tensor.shape}"
        )
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out  # PyTorch's (private) name, used by layers


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples of :math:`\\mathcal{U}(a, b)`, in place.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (its shape, dtype and device are kept).
    a : float, default 0.0
        Lower bound.
    b : float, default 1.0
        Upper bound (:math:`a \\le b`).

    Returns
    -------
    Tensor
        ``tensor`` itself.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> w = init.uniform_(lucid.empty((3, 4)), -0.1, 0.1)
    >>> bool((w.abs() <= 0.1).all())
    True
    """
    _need_tensor(tensor, "uniform_")
    return _fill(tensor, random.generator().uniform(a, b, tensor.shape), "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples of :math:`\\mathcal{N}(\\text{mean}, \\text{std}^2)`, in place.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill.
    mean : float, default 0.0
        The mean.
    std : float, default 1.0
        The standard deviation (non-negative).

    Returns
    -------
    Tensor
        ``tensor`` itself.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> init.normal_(lucid.empty((2, 2)), std=0.02).shape
    (2, 2)
    """
    _need_tensor(tensor, "normal_")
    return _fill(tensor, random.generator().normal(mean, std, tensor.shape), "normal_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``, in place.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill.
    val : float
        The value.

    Returns
    -------
    Tensor
        ``tensor`` itself.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> init.constant_(lucid.empty((2,)), 0.5)
    Tensor([0.5, 0.5])
    """
    _need_tensor(tensor, "constant_")
    return _fill(tensor, np.full(tensor.shape, val), "constant_")


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> init.zeros_(lucid.ones((2,)))
    Tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> init.ones_(lucid.zeros((2,)))
    Tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot (Xavier) uniform initialisation, in place.

    Samples :math:`\\mathcal{U}(-b, b)` with
    :math:`b = \\text{gain}\\sqrt{6 / (\\text{fan\\_in} + \\text{fan\\_out})}` [1]_,
    which keeps the variance of activations and gradients roughly constant
    across layers.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (at least 2-D; see :func:`calculate_fan_in_and_fan_out`).
    gain : float, default 1.0
        Scale factor, e.g. ``calculate_gain("tanh")``.

    Returns
    -------
    Tensor
        ``tensor`` itself.

    References
    ----------
    .. [1] X. Glorot and Y. Bengio, "Understanding the difficulty of training deep
       feedforward neural networks", AISTATS 2010.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> w = init.xavier_uniform_(lucid.empty((4, 2)))
    >>> bool((w.abs() <= 1.0).all())
    True
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot (Xavier) normal initialisation, in place.

    Samples :math:`\\mathcal{N}(0, \\sigma^2)` with
    :math:`\\sigma = \\text{gain}\\sqrt{2 / (\\text{fan\\_in} + \\text{fan\\_out})}` [1]_.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (at least 2-D).
    gain : float, default 1.0
        Scale factor.

    Returns
    -------
    Tensor
        ``tensor`` itself.

    References
    ----------
    .. [1] X. Glorot and Y. Bengio, "Understanding the difficulty of training deep
       feedforward neural networks", AISTATS 2010.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> init.xavier_normal_(lucid.empty((4, 2))).shape
    (4, 2)
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He (Kaiming) uniform initialisation, in place.

    Samples :math:`\\mathcal{U}(-b, b)` with
    :math:`b = \\text{gain}\\sqrt{3 / \\text{fan}}` [1]_, where
    ``gain = calculate_gain(nonlinearity, a)``.  ``nn.Linear`` uses
    ``a = sqrt(5)``, which gives :math:`b = 1/\\sqrt{\\text{fan\\_in}}`.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (at least 2-D).
    a : float, default 0.0
        Negative slope of the leaky ReLU that follows (used only with
        ``nonlinearity="leaky_relu"``).
    mode : {"fan_in", "fan_out"}, default "fan_in"
        ``"fan_in"`` preserves the variance of the forward activations,
        ``"fan_out"`` that of the backward gradients.
    nonlinearity : str, default "leaky_relu"
        Name passed to :func:`calculate_gain`.

    Returns
    -------
    Tensor
        ``tensor`` itself.

    References
    ----------
    .. [1] K. He, X. Zhang, S. Ren and J. Sun, "Delving deep into rectifiers: surpassing
       human-level performance on ImageNet classification", ICCV 2015.

    Examples
    --------
    >>> import lucid, math
    >>> from lucid.nn import init
    >>> w = init.kaiming_uniform_(lucid.empty((3, 25)), a=math.sqrt(5))
    >>> bool((w.abs() <= 0.2).all())
    True
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He (Kaiming) normal initialisation, in place.

    Samples :math:`\\mathcal{N}(0, \\sigma^2)` with
    :math:`\\sigma = \\text{gain} / \\sqrt{\\text{fan}}` [1]_, where
    ``gain = calculate_gain(nonlinearity, a)``.

    Parameters
    ----------
    tensor : Tensor
        The tensor to fill (at least 2-D).
    a : float, default 0.0
        Negative slope for ``nonlinearity="leaky_relu"``.
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Which fan to divide by.
    nonlinearity : str, default "leaky_relu"
        Name passed to :func:`calculate_gain`.

    Returns
    -------
    Tensor
        ``tensor`` itself.

    References
    ----------
    .. [1] K. He, X. Zhang, S. Ren and J. Sun, "Delving deep into rectifiers: surpassing
       human-level performance on ImageNet classification", ICCV 2015.

    Examples
    --------
    >>> import lucid
    >>> from lucid.nn import init
    >>> init.kaiming_normal_(lucid.empty((3, 4)), nonlinearity="relu").shape
    (3, 4)
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)
