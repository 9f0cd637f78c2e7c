"""Normalisation: batch_norm and layer_norm, one op (:class:`Normalize`) behind both.

Both compute :math:`\\hat x = (x - \\mu) / \\sqrt{\\sigma^2 + \\epsilon}` and then
:math:`y = \\gamma \\hat x + \\beta`.  They differ only in *which* axes the
statistics run over and where they come from:

==============  ============================  ===================================
                statistics over               :math:`\\gamma, \\beta` broadcast over
==============  ============================  ===================================
batch_norm      N and the spatial axes        the channel axis (axis 1)
layer_norm      the last ``len(shape)`` axes  the last ``len(shape)`` axes
==============  ============================  ===================================

In training, batch_norm uses the batch's statistics (and updates the running
estimates); in evaluation it uses the running estimates, which are constants,
so the backward is then just a scaling.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.backend import fused
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor

__all__ = ["batch_norm", "layer_norm"]


class Normalize(Function):
    """y = gamma * (x - mu) / sqrt(var + eps) + beta

    Backward, with g = dL/dy, xhat the normalised input, s = 1 / sqrt(var + eps)
    and means taken over the statistics axes:

    * statistics from this batch:  dL/dx = s * (gx - mean(gx) - xhat * mean(gx * xhat)),  gx = g * gamma
    * constant statistics:         dL/dx = s * g * gamma
    * dL/dgamma = sum(g * xhat), dL/dbeta = sum(g) over the axes gamma is broadcast over.

    Twice differentiable: under create_graph=True the saved xhat and inv_std
    would be constants, so backward recomputes them from the saved input x
    with recorded ops (the batch statistics depend on x; running ones do not).
    """

    double_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias, *, mean, var, eps, stat_axes, param_shape, batch_stats):
        inv_std = fused.inverse_std(var, eps)  # 1 / sqrt(var + eps): one GPU kernel
        xhat, y = fused.normalize_affine(  # xhat = (x - mean) * inv_std, y = xhat * weight + bias: one GPU kernel
            x, mean, inv_std,
            None if weight is None else backend.reshape(weight, param_shape),
            None if bias is None else backend.reshape(bias, param_shape))
        ctx.save(xhat, inv_std, weight, x)  # x only for a second-order backward (kept, not copied)
        own = weight if weight is not None else bias
        ctx.own_shape = None if own is None else tuple(own.shape)
        ctx.stat_axes, ctx.param_shape, ctx.batch_stats = stat_axes, param_shape, batch_stats
        ctx.mean, ctx.eps = mean, eps
        return y

    @staticmethod
    def backward(ctx, grad):
        xhat, inv_std, weight, x = ctx.saved
        xp = backend.xp_of(grad)
        if isinstance(grad, Tensor):  # create_graph: xhat and inv_std, made in forward, are constants here
            xhat, inv_std = _normalized(x, inv_std, ctx)
        param_axes = tuple(i for i, n in enumerate(ctx.param_shape) if n == 1)  # axes gamma was broadcast over
        need = tuple(ctx.needs_input_grad) + (False,) * (3 - len(ctx.needs_input_grad))
        gamma = None if weight is None else backend.reshape(weight, ctx.param_shape)
        # Batch norm in training: the statistics run over the axes gamma is broadcast over, so the two
        # sums that dgamma and dbeta are made of, sum(g * xhat) and sum(g), are also all that dx needs.
        shared = ctx.batch_stats and tuple(ctx.stat_axes) == param_axes
        sum_g = _sum(grad, param_axes) if need[2] or (shared and need[0]) else None
        sum_gx = _sum(grad, param_axes, xhat) if need[1] or (shared and need[0]) else None
        gx = gw = gb = None
        if need[0] and shared:
            # dx = s * gamma * (g - mean(g) - xhat * mean(g * xhat)), with per-channel coefficients:
            # two passes over the data instead of one per term
            a, k1, k2 = fused.normalize_grad_coefficients(inv_std, gamma, sum_gx, sum_g, grad.size // sum_g.size)
            if isinstance(grad, Tensor):  # create_graph: recorded ops
                gx = grad * a - xhat * k1 - k2
            else:  # grad * a - xhat * k1 - k2: one GPU kernel
                gx = fused.normalize_input_grad(grad, xhat, a, k1, k2)
        elif need[0]:
            gxhat = grad if gamma is None else grad * gamma
            if ctx.batch_stats:
                axes = ctx.stat_axes
                gx = inv_std * (gxhat - xp.mean(gxhat, axis=axes, keepdims=True)
                                - xhat * xp.mean(gxhat * xhat, axis=axes, keepdims=True))
            else:
                gx = gxhat * inv_std
        if need[1]:
            gw = backend.reshape(sum_gx, ctx.own_shape)
        if need[2]:
            gb = backend.reshape(sum_g, ctx.own_shape)
        return gx, gw, gb


def _normalized(x: Tensor, inv_std: Tensor, ctx) -> tuple:
    """``xhat`` and ``1 / sqrt(var + eps)`` recomputed from ``x`` with lucid's ops, so they record a graph.

    With batch statistics the mean and variance are functions of ``x`` (and so
    is ``inv_std``); with running statistics only ``xhat`` is, and the saved
    ``inv_std`` is the constant it should be.
    """
    xp = backend.xp_of(x)
    if not ctx.batch_stats:
        return (x - ctx.mean) * inv_std, inv_std
    mean = xp.mean(x, axis=ctx.stat_axes, keepdims=True)
    centered = x - mean
    inv_std = 1.0 / xp.sqrt(xp.mean(centered * centered, axis=ctx.stat_axes, keepdims=True) + ctx.eps)
    return centered * inv_std, inv_std


def _sum(a: Any, axes: tuple, b: Any = None) -> Any:
    """``sum(a * b)`` (or ``sum(a)``) over ``axes``, keeping them as length 1.

    On NumPy/CuPy one ``einsum`` pass: no ``a * b`` temporary, and for the
    per-channel sums of batch norm (over N, H and W) two to three times faster
    than ``numpy.sum``, which reduces over non-trailing axes slowly.
    """
    letters = "abcdefghijklmnopqrstuvwxyz"[: a.ndim]
    kept = "".join(letter for i, letter in enumerate(letters) if i not in axes)
    operands = (a,) if b is None else (a, b)
    out = backend.einsum(",".join([letters] * len(operands)) + "->" + kept, *operands) if a.ndim <= 26 else None
    keep_shape = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
    if out is None:  # CuPy: one reduction kernel (no einsum, no product array); Tensors: the plain formula
        return backend.sum(a, axes, keepdims=True) if b is None else backend.sum_of_product(a, b, axes, keepdims=True)
    return backend.xp_of(a).reshape(backend.ensure_array(out), keep_shape)


def batch_norm(input, running_mean=None, running_var=None, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over the batch and spatial axes, per channel (axis 1).

    Parameters
    ----------
    input : Tensor
        ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``.
    running_mean, running_var : Tensor, optional
        ``(C,)`` running estimates; updated in place when ``training``; required when not training.
    weight, bias : Tensor, optional
        ``(C,)`` scale :math:`\\gamma` and shift :math:`\\beta` (:math:`\\gamma = 1, \\beta = 0`
        without them).
    training : bool
        Use the batch's statistics (True) or the running ones (False).
    momentum : float
        Weight of the new batch in the running estimates.
    eps : float
        Added to the variance for stability.

    Returns
    -------
    Tensor
        Same shape as ``input``.

    Forward Calculation
    -------------------
    For each channel :math:`c`, over its :math:`m = N \\times` (spatial size) values
    :math:`x_{n,c,s}`.  *Training* uses the batch's statistics:

    .. math::

        \\mu_c = \\frac{1}{m} \\sum_{n, s} x_{n,c,s}, \\qquad
        \\sigma_c^2 = \\frac{1}{m} \\sum_{n, s} (x_{n,c,s} - \\mu_c)^2, \\qquad
        \\hat x_{n,c,s} = \\frac{x_{n,c,s} - \\mu_c}{\\sqrt{\\sigma_c^2 + \\epsilon}}, \\qquad
        y_{n,c,s} = \\gamma_c \\hat x_{n,c,s} + \\beta_c

    and moves the running estimates towards them (the running variance takes the
    *unbiased* :math:`\\sigma_c^2\\, m / (m - 1)`):

    .. math::

        \\hat\\mu_c \\leftarrow (1 - \\text{momentum})\\, \\hat\\mu_c + \\text{momentum}\\, \\mu_c, \\qquad
        \\hat\\sigma_c^2 \\leftarrow (1 - \\text{momentum})\\, \\hat\\sigma_c^2
            + \\text{momentum}\\, \\frac{m}{m - 1} \\sigma_c^2

    *Evaluation* uses the running estimates, constants: :math:`\\hat x_{n,c,s} =
    (x_{n,c,s} - \\hat\\mu_c) / \\sqrt{\\hat\\sigma_c^2 + \\epsilon}`, and the same
    :math:`y = \\gamma_c \\hat x + \\beta_c`.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \\partial L / \\partial y`, :math:`g_{\\hat x} = \\gamma_c\\, g` and bars for
    means over the :math:`m` values of a channel:

    .. math::

        \\text{training:} \\quad \\frac{\\partial L}{\\partial x} = \\frac{1}{\\sqrt{\\sigma_c^2 + \\epsilon}}
            \\Big(g_{\\hat x} - \\overline{g_{\\hat x}} - \\hat x\\, \\overline{g_{\\hat x} \\hat x}\\Big),
        \\qquad
        \\text{evaluation:} \\quad \\frac{\\partial L}{\\partial x} =
            \\frac{\\gamma_c\\, g}{\\sqrt{\\hat\\sigma_c^2 + \\epsilon}}

    and in both modes

    .. math::

        \\frac{\\partial L}{\\partial \\gamma_c} = \\sum_{n, s} g_{n,c,s}\\, \\hat x_{n,c,s}, \\qquad
        \\frac{\\partial L}{\\partial \\beta_c} = \\sum_{n, s} g_{n,c,s} .

    The running estimates get no gradient (in training the two extra terms of
    :math:`\\partial L / \\partial x` are the paths through :math:`\\mu_c` and :math:`\\sigma_c^2`;
    in evaluation there are none).

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> x = lucid.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> rm, rv = lucid.zeros(2), lucid.ones(2)
    >>> F.batch_norm(x, rm, rv, training=True, eps=0.0)
    Tensor([[-1., -1.],
            [ 1.,  1.]])
    >>> rm, rv
    (Tensor([0.2, 2. ]), Tensor([ 1.1, 20.9]))

    References
    ----------
    S. Ioffe, C. Szegedy, "Batch Normalization: Accelerating Deep Network Training by Reducing
    Internal Covariate Shift", ICML 2015.
    """
    x = tensor_arg(input, "input")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must have shape (N, C, ...) with at least 2 dimensions, got {x.shape}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},) for input with {c} channels "
                             f"(shape {x.shape}), got {tuple(t.shape)}")
        if isinstance(t, Tensor) and t.device != x.device:  # checked before the running stats are touched
            raise RuntimeError(f"batch_norm: {name} is on {t.device!r} but input is on {x.device!r}; "
                               f"move the module or the input with .to({x.device!r})")
    stat_axes = (0,) + tuple(range(2, x.ndim))
    keep = (1, c) + (1,) * (x.ndim - 2)
    if training:
        m = x.size // c
        if m <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {x.shape}")
        mean = _sum(x.data, stat_axes) / m
        square_sum = fused.centered_square_sum(x.data, mean, stat_axes)  # CuPy: no x - mean array
        if square_sum is None:
            centered = x.data - mean
            square_sum = _sum(centered, stat_axes, centered)  # (faster than xp.var, see _sum)
        var = square_sum / m
        if running_mean is not None:
            _blend(running_mean, backend.reshape(mean, (c,)), momentum)
        if running_var is not None:  # the unbiased variance
            _blend(running_var, backend.reshape(var, (c,)), momentum, scale=m / (m - 1))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are required when training=False")
        mean, var = backend.reshape(running_mean.data, keep), backend.reshape(running_var.data, keep)
    weight = None if weight is None else tensor_arg(weight, "weight")
    bias = None if bias is None else tensor_arg(bias, "bias")
    return Normalize.apply(x, weight, bias, mean=mean, var=var, eps=float(eps), stat_axes=stat_axes,
                           param_shape=keep, batch_stats=bool(training))


