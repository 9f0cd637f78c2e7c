"""Helpers for the double-backward tests of the ops: gradgradcheck, and PyTorch's double backward as the oracle.

``check_double`` differentiates an op twice, as a gradient penalty does:

1. first order, with a random upstream gradient ``v`` (a Tensor that requires grad):
   ``g_i = grad(f(x), x_i, v, create_graph=True)``;
2. second order, of a random dot product of the first gradients:
   ``grad(sum_i <w_i, g_i>, [x..., v])``,

in lucid on the test's device and in PyTorch on the CPU (float64), and compares
every result; then ``lucid.autograd.gradgradcheck`` checks the same second
derivatives against finite differences.
"""
from __future__ import annotations

import numpy as np

import lucid
from lucid.autograd import grad, gradgradcheck


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _second_order(lib, fn, xs, vs, ws):
    """First gradients (with ``vs``) and the gradients of ``sum <w, g>`` in ``xs + vs``, as NumPy arrays."""
    autograd_grad = grad if lib is lucid else lib.autograd.grad
    outs = _tuple(fn(*xs))
    firsts = autograd_grad(outs, xs, vs, create_graph=True, allow_unused=True)
    total = None
    for g, w in zip(firsts, ws):
        if g is None or not g.requires_grad:
            continue
        term = (g * w).sum()
        total = term if total is None else total + term
    seconds = autograd_grad(total, list(xs) + list(vs), allow_unused=True)
    return [_numpy(g) for g in firsts], [_numpy(h) for h in seconds]


def _numpy(a):
    """A gradient (lucid Tensor or array, torch tensor, or None) as a NumPy array (or None)."""
    if a is None:
        return None
    if isinstance(a, lucid.Tensor):
        return a.numpy()
    if hasattr(a, "detach"):
        return a.detach().numpy(force=True)  # force: PyTorch returns ZeroTensors for some zero gradients
    return lucid.backend.to_host(a)


def check_double(device, torch, lucid_fn, torch_fn, arrays, *, seed: int = 0, rtol: float = 1e-7,
                 atol: float = 1e-10, gradgrad: bool = True, differentiable=None) -> None:
    """Second derivatives of ``lucid_fn`` on ``device`` agree with PyTorch's and with finite differences.

    ``arrays`` are the (float64) inputs; ``differentiable`` lists which of them
    require grad (all by default). ``lucid_fn``/``torch_fn`` take the tensors in order.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    if differentiable is None:
        differentiable = [True] * len(arrays)
    g = np.random.default_rng(seed + 100)
    xs_l = [lucid.tensor(a, device=device, requires_grad=r) for a, r in zip(arrays, differentiable)]
    xs_t = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, differentiable)]
    outs = _tuple(torch_fn(*xs_t))
    v_np = [g.standard_normal(tuple(o.shape)) for o in outs]
    w_np = [g.standard_normal(a.shape) for a, r in zip(arrays, differentiable) if r]
    vs_l = [lucid.tensor(v, device=device, requires_grad=True) for v in v_np]
    vs_t = [torch.tensor(v, requires_grad=True) for v in v_np]
    wanted_l = [x for x, r in zip(xs_l, differentiable) if r]
    wanted_t = [x for x, r in zip(xs_t, differentiable) if r]

    def call_l(*ws):
        it = iter(ws)
        return lucid_fn(*[next(it) if r else x for x, r in zip(xs_l, differentiable)])

    def call_t(*ws):
        it = iter(ws)
        return torch_fn(*[next(it) if r else x for x, r in zip(xs_t, differentiable)])

    first_l, second_l = _second_order(lucid, call_l, wanted_l, vs_l, [lucid.tensor(w, device=device) for w in w_np])
    first_t, second_t = _second_order(torch, call_t, wanted_t, vs_t, [torch.tensor(w) for w in w_np])
    for name, got_all, want_all in (("first", first_l, first_t), ("second", second_l, second_t)):
        for k, (got, want) in enumerate(zip(got_all, want_all)):
            if want is None:
                assert got is None or not np.any(got), f"{name}-order gradient {k}: torch has none, lucid {got}"
                continue
            if got is None:  # lucid: no path from this input (a piecewise-linear op); torch may give zeros
                assert not np.any(want), f"{name}-order gradient {k}: lucid has none, torch {want}"
                continue
            assert got.shape == want.shape, (name, k, got.shape, want.shape)
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"{name}-order gradient {k}")
    if gradgrad:
        assert gradgradcheck(call_l, [lucid.tensor(np.asarray(x.numpy()), device=device, requires_grad=True)
                                      for x in wanted_l]) is True


def third_order(lib, fn, x, seed: int = 0):
    """d/dx of <w2, d/dx <w1, d/dx <v, f(x)>>>: three nested create_graph passes, as a NumPy array."""
    autograd_grad = grad if lib is lucid else lib.autograd.grad
    g = np.random.default_rng(seed)
    w1, w2 = (g.standard_normal(x.shape) for _ in range(2))
    mk = (lambda a: lucid.tensor(a, device=x.device)) if lib is lucid else lib.tensor
    y = fn(x)
    (g1,) = autograd_grad(y, [x], mk(g.standard_normal(tuple(y.shape))), create_graph=True)
    (g2,) = autograd_grad((g1 * mk(w1)).sum(), [x], create_graph=True)
    (g3,) = autograd_grad((g2 * mk(w2)).sum(), [x])
    if lib is lucid:
        return g3.numpy() if isinstance(g3, lucid.Tensor) else lucid.backend.to_host(g3)
    return g3.detach().numpy()
