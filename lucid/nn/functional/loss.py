"""Loss functions: mse_loss, l1_loss, cross_entropy, nll_loss, binary_cross_entropy,
binary_cross_entropy_with_logits.

Each returns the per-element loss reduced by ``reduction``: ``"mean"``
(the default), ``"sum"`` or ``"none"`` (no reduction).  Most are written
with existing differentiable ops, so their backward is the chain rule over
those ops; the math in each docstring says what it comes to.
:func:`binary_cross_entropy` is its own op so that its gradient matches
PyTorch's where the logarithm is clamped.

Class targets select entries through a constant one-hot mask
(``onehot * log_probs``), which works on every array namespace and whose
backward needs no scatter.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lucid import backend
from lucid.autograd.function import Function
from lucid.ops import activation, compare, elementwise
from lucid.ops import reduction as red
from lucid.ops._args import tensor_arg
from lucid.tensor import Tensor

__all__ = ["mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, fn: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return red.mean(loss)
    if reduction == "sum":
        return red.sum(loss)
    return loss


def _same_shape(input: Tensor, target: Tensor, fn: str) -> None:
    if input.shape != target.shape:
        raise ValueError(f"{fn}: target must have the same shape as input {input.shape}, got {target.shape}")


# ----------------------------------------------------------------------------- regression
def mse_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean squared error.

    Parameters
    ----------
    input, target : Tensor
        The same shape; both are differentiable.
    reduction : {"mean", "sum", "none"}
        How to combine the element losses.

    Returns
    -------
    Tensor
        A scalar, or the element losses for ``"none"``.

    Forward Calculation
    -------------------
    Over the :math:`n` elements of ``input`` :math:`x` and ``target`` :math:`y`:

    .. math::

        \\ell_i = (x_i - y_i)^2, \\qquad
        L = \\frac{1}{n} \\sum_i \\ell_i \\;\\; (\\text{"mean"}), \\qquad
        L = \\sum_i \\ell_i \\;\\; (\\text{"sum"}), \\qquad
        L = \\ell \\;\\; (\\text{"none"})

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_i = \\partial L / \\partial \\ell_i`, that is :math:`g / n` for ``"mean"``
    and :math:`g` for ``"sum"`` (:math:`g` the gradient arriving at the scalar :math:`L`),
    the upstream gradient's element :math:`i` for ``"none"``:

    .. math::

        \\frac{\\partial L}{\\partial x_i} = 2 g_i (x_i - y_i), \\qquad
        \\frac{\\partial L}{\\partial y_i} = -2 g_i (x_i - y_i)

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> F.mse_loss(lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 4.0]))
    Tensor(2.5)
    """
    x, y = tensor_arg(input, "input"), tensor_arg(target, "target")
    _check_reduction(reduction, "mse_loss")
    _same_shape(x, y, "mse_loss")
    d = x - y
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error.

    Parameters
    ----------
    input, target : Tensor
        The same shape; both are differentiable.
    reduction : {"mean", "sum", "none"}
        How to combine the element losses.

    Returns
    -------
    Tensor
        A scalar, or the element losses for ``"none"``.

    Forward Calculation
    -------------------
    Over the :math:`n` elements of ``input`` :math:`x` and ``target`` :math:`y`:

    .. math::

        \\ell_i = |x_i - y_i|, \\qquad
        L = \\frac{1}{n} \\sum_i \\ell_i \\;\\; (\\text{"mean"}), \\qquad
        L = \\sum_i \\ell_i \\;\\; (\\text{"sum"}), \\qquad
        L = \\ell \\;\\; (\\text{"none"})

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_i = \\partial L / \\partial \\ell_i` (:math:`g / n` for ``"mean"``, :math:`g`
    for ``"sum"``, the upstream gradient's element :math:`i` for ``"none"``):

    .. math::

        \\frac{\\partial L}{\\partial x_i} = g_i \\operatorname{sign}(x_i - y_i), \\qquad
        \\frac{\\partial L}{\\partial y_i} = -g_i \\operatorname{sign}(x_i - y_i)

    with :math:`\\operatorname{sign}(0) = 0`: both gradients are 0 where :math:`x_i = y_i`,
    as in PyTorch.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> F.l1_loss(lucid.tensor([1.0, 2.0]), lucid.tensor([0.0, 4.0]), reduction="sum")
    Tensor(3.)
    """
    x, y = tensor_arg(input, "input"), tensor_arg(target, "target")
    _check_reduction(reduction, "l1_loss")
    _same_shape(x, y, "l1_loss")
    return _reduce(elementwise.abs(x - y), reduction)


# ----------------------------------------------------------------------------- classification
def _class_mask(input: Tensor, target: Tensor, weight, ignore_index: int, fn: str):
    """The constant ``(N, C, ...)`` array ``w[y] * onehot(y)`` (zero rows where ``y == ignore_index``)."""
    if input.ndim < 1:
        raise ValueError(f"{fn}: input must have shape (C,), (N, C) or (N, C, d1, ...), got {input.shape}")
    if input.ndim == 1:
        expected = ()
    else:
        expected = (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        raise ValueError(f"{fn}: target must have shape {expected} for input of shape {input.shape} "
                         f"(class indices), got {target.shape}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{fn}: target must hold integer class indices, got dtype {target.dtype} "
                        f"(for class probabilities pass a float target of the input's shape to cross_entropy)")
    if target.device != input.device:
        raise RuntimeError(f"{fn}: target is on '{target.device}' but input is on '{input.device}'")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    xp = backend.xp_of(input.data)
    classes = backend.arange_like(c, target.data, dtype=target.data.dtype)
    t = target.data
    valid = t != ignore_index
    hit = xp.logical_and(t[..., None] == classes, valid[..., None])  # (N, d..., C), no row for ignored targets
    mask = xp.astype(hit, input.data.dtype)
    # a valid target inside [0, C) hits a class: a valid target that hits none is outside.  On a GPU this
    # reads one flag back (a synchronisation): the price of an error instead of a wrong loss (such a row
    # would silently drop out of the mean; PyTorch CUDA stops with a device-side assert).
    outside = bool(xp.any(xp.logical_and(valid, xp.logical_not(xp.any(hit, axis=-1)))))
    if weight is not None:
        w = tensor_arg(weight, "weight")
        if w.shape != (c,):
            raise ValueError(f"{fn}: weight must have shape ({c},), one per class, got {w.shape}")
        mask = mask * w.data
    if input.ndim > 1:  # move the class axis to position 1
        mask = xp.permute_dims(mask, (0, mask.ndim - 1) + tuple(range(1, mask.ndim - 1)))
    if outside:
        host = np.asarray(backend.to_host(t))
        bad = host[(host != ignore_index) & ((host < 0) | (host >= c))]
        raise IndexError(f"{fn}: target holds class indices outside [0, {c - 1}] (and not ignore_index="
                         f"{ignore_index}), got {sorted(set(bad.tolist()))[:5]}")
    return mask


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of integer class targets, given log-probabilities.

    Parameters
    ----------
    input : Tensor
        Log-probabilities ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
    target : Tensor
        Integer classes ``(N,)``, ``(N, d1, ...)`` or ``()``.
    weight : Tensor, optional
        ``(C,)`` per-class weights (treated as constants).
    ignore_index : int
        A target value to skip.
    reduction : {"mean", "sum", "none"}
        ``"mean"`` is the weighted mean.

    Returns
    -------
    Tensor
        A scalar, or per-sample losses for ``"none"``.

    Forward Calculation
    -------------------
    For each sample :math:`n` (every position :math:`d_1, \\ldots` of a spatial input counts
    as a sample), with :math:`w_c = 1` without ``weight`` and :math:`v_n = [y_n \\ne
    \\text{ignore\\_index}]`:

    .. math::

        \\ell_n = -v_n\\, w_{y_n} x_{n, y_n}, \\qquad
        L = \\frac{\\sum_n \\ell_n}{\\sum_n v_n w_{y_n}} \\;\\; (\\text{"mean"}), \\qquad
        L = \\sum_n \\ell_n \\;\\; (\\text{"sum"})

    An ignored sample contributes nothing, to the sum or to the divisor.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_n = \\partial L / \\partial \\ell_n` (:math:`g / \\sum_m v_m w_{y_m}` for
    ``"mean"``, :math:`g` for ``"sum"``, the upstream gradient for ``"none"``):

    .. math::

        \\frac{\\partial L}{\\partial x_{n,c}} = -g_n\\, v_n\\, w_{y_n} [c = y_n]

    ``target`` and ``weight`` get no gradient.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> logp = lucid.log(lucid.tensor([[0.5, 0.5], [0.1, 0.9]]))
    >>> F.nll_loss(logp, lucid.tensor([0, 1]))
    Tensor(0.39925)
    """
    x, t = tensor_arg(input, "input"), tensor_arg(target, "target")
    _check_reduction(reduction, "nll_loss")
    mask = _class_mask(x, t, weight, ignore_index, "nll_loss")
    axis = 0 if x.ndim == 1 else 1
    hit = Tensor._make(mask != 0)  # where, not a plain product: a -inf log-probability of another class
    picked = -red.sum(compare.where(hit, x * Tensor._make(mask), 0.0), axis=axis)  # times 0 is not NaN
    if reduction == "none":
        return picked
    total = red.sum(picked)
    if reduction == "sum":
        return total
    return total / Tensor._make(backend.xp_of(mask).sum(mask))


class CrossEntropy(Function):
    """Cross-entropy of (N, C) logits and class indices, in one node (the everyday case of :func:`cross_entropy`).

    With the constant ``mask`` :math:`M_{n,c} = w_{y_n} [c = y_n]` (a zero row
    where :math:`y_n` is ``ignore_index``), :math:`r_n = \\sum_c M_{n,c}` and
    :math:`D = \\sum_n r_n` for ``"mean"`` (1 for ``"sum"``):

    .. math:: L = \\frac{1}{D} \\sum_n \\Big( r_n \\log \\sum_c e^{z_{n,c}} - \\sum_c M_{n,c} z_{n,c} \\Big),
              \\qquad \\frac{\\partial L}{\\partial z_{n,c}} = \\frac{g}{D} \\big(r_n\\, \\mathrm{softmax}(z_n)_c - M_{n,c}\\big)

    The same value and gradient as log_softmax, the one-hot pick and the
    weighted mean composed (DeZero's ``SoftmaxCrossEntropy``, PyTorch's fused
    kernel), with one node instead of five. The backward recomputes the
    softmax from the saved logits, so it is also differentiable again.
    """

    double_backward = True

    @staticmethod
    def forward(ctx, z, mask, mean):
        xp = backend.xp_of(z)
        shifted = z - xp.max(z, axis=1, keepdims=True)
        e = xp.exp(shifted)
        total = backend.sum(e, (1,), keepdims=True)
        rows = backend.sum(mask, (1,), keepdims=True)
        denom = backend.sum(rows, (0, 1)) if mean else 1.0
        # sum_n r_n log sum_c e^z - sum M z = -sum M log softmax (finite even where softmax underflows)
        loss = -backend.sum(mask * (shifted - xp.log(total)), (0, 1)) / denom
        softmax = e / total
        ctx.save(z, softmax)  # z for a second-order backward, softmax for the first-order one
        ctx.mask, ctx.rows, ctx.denom = mask, rows, denom
        return loss

    @staticmethod
    def backward(ctx, grad):
        z, softmax = ctx.saved
        if isinstance(grad, Tensor):  # create_graph: the saved softmax is a constant here; derive it from z
            xp = backend.xp_of(z)
            e = xp.exp(z - xp.max(z, axis=1, keepdims=True))
            softmax = e / xp.sum(e, axis=1, keepdims=True)
        return (softmax * ctx.rows - ctx.mask) * (grad / ctx.denom), None, None


def cross_entropy(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and integer classes (or class probabilities).

    Parameters
    ----------
    input : Tensor
        Logits ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
    target : Tensor
        Integer classes ``(N,)`` / ``(N, d1, ...)``, or float probabilities of ``input``'s shape
        (differentiable, as in PyTorch).
    weight : Tensor, optional
        ``(C,)`` per-class weights :math:`w` (constants; :math:`w_c = 1` without them).
    ignore_index : int
        A class-index target to skip.
    reduction : {"mean", "sum", "none"}
        How to combine per-sample losses.
    label_smoothing : float
        :math:`\\varepsilon \\in [0, 1]`.

    Returns
    -------
    Tensor
        A scalar, or per-sample losses for ``"none"``.

    Forward Calculation
    -------------------
    :math:`p_n = \\operatorname{softmax}(x_n)` over the :math:`C` classes, its logarithm
    computed as ``log_softmax`` (a stable log-sum-exp); every position :math:`d_1, \\ldots`
    of a spatial input counts as a sample :math:`n`.

    *Class targets* :math:`y_n`, with :math:`v_n = [y_n \\ne \\text{ignore\\_index}]` (exactly
    PyTorch's formula):

    .. math::

        \\ell_n = v_n \\Big( -(1 - \\varepsilon)\\, w_{y_n} \\log p_{n, y_n}
                 - \\frac{\\varepsilon}{C} \\sum_c w_c \\log p_{n,c} \\Big), \\qquad
        L = \\frac{\\sum_n \\ell_n}{\\sum_n v_n w_{y_n}} \\;\\; (\\text{"mean"}), \\qquad
        L = \\sum_n \\ell_n \\;\\; (\\text{"sum"})

    The mean divides by the total weight of the counted targets (the number of counted
    samples without ``weight``), for both terms. Without weights this is
    :math:`\\ell_n = -\\sum_c q_{n,c} \\log p_{n,c}` with the smoothed target
    :math:`q_n = (1 - \\varepsilon)\\, \\text{onehot}(y_n) + \\varepsilon / C`.

    *Probability targets* :math:`t_n` (``ignore_index`` does not apply), with
    :math:`q_{n,c} = (1 - \\varepsilon)\\, t_{n,c} + \\varepsilon / C`:

    .. math::

        \\ell_n = -\\sum_c w_c\\, q_{n,c} \\log p_{n,c}, \\qquad
        L = \\frac{1}{N} \\sum_n \\ell_n \\;\\; (\\text{"mean"}, N \\text{ samples}), \\qquad
        L = \\sum_n \\ell_n \\;\\; (\\text{"sum"})

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_n = \\partial L / \\partial \\ell_n` (:math:`g` over the mean's divisor for
    ``"mean"``, :math:`g` for ``"sum"``, the upstream gradient for ``"none"``), and
    :math:`W = \\sum_c w_c`:

    *Class targets*:

    .. math::

        \\frac{\\partial L}{\\partial x_{n,c}} = g_n v_n \\Big( (1 - \\varepsilon)\\, w_{y_n}
            \\big(p_{n,c} - [c = y_n]\\big) + \\frac{\\varepsilon}{C} \\big(W p_{n,c} - w_c\\big) \\Big)

    which is :math:`g_n (p_{n,c} - q_{n,c})` without weights.

    *Probability targets*:

    .. math::

        \\frac{\\partial L}{\\partial x_{n,c}} = g_n \\Big( p_{n,c} \\sum_k w_k q_{n,k} - w_c q_{n,c} \\Big),
        \\qquad
        \\frac{\\partial L}{\\partial t_{n,c}} = -g_n (1 - \\varepsilon)\\, w_c \\log p_{n,c}

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> logits = lucid.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 5.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, lucid.tensor([0, 2]))
    >>> loss
    Tensor(0.12647, grad_fn=<CrossEntropyBackward>)
    >>> loss.backward()
    >>> logits.grad.round(3)
    array([[-0.107,  0.053,  0.053],
           [ 0.003,  0.003, -0.007]], dtype=float32)

    References
    ----------
    C. Szegedy et al., "Rethinking the Inception Architecture for Computer Vision", CVPR 2016
    (label smoothing).
    """
    x, t = tensor_arg(input, "input"), tensor_arg(target, "target")
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    if x.ndim == 0:
        raise ValueError(f"cross_entropy: input must have shape (C,), (N, C) or (N, C, d1, ...), got {x.shape}")
    axis = 0 if x.ndim == 1 else 1
    c = x.shape[axis]
    if (x.ndim == 2 and c and t.dtype.kind in "iu" and label_smoothing == 0.0 and reduction != "none"
            and not (isinstance(weight, Tensor) and weight.requires_grad)):
        # the everyday case in one graph node: its backward is the textbook softmax minus one-hot
        mask = _class_mask(x, t, weight, ignore_index, "cross_entropy")
        return CrossEntropy.apply(x, mask, reduction == "mean")
    logp = activation.log_softmax(x, axis=axis)
    if t.dtype.kind == "f":  # class probabilities
        _same_shape(x, t, "cross_entropy (probability targets)")
        q = t * (1.0 - label_smoothing) + label_smoothing / c  # differentiable in the target too, as in PyTorch
        w = 1.0 if weight is None else _broadcast_weight(weight, x, axis)
        loss = -red.sum(logp * q * w, axis=axis)
        return _reduce(loss, reduction)
    nll = nll_loss(logp, t, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    valid = Tensor._make(backend.xp_of(t.data).astype(t.data != ignore_index, x.data.dtype))
    w = 1.0 if weight is None else _broadcast_weight(weight, x, axis)
    smooth = -red.sum(logp * w, axis=axis) * valid
    if reduction == "sum":
        smooth = red.sum(smooth)
    elif reduction == "mean":
        mask = _class_mask(logp, t, weight, ignore_index, "cross_entropy")
        smooth = red.sum(smooth) / Tensor._make(backend.xp_of(mask).sum(mask))
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / c)