def _blend(buffer: Tensor, value: Any, momentum: float, scale: float = 1.0) -> None:
    """``buffer = (1 - momentum) * buffer + momentum * (scale * value)``, in place (a buffer, never in a graph)."""
    fused.running_average(buffer.data, value, momentum, scale)  # one GPU kernel
    buffer._version[0] += 1


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Layer normalisation over the last ``len(normalized_shape)`` axes of each sample.

    Parameters
    ----------
    input : Tensor
        ``(..., *normalized_shape)``.
    normalized_shape : int or tuple of int
        The trailing shape to normalise over.
    weight, bias : Tensor, optional
        :math:`\\gamma` and :math:`\\beta`, of shape ``normalized_shape`` (:math:`\\gamma = 1,
        \\beta = 0` without them).
    eps : float
        Added to the variance.

    Returns
    -------
    Tensor
        Same shape as ``input``.

    Forward Calculation
    -------------------
    For each sample :math:`r` (an index of the leading axes), over its :math:`D` values
    :math:`x_{r,j}` (:math:`j` runs over ``normalized_shape``):

    .. math::

        \\mu_r = \\frac{1}{D} \\sum_j x_{r,j}, \\qquad
        \\sigma_r^2 = \\frac{1}{D} \\sum_j (x_{r,j} - \\mu_r)^2, \\qquad
        \\hat x_{r,j} = \\frac{x_{r,j} - \\mu_r}{\\sqrt{\\sigma_r^2 + \\epsilon}}, \\qquad
        y_{r,j} = \\gamma_j \\hat x_{r,j} + \\beta_j

    Backward Gradient Calculation
    -----------------------------
    With :math:`g = \\partial L / \\partial y`, :math:`g_{\\hat x, r, j} = \\gamma_j\\, g_{r,j}` and
    bars for means over the :math:`D` values of the same sample:

    .. math::

        \\frac{\\partial L}{\\partial x_{r,j}} = \\frac{1}{\\sqrt{\\sigma_r^2 + \\epsilon}}
            \\Big(g_{\\hat x, r, j} - \\overline{g_{\\hat x, r}} - \\hat x_{r,j}\\,
            \\overline{g_{\\hat x, r} \\hat x_r}\\Big), \\qquad
        \\frac{\\partial L}{\\partial \\gamma_j} = \\sum_r g_{r,j}\\, \\hat x_{r,j}, \\qquad
        \\frac{\\partial L}{\\partial \\beta_j} = \\sum_r g_{r,j}

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> F.layer_norm(lucid.tensor([[1.0, 3.0], [0.0, 10.0]]), 2, eps=0.0)
    Tensor([[-1.,  1.],
            [-1.,  1.]])

    References
    ----------
    J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer Normalization", arXiv:1607.06450, 2016.
    """
    x = tensor_arg(input, "input")
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(
        int(n) for n in normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise ValueError(f"layer_norm: normalized_shape={shape} must match the last dimensions of the input, "
                         f"got input of shape {x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape} (normalized_shape), got {tuple(t.shape)}")
    axes = tuple(range(x.ndim - k, x.ndim))
    xp = backend.xp_of(x.data)
    mean = xp.mean(x.data, axis=axes, keepdims=True)
    var = xp.var(x.data, axis=axes, keepdims=True)
    weight = None if weight is None else tensor_arg(weight, "weight")
    bias = None if bias is None else tensor_arg(bias, "bias")
    param_shape = (1,) * (x.ndim - k) + shape
    return Normalize.apply(x, weight, bias, mean=mean, var=var, eps=float(eps), stat_axes=axes,
                           param_shape=param_shape, batch_stats=True)
