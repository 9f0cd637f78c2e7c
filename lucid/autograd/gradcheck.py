"""Check analytic gradients against central finite differences in float64."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from lucid import backend
from lucid.autograd.grad_mode import no_grad


class GradcheckError(RuntimeError):
    """The analytic gradient (from backward) disagrees with the numeric one."""


def gradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              seed: int = 0) -> bool:
    """Compare ``fn``'s backward with central finite differences, in float64.

    Every input that requires grad is copied to float64 (on its own device).
    A random upstream gradient :math:`v` (fixed by ``seed``) is drawn once; the
    analytic vector-Jacobian product :math:`v^\\top J` from ``backward`` is
    compared, element by element, with

    .. math:: \\frac{\\langle v, f(x + \\varepsilon e_i)\\rangle - \\langle v, f(x - \\varepsilon e_i)\\rangle}{2 \\varepsilon}.

    A random :math:`v` makes the check complete in practice: a wrong gradient
    escapes only if its error is exactly orthogonal to :math:`v`.

    Parameters
    ----------
    fn : callable
        Takes the tensors in ``inputs`` and returns a Tensor (or a tuple of Tensors).
    inputs : sequence of Tensor
        The arguments; those with ``requires_grad=True`` are checked.
    eps : float, default 1e-6
        Step :math:`\\varepsilon` of the central differences (their error is
        :math:`O(\\varepsilon^2)`; rounding error grows as :math:`\\varepsilon` shrinks).
    atol : float, default 1e-5
        Absolute tolerance.
    rtol : float, default 1e-3
        Relative tolerance: an element passes when
        :math:`|a - n| \\le \\text{atol} + \\text{rtol}\\,|n|` (analytic :math:`a`, numeric :math:`n`).
    seed : int, default 0
        Seed of the random upstream gradient.

    Returns
    -------
    bool
        True when every element agrees.

    Raises
    ------
    GradcheckError
        Naming the input, the worst element, and its analytic and numeric values.

    Notes
    -----
    The check costs two forward passes per input element, so use small
    inputs. Non-differentiable points (``relu`` at 0, ties in ``max``) can
    fail legitimately: keep inputs away from them. Unlike
    ``torch.autograd.gradcheck``, inputs need not be float64: they are
    copied to float64 here.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True)
    >>> lucid.autograd.gradcheck(lambda t: (t * t.sigmoid()).sum(axis=1), [x])
    True
    """
    from lucid.tensor import Tensor

    originals = list(inputs)
    if not originals:
        raise ValueError("gradcheck: inputs must contain at least one tensor")
    args = []
    for i, t in enumerate(originals):
        if isinstance(t, Tensor):
            host = t.numpy().astype(np.float64)
            args.append(Tensor(backend.to_device(host, t.device), requires_grad=t.requires_grad))
        else:
            args.append(t)
    checked = [i for i, t in enumerate(args) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")

    outputs = _as_tuple(fn(*args))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.shape) for o in outputs]

    def projected(values) -> float:
        return float(sum(np.sum(o.numpy().astype(np.float64) * w) for o, w in zip(_as_tuple(values), weights)))

    from lucid.autograd import grad as autograd_grad

    wanted = [args[i] for i in checked]
    diff_outputs = [o for o in outputs if o.requires_grad]
    diff_weights = [backend.to_device(w.astype(backend.to_numpy_dtype(o.dtype)), o.device) for o, w in zip(outputs, weights) if o.requires_grad]
    if diff_outputs:
        analytic = autograd_grad(diff_outputs, wanted, grad_outputs=diff_weights, allow_unused=True)
    else:
        analytic = [None] * len(wanted)

    for position, i, a_grad in zip(range(len(checked)), checked, analytic):
        base = args[i].numpy().astype(np.float64)
        numeric = np.zeros_like(base)
        flat = base.reshape(-1)
        for j in range(flat.size):
            saved = flat[j]
            flat[j] = saved + eps
            plus = _evaluate(fn, args, i, base)
            flat[j] = saved - eps
            minus = _evaluate(fn, args, i, base)
            flat[j] = saved
            numeric.reshape(-1)[j] = (projected(plus) - projected(minus)) / (2 * eps)
        analytic_host = np.zeros_like(base) if a_grad is None else backend.to_host(a_grad).astype(np.float64)
        error = np.abs(analytic_host - numeric) - (atol + rtol * np.abs(numeric))
        if error.size and (np.nanmax(error) > 0 or np.isnan(analytic_host).any() != np.isnan(numeric).any()):
            worst = np.unravel_index(int(np.nanargmax(error)), base.shape) if base.ndim else ()
            raise GradcheckError(
                f"gradcheck failed for input {i} (shape {base.shape}) at index {tuple(int(k) for k in worst)}: "
                f"analytic {analytic_host[worst]!r} vs numeric {numeric[worst]!r} "
                f"(atol={atol}, rtol={rtol}, eps={eps})"
            )
        del position
    return True


def _evaluate(fn, args, i, values):
    from lucid.tensor import Tensor

    shifted = list(args)
    shifted[i] = Tensor(backend.to_device(values.copy(), args[i].device))
    with no_grad():
        return fn(*shifted)


def _as_tuple(values):
    return tuple(values) if isinstance(values, (tuple, list)) else (values,)


def gradgradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  seed: int = 0) -> bool:
    """Check second derivatives: :func:`gradcheck` applied to the gradient of ``fn``, in float64.

    The first-order gradient is itself a function of the inputs and of the
    upstream gradient :math:`v`:

    .. math:: h(x, v) = J_f(x)^\\top v = \\frac{\\partial}{\\partial x} \\langle v, f(x) \\rangle ,

    computed with ``lucid.autograd.grad(..., create_graph=True)``. Its own
    backward (the double backward of every op on the way) is compared with
    central finite differences of :math:`h` in both :math:`x` and :math:`v`,
    like ``torch.autograd.gradgradcheck``.

    Parameters
    ----------
    fn : callable
        Takes the tensors in ``inputs`` and returns a Tensor (or a tuple of Tensors).
    inputs : sequence of Tensor
        The arguments; those with ``requires_grad=True`` are checked.
    eps, atol, rtol, seed
        As for :func:`gradcheck` (``seed`` also fixes :math:`v`).

    Returns
    -------
    bool
        True when every element agrees.

    Raises
    ------
    GradcheckError
        Naming the input (the inputs of ``fn`` first, then one :math:`v` per
        output), the worst element, and its analytic and numeric values.
    RuntimeError
        If an op on the way has no differentiable backward.

    Examples
    --------
    >>> import lucid
    >>> x = lucid.tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True)
    >>> lucid.autograd.gradgradcheck(lambda t: t * t * t - 2 * t / (t * t + 1), [x])
    True
    """
    from lucid.autograd import grad as autograd_grad
    from lucid.autograd.grad_mode import enable_grad, is_grad_enabled
    from lucid.tensor import Tensor

    args = [Tensor(backend.to_device(t.numpy().astype(np.float64), t.device), requires_grad=t.requires_grad)
            if isinstance(t, Tensor) else t for t in inputs]
    checked = [i for i, t in enumerate(args) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input has requires_grad=True, so there is nothing to check")
    rng = np.random.default_rng(seed + 1)
    outputs = _as_tuple(fn(*args))
    upstream = [Tensor(backend.to_device(rng.standard_normal(o.shape), o.device), requires_grad=True)
                for o in outputs]
    n = len(args)

    def first_order(*values):
        recording = is_grad_enabled()  # False while gradcheck evaluates the finite differences
        with enable_grad():
            xs = list(values[:n])
            for i in checked:
                if not xs[i].requires_grad:
                    xs[i] = xs[i].detach().requires_grad_(True)
            outs = _as_tuple(fn(*xs))
            pairs = [(o, v) for o, v in zip(outs, values[n:]) if o.requires_grad]
            grads = autograd_grad([o for o, _ in pairs], [xs[i] for i in checked], grad_outputs=[v for _, v in pairs],
                                  create_graph=recording, allow_unused=True)
        result = []
        for i, g in zip(checked, grads):
            if g is None:
                g = xs[i].detach() * 0
            result.append(g if isinstance(g, Tensor) else Tensor._make(g))
        return tuple(result)

    return gradcheck(first_order, args + upstream, eps=eps, atol=atol, rtol=rtol, seed=seed)