def _broadcast_weight(weight, x: Tensor, axis: int) -> Tensor:
    w = tensor_arg(weight, "weight")
    c = x.shape[axis]
    if w.shape != (c,):
        raise ValueError(f"cross_entropy: weight must have shape ({c},), one per class, got {w.shape}")
    shape = (c,) + (1,) * (x.ndim - axis - 1)
    return Tensor._make(backend.xp_of(w.data).reshape(w.data, shape))


# ----------------------------------------------------------------------------- binary
class BinaryCrossEntropy(Function):
    """l = -(y log p + (1 - y) log(1 - p)), each log clamped at -100

    dl/dp = (p - y) / max(p (1 - p), 1e-12),  dl/dy = log(1 - p) - log(p)  (not clamped, as in PyTorch)

    Both gradients are computed from the saved inputs only, so the same lines
    run on Tensors under create_graph=True and differentiate again.
    """

    double_backward = True

    @staticmethod
    def forward(ctx, p, y):
        xp = backend.xp_of(p)
        log_p = xp.clip(xp.log(p), -100.0, None)
        log_q = xp.clip(xp.log1p(-p), -100.0, None)
        ctx.save(p, y)
        return -(y * log_p + (1 - y) * log_q)

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved
        xp = backend.xp_of(p)
        gp = gy = None
        if ctx.needs_input_grad[0]:
            gp = grad * (p - y) / xp.clip(p * (1 - p), 1e-12, None)
        if ctx.needs_input_grad[1]:
            gy = grad * (xp.log1p(-p) - xp.log(p))  # -logit(p): +-inf at p = 0 or 1, as PyTorch's
        return gp, gy


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities and targets in [0, 1].

    Prefer :func:`binary_cross_entropy_with_logits`, which is stable without clamping.

    Parameters
    ----------
    input : Tensor
        Probabilities :math:`p` in [0, 1].
    target : Tensor
        Same shape, values :math:`y` in [0, 1]; differentiable, as in PyTorch.
    weight : Tensor, optional
        :math:`w`, broadcasts against ``input``; rescales each element's loss (:math:`w_i = 1`
        without it).
    reduction : {"mean", "sum", "none"}
        How to combine the element losses.

    Returns
    -------
    Tensor
        A scalar, or the element losses for ``"none"``.

    Forward Calculation
    -------------------
    .. math::

        \\ell_i = -w_i \\big(y_i \\log p_i + (1 - y_i) \\log(1 - p_i)\\big), \\qquad
        L = \\frac{1}{n} \\sum_i \\ell_i \\;\\; (\\text{"mean"}), \\qquad L = \\sum_i \\ell_i \\;\\; (\\text{"sum"})

    Like PyTorch, each logarithm is clamped at :math:`-100`, so :math:`p = 0` or 1 gives a
    finite loss.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_i = \\partial L / \\partial \\ell_i` (:math:`g / n` for ``"mean"``, :math:`g`
    for ``"sum"``, the upstream gradient for ``"none"``):

    .. math::

        \\frac{\\partial L}{\\partial p_i} = g_i w_i \\frac{p_i - y_i}{\\max\\big(p_i (1 - p_i),\\, 10^{-12}\\big)},
        \\qquad
        \\frac{\\partial L}{\\partial y_i} = g_i w_i \\big(\\log(1 - p_i) - \\log p_i\\big)
            = -g_i w_i \\operatorname{logit}(p_i)

    As in PyTorch, the target gradient uses the logarithms *without* the clamp:
    :math:`+\\infty` at :math:`p_i = 0` and :math:`-\\infty` at :math:`p_i = 1`.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> F.binary_cross_entropy(lucid.tensor([0.9, 0.2]), lucid.tensor([1.0, 0.0]))
    Tensor(0.16425)
    """
    p, y = tensor_arg(input, "input"), tensor_arg(target, "target")
    _check_reduction(reduction, "binary_cross_entropy")
    _same_shape(p, y, "binary_cross_entropy")
    xp = backend.xp_of(p.data)
    # NaN propagates (it is neither < 0 nor > 1).  On a GPU the test reads one flag back (a synchronisation):
    # an error rather than a NaN loss, as PyTorch CUDA stops with a device-side assert.
    if bool(xp.any(xp.logical_or(p.data < 0, p.data > 1))):
        host = np.asarray(backend.to_host(p.data))
        bad = host[(host < 0) | (host > 1)]
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got values such as "
                         f"{bad.ravel()[:3].tolist()}; for logits use binary_cross_entropy_with_logits")
    loss = BinaryCrossEntropy.apply(p, y)
    if weight is not None:
        loss = loss * tensor_arg(weight, "weight")
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """Binary cross-entropy on logits: a sigmoid and the loss in one stable formula.

    Parameters
    ----------
    input : Tensor
        Logits :math:`x`, any shape.
    target : Tensor
        Same shape, values :math:`y` in [0, 1]; differentiable, as in PyTorch.
    weight : Tensor, optional
        :math:`w`, broadcasts against ``input`` (:math:`w_i = 1` without it).
    reduction : {"mean", "sum", "none"}
        How to combine the element losses.
    pos_weight : Tensor, optional
        Weight of the positive term, broadcast along the last axis (one per class).

    Returns
    -------
    Tensor
        A scalar, or the element losses for ``"none"``.

    Forward Calculation
    -------------------
    For each element :math:`i`, let :math:`\\pi_i` be the ``pos_weight`` entry of its class
    (its index :math:`c` on the last axis: :math:`\\pi_i = \\text{pos\\_weight}_c`;
    :math:`\\pi_i = 1` without ``pos_weight``), and

    .. math::

        r_i = 1 + (\\pi_i - 1)\\, y_i , \\qquad
        \\operatorname{softplus}(-x) = \\log(1 + e^{-x}) = -\\log \\sigma(x) .

    Then, with :math:`\\sigma` the sigmoid,

    .. math::

        \\ell_i = w_i \\big((1 - y_i)\\, x_i + r_i \\operatorname{softplus}(-x_i)\\big)
              = -w_i \\big(\\pi_i\\, y_i \\log \\sigma(x_i) + (1 - y_i) \\log(1 - \\sigma(x_i))\\big),

    and :math:`L = \\frac{1}{n} \\sum_i \\ell_i` (``"mean"``), :math:`\\sum_i \\ell_i` (``"sum"``).
    :math:`\\operatorname{softplus}(-x)` is computed without overflow, so any logit gives a
    finite loss and gradient.

    Backward Gradient Calculation
    -----------------------------
    With :math:`g_i = \\partial L / \\partial \\ell_i` (:math:`g / n` for ``"mean"``, :math:`g`
    for ``"sum"``, the upstream gradient for ``"none"``):

    .. math::

        \\frac{\\partial L}{\\partial x_i} = g_i w_i \\big((1 - y_i) - r_i\\, \\sigma(-x_i)\\big),
        \\qquad
        \\frac{\\partial L}{\\partial y_i} = g_i w_i \\big(-x_i + (\\pi_i - 1) \\operatorname{softplus}(-x_i)\\big)

    Without ``pos_weight`` (:math:`\\pi_i = r_i = 1`) these are
    :math:`g_i w_i (\\sigma(x_i) - y_i)` and :math:`-g_i w_i x_i`.

    Examples
    --------
    >>> import lucid
    >>> import lucid.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(lucid.tensor([100.0, -100.0]), lucid.tensor([1.0, 0.0]))
    Tensor(0.)
    """
    x, y = tensor_arg(input, "input"), tensor_arg(target, "target")
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    _same_shape(x, y, "binary_cross_entropy_with_logits")
    r: Any = 1.0
    if pos_weight is not None:
        pw = tensor_arg(pos_weight, "pos_weight")
        if pw.ndim > 1 or (pw.ndim == 1 and pw.shape[0] not in (1, x.shape[-1] if x.ndim else 1)):
            raise ValueError(f"binary_cross_entropy_with_logits: pos_weight must have one entry per class "
                             f"(the last axis of input {x.shape}), got shape {pw.shape}")
        r = (pw - 1.0) * y + 1.0
    loss = (1.0 - y) * x + r * activation.softplus(-x)
    if weight is not None:
        loss = loss * tensor_arg(weight, "weight")
    return _reduce(loss, reduction)
