"""Fused primitives: one GPU kernel where a plain formulation would launch several.

On a GPU every array call is a kernel launch costing 15-20 us however small
the array (measured on an H200), so a formula of ten ufunc calls costs ten
launches and ten passes over memory.  Each function here is one formula with
two implementations side by side:

* CuPy: one ``ElementwiseKernel`` or ``ReductionKernel``
  (:mod:`lucid.backend.cupy_kernels`), reading each input once and writing
  each output once;
* everything else: the plain array-API formula.  On NumPy it is written with
  in-place ufuncs (``out=``), which does the same arithmetic in the same
  order as the plain formula (so the same numbers) with fewer temporaries.
  The CPU test suite checks these paths on NumPy and on the
  ``array_api_strict`` stand-in; ``tests/gpu`` checks the kernels against them.

The optimizers call :func:`sgd_step` and :func:`adam_step`; ops call
:func:`sigmoid` and :func:`sum_of_product`; batch and layer norm call
:func:`normalize_affine` and :func:`normalize_input_grad`.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import lucid.backend as _core
from lucid.backend import cupy_kernels  # imports CuPy only inside its functions, when a kernel is first built


def _cupy_kernels(array: Any):
    """The CuPy kernels module when ``array`` is a CuPy array, else None."""
    return cupy_kernels if _core._is_cupy(array) else None


# ----------------------------------------------------------------------------- activations and reductions
def sigmoid(x: Any) -> Any:
    """The logistic sigmoid :math:`1 / (1 + e^{-x})`, elementwise; one kernel on CuPy.

    On NumPy it is exactly that formula, in one buffer: four SIMD ufuncs,
    18x faster than the ``logaddexp`` form on a (64, 512) float32 array, and as
    accurate (each step is correctly rounded; measured within 2.2e-7
    relative of float64 over [-120, 120]).  Far out it is still exact: for
    :math:`x \\to -\\infty`, :math:`e^{-x}` overflows to inf and
    :math:`1 / \\infty = 0` (PyTorch's value), and for :math:`x \\to \\infty`
    it is :math:`1 / 1`.  The overflow is not a warning.  CuPy uses
    ``cupyx.scipy.special.expit``, one launch; the array-API fallback the
    overflow-free :math:`e^{-\\operatorname{logaddexp}(0, -x)}`.

    Parameters
    ----------
    x : array
        A floating-point array.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.sigmoid(np.array([-1e4, 0.0, 1e4], dtype=np.float32))
    array([0. , 0.5, 1. ], dtype=float32)
    """
    numpy_array = type(x) is np.ndarray and x.ndim
    if not numpy_array:
        kernels = _cupy_kernels(x)
        if kernels is not None:
            return kernels.expit(x)
    token = _core.quiet_float_errors_enter()  # exp(-x) overflows to inf for x < -88 (float32): wanted
    try:
        if numpy_array:
            y = np.negative(x)
            np.exp(y, out=y)
            np.add(y, 1.0, out=y)
            return np.reciprocal(y, out=y)  # 1 / y, correctly rounded as a division is
        xp = _core.xp_of(x)
        return xp.exp(-xp.logaddexp(0.0, -x))
    finally:
        _core.quiet_float_errors_exit(token)


def sigmoid_grad(grad: Any, y: Any) -> Any:
    """The sigmoid's input gradient :math:`g\\, y (1 - y)` from its output ``y``; one kernel on CuPy.

    Elsewhere (NumPy, the array-API stand-in, Tensors under ``create_graph=True``)
    the plain formula, in this order.

    Parameters
    ----------
    grad, y : array or Tensor
        :math:`g = \\partial L / \\partial y` and the sigmoid's output, of one shape.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.fused.sigmoid_grad(np.array([1.0, 2.0]), np.array([0.5, 0.25]))
    array([0.25 , 0.375])
    """
    kernels = _cupy_kernels(grad)
    if kernels is not None and _cupy_kernels(y) is not None and grad.shape == y.shape and _one_dtype(grad, y):
        return kernels.sigmoid_grad(grad, y)
    return grad * y * (1 - y)


def relu_grad(grad: Any, y: Any) -> Any:
    """ReLU's input gradient from its output: ``grad`` where ``y != 0``, else 0; one kernel on CuPy.

    ``y`` is 0, positive or NaN, so NaN inputs pass the gradient (PyTorch's
    rule: it is zeroed only where :math:`x \\le 0`).  Elsewhere
    ``where(y != 0, grad, 0)`` (branch-free on NumPy, see ``backend.where_zero``).

    Parameters
    ----------
    grad, y : array or Tensor
        :math:`g = \\partial L / \\partial y` and ReLU's output, of one shape.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.fused.relu_grad(np.array([1.0, 2.0, 3.0]), np.array([0.0, 5.0, np.nan]))
    array([0., 2., 3.])
    """
    kernels = _cupy_kernels(grad)
    if kernels is not None and _cupy_kernels(y) is not None and grad.shape == y.shape and _one_dtype(grad, y):
        return kernels.relu_grad(grad, y)
    return _core.where_zero(y != 0, grad)


def sum_of_product(a: Any, b: Any, axis: tuple, keepdims: bool = False) -> Any:
    """``sum(a * b, axis=axis, keepdims=keepdims)``; on CuPy one pass with no product array.

    The gradient of a broadcast product (``x * gate``, gate of shape (N, C, 1, 1)) and the
    per-channel sums of batch norm are reductions of a product.  On CuPy this is one
    ``ReductionKernel`` (reads ``a`` and ``b`` once, writes the sums): one launch and no
    full-size temporary, where ``cupy.einsum`` costs about 260 us to set up and the plain
    formula two launches and a temporary the size of ``a``.  Elsewhere the plain formula.

    Parameters
    ----------
    a : array
        The larger operand; the result has its shape without ``axis``.
    b : array
        An array broadcastable to ``a``'s shape.
    axis : tuple of int
        Non-negative axes of ``a`` to sum over.
    keepdims : bool
        Keep the summed axes as length 1.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> a = np.arange(6.0).reshape(2, 3)
    >>> lucid.backend.sum_of_product(a, np.array([[1.0], [2.0]]), (1,))
    array([ 3., 24.])
    """
    kernels = _cupy_kernels(a)
    if kernels is not None:
        if a.size >= _core._GPU_BLAS_MIN_SIZE and kept_axis_is_innermost(a, axis):
            # Channels-last data summed over (N, H, W) or (H, W): the reduction kernel would read memory
            # with a stride (cupy.sum measured 25x under the H200's bandwidth so).  One product kernel and
            # backend.sum's BLAS sums read it in order: one more launch and pass, far less time.
            return _core.sum(a * b, axis, keepdims)
        return kernels.sum_of_product(a, b, axis, keepdims)
    return _core.ensure_array(_core.xp_of(a).sum(a * b, axis=axis, keepdims=keepdims))


def kept_axis_is_innermost(a: Any, axis: tuple) -> bool:
    """True when the axis of ``a`` with the smallest stride (of length > 1) is not summed over.

    A GPU reduction then reads with a stride: the sums that neighbouring threads
    compute lie next to each other in memory, the numbers each one adds do not.

    Parameters
    ----------
    a : array
        A NumPy or CuPy array (one with ``strides``).
    axis : tuple of int
        The axes to be summed over.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> x = np.zeros((2, 8, 8, 3)).transpose(0, 3, 1, 2)  # channels-last (N, C, H, W)
    >>> lucid.backend.fused.kept_axis_is_innermost(x, (0, 2, 3)), lucid.backend.fused.kept_axis_is_innermost(x, (1,))
    (True, False)
    """
    long_axes = [i for i in range(a.ndim) if a.shape[i] > 1]
    if not long_axes:
        return False
    return min(long_axes, key=lambda i: abs(a.strides[i])) not in axis


# ----------------------------------------------------------------------------- normalisation
def _one_dtype(*arrays: Any) -> bool:
    return all(a.dtype == arrays[0].dtype for a in arrays[1:])


def normalize_affine(x: Any, mean: Any, inv_std: Any, weight: Any, bias: Any) -> tuple:
    """Batch/layer norm's forward: :math:`\\hat x = (x - \\mu) s` and :math:`y = \\gamma \\hat x + \\beta`.

    One kernel on CuPy that reads ``x`` once and writes both (four launches and
    two full-size temporaries as separate operations); elsewhere those four
    operations, in this order.

    Parameters
    ----------
    x : array
        The input.
    mean, inv_std : array
        :math:`\\mu` and :math:`s = 1 / \\sqrt{\\sigma^2 + \\epsilon}`, broadcastable to ``x``.
    weight, bias : array or None
        :math:`\\gamma` and :math:`\\beta`, broadcastable to ``x``; None leaves that step out.

    Returns
    -------
    tuple
        ``(xhat, y)``.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> x = np.array([[1.0, 3.0]])
    >>> lucid.backend.fused.normalize_affine(x, np.array([[2.0]]), np.array([[1.0]]), np.array([2.0]), None)
    (array([[-1.,  1.]]), array([[-2.,  2.]]))
    """
    kernels = _cupy_kernels(x)
    if kernels is not None and weight is not None and bias is not None and _one_dtype(x, mean, inv_std, weight, bias):
        return kernels.normalize_affine(x, mean, inv_std, weight, bias)
    xhat = (x - mean) * inv_std
    y = xhat
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return xhat, y


def normalize_input_grad(grad: Any, xhat: Any, a: Any, k1: Any, k2: Any) -> Any:
    """Batch norm's input gradient :math:`g a - \\hat x k_1 - k_2` (per-channel ``a``, ``k1``, ``k2``).

    One kernel on CuPy (reads ``g`` and ``xhat`` once, writes the result);
    elsewhere ``g * a``, then the two subtractions in place, in this order.

    Parameters
    ----------
    grad, xhat : array
        :math:`g = \\partial L / \\partial y` and the normalised input, of one shape.
    a, k1, k2 : array or float
        Per-channel coefficients broadcastable to ``grad``: :math:`a = \\gamma s`,
        :math:`k_1 = a \\, \\overline{g \\hat x}`, :math:`k_2 = a \\, \\overline{g}`.

    Returns
    -------
    array
        :math:`\\partial L / \\partial x`, of ``grad``'s shape.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.fused.normalize_input_grad(np.ones(2), np.array([1.0, -1.0]), 2.0, 0.5, 1.0)
    array([0.5, 1.5])
    """
    kernels = _cupy_kernels(grad)
    if kernels is not None and _one_dtype(grad, xhat, a, k1, k2):
        return kernels.normalize_input_grad(grad, xhat, a, k1, k2)
    gx = grad * a
    gx -= xhat * k1
    gx -= k2
    return gx


def inverse_std(var: Any, eps: float) -> Any:
    """:math:`s = 1 / \\sqrt{\\sigma^2 + \\epsilon}`, elementwise; one kernel on CuPy (three array operations).

    Parameters
    ----------
    var : array
        The variances :math:`\\sigma^2`.
    eps : float
        :math:`\\epsilon`.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.fused.inverse_std(np.array([3.0, 0.0]), 1.0)
    array([0.5, 1. ])
    """
    kernels = _cupy_kernels(var)
    if kernels is not None:
        return kernels.inverse_std(var, eps)
    return 1.0 / _core.xp_of(var).sqrt(var + eps)


def running_average(buffer: Any, value: Any, momentum: float, scale: float = 1.0) -> None:
    """Move a running estimate towards a new value, in place: :math:`b \\leftarrow (1 - m)\\, b + m\\, (s v)`.

    ``value * scale`` is computed in ``value``'s dtype and then cast to the
    buffer's (batch norm's float32 running statistics of a float64 input).  One
    kernel on CuPy (five or six array operations on the tiny per-channel arrays:
    each a launch); elsewhere those operations, in this order.

    Parameters
    ----------
    buffer : array
        The running estimate, written in place.
    value : array
        The new value, of ``buffer``'s shape.
    momentum : float
        :math:`m`, the weight of the new value.
    scale : float
        :math:`s`, applied to ``value`` first (batch norm's unbiased variance :math:`m / (m - 1)`).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> b = np.array([1.0, 2.0], dtype=np.float32)
    >>> lucid.backend.fused.running_average(b, np.array([3.0, 2.0]), 0.5, scale=2.0)
    >>> b
    array([3.5, 3. ], dtype=float32)
    """
    kernels = _cupy_kernels(buffer)
    if kernels is not None and _cupy_kernels(value) is not None:
        kernels.running_average(buffer, value, momentum, scale)
        return
    xp = _core.xp_of(buffer)
    if scale != 1.0:
        value = value * scale
    buffer[...] = buffer * (1.0 - momentum) + xp.astype(value, buffer.dtype) * momentum


def centered_square_sum(x: Any, mean: Any, axis: tuple) -> Any:
    """:math:`\\sum (x - \\mu)^2` over ``axis`` (kept as length 1) on CuPy, with no ``x - mu`` array; else None.

    Batch norm's variance.  CuPy: one reduction kernel, or for channels-last
    data (see :func:`sum_of_product`) one kernel for the squares and
    ``backend.sum``'s in-order sums.  Elsewhere None: the caller's NumPy path
    (an einsum of the centred input with itself) is faster there.

    Parameters
    ----------
    x : array
        The input.
    mean : array
        :math:`\\mu`, ``x``'s shape with ``axis`` of length 1.
    axis : tuple of int
        The axes to sum over.

    Returns
    -------
    array or None

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.fused.centered_square_sum(np.ones((2, 3)), np.ones((1, 3)), (0,)) is None
    True
    """
    kernels = _cupy_kernels(x)
    if kernels is None or not _one_dtype(x, mean):
        return None
    if x.size >= _core._GPU_BLAS_MIN_SIZE and kept_axis_is_innermost(x, axis):
        return _core.sum(kernels.centered_square(x, mean), axis, keepdims=True)
    return kernels.centered_square_sum(x, mean, axis, keepdims=True)


def normalize_grad_coefficients(inv_std: Any, weight: Any, sum_gx: Any, sum_g: Any, m: int) -> tuple:
    """The per-channel coefficients of batch norm's input gradient: ``(a, k1, k2)``.

    :math:`a = s \\gamma`, :math:`k_1 = a \\, (\\sum g \\hat x) / m`, :math:`k_2 = a \\, (\\sum g) / m`,
    for :func:`normalize_input_grad`.  One kernel on CuPy (five launches as
    array operations); elsewhere those operations (Tensors too, under
    ``create_graph=True``).

    Parameters
    ----------
    inv_std : array or Tensor
        :math:`s = 1 / \\sqrt{\\sigma^2 + \\epsilon}`.
    weight : array, Tensor or None
        :math:`\\gamma`, broadcastable to ``inv_std``; None for 1.
    sum_gx, sum_g : array or Tensor
        :math:`\\sum g \\hat x` and :math:`\\sum g` per channel.
    m : int
        The number of values per channel.

    Returns
    -------
    tuple

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.fused.normalize_grad_coefficients(np.array([2.0]), np.array([3.0]), np.array([4.0]),
    ...                                                 np.array([8.0]), 4)
    (array([6.]), array([6.]), array([12.]))
    """
    kernels = _cupy_kernels(inv_std)
    if kernels is not None and weight is not None and _one_dtype(inv_std, weight, sum_gx, sum_g) \
            and inv_std.shape == weight.shape == sum_gx.shape == sum_g.shape:
        return kernels.normalize_grad_coefficients(inv_std, weight, sum_gx, sum_g, m)
    a = inv_std if weight is None else inv_std * weight
    return a, a * (sum_gx / m), a * (sum_g / m)


# ----------------------------------------------------------------------------- convolution
def conv_columns(x: Any, groups: int, out_hw: tuple, kernel: tuple, stride: tuple, dilation: tuple,
                 pads: tuple) -> Any:
    """A convolution's column matrix (im2col) in one kernel on CuPy; None for other arrays.

    ``(G, N*OH*OW, KH*KW*C/G)``: row ``(n, oh, ow)`` holds the window at that
    output pixel, in (kernel row, kernel column, channel) order, as
    :mod:`lucid.nn.functional.conv` builds it.  The NumPy path copies the input
    once into a zero-padded channels-last buffer and then copies a strided
    view of its windows (two fills and two copies: four launches on a GPU);
    here each element is read from the input directly, padding being a test.

    Parameters
    ----------
    x : array
        ``(N, C, H, W)``, any memory layout.
    groups : int
        Groups ``G`` of the convolution.
    out_hw, kernel, stride, dilation : tuple of int
        ``(OH, OW)``, ``(KH, KW)``, and the steps between windows and between taps.
    pads : tuple of int
        ``(top, bottom, left, right)`` zero padding.

    Returns
    -------
    array or None

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.fused.conv_columns(np.ones((1, 1, 3, 3)), 1, (3, 3), (3, 3), (1, 1), (1, 1), (1, 1, 1, 1)) is None
    True
    """
    kernels = _cupy_kernels(x)
    if kernels is None:
        return None
    return kernels.im2col(x, groups, out_hw, kernel, stride, dilation, pads[0], pads[2])


def conv_input_grad(cols: Any, n: int, h: int, w: int, c: int, groups: int, out_hw: tuple, kernel: tuple,
                    stride: tuple, dilation: tuple, pads: tuple) -> Any:
    """A convolution's input gradient from its column gradient, in one kernel on CuPy; None elsewhere.

    ``cols`` is the ``(G, N*OH*OW, KH*KW*C/G)`` product of the output gradient
    with the kernel matrix (rows channels-last, as
    :mod:`lucid.nn.functional.conv` builds them).  Each input element sums the
    taps whose window covers it (col2im as a gather).  The NumPy path
    (``_col2im_channels_last`` in ``conv.py``) adds the taps one strided slice at
    a time into a zero-padded buffer, the fastest form there; on a GPU that is
    two launches per tap (the add, and CuPy's write back of the slice) plus the
    fill: 19 launches for a 3x3 kernel, here 1.

    Parameters
    ----------
    cols : array
        The column gradient, C-contiguous ``(G, N*OH*OW, KH*KW*C/G)``.
    n, h, w, c, groups : int
        Batch, unpadded input height and width, input channels, groups.
    out_hw, kernel, stride, dilation : tuple of int
        ``(OH, OW)``, ``(KH, KW)``, and the steps between windows and between taps.
    pads : tuple of int
        ``(top, bottom, left, right)`` zero padding of the forward.

    Returns
    -------
    array or None
        ``(N, H, W, C)`` on CuPy; None for other arrays (the caller runs the NumPy path).

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> cols = np.ones((1, 4, 9), dtype=np.float32)
    >>> lucid.backend.fused.conv_input_grad(cols, 1, 2, 2, 1, 1, (2, 2), (3, 3), (1, 1), (1, 1), (1, 1, 1, 1)) is None
    True
    """
    kernels = _cupy_kernels(cols)
    if kernels is None:
        return None
    return kernels.col2im(cols, n, h, w, c, groups, out_hw, kernel, stride, dilation, pads[0], pads[2])


# ----------------------------------------------------------------------------- max pooling
def max_pool(x: Any, kernel: tuple, stride: tuple, dilation: tuple, pads: tuple, out_hw: tuple,
             index_dtype: Any) -> tuple | None:
    """Max pooling in one kernel on CuPy: ``(y, arg)``; None for other arrays.

    ``y`` holds each window's maximum and ``arg`` which of its ``KH * KW`` taps
    held it (NaN the largest, the last NaN tap, else the first maximum; windows
    of ``-inf`` point at their first real pixel), both laid out like ``x``.  The
    NumPy path in :class:`lucid.nn.functional.conv.MaxPool2d` walks the taps
    with whole-array operations, the fastest form there; on a GPU that is five
    launches per tap, here one in all.

    Parameters
    ----------
    x : array
        ``(N, C, H, W)``, any memory layout.
    kernel, stride, dilation : tuple of int
        ``(KH, KW)`` and the steps between windows and between taps.
    pads : tuple of int
        ``(top, bottom, left, right)``; padding cells count as ``-inf``.
    out_hw : tuple of int
        ``(OH, OW)``.
    index_dtype : dtype
        The integer dtype of ``arg``.

    Returns
    -------
    tuple or None

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> lucid.backend.fused.max_pool(np.zeros((1, 1, 2, 2)), (2, 2), (2, 2), (1, 1), (0, 0, 0, 0), (1, 1),
    ...                              np.int8) is None
    True
    """
    kernels = _cupy_kernels(x)
    if kernels is None:
        return None
    return kernels.max_pool(x, kernel, stride, dilation, pads, out_hw, index_dtype, _core.is_channels_last(x))


def max_pool_grad(grad: Any, arg: Any, x_shape: tuple, kernel: tuple, stride: tuple, dilation: tuple,
                  pads: tuple, channels_last: bool) -> Any:
    """The input gradient of :func:`max_pool` in one kernel on CuPy (a gather, no zero fill); None elsewhere.

    Each input element sums ``grad`` over the windows whose ``arg`` names it.

    Parameters
    ----------
    grad, arg : array
        ``(N, C, OH, OW)``: the output gradient and :func:`max_pool`'s taps.
    x_shape : tuple of int
        The input's ``(N, C, H, W)``.
    kernel, stride, dilation, pads : tuple of int
        As given to :func:`max_pool`.
    channels_last : bool
        Lay the result out channels-last in memory (as the input was).

    Returns
    -------
    array or None

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> g, arg = np.ones((1, 1, 1, 1)), np.zeros((1, 1, 1, 1), np.int8)
    >>> lucid.backend.fused.max_pool_grad(g, arg, (1, 1, 2, 2), (2, 2), (2, 2), (1, 1), (0, 0, 0, 0), False) is None
    True
    """
    kernels = _cupy_kernels(grad)
    if kernels is None:
        return None
    return kernels.max_pool_grad(grad, arg, x_shape, kernel, stride, dilation, pads, channels_last)


def _numpy_ready(p: Any, *arrays: Any) -> bool:
    """The in-place NumPy path applies: NumPy arrays, all of the parameter's dtype."""
    return type(p) is np.ndarray and all(a is None or (type(a) is np.ndarray and a.dtype == p.dtype) for a in arrays)


def sgd_step(param: Any, grad: Any, buf: Any, *, lr: float, momentum: float, dampening: float,
             weight_decay: float, nesterov: bool, maximize: bool) -> Any:
    """One SGD update of ``param`` in place (PyTorch's formulation); returns the momentum buffer.

    .. math::
        d = \\pm g + \\lambda \\theta, \\quad
        b = d \\text{ (first step) or } \\mu b + (1 - \\tau) d, \\quad
        u = d + \\mu b \\text{ (Nesterov) or } b, \\quad
        \\theta \\leftarrow \\theta - \\eta u

    (:math:`u = d` without momentum).  One kernel launch on CuPy.

    Parameters
    ----------
    param : array
        The parameter's array, updated in place.
    grad : array
        Its gradient (same shape).
    buf : array or None
        The momentum buffer (updated in place), or None at the first step.
    lr, momentum, dampening, weight_decay : float
        :math:`\\eta, \\mu, \\tau, \\lambda`.
    nesterov, maximize : bool
        Nesterov momentum; ascend instead of descend.

    Returns
    -------
    array or None
        The momentum buffer (a new array at the first step), None without momentum.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> p = np.array([1.0, -2.0], dtype=np.float32)
    >>> buf = lucid.backend.sgd_step(p, 2 * p, None, lr=0.25, momentum=0.5, dampening=0.0,
    ...                              weight_decay=0.0, nesterov=False, maximize=False)
    >>> p, buf
    (array([ 0.5, -1. ], dtype=float32), array([ 2., -4.], dtype=float32))
    """
    first = momentum != 0 and buf is None
    kernels = _cupy_kernels(param)
    if kernels is not None:
        if first:
            buf = kernels.empty_like(param)
        flags = ((kernels.MAXIMIZE if maximize else 0) | (kernels.WEIGHT_DECAY if weight_decay != 0 else 0)
                 | (kernels.FIRST if first else 0) | (kernels.NESTEROV if nesterov else 0))
        kernels.sgd_step(param, grad, buf if momentum != 0 else None, lr, weight_decay, momentum,
                         1 - dampening, np.int32(flags))
        return buf if momentum != 0 else None
    if not _numpy_ready(param, grad, buf):
        return _sgd_plain(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, maximize)
    d = grad
    if weight_decay != 0:
        d = np.multiply(param, weight_decay, out=np.empty_like(param))  # wd p
        (np.subtract if maximize else np.add)(d, grad, out=d)  # -g + wd p, or g + wd p
    elif maximize:
        d = np.negative(grad, out=np.empty_like(param))
    if momentum != 0:
        if first:
            buf = d.copy()
        else:
            np.multiply(buf, momentum, out=buf)
            np.add(buf, d if dampening == 0 else np.multiply(d, 1 - dampening), out=buf)  # (1 - 0) d is d exactly
        if nesterov:
            u = np.multiply(buf, momentum, out=np.empty_like(param))
            d = np.add(d, u, out=u)
        else:
            d = buf
    scratch = d if (d is not grad and d is not buf) else np.empty_like(param)  # d of our own is free now
    np.subtract(param, np.multiply(d, lr, out=scratch), out=param)
    return buf if momentum != 0 else None


def _sgd_plain(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """The array-API formulation of :func:`sgd_step` (any namespace)."""
    d = -grad if maximize else grad
    if weight_decay != 0:
        d = d + weight_decay * param
    if momentum != 0:
        if buf is None:
            buf = _core.xp_of(param).asarray(d, copy=True)  # an array of its own, even when 0-d
        else:
            buf *= momentum  # in place: the caller's buffer is this same array
            buf += (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    param[...] = param - lr * d
    return buf if momentum != 0 else None


def adam_step(param: Any, grad: Any, exp_avg: Any, exp_avg_sq: Any, max_exp_avg_sq: Any = None, *, lr: float,
              betas: tuple, eps: float, weight_decay: float, decoupled: bool, step: int, maximize: bool) -> None:
    """One Adam (or AdamW, ``decoupled=True``) update of ``param`` and its moments, in place.

    .. math::
        g \\leftarrow \\pm g \\; (+ \\lambda \\theta \\text{ for Adam}), \\quad
        \\theta \\leftarrow \\theta (1 - \\eta \\lambda) \\text{ (AdamW)} \\\\
        m \\leftarrow m + (1 - \\beta_1)(g - m), \\quad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2 \\\\
        \\theta \\leftarrow \\theta - \\frac{\\eta}{1 - \\beta_1^t}
            \\frac{m}{\\sqrt{v} / \\sqrt{1 - \\beta_2^t} + \\epsilon}

    With ``max_exp_avg_sq`` (amsgrad) its running maximum of :math:`v` replaces :math:`v` in
    the denominator.  One kernel launch on CuPy; on NumPy in-place ufuncs with one scratch array.

    Parameters
    ----------
    param, grad : array
        The parameter (updated in place) and its gradient.
    exp_avg, exp_avg_sq : array
        :math:`m` and :math:`v`, updated in place.
    max_exp_avg_sq : array or None
        The running maximum of :math:`v` (amsgrad), updated in place; None otherwise.
    lr, betas, eps, weight_decay : float, (float, float), float, float
        :math:`\\eta, (\\beta_1, \\beta_2), \\epsilon, \\lambda`.
    decoupled : bool
        AdamW's weight decay (shrink :math:`\\theta`) instead of Adam's (add to :math:`g`).
    step : int
        :math:`t`, counting from 1.
    maximize : bool
        Ascend instead of descend.

    Examples
    --------
    >>> import numpy as np
    >>> import lucid
    >>> p = np.array([1.0, -2.0], dtype=np.float32)
    >>> m, v = np.zeros(2, np.float32), np.zeros(2, np.float32)
    >>> lucid.backend.adam_step(p, 2 * p, m, v, lr=0.5, betas=(0.5, 0.75), eps=0.0, weight_decay=0.0,
    ...                         decoupled=False, step=1, maximize=False)
    >>> p  # the first step moves each weight by lr against its gradient's sign
    array([ 0.5, -1.5], dtype=float32)
    """
    b1, b2 = betas
    c2 = math.sqrt(1 - b2 ** step)  # bias corrections, as Python floats
    step_size = lr / (1 - b1 ** step)
    kernels = _cupy_kernels(param)
    if kernels is not None:
        flags = (kernels.MAXIMIZE if maximize else 0) | (
            0 if weight_decay == 0 else kernels.DECOUPLED if decoupled else kernels.WEIGHT_DECAY)
        kernels.adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step_size, 1 - b1, b2, 1 - b2, c2,
                          eps, weight_decay, 1 - lr * weight_decay, np.int32(flags))
        return
    if not _numpy_ready(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq):
        _adam_plain(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, b1, b2, c2, step_size, eps, weight_decay,
                    decoupled, maximize)
        return
    m, v = exp_avg, exp_avg_sq
    g = grad
    if weight_decay != 0 and decoupled:
        np.multiply(param, 1 - lr * weight_decay, out=param)
    if weight_decay != 0 and not decoupled:
        g = np.multiply(param, weight_decay, out=np.empty_like(param))  # wd p
        (np.subtract if maximize else np.add)(g, grad, out=g)  # -g + wd p, or g + wd p
    elif maximize:
        g = np.negative(grad, out=np.empty_like(param))
    s = np.subtract(g, m, out=np.empty_like(param))  # the one scratch array
    np.multiply(s, 1 - b1, out=s)
    np.add(m, s, out=m)  # m += (1 - b1)(g - m)
    np.multiply(v, b2, out=v)
    np.multiply(g, g, out=s)
    np.multiply(s, 1 - b2, out=s)
    np.add(v, s, out=v)  # v = b2 v + (1 - b2) g^2
    if max_exp_avg_sq is not None:
        v = np.maximum(max_exp_avg_sq, v, out=max_exp_avg_sq)
    np.sqrt(v, out=s)
    np.divide(s, c2, out=s)
    np.add(s, eps, out=s)  # denominator sqrt(v) / c2 + eps
    np.divide(m, s, out=s)
    np.multiply(s, step_size, out=s)
    np.subtract(param, s, out=param)


def _adam_plain(param, grad, m, v, vmax, lr, b1, b2, c2, step_size, eps, weight_decay, decoupled, maximize):
    """The array-API formulation of :func:`adam_step` (any namespace)."""
    xp = _core.xp_of(param)
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled:
            param[...] = param * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * param
    m += (1 - b1) * (g - m)
    v *= b2
    v += (1 - b2) * (g * g)
    if vmax is not None:
        vmax[...] = xp.maximum(vmax, v)
        v = vmax
    denom = xp.sqrt(v) / c2 + eps
    param[...] = param - step_size * (m / denom)
