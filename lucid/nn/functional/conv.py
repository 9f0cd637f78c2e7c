"""Convolution and pooling: conv1d, conv2d, max_pool2d, avg_pool2d.

All four share one piece of machinery, *im2col*:

1. pad the input (zeros for convolution and average pooling, ``-inf`` for
   max pooling);
2. take every ``KH x KW`` window the kernel visits (with stride and
   dilation) as a 6-D array ``(N, C, OH, OW, KH, KW)``.  On NumPy and CuPy
   this is a strided *view* (:func:`lucid.backend.sliding_windows`): no data
   moves until it is reshaped;
3. convolution flattens each window into a row of a matrix (the
   "columns") and multiplies it with the flattened kernels: one matrix
   product per group, done by BLAS; pooling reduces over the window axes.

Convolution does this in *channels-last* order: the input is copied once
into a padded ``(N, Hp, Wp, C)`` buffer and its windows are
``(N, OH, OW, KH, KW, C)``, so each row of the column matrix is a run of
contiguous memory and the three matrix products (forward, dL/dx, dL/dW)
read and write contiguous memory.  The output is the ``(N, OH, OW, O)``
product *viewed* as ``(N, O, OH, OW)``: the shape PyTorch users expect,
without a copy (elementwise ops that follow keep that memory order).

The backward of im2col is *col2im*: every window position hands its
gradient back to the input pixels it read.  Windows overlap, so the
gradient of a pixel is a sum; :func:`_col2im` adds one strided slice per
kernel offset (``KH * KW`` vectorised slice-adds, never a loop over pixels).

``conv1d`` is ``conv2d`` on inputs of height 1.

Second derivatives (``create_graph=True``): the same ``backward`` runs on
Tensors.  Pooling backwards are linear in the incoming gradient (max pooling
routes it with a constant argmax), so they need nothing more.  Convolution's
backward reads the column matrix forward built, which depends on ``x``: on the
recording path it rebuilds it from the saved input with lucid ops (the
``KH * KW`` slices of :func:`_windows_channels_last_by_taps`, stacked), and the
kernel matrix from the saved weight, so the second derivative sees both.  The
array path keeps the strided views and BLAS products above.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.backend import fused
from lucid.ops._args import tensor_arg
from lucid.ops.shape import squeeze, unsqueeze
from lucid.tensor import Tensor

__all__ = ["conv1d", "conv2d", "max_pool2d", "avg_pool2d"]


# ----------------------------------------------------------------------------- argument helpers
def _tuple(value: Any, n: int, name: str, fn: str, minimum: int = 0) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, each ``>= minimum``, as a tuple."""
    values = (value,) * n if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        raise TypeError(f"{fn}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(values) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values):
        raise TypeError(f"{fn}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"{fn}: {name} must be >= {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def _conv_pads(padding: Any, kernel: tuple, stride: tuple, dilation: tuple, fn: str) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` from an int, a pair, ``"valid"`` or ``"same"``."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{fn}: padding='same' needs stride=1, got stride={stride}")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]  # PyTorch puts the odd pixel at the end
            return tuple(pads)
        raise ValueError(f"{fn}: padding must be an int, a pair of ints, 'valid' or 'same', got {padding!r}")
    ph, pw = _tuple(padding, 2, "padding", fn)
    return (ph, ph, pw, pw)


def _out_size(size: int, pad: int, kernel: int, stride: int, dilation: int) -> int:
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1


def _full(shape: tuple, value: float, like: Any) -> Any:
    xp = backend.xp_of(like)
    dev = backend.array_device(like)
    kwargs = {} if dev is None else {"device": dev}
    return xp.full(shape, value, dtype=like.dtype, **kwargs)


def _pad2d(x: Any, pads: tuple, value: float = 0.0) -> Any:
    """Pad the last two axes by ``(top, bottom, left, right)`` with ``value`` (portable: fill, then copy in)."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    n, c, h, w = x.shape
    out = _full((n, c, h + top + bottom, w + left + right), value, like=x)
    out[:, :, top:top + h, left:left + w] = x
    return out


def _crop2d(x: Any, pads: tuple, size: tuple) -> Any:
    """Undo :func:`_pad2d`: the centre ``size`` of ``x``."""
    top, _, left, _ = pads
    return x[:, :, top:top + size[0], left:left + size[1]] if any(pads) else x


def _windows(xpad: Any, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> Any:
    """Every window the kernel visits, as an array ``(N, C, OH, OW, KH, KW)``.

    ``[n, c, oh, ow, i, j] = xpad[n, c, oh*sh + i*dh, ow*sw + j*dw]``.
    NumPy/CuPy: a strided view of ``xpad``.  Other namespaces: one strided
    slice per kernel offset, stacked (the portable fallback).
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = backend.sliding_windows(xpad, extent, (2, 3))
    if view is not None:  # (N, C, H', W', eh, ew): keep every stride-th start, every dilation-th tap
        return view[:, :, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, ::dh, ::dw]
    xp = backend.xp_of(xpad)
    taps = [
        xpad[:, :, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]
    n, c = xpad.shape[:2]
    return backend.reshape(xp.stack(taps, axis=-1), (n, c, oh, ow, kh, kw))


def _col2im(cols: Any, padded_hw: tuple, stride: tuple, dilation: tuple) -> Any:
    """The adjoint of :func:`_windows`: add each window's values back where they were read.

    ``cols`` has shape ``(N, C, KH, KW, OH, OW)``; the result ``(N, C, Hp, Wp)``.
    One vectorised strided slice-add per kernel offset.
    """
    n, c, kh, kw, oh, ow = cols.shape
    (sh, sw), (dh, dw) = stride, dilation
    out = backend.zeros((n, c) + tuple(padded_hw), cols.dtype, like=cols)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            out[:, :, rows, columns] += cols[:, :, i, j, ...]
    return out


# ----------------------------------------------------------------------------- convolution
# The convolution works channels-last: the input is copied once into a padded
# (N, Hp, Wp, C) buffer, so a window's C values lie side by side and the
# column matrix rows are laid out (KH, KW, C).  Building the columns is then a
# copy of contiguous C-long runs, the matrix products read and write
# contiguous memory, and the output (N*OH*OW, O) is returned as a *view*
# (N, O, OH, OW) with channels-last strides: no transposing copies of the big
# column matrix.  Elementwise ops downstream keep that layout.
def _pad_channels_last(x: Any, pads: tuple) -> Any:
    """``(N, C, H, W)`` -> zero-padded ``(N, H + top + bottom, W + left + right, C)``: one copy."""
    xp = backend.xp_of(x)
    n, c, h, w = x.shape
    top, bottom, left, right = pads
    out = backend.zeros((n, h + top + bottom, w + left + right, c), x.dtype, like=x)
    out[:, top:top + h, left:left + w, :] = xp.permute_dims(x, (0, 2, 3, 1))
    return out


def _windows_channels_last(xpad: Any, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> Any:
    """Every window of a channels-last ``(N, Hp, Wp, C)`` as ``(N, OH, OW, KH, KW, C)`` (a view on NumPy/CuPy)."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    xp = backend.xp_of(xpad)
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = backend.sliding_windows(xpad, extent, (1, 2))  # (N, H', W', C, eh, ew)
    if view is not None:
        view = view[:, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, :, ::dh, ::dw]
        return xp.permute_dims(view, (0, 1, 2, 4, 5, 3))
    return _windows_channels_last_by_taps(xpad, kernel, stride, dilation, out_hw)


def _windows_channels_last_by_taps(xpad: Any, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> Any:
    """:func:`_windows_channels_last` as ``KH * KW`` strided slices, stacked: the portable fallback.

    Also the differentiable im2col used when ``xpad`` is a Tensor (``create_graph=True``): slicing
    and stacking are lucid ops, so the columns keep their graph back to the input.
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    xp = backend.xp_of(xpad)
    taps = [
        xpad[:, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw, :]
        for i in range(kh)
        for j in range(kw)
    ]
    n, c = xpad.shape[0], xpad.shape[3]
    return backend.reshape(xp.stack(taps, axis=3), (n, oh, ow, kh, kw, c))


def _col2im_channels_last(cols: Any, padded_hw: tuple, stride: tuple, dilation: tuple) -> Any:
    """The adjoint of :func:`_windows_channels_last`: ``(N, OH, OW, KH, KW, ...)`` -> ``(N, Hp, Wp, ...)``.

    Windows overlap, so each kernel offset adds its slice of ``cols`` into a
    strided slice of the result: ``KH * KW`` vectorised adds, never a loop over pixels.
    """
    n, oh, ow, kh, kw = cols.shape[:5]
    (sh, sw), (dh, dw) = stride, dilation
    out = backend.zeros((n,) + tuple(padded_hw) + tuple(cols.shape[5:]), cols.dtype, like=cols)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            out[:, rows, columns, ...] += cols[:, :, :, i, j, ...]
    return out


def _conv_columns(x: Any, kernel: tuple, stride: tuple, dilation: tuple, pads: tuple, groups: int,
                  out_hw: tuple) -> Any:
    """im2col: ``x (N, C, H, W)`` -> the window matrix ``(G, N*OH*OW, KH*KW*C/G)``, rows channels-last.

    Arrays: a strided view of the padded channels-last copy, then the one copy of
    the forward.  Tensors (the backward under ``create_graph=True``): the same
    matrix gathered with lucid ops (``KH * KW`` slices stacked), so it keeps its
    graph back to ``x``.
    """
    xp = backend.xp_of(x)
    n, c = x.shape[:2]
    (kh, kw), (oh, ow), g = kernel, out_hw, groups
    cg = c // g
    xpad = _pad_channels_last(x, pads)
    if isinstance(x, Tensor):
        win = _windows_channels_last_by_taps(xpad, kernel, stride, dilation, out_hw)
    else:
        win = _windows_channels_last(xpad, kernel, stride, dilation, out_hw)
    if g == 1:  # the one copy of the forward: (N, OH, OW, KH, KW, C) -> (1, N*OH*OW, KH*KW*C)
        return backend.reshape(win, (1, n * oh * ow, kh * kw * cg))
    win = backend.reshape(win, (n, oh, ow, kh, kw, g, cg))
    return backend.reshape(xp.permute_dims(win, (5, 0, 1, 2, 3, 4, 6)), (g, n * oh * ow, kh * kw * cg))


def _kernel_matrix(weight: Any, groups: int) -> Any:
    """``weight (O, C/G, KH, KW)`` -> ``(G, O/G, KH*KW*C/G)``, columns in the window matrix's order."""
    xp = backend.xp_of(weight)
    o, cg, kh, kw = weight.shape
    g = groups
    return backend.reshape(xp.permute_dims(backend.reshape(weight, (g, o // g, cg, kh, kw)), (0, 1, 3, 4, 2)),
                           (g, o // g, kh * kw * cg))


class Conv2d(Function):
    """Y = W * X (+ b): im2col, then one matrix product per group;  col2im in backward

    Shapes: ``x (N, C, H, W)``, ``weight (O, C/G, KH, KW)``, ``y (N, O, OH, OW)``
    (conv1d passes ``(N, C, L)`` and ``(O, C/G, K)``: height 1, reshaped inside).
    With ``cols`` the ``(G, N*OH*OW, KH*KW*C/G)`` window matrix (rows in
    channels-last order, see above) and ``Wm`` the ``(G, O/G, KH*KW*C/G)``
    kernel matrix in the same order:

    * forward:  ``Y = cols @ Wm^T``;
    * ``dL/dW = G^T @ cols``, ``dL/dcols = G @ Wm`` then col2im, ``dL/db = sum of G``.

    Double backward (``create_graph=True``): ``cols`` and ``Wm`` are made in
    forward, so the engine would hand them to backward as constants, and
    ``d(dL/dW)/dx`` and ``d(dL/dx)/dW`` would be lost.  Forward therefore also
    saves ``x`` and ``weight`` themselves (no copy: the arrays the inputs
    already hold), and when backward runs on Tensors it rebuilds ``cols`` and
    ``Wm`` from them with lucid ops (:func:`_conv_columns`), so the same lines
    below record a graph.  On arrays backward uses the saved matrices: the
    first-order path is unchanged.
    """

    promote = (0, 1, 2)  # float64 input with float32 weights: float64, as in every layer (NumPy's rule)
    double_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias, *, stride, pads, dilation, groups):
        xp = backend.xp_of(x)
        x_in, weight_in = x, weight  # saved as given: the engine ties exactly the input arrays to the graph
        ctx.one_d = x.ndim == 3  # conv1d: (N, C, L) is (N, C, 1, L) here, with no unsqueeze/squeeze nodes
        if ctx.one_d:
            x = backend.reshape(x, x.shape[:2] + (1,) + x.shape[2:])
            weight = backend.reshape(weight, weight.shape[:2] + (1,) + weight.shape[2:])
        n, c, h, w = x.shape
        o, cg, kh, kw = weight.shape
        g, og = groups, o // groups
        hp, wp = h + pads[0] + pads[1], w + pads[2] + pads[3]
        oh = _out_size(hp, 0, kh, stride[0], dilation[0])
        ow = _out_size(wp, 0, kw, stride[1], dilation[1])
        cols = fused.conv_columns(x, g, (oh, ow), (kh, kw), stride, dilation, pads)  # CuPy: one kernel
        if cols is None:
            cols = _conv_columns(x, (kh, kw), stride, dilation, pads, g, (oh, ow))
        wmat = _kernel_matrix(weight, g)
        y = xp.matmul(cols, backend.mT(wmat))  # (G, N*OH*OW, O/G)
        # channels-last result viewed as (N, O, OH, OW): no copy when G == 1
        y = backend.reshape(xp.permute_dims(backend.reshape(y, (g, n, oh, ow, og)), (1, 0, 4, 2, 3)), (n, o, oh, ow))
        if bias is not None:
            y = y + backend.reshape(bias, (1, o, 1, 1))
        need_x, need_w = ctx.needs_input_grad[:2] if ctx.needs_input_grad else (False, False)
        # dL/dx needs the kernel, dL/dW the input: each saved as the matrix (first order) and as itself
        # (to rebuild the matrix differentiably under create_graph)
        ctx.save(cols if need_w else None, wmat if need_x else None, x_in if need_w else None,
                 weight_in if need_x else None)
        ctx.geometry = (n, c, h, w, o, cg, kh, kw, g, oh, ow, hp, wp)
        ctx.stride, ctx.pads, ctx.dilation = stride, pads, dilation
        return backend.reshape(y, (n, o, ow)) if ctx.one_d else y

    @staticmethod
    def backward(ctx, grad):
        cols, wmat, x, weight = ctx.saved
        n, c, h, w, o, cg, kh, kw, g, oh, ow, hp, wp = ctx.geometry
        og = o // g
        xp = backend.xp_of(grad)
        if ctx.one_d:
            grad = backend.reshape(grad, (n, o, 1, ow))
        if isinstance(grad, Tensor):  # create_graph: rebuild the matrices from the inputs, recorded (see above)
            if ctx.one_d:
                x = None if x is None else backend.reshape(x, (n, c, 1, w))
                weight = None if weight is None else backend.reshape(weight, (o, cg, 1, kw))
            cols = None if x is None else _conv_columns(x, (kh, kw), ctx.stride, ctx.dilation, ctx.pads, g, (oh, ow))
            wmat = None if weight is None else _kernel_matrix(weight, g)
        # (G, N*OH*OW, O/G): a view when grad is channels-last (as the forward's output is), else a small copy
        gmat = backend.reshape(xp.permute_dims(backend.reshape(grad, (n, g, og, oh, ow)), (1, 0, 3, 4, 2)), (g, n * oh * ow, og))
        gx = gw = gb = None
        if wmat is not None:  # dL/dx: back through the matrix product, then col2im (channels-last)
            product = xp.matmul(gmat, wmat)  # (G, N*OH*OW, KH*KW*C/G)
            gx = fused.conv_input_grad(product, n, h, w, c, g, (oh, ow), (kh, kw), ctx.stride, ctx.dilation, ctx.pads)
            if gx is not None:  # CuPy: one gather kernel wrote the (N, H, W, C) gradient
                gx = xp.permute_dims(gx, (0, 3, 1, 2))
            else:  # one strided add per tap into a padded buffer, then the centre
                gcols = backend.reshape(product, (g, n, oh, ow, kh, kw, cg))
                gcols = xp.permute_dims(gcols, (1, 2, 3, 4, 5, 0, 6))  # (N, OH, OW, KH, KW, G, C/G): a view
                gpad = _col2im_channels_last(gcols, (hp, wp), ctx.stride, ctx.dilation)  # (N, Hp, Wp, G, C/G)
                top, _, left, _ = ctx.pads
                gx = backend.reshape(xp.permute_dims(gpad[:, top:top + h, left:left + w, ...], (0, 3, 4, 1, 2)),
                                     (n, c, h, w))
        if cols is not None:  # dL/dW = G^T cols, per group, back to (O, C/G, KH, KW)
            gw = backend.reshape(xp.matmul(backend.mT(gmat), cols), (g, og, kh, kw, cg))
            gw = backend.reshape(xp.permute_dims(gw, (0, 1, 4, 2, 3)), (o, cg, kh, kw))
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gb = backend.sum(grad, (0, 2, 3))  # a BLAS sum in the channels-last layout
        if ctx.one_d:
            gx = None if gx is None else backend.reshape(gx, (n, c, w))
            gw = None if gw is None else backend.reshape(gw, (o, cg, kw))
        return gx, gw, gb


def _check_conv(x: Tensor, weight: Tensor, bias: Tensor | None, groups: int, nd: int, fn: str) -> None:
    if weight.ndim != nd + 2:
        raise ValueError(f"{fn}: weight must have {nd + 2} dimensions (out_channels, in_channels/groups, kernel...), "
                         f"got shape {weight.shape}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive int, got {groups!r}")
    if x.ndim != nd + 2:
        raise ValueError(f"{fn}: input must have {nd + 2} dimensions (N, C, {'H, W' if nd == 2 else 'L'}) or "
                         f"{nd + 1} without the batch axis, got shape {x.shape}")
    o, cg = weight.shape[:2]
    if o % groups:
        raise ValueError(f"{fn}: out_channels={o} (weight.shape[0]) must be divisible by groups={groups}")
    if x.shape[1] != cg * groups:
        raise ValueError(f"{fn}: weight of shape {weight.shape} with groups={groups} expects input with "
                         f"{cg * groups} channels, got input with {x.shape[1]} channels (shape {x.shape})")
    if bias is not None and bias.shape != (o,):
        raise ValueError(f"{fn}: bias must have shape ({o},) to match out_channels, got {bias.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: input must be a floating-point tensor like the weight ({weight.dtype}), got dtype "
                        f"{x.dtype}; convert it first with input.float()")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    r"""2-D convolution (cross-correlation, as in every deep-learning library).

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)``, or ``(C, H, W)`` for a single image.
    weight : Tensor
        ``(O, C / groups, KH, KW)``.
    bias : Tensor, optional
        ``(O,)``.
    stride, dilation : int or (int, int)
        :math:`(s_h, s_w)`, the step between windows; :math:`(d_h, d_w)`, the spacing between kernel taps.
    padding : int, (int, int), "valid" or "same"
        Zeros added before (:math:`P_h, P_w`) and after (:math:`P'_h, P'_w`) each spatial axis: an int
        pads both sides equally, ``"valid"`` is 0, and ``"same"`` (stride 1 only) pads
        :math:`P_h = \lfloor d_h (KH - 1) / 2 \rfloor` before and :math:`P'_h = d_h (KH - 1) - P_h`
        after (the odd pixel at the end, as in PyTorch), so that :math:`OH = H` even for an even kernel.
    groups : int
        :math:`G`: split the channels into ``groups`` independent convolutions (``groups == C``:
        depthwise); input channels :math:`g C_g \dots (g+1) C_g - 1` feed output channels
        :math:`g O_g \dots (g+1) O_g - 1`, with :math:`C_g = C/G`, :math:`O_g = O/G`.

    Returns
    -------
    Tensor
        ``(N, O, OH, OW)``, sizes below.

    Forward Calculation
    -------------------
    :math:`\tilde x` is :math:`x` read as 0 outside the image (the padding),
    :math:`g = \lfloor o / O_g \rfloor` is the group of output channel :math:`o`, and
    :math:`p = 0 \dots KH - 1`, :math:`q = 0 \dots KW - 1` run over the taps:

    .. math::

        y_{n,o,i,j} &= b_o + \sum_{c = g C_g}^{(g+1) C_g - 1} \sum_{p,q}
            W_{o,\, c - g C_g,\, p,\, q}\; \tilde x_{n,\, c,\, s_h i + d_h p - P_h,\; s_w j + d_w q - P_w} \\
        OH &= \Bigl\lfloor \frac{H + P_h + P'_h - d_h (KH - 1) - 1}{s_h} \Bigr\rfloor + 1, \qquad
        OW = \Bigl\lfloor \frac{W + P_w + P'_w - d_w (KW - 1) - 1}{s_w} \Bigr\rfloor + 1

    (:math:`W_{o,\,c - g C_g}`: the weight has only :math:`C_g` entries on its second axis.)

    Backward Gradient Calculation
    -----------------------------
    With :math:`\delta_{n,o,i,j} = \partial L / \partial y_{n,o,i,j}` (:math:`i < OH`, :math:`j < OW`),
    :math:`c' = 0 \dots C_g - 1` the weight's channel index, :math:`g = \lfloor o / O_g \rfloor` in the
    first two lines and :math:`g = \lfloor c / C_g \rfloor` in the last:

    .. math::

        \frac{\partial L}{\partial b_o} &= \sum_{n,i,j} \delta_{n,o,i,j} \\
        \frac{\partial L}{\partial W_{o,c',p,q}} &= \sum_{n,i,j} \delta_{n,o,i,j}\;
            \tilde x_{n,\, g C_g + c',\, s_h i + d_h p - P_h,\; s_w j + d_w q - P_w} \\
        \frac{\partial L}{\partial x_{n,c,u,v}} &= \sum_{o = g O_g}^{(g+1) O_g - 1} \sum_{p,q}
            \sum_{\substack{i:\ s_h i + d_h p - P_h = u \\ j:\ s_w j + d_w q - P_w = v}}
            \delta_{n,o,i,j}\, W_{o,\, c - g C_g,\, p,\, q}

    (a pixel that no window reads gets 0).  As convolutions: the weight gradient correlates
    :math:`\tilde x` with :math:`\delta` as the kernel, that kernel dilated by the *stride* and stepped
    by the *dilation*, cropped to :math:`KH \times KW` (the usual ":math:`\delta \star x`" holds only
    when stride equals dilation); with symmetric padding (:math:`P'_h = P_h`) the input gradient is
    the transposed convolution ``conv_transpose2d(delta, W, stride, padding, output_padding, groups,
    dilation)`` with ``output_padding`` :math:`= (H + 2 P_h - d_h (KH - 1) - 1) \bmod s_h` (and the same
    along :math:`w`), which gives back all :math:`H` rows.

    Notes
    -----
    Implemented as im2col (a strided view of the windows) and one BLAS matrix
    product per group; see the module docstring.  Memory for the window matrix
    is ``N * OH * OW * C * KH * KW`` elements.  Twice differentiable
    (``lucid.autograd.grad(..., create_graph=True)``): the gradients above are
    recorded as lucid ops, so e.g. a gradient penalty on :math:`\partial L/\partial x`
    trains the weights.

    References
    ----------
    K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural
    Networks for Document Processing", 2006 (im2col).

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> x = lucid.ones((1, 1, 4, 4), requires_grad=True)
    >>> w = lucid.ones((2, 1, 3, 3))
    >>> y = F.conv2d(x, w, padding=1)
    >>> y.shape
    (1, 2, 4, 4)
    >>> y.detach()[0, 0]
    Tensor([[4., 6., 6., 4.],
            [6., 9., 9., 6.],
            [6., 9., 9., 6.],
            [4., 6., 6., 4.]])
    >>> y.sum().backward()
    >>> x.grad[0, 0]
    array([[ 8., 12., 12.,  8.],
           [12., 18., 18., 12.],
           [12., 18., 18., 12.],
           [ 8., 12., 12.,  8.]], dtype=float32)
    """
    x, weight = tensor_arg(input, "input"), tensor_arg(weight, "weight")
    bias = None if bias is None else tensor_arg(bias, "bias")
    unbatched = x.ndim == 3
    if unbatched:
        x = unsqueeze(x, 0)
    _check_conv(x, weight, bias, groups, 2, "conv2d")
    kernel = tuple(weight.shape[2:])
    stride = _tuple(stride, 2, "stride", "conv2d", 1)
    dilation = _tuple(dilation, 2, "dilation", "conv2d", 1)
    pads = _conv_pads(padding, kernel, stride, dilation, "conv2d")
    _check_fits(x.shape[2:], pads, kernel, dilation, "conv2d")
    y = Conv2d.apply(x, weight, bias, stride=stride, pads=pads, dilation=dilation, groups=int(groups))
    return squeeze(y, 0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    r"""1-D convolution over sequences: ``conv2d`` on inputs of height 1.

    Parameters
    ----------
    input : Tensor
        ``(N, C, L)``, or ``(C, L)`` for a single sequence.
    weight : Tensor
        ``(O, C / groups, K)``.
    bias : Tensor, optional
        ``(O,)``.
    stride, padding, dilation : int
        :math:`s`, :math:`P`, :math:`d` as for :func:`conv2d`, along the one axis; ``padding`` may be
        ``"valid"`` or ``"same"`` (then :math:`P = \lfloor d (K - 1) / 2 \rfloor` before and
        :math:`P' = d (K - 1) - P` after; otherwise :math:`P' = P`).
    groups : int
        :math:`G` independent channel groups, :math:`C_g = C/G`, :math:`O_g = O/G`.

    Returns
    -------
    Tensor
        ``(N, O, OL)``.

    Forward Calculation
    -------------------
    :math:`\tilde x` is :math:`x` read as 0 outside :math:`0 \dots L - 1`,
    :math:`g = \lfloor o / O_g \rfloor`, :math:`p = 0 \dots K - 1`:

    .. math::

        y_{n,o,i} &= b_o + \sum_{c = g C_g}^{(g+1) C_g - 1} \sum_{p}
            W_{o,\, c - g C_g,\, p}\; \tilde x_{n,\, c,\, s i + d p - P} \\
        OL &= \Bigl\lfloor \frac{L + P + P' - d (K - 1) - 1}{s} \Bigr\rfloor + 1

    Backward Gradient Calculation
    -----------------------------
    With :math:`\delta_{n,o,i} = \partial L / \partial y_{n,o,i}` (:math:`i < OL`),
    :math:`c' = 0 \dots C_g - 1`, :math:`g = \lfloor o / O_g \rfloor` in the first two lines and
    :math:`g = \lfloor c / C_g \rfloor` in the last:

    .. math::

        \frac{\partial L}{\partial b_o} &= \sum_{n,i} \delta_{n,o,i} \\
        \frac{\partial L}{\partial W_{o,c',p}} &= \sum_{n,i} \delta_{n,o,i}\;
            \tilde x_{n,\, g C_g + c',\, s i + d p - P} \\
        \frac{\partial L}{\partial x_{n,c,u}} &= \sum_{o = g O_g}^{(g+1) O_g - 1} \sum_{p}
            \sum_{i:\ s i + d p - P = u} \delta_{n,o,i}\, W_{o,\, c - g C_g,\, p}

    Twice differentiable, as :func:`conv2d`.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> x = lucid.tensor([[[1.0, 2.0, 3.0, 4.0]]])
    >>> F.conv1d(x, lucid.tensor([[[1.0, -1.0]]]))
    Tensor([[[-1., -1., -1.]]])
    """
    x, weight = tensor_arg(input, "input"), tensor_arg(weight, "weight")
    bias = None if bias is None else tensor_arg(bias, "bias")
    unbatched = x.ndim == 2
    if unbatched:
        x = unsqueeze(x, 0)
    _check_conv(x, weight, bias, groups, 1, "conv1d")
    (s,) = _tuple(stride, 1, "stride", "conv1d", 1)
    (d,) = _tuple(dilation, 1, "dilation", "conv1d", 1)
    if isinstance(padding, str):
        pads = (0, 0) + _conv_pads(padding, (1, weight.shape[2]), (1, s), (1, d), "conv1d")[2:]
    else:
        (p,) = _tuple(padding, 1, "padding", "conv1d")
        pads = (0, 0, p, p)
    _check_fits((1,) + x.shape[2:], pads, (1, weight.shape[2]), (1, d), "conv1d")
    y = Conv2d.apply(x, weight, bias, stride=(1, s), pads=pads, dilation=(1, d), groups=int(groups))  # 3-D: height 1
    return squeeze(y, 0) if unbatched else y


def _check_fits(size: tuple, pads: tuple, kernel: tuple, dilation: tuple, fn: str) -> None:
    padded = (size[0] + pads[0] + pads[1], size[1] + pads[2] + pads[3])
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if padded[0] < extent[0] or padded[1] < extent[1]:
        raise ValueError(f"{fn}: the (dilated) kernel of extent {extent} is larger than the padded input {padded}")


# ----------------------------------------------------------------------------- pooling
def _pool_geometry(x: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool, fn: str):
    """Kernel, stride, dilation, the four pads (ceil mode adds extra at the end) and the output size."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{fn}: input must have shape (N, C, H, W) or (C, H, W), got {x.shape}")
    kernel = _tuple(kernel_size, 2, "kernel_size", fn, 1)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, 2, "stride", fn, 1)
    pad = _tuple(padding, 2, "padding", fn)
    dilation = _tuple(dilation, 2, "dilation", fn, 1)
    if any(p > k // 2 for p, k in zip(pad, kernel)):
        raise ValueError(f"{fn}: padding should be at most half of kernel_size, got padding={padding!r} "
                         f"and kernel_size={kernel_size!r}")
    out, extra = [], []
    for size, k, s, p, d in zip(x.shape[-2:], kernel, stride, pad, dilation):
        span = size + 2 * p - d * (k - 1) - 1
        if span < 0:
            raise ValueError(f"{fn}: kernel_size={kernel_size!r} (dilation {dilation!r}) does not fit the input "
                             f"of spatial size {tuple(x.shape[-2:])} with padding={padding!r}")
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= size + p:  # the last window must start inside the input (PyTorch)
            o -= 1
        out.append(o)
        extra.append(max(0, (o - 1) * s + d * (k - 1) + 1 - (size + 2 * p)))
    pads = (pad[0], pad[0] + extra[0], pad[1], pad[1] + extra[1])
    return kernel, stride, dilation, pads, (pad[0], pad[1]), tuple(out)


def _taps(kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple):
    """The ``KH * KW`` kernel offsets of a window, in raster order, as slices ``(rows, columns)``:
    ``xpad[:, :, rows, columns]`` is that tap of every window, ``(N, C, OH, OW)``."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    for i in range(kh):
        for j in range(kw):
            yield (slice(i * dh, i * dh + sh * (oh - 1) + 1, sh), slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def _first_taps(kernel: tuple, stride: tuple, dilation: tuple, pads: tuple, out_hw: tuple):
    """Per output pixel, the first tap of its window that lies inside the input, ``(OH, OW)``; None if all do.

    A window whose real pixels are all ``-inf`` sends its gradient there, as
    PyTorch does, not to the ``-inf`` padding cell that comes first.  Only
    windows that start in the top or left padding need it; computed on the host
    from the geometry alone.
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    if not pads[0] and not pads[2]:
        return None
    rows = np.maximum(0, -((np.arange(oh) * sh - pads[0]) // dh))  # ceil((P - s i) / d), at least 0
    cols = np.maximum(0, -((np.arange(ow) * sw - pads[2]) // dw))
    return rows[:, None] * kw + cols[None, :]


def _nan_taps(xpad, y, arg, kernel, stride, dilation, out_hw, index_dtype):
    """``arg`` with each NaN window's index moved to its last NaN tap (PyTorch's CPU rule).

    Once a window's running maximum is NaN, ``tap > y`` is never true again, so
    the loop above leaves such a window pointing at the maximum seen before its
    first NaN.  Rather than test every tap for NaN on every call (it would make
    the loop some 30% slower), NaN windows are found once from ``y``; on the CPU
    an input without NaN (the usual case) costs one pass over the output.
    """
    xp = backend.xp_of(y)
    nan_out = xp.isnan(y)
    if backend.device_of(y) == backend.CPU and not xp.any(nan_out):  # no sync with a GPU just to skip this
        return arg
    last = xp.zeros_like(arg)
    for t, (rows, columns) in enumerate(_taps(kernel, stride, dilation, out_hw)):
        last = xp.maximum(last, xp.astype(xp.isnan(xpad[:, :, rows, columns, ...]), index_dtype) * t)
    return xp.where(nan_out, last, arg)


def _max_pool_taps(x, kernel, stride, dilation, pads, out_hw, index_dtype):
    """Max pooling as one whole-array step per tap (the NumPy path of :class:`MaxPool2d`): ``(y, arg)``."""
    xp = backend.xp_of(x)
    xpad = _pad2d(x, pads, -math.inf)
    taps = _taps(kernel, stride, dilation, out_hw)
    rows, columns = next(taps)
    y = xpad[:, :, rows, columns, ...]
    arg = xp.zeros_like(y, dtype=index_dtype)  # which tap holds the maximum so far (laid out like y)
    first = _first_taps(kernel, stride, dilation, pads, out_hw)
    if first is not None:  # windows that start in the padding: their first real pixel, until one beats it
        arg = arg + backend.asarray(first.astype(backend.to_numpy_dtype(index_dtype)), device=backend.device_of(x))
    for t, (rows, columns) in enumerate(taps, start=1):
        tap = xpad[:, :, rows, columns, ...]
        better = tap > y  # strict: on ties the first maximum keeps the gradient (as in PyTorch)
        # where(better, t, arg), branch-free (t only grows; NumPy's where is slow on random masks)
        arg = xp.maximum(arg, xp.astype(better, index_dtype) * t)
        y = xp.maximum(y, tap)  # maximum (not where) so that a NaN in the window makes y NaN
    return y, _nan_taps(xpad, y, arg, kernel, stride, dilation, out_hw, index_dtype)


class MaxPool2d(Function):
    """y = max over each window;  dL/dx: g goes to the (first) maximum of its window, overlaps add up

    NaN counts as the largest value, as in PyTorch: a window holding a NaN
    gives NaN, and its gradient goes to that NaN (the last one if several,
    PyTorch's CPU rule), not to the finite maximum.  A window of ``-inf`` only
    sends its gradient to its first pixel inside the input.

    On NumPy both directions walk the ``KH * KW`` kernel offsets ("taps") and
    do one whole-array operation per tap.  A reduction over the small window
    axes (``max(axis=(-2, -1))`` of the window view, or ``argmax``) would be one
    call, but NumPy pays a per-window overhead for reductions over short
    trailing axes: for 2x2 windows it is some 20 times slower than four
    elementwise ``maximum``s over strided slices.  On a GPU, where each
    operation is a kernel launch, each direction is one kernel instead (NaN
    rule included): :func:`lucid.backend.fused.max_pool` and
    :func:`~lucid.backend.fused.max_pool_grad`.

    Double backward: ``dL/dx`` is linear in ``g`` with a routing (``arg``, the
    tap of each window's maximum) that is piecewise constant in ``x``, so the
    same backward run on Tensors (``create_graph=True``) is exact: its
    derivative in ``g`` is the routing, its derivative in ``x`` is zero.
    """

    double_backward = True

    @staticmethod
    def forward(ctx, x, *, kernel, stride, dilation, pads, out_hw):
        xp = backend.xp_of(x)
        index_dtype = backend.native_dtype(xp, "int8" if kernel[0] * kernel[1] <= 127 else "int32")
        gpu = fused.max_pool(x, kernel, stride, dilation, pads, out_hw, index_dtype)  # CuPy: one kernel
        if gpu is not None:
            y, arg = gpu
        else:
            y, arg = _max_pool_taps(x, kernel, stride, dilation, pads, out_hw, index_dtype)
        ctx.arg, ctx.geometry = arg, (x.shape, kernel, stride, dilation, pads, out_hw)
        ctx.channels_last = backend.is_channels_last(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (n, c, h, w), kernel, stride, dilation, pads, out_hw = ctx.geometry
        gpu = None if isinstance(grad, Tensor) else fused.max_pool_grad(  # CuPy: one gather kernel
            grad, ctx.arg, (n, c, h, w), kernel, stride, dilation, pads, ctx.channels_last)
        if gpu is not None:
            return (gpu,)
        xp = backend.xp_of(grad)
        hp, wp = h + pads[0] + pads[1], w + pads[2] + pads[3]
        if ctx.channels_last:  # lay the gradient out like the input (as a convolution's output is), so the
            gpad = xp.permute_dims(backend.zeros((n, hp, wp, c), grad.dtype, like=grad), (0, 3, 1, 2))
        else:                  # elementwise backwards before this op do not mix memory orders
            gpad = backend.zeros((n, c, hp, wp), grad.dtype, like=grad)
        for t, (rows, columns) in enumerate(_taps(kernel, stride, dilation, out_hw)):
            gpad[:, :, rows, columns, ...] += backend.where_zero(ctx.arg == t, grad)  # col2im, one tap at a time
        return (_crop2d(gpad, pads, (h, w)),)


class AvgPool2d(Function):
    """y = sum over each window / divisor;  dL/dx: g / divisor to every pixel of its window (col2im)

    Linear: backward reads only ``g`` and the shapes, so it runs unchanged on
    Tensors (``create_graph=True``) and its derivative in ``g`` is the pooling itself.
    """

    double_backward = True

    @staticmethod
    def forward(ctx, x, *, kernel, stride, pads, out_hw, divisor):
        xp = backend.xp_of(x)
        win = _windows(_pad2d(x, pads), kernel, stride, (1, 1), out_hw)
        ctx.geometry = (x.shape, kernel, stride, pads, out_hw)
        ctx.divisor = divisor
        return xp.sum(win, axis=(-2, -1)) / divisor

    @staticmethod
    def backward(ctx, grad):
        (n, c, h, w), (kh, kw), stride, pads, out_hw = ctx.geometry
        xp = backend.xp_of(grad)
        share = grad / ctx.divisor  # (N, C, OH, OW)
        cols = xp.broadcast_to(share[:, :, None, None, ...], (n, c, kh, kw) + out_hw)
        padded = (h + pads[0] + pads[1], w + pads[2] + pads[3])
        return (_crop2d(_col2im(cols, padded, stride, (1, 1)), pads, (h, w)),)


def _dev(like: Any) -> dict:
    dev = backend.array_device(like)
    return {} if dev is None else {"device": dev}


def _pool(fn_class, x: Tensor, unbatched: bool, **kw) -> Tensor:
    y = fn_class.apply(unsqueeze(x, 0) if unbatched else x, **kw)
    return squeeze(y, 0) if unbatched else y


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    r"""2-D max pooling: the largest value of every ``kernel_size`` window.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    kernel_size : int or (int, int)
        Window size :math:`(KH, KW)`.
    stride : int or (int, int), optional
        :math:`(s_h, s_w)`, the step between windows; default ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int)
        :math:`(P_h, P_w)`: implicit :math:`-\infty` on both sides; at most half the kernel.
    dilation : int or (int, int)
        :math:`(d_h, d_w)`, the spacing between the window's taps.
    ceil_mode : bool
        Round the output size up (extra windows that hang over the bottom/right edge).

    Returns
    -------
    Tensor
        ``(N, C, OH, OW)``.

    Forward Calculation
    -------------------
    :math:`\tilde x` is :math:`x` read as :math:`-\infty` outside the image, :math:`p, q` run over
    the taps:

    .. math::

        y_{n,c,i,j} &= \max_{0 \le p < KH,\ 0 \le q < KW}\;
            \tilde x_{n,c,\; s_h i + d_h p - P_h,\; s_w j + d_w q - P_w} \\
        OH &= \Bigl\lfloor \frac{H + 2 P_h - d_h (KH - 1) - 1}{s_h} \Bigr\rfloor + 1

    (:math:`OW` alike).  With ``ceil_mode`` the floor becomes a ceiling, and the last window is
    dropped when it would start past the padded input, i.e. when :math:`(OH - 1)\, s_h \ge H + P_h`.
    A NaN in a window gives NaN.

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y` and :math:`(p^*, q^*)_{n,c,i,j}` the tap where window
    :math:`(i, j)` attains its maximum (the first in row-major order on ties, as in PyTorch; a window
    holding NaN: its last NaN; a window whose pixels are all :math:`-\infty`: its first tap inside the
    image), each :math:`G_{n,c,i,j}` goes to that one pixel, and overlapping windows add up:

    .. math::

        u^* &= s_h i + d_h p^*_{n,c,i,j} - P_h, \qquad v^* = s_w j + d_w q^*_{n,c,i,j} - P_w \\
        \frac{\partial L}{\partial x_{n,c,u,v}} &= \sum_{i,j} G_{n,c,i,j}\, [u^* = u]\, [v^* = v]

    Twice differentiable: :math:`\partial L/\partial x` is linear in :math:`G`, and the routing
    :math:`(p^*, q^*)` does not change under small changes of :math:`x` (its derivative in :math:`x` is 0).

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> x = lucid.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2)
    Tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    x = tensor_arg(input, "input")
    kernel, stride, dilation, pads, _, out_hw = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode,
                                                               "max_pool2d")
    return _pool(MaxPool2d, x, x.ndim == 3, kernel=kernel, stride=stride, dilation=dilation, pads=pads, out_hw=out_hw)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    r"""2-D average pooling: the mean of every ``kernel_size`` window.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``.
    kernel_size : int or (int, int)
        Window size :math:`(KH, KW)`.
    stride : int or (int, int), optional
        :math:`(s_h, s_w)`; default ``kernel_size``.
    padding : int or (int, int)
        :math:`(P_h, P_w)`: implicit zeros on both sides; at most half the kernel.
    ceil_mode : bool
        Round the output size up (as for :func:`max_pool2d`).
    count_include_pad : bool
        Count the zero padding in the divisor :math:`D_{ij}` (PyTorch's default).
    divisor_override : int, optional
        Divide by this instead.

    Returns
    -------
    Tensor
        ``(N, C, OH, OW)``, with :math:`OH, OW` as for :func:`max_pool2d` (dilation 1).

    Forward Calculation
    -------------------
    :math:`\tilde x` is :math:`x` read as 0 outside the image; window :math:`(i, j)` starts at
    :math:`a_i = s_h i - P_h`, :math:`b_j = s_w j - P_w`:

    .. math::

        y_{n,c,i,j} &= \frac{1}{D_{ij}} \sum_{p=0}^{KH-1} \sum_{q=0}^{KW-1} \tilde x_{n,c,\, a_i + p,\, b_j + q} \\
        D_{ij} &= \bigl(\min(a_i + KH,\, H + P_h) - a_i\bigr)\,\bigl(\min(b_j + KW,\, W + P_w) - b_j\bigr)
            \quad (\texttt{count\_include\_pad}) \\
        D_{ij} &= \bigl(\min(a_i + KH,\, H) - \max(a_i, 0)\bigr)\,\bigl(\min(b_j + KW,\, W) - \max(b_j, 0)\bigr)
            \quad (\text{otherwise})

    or ``divisor_override``.  With ``count_include_pad`` :math:`D_{ij} = KH \cdot KW` for every window
    inside the padded input; only the extra windows that ``ceil_mode`` adds (hanging over the
    bottom/right edge of the padded input) count fewer cells: a 5x5 input pooled with
    ``kernel_size=2, stride=2, ceil_mode=True`` gives a corner :math:`y_{2,2} = x_{4,4} / 1`.

    Backward Gradient Calculation
    -----------------------------
    With :math:`G = \partial L/\partial y`, each window sends :math:`G_{n,c,i,j} / D_{ij}` to every
    pixel it covers:

    .. math::

        \frac{\partial L}{\partial x_{n,c,u,v}} = \sum_{i,j} \frac{G_{n,c,i,j}}{D_{ij}}\,
            [a_i \le u < a_i + KH]\, [b_j \le v < b_j + KW]

    Linear, so twice differentiable (its second derivative in :math:`x` is 0).

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> x = lucid.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.avg_pool2d(x, 2)
    Tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """
    x = tensor_arg(input, "input")
    kernel, stride, dilation, pads, pad, out_hw = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode,
                                                                 "avg_pool2d")
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, (int, np.integer)) or divisor_override < 1:
            raise ValueError(f"avg_pool2d: divisor_override must be a positive int, got {divisor_override!r}")
        divisor = float(divisor_override)
    else:
        divisor = _avg_divisor(x, kernel, stride, pads, pad, out_hw, count_include_pad)
    return _pool(AvgPool2d, x, x.ndim == 3, kernel=kernel, stride=stride, pads=pads, out_hw=out_hw, divisor=divisor)


def _avg_divisor(x: Tensor, kernel, stride, pads, pad, out_hw, count_include_pad: bool):
    """``KH*KW`` when every window is full; otherwise, per output pixel, how many pixels count.

    A pixel counts if it is inside the image, or (``count_include_pad``) inside the symmetric padding;
    the extra cells ``ceil_mode`` adds never count.  Computed on the host (it depends only on shapes).
    """
    h, w = x.shape[-2:]
    if not any(pads) or (count_include_pad and pads[1] == pads[0] and pads[3] == pads[2]):
        return float(kernel[0] * kernel[1])
    hp, wp = h + pads[0] + pads[1], w + pads[2] + pads[3]
    mask = np.zeros((1, 1, hp, wp), dtype=backend.to_numpy_dtype(x.dtype))
    if count_include_pad:
        mask[:, :, : h + 2 * pad[0], : w + 2 * pad[1]] = 1
    else:
        mask[:, :, pad[0] : pad[0] + h, pad[1] : pad[1] + w] = 1
    counts = _windows(mask, kernel, stride, (1, 1), out_hw).sum(axis=(-2, -1))
    return backend.asarray(counts, device=x.device)
