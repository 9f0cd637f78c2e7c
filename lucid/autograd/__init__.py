"""Reverse-mode automatic differentiation: Function, the engine, grad mode, grad and gradcheck."""
from __future__ import annotations

from typing import Sequence

from lucid import backend
from lucid.autograd.anomaly import AnomalyError, detect_anomaly
from lucid.autograd.engine import run_backward
from lucid.autograd.function import Function, Node
from lucid.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from lucid.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from lucid.autograd import views

__all__ = ["backward", "detect_anomaly", "AnomalyError", "Function", "Node", "grad", "gradcheck", "gradgradcheck",
           "GradcheckError",
           "no_grad", "enable_grad", "is_grad_enabled"]


def backward(tensors, grad_tensors=None, retain_graph: bool = False) -> None:
    """Add the gradients of ``tensors`` into the ``.grad`` of every leaf they depend on (one pass).

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        The roots :math:`y_k`; each must require grad.
    grad_tensors : array, Tensor or sequence, optional
        :math:`v_k = \\partial L/\\partial y_k` for each root, of that root's shape;
        may be omitted (or None in the sequence) for single-element roots, where it is 1.
    retain_graph : bool, default False
        Keep the graph's saved arrays for another backward.

    Raises
    ------
    RuntimeError
        If a root does not require grad, or a root of several elements has no gradient.
    ValueError
        If the number of ``grad_tensors`` differs from the number of roots, or a shape differs.

    Notes
    -----
    The same as ``sum(<v_k, y_k>).backward()`` without building the sum: for every leaf :math:`x`,

    .. math:: x.\\mathrm{grad} \\mathrel{+}= \\sum_k J_{y_k}(x)^{\\top} v_k .

    The engine visits the nodes reachable from all roots once, in reverse
    creation order (a reverse topological order: a node runs only after every
    node that uses its output), summing the gradients that arrive at a node
    over all paths, and summing each gradient over the axes that broadcasting
    stretched, down to its input's shape. PyTorch's ``torch.autograd.backward``.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> a, b = (x * x).sum(), x * 3
    >>> lucid.autograd.backward([a, b], [None, lucid.tensor([1.0, 0.0])])
    >>> x.grad          # 2x from a, plus [3, 0] from b
    array([5., 4.], dtype=float32)
    """
    from lucid.tensor import Tensor, _grad_argument

    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor) or backend.is_array(grad_tensors):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    grad_tensors = list(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise ValueError(f"backward: got {len(grad_tensors)} grad_tensors for {len(tensors)} tensors")
    root_grads = []
    for t, g in zip(tensors, grad_tensors):
        if t._view is not None and views.is_stale(t):
            views.refresh(t)
        if not t.requires_grad:
            raise RuntimeError(f"backward: a tensor of shape {t.shape} does not require grad and has no grad_fn")
        if g is None:
            if t.size != 1:
                raise RuntimeError(f"backward: grad_tensors is needed for a tensor of shape {t.shape}")
            g = backend.xp_of(t.data).ones_like(t.data)
        else:
            g = _grad_argument(g, t)
        root_grads.append(g)
    run_backward(tensors, root_grads, retain_graph=retain_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> list:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` is not touched).

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
        What to differentiate; each must require grad.
    inputs : Tensor or sequence of Tensor
        With respect to what (leaves or intermediate tensors); each must require grad.
    grad_outputs : array, Tensor or sequence, optional
        Upstream gradient :math:`v_k` of each output, of that output's shape;
        may be omitted for single-element outputs (it is then 1).
    retain_graph : bool, optional
        Keep the graph for another backward. Default: the value of ``create_graph``.
    create_graph : bool, default False
        Record the backward pass itself, so the returned gradients are Tensors
        with a graph that can be differentiated again (second and higher
        derivatives: Hessian-vector products, gradient penalties, Newton's method).
    allow_unused : bool, default False
        Return ``None`` for an input the outputs do not depend on, instead of raising.

    Returns
    -------
    list
        One gradient per input, in order, each of that input's shape: arrays,
        or Tensors that require grad when ``create_graph=True``.

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

    With ``create_graph=True`` each op's backward runs on Tensors, through
    lucid's own ops, so the gradient :math:`g(x) = \\partial y/\\partial x` is
    itself a function of :math:`x` with a graph; ``grad(g, x)`` then gives
    :math:`\\partial^2 y/\\partial x^2` (for a vector :math:`x`, the
    Hessian-vector product :math:`H v` when ``g`` is first dotted with :math:`v`).
    A graph made this way is kept (``retain_graph`` defaults to True) and holds
    what its own backward needs.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> (gx,) = lucid.autograd.grad((x ** 3).sum(), [x])
    >>> gx
    array([ 3., 12.], dtype=float32)
    >>> x.grad is None
    True

    Second derivatives:

    >>> x = lucid.tensor(2.0, requires_grad=True)
    >>> (g,) = lucid.autograd.grad(x ** 4 - 2 * x ** 2, [x], create_graph=True)
    >>> g                                   # 4x^3 - 4x
    Tensor(24., grad_fn=<AddBackward>)
    >>> lucid.autograd.grad(g, [x])[0]      # 12x^2 - 4
    array(44., dtype=float32)
    """
    from lucid.tensor import Tensor, _grad_argument

    if retain_graph is None:
        retain_graph = create_graph

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    for t in outputs + inputs:  # a view whose memory was written in place since: derive its graph again
        if t._view is not None and views.is_stale(t):
            views.refresh(t)
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
            checked = _grad_argument(g, o)
            g = g if create_graph and isinstance(g, Tensor) else checked  # a Tensor v stays in the graph
        roots.append(o)
        root_grads.append(g)
    keys = []
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("grad: an input does not require grad")
        keys.append(id(t.grad_fn) if t.grad_fn is not None else id(t))
    captured = run_backward(roots, root_grads, retain_graph=retain_graph, capture=dict.fromkeys(keys),
                            create_graph=create_graph)
    result = [captured[k] for k in keys]
    for t, r in zip(inputs, result):
        if r is None and not allow_unused:
            raise RuntimeError(f"grad: an input of shape {t.shape} is not used to compute the outputs; pass allow_unused=True")
    return result
