"""Reverse-mode automatic differentiation: Function, the engine, grad mode, grad and gradcheck."""
from __future__ import annotations

from typing import Sequence

from lucid import backend
from lucid.autograd.anomaly import AnomalyError, detect_anomaly
from lucid.autograd.engine import run_backward
from lucid.autograd.function import Function, Node
from lucid.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from lucid.autograd.gradcheck import GradcheckError, gradcheck

__all__ = ["detect_anomaly", "AnomalyError", "Function", "Node", "grad", "gradcheck", "GradcheckError", "no_grad", "enable_grad", "is_grad_enabled"]


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool = False, allow_unused: bool = False) -> list:
    """Gradients of ``outputs`` with respect to ``inputs``, returned as arrays (``.grad`` is not touched).

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
        What to differentiate; each must require grad.
    inputs : Tensor or sequence of Tensor
        With respect to what (leaves or intermediate tensors); each must require grad.
    grad_outputs : array, Tensor or sequence, optional
        Upstream gradient :math:`v_k` of each output, of that output's shape;
        may be omitted for single-element outputs (it is then 1).
    retain_graph : bool, default False
        Keep the graph for another backward.
    allow_unused : bool, default False
        Return ``None`` for an input the outputs do not depend on, instead of raising.

    Returns
    -------
    list of arrays
        One gradient per input, in order, each of that input's shape.

    Raises
    ------
    RuntimeError
        If an output or input does not require grad, a non-scalar output has
        no ``grad_outputs``, or an input is unused and ``allow_unused`` is False.
    ValueError
        If the number of ``grad_outputs`` differs from the number of outputs.

    Notes
    -----
    For outputs :math:`y_k` and upstream gradients :math:`v_k`, the result for
    input :math:`x` is the vector-Jacobian product

    .. math:: \\frac{\\partial}{\\partial x} \\sum_k \\langle v_k, y_k \\rangle
              = \\sum_k J_{y_k}(x)^{\\top} v_k ,

    computed by the same backward pass as :meth:`Tensor.backward`, but
    returned instead of added into ``.grad`` (PyTorch's ``torch.autograd.grad``).
    Unlike PyTorch, there is no ``create_graph``: the result is an array, so
    higher-order gradients are not available.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> (gx,) = lucid.autograd.grad((x ** 3).sum(), [x])
    >>> gx
    array([ 3., 12.], dtype=float32)
    >>> x.grad is None
    True
    """
    from lucid.tensor import Tensor, _grad_argument

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor) or backend.is_array(grad_outputs):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    roots, root_grads = [], []
    for o, g in zip(outputs, grad_outputs):
        if not o.requires_grad:
            raise RuntimeError("grad: an output does not require grad (was it computed inside no_grad, or from inputs without requires_grad?)")
        if g is None:
            if o.size != 1:
                raise RuntimeError(f"grad: grad_outputs is needed for an output of shape {o.shape}")
            xp = backend.xp_of(o.data)
            g = xp.ones_like(o.data)
        else:
            g = _grad_argument(g, o)
        roots.append(o)
        root_grads.append(g)
    keys = []
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("grad: an input does not require grad")
        keys.append(id(t.grad_fn) if t.grad_fn is not None else id(t))
    captured = run_backward(roots, root_grads, retain_graph=retain_graph, capture=dict.fromkeys(keys))
    result = [captured[k] for k in keys]
    for t, r in zip(inputs, result):
        if r is None and not allow_unused:
            raise RuntimeError(f"grad: an input of shape {t.shape} is not used to compute the outputs; pass allow_unused=True")
    return result
