"""The math on the pages, checked: each page's forward and backward formula, implemented literally.

Every test here is named after a documented object (``test_page_nn_Conv2d`` is the page of
``lucid.nn.Conv2d``) and implements that page's formulas *as a student reads them*: in NumPy,
float64, with the page's own symbols, loops where the page writes sums over indices.  It then
runs lucid's op on random and edge inputs (ties, zeros, padding, stride != dilation, groups,
ceil_mode, label smoothing, optimizer flags, maximize with weight decay) and compares the
forward value and every gradient.  A page whose formula is wrong fails its test.

Conventions of the pages, used throughout: ``g`` (or ``G``, ``delta``) is the gradient
arriving from above, ``dL/dy``; we draw it at random and pass it to ``backward``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid import optim
from lucid.optim import lr_scheduler

RTOL, ATOL = 1e-9, 1e-11


# ----------------------------------------------------------------------------------- helpers
def close(got, want, what=""):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != page's {want.shape}"
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=what)


def run(fn, *arrays, G=None, rng=None, grad=None):
    """lucid forward and backward: (y, G, [grad of each float input]); float inputs require grad.

    ``grad`` (a list of bools) chooses which inputs require grad; a missing gradient is all zeros.
    """
    rng = rng or np.random.default_rng(0)
    ts = []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        need = a.dtype.kind == "f" if grad is None else grad[i]
        ts.append(lucid.tensor(a, requires_grad=bool(need)))
    y = fn(*ts)
    if G is None:
        G = rng.standard_normal(y.shape)
    y.backward(lucid.tensor(np.asarray(G, dtype=np.float64)))
    grads = [None if not t.requires_grad else (np.zeros(t.shape) if t.grad is None else np.asarray(t.grad))
             for t in ts]
    return y.numpy(), np.asarray(G, dtype=np.float64), grads


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0.0, x)


def erf(x):
    return np.vectorize(math.erf)(x)


def edge(rng, shape, zeros=True):
    """Random values with ties and (optionally) zeros mixed in."""
    x = rng.standard_normal(shape)
    flat = x.reshape(-1)
    if flat.size >= 4:
        flat[1] = flat[0]  # a tie
        if zeros:
            flat[2] = 0.0
    return x


# ============================================================ lucid ops: elementwise, one input
# page name -> (forward y(x), backward dL/dx(x, y, g), input maker)
def _pos(rng):
    return np.abs(rng.standard_normal((3, 4))) + 0.1


_UNARY = {
    "abs": (np.abs, lambda x, y, g: g * np.sign(x), lambda r: edge(r, (3, 4))),
    "exp": (np.exp, lambda x, y, g: g * y, lambda r: edge(r, (3, 4))),
    "log": (np.log, lambda x, y, g: g / x, _pos),
    "log1p": (np.log1p, lambda x, y, g: g / (1 + x), _pos),
    "sqrt": (np.sqrt, lambda x, y, g: g / (2 * y), _pos),
    "sin": (np.sin, lambda x, y, g: g * np.cos(x), lambda r: edge(r, (3, 4))),
    "cos": (np.cos, lambda x, y, g: -g * np.sin(x), lambda r: edge(r, (3, 4))),
    "tanh": (np.tanh, lambda x, y, g: g * (1 - y ** 2), lambda r: edge(r, (3, 4))),
    "sigmoid": (sigmoid, lambda x, y, g: g * y * (1 - y), lambda r: edge(r, (3, 4))),
    "relu": (lambda x: np.maximum(x, 0), lambda x, y, g: g * (x > 0), lambda r: edge(r, (3, 4))),
    "neg": (lambda x: -x, lambda x, y, g: -g, lambda r: edge(r, (3, 4))),
}


def _make_unary(name, fwd, bwd, make):
    def test():
        rng = np.random.default_rng(1)
        x = make(rng)
        y, g, (dx,) = run(getattr(lucid, name), x, rng=rng)
        want = fwd(x)
        close(y, want, f"{name} forward")
        close(dx, bwd(x, want, g), f"{name} backward")
    test.__name__ = f"test_page_lucid_{name}"
    test.__doc__ = f"lucid.{name}: the page's y and dL/dx, literally."
    return test


for _name, (_f, _b, _m) in _UNARY.items():
    globals()[f"test_page_lucid_{_name}"] = _make_unary(_name, _f, _b, _m)


def test_page_lucid_abs_integer_dtype():
    """abs page: integer inputs keep their dtype (int64 in, int64 out), not cast to float."""
    assert lucid.abs(lucid.tensor(np.array([-3, 2], dtype=np.int64))).dtype == np.int64


# ------------------------------------------------------------ activations (ops and F pages alike)
def _leaky(x, a):
    return np.where(x > 0, x, a * x), lambda g: np.where(x > 0, g, a * g)


def _softplus_page(x, beta, tau):
    y = np.where(beta * x <= tau, np.log1p(np.exp(np.minimum(beta * x, tau))) / beta, x)
    dx = lambda g: np.where(beta * x <= tau, g * sigmoid(beta * x), g)  # noqa: E731
    return y, dx


def _gelu_page(x, approximate):
    if approximate == "none":
        Phi = 0.5 * (1 + erf(x / np.sqrt(2)))
        phi = np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi)
        return x * Phi, lambda g: g * (Phi + x * phi)
    k, a = np.sqrt(2 / np.pi), 0.044715
    t = np.tanh(k * (x + a * x ** 3))
    return 0.5 * x * (1 + t), lambda g: g * (0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * k * (1 + 3 * a * x ** 2))


def _softmax_page(x, axis):
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    y = e / e.sum(axis=axis, keepdims=True)
    return y, lambda g: y * (g - (g * y).sum(axis=axis, keepdims=True))


def _log_softmax_page(x, axis):
    m = x.max(axis=axis, keepdims=True)
    y = x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return y, lambda g: g - np.exp(y) * g.sum(axis=axis, keepdims=True)


def _check_act(x, fn, page, what):
    y, g, (dx,) = run(fn, x)
    want, back = page
    close(y, want, f"{what} forward")
    close(dx, back(g), f"{what} backward")


def _act_inputs():
    rng = np.random.default_rng(2)
    return edge(rng, (4, 5)) * 3


@pytest.mark.parametrize("owner", ["lucid", "F"])
def test_page_leaky_relu(owner):
    x = _act_inputs()
    f = (lucid if owner == "lucid" else F).leaky_relu
    _check_act(x, lambda t: f(t, 0.2), _leaky(x, 0.2), f"{owner}.leaky_relu")


def test_page_nn_LeakyReLU():
    x = _act_inputs()
    _check_act(x, nn.LeakyReLU(0.3), _leaky(x, 0.3), "nn.LeakyReLU")


def _softplus_cases():
    x = np.array([[-30.0, -2.0, 0.0, 1.5], [9.9, 10.0, 10.1, 40.0]])
    return x, [(1.0, 20.0), (2.0, 20.0), (1.0, 10.0), (0.5, 3.0)]


@pytest.mark.parametrize("owner", ["lucid", "F"])
def test_page_softplus(owner):
    """Softplus with its threshold branch: y = x and dL/dx = g where beta x > threshold."""
    x, cases = _softplus_cases()
    f = (lucid if owner == "lucid" else F).softplus
    for beta, tau in cases:
        _check_act(x, lambda t: f(t, beta, tau), _softplus_page(x, beta, tau), f"{owner}.softplus({beta}, {tau})")


def test_page_nn_Softplus():
    x, cases = _softplus_cases()
    for beta, tau in cases:
        _check_act(x, nn.Softplus(beta, tau), _softplus_page(x, beta, tau), f"nn.Softplus({beta}, {tau})")


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("owner", ["lucid", "F"])
def test_page_gelu(owner, approximate):
    x = _act_inputs()
    f = (lucid if owner == "lucid" else F).gelu
    _check_act(x, lambda t: f(t, approximate), _gelu_page(x, approximate), f"{owner}.gelu({approximate})")


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_page_nn_GELU(approximate):
    x = _act_inputs()
    _check_act(x, nn.GELU(approximate), _gelu_page(x, approximate), f"nn.GELU({approximate})")


@pytest.mark.parametrize("owner", ["lucid", "F"])
def test_page_softmax(owner):
    x = _act_inputs()
    x[0] = 1.0  # a row of ties
    f = (lucid if owner == "lucid" else F).softmax
    for axis in (0, 1):
        _check_act(x, lambda t: f(t, axis), _softmax_page(x, axis), f"{owner}.softmax(axis={axis})")


@pytest.mark.parametrize("owner", ["lucid", "F"])
def test_page_log_softmax(owner):
    x = _act_inputs()
    x[1, 0] = 800.0  # would overflow without the shift
    f = (lucid if owner == "lucid" else F).log_softmax
    for axis in (0, 1):
        _check_act(x, lambda t: f(t, axis), _log_softmax_page(x, axis), f"{owner}.log_softmax(axis={axis})")


def test_page_nn_Softmax():
    x = _act_inputs()
    _check_act(x, nn.Softmax(dim=0), _softmax_page(x, 0), "nn.Softmax")


def test_page_nn_LogSoftmax():
    x = _act_inputs()
    _check_act(x, nn.LogSoftmax(dim=1), _log_softmax_page(x, 1), "nn.LogSoftmax")


@pytest.mark.parametrize("name,fwd,bwd", [
    ("ReLU", lambda x: np.maximum(x, 0), lambda x, y, g: g * (x > 0)),
    ("Sigmoid", sigmoid, lambda x, y, g: g * y * (1 - y)),
    ("Tanh", np.tanh, lambda x, y, g: g * (1 - y ** 2)),
    ("Identity", lambda x: x, lambda x, y, g: g),
])
def test_page_nn_elementwise_layers(name, fwd, bwd):
    """nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Identity pages."""
    x = _act_inputs()
    y = fwd(x)
    _check_act(x, getattr(nn, name)(), (y, lambda g: bwd(x, y, g)), f"nn.{name}")


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_page_F_elementwise(name):
    """F.relu, F.sigmoid, F.tanh pages (the same formulas as the ops)."""
    fwd, bwd, _ = _UNARY[name]
    x = _act_inputs()
    y = fwd(x)
    _check_act(x, getattr(F, name), (y, lambda g: bwd(x, y, g)), f"F.{name}")


# ============================================================ lucid ops: two inputs, broadcasting
def _unbroadcast(g, shape):
    """The pages' "summed over the axes that broadcasting added or stretched"."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


_BINARY = {
    "add": (lambda a, b: a + b, lambda a, b, g: g, lambda a, b, g: g),
    "sub": (lambda a, b: a - b, lambda a, b, g: g, lambda a, b, g: -g),
    "mul": (lambda a, b: a * b, lambda a, b, g: g * b, lambda a, b, g: g * a),
    "div": (lambda a, b: a / b, lambda a, b, g: g / b, lambda a, b, g: -g * a / b ** 2),
    "maximum": (np.maximum, lambda a, b, g: g * ((a > b) + 0.5 * (a == b)),
                lambda a, b, g: g * ((a < b) + 0.5 * (a == b))),
    "minimum": (np.minimum, lambda a, b, g: g * ((a < b) + 0.5 * (a == b)),
                lambda a, b, g: g * ((a > b) + 0.5 * (a == b))),
}


def _make_binary(name, fwd, da, db):
    def test():
        rng = np.random.default_rng(3)
        a = rng.standard_normal((3, 4))
        b = rng.standard_normal((1, 4))
        a[0] = b[0]  # ties (maximum/minimum split the gradient in half)
        if name == "div":
            b = b + np.sign(b) * 0.5
        y, g, (ga, gb) = run(getattr(lucid, name), a, b, rng=rng)
        close(y, fwd(a, b), f"{name} forward")
        A, B = np.broadcast_arrays(a, b)
        close(ga, _unbroadcast(da(A, B, g), a.shape), f"{name} dL/da")
        close(gb, _unbroadcast(db(A, B, g), b.shape), f"{name} dL/db")
    test.__name__ = f"test_page_lucid_{name}"
    return test


for _name, (_f, _da, _db) in _BINARY.items():
    globals()[f"test_page_lucid_{_name}"] = _make_binary(_name, _f, _da, _db)


def test_page_lucid_pow():
    """pow: y = a^b, dL/da = g b a^(b-1), dL/db = g a^b ln a, and the page's special points."""
    a = np.array([1.5, 0.7, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0])
    b = np.array([2.0, -1.5, 0.5, 2.0, 1.0, 0.5, -1.0, 0.0, 0.0, -2.0])
    y, g, (ga, gb) = run(lucid.pow, a, b, G=np.full(a.shape, 0.75))
    with np.errstate(all="ignore"):
        want_y = a ** b
        want_da = np.where(b == 0, 0.0, g * b * a ** (b - 1))  # b = 0: y = 1 whatever a
        log_a = np.log(a)
        want_db = np.where((a == 0) & (b >= 0), 0.0, np.where((a == 0) & (b < 0), -np.inf * g, g * a ** b * log_a))
    close(y, want_y, "pow forward")
    close(ga, want_da, "pow dL/da")
    close(gb, want_db, "pow dL/db")


# ============================================================ reductions
def _reduce_cases():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 5))
    x[0, 0, :2] = 7.0  # tied maxima
    x[1, 2, 3:] = -7.0  # tied minima
    return x, [None, 1, (0, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
def test_page_lucid_sum(keepdims):
    x, axes = _reduce_cases()
    for axis in axes:
        y, g, (dx,) = run(lambda t: lucid.sum(t, axis=axis, keepdims=keepdims), x)
        close(y, x.sum(axis=axis, keepdims=keepdims), "sum forward")
        close(dx, np.broadcast_to(g if keepdims else np.expand_dims(g, axis if axis is not None else (0, 1, 2)),
                                  x.shape), "sum backward")


def _n_reduced(x, axis):
    return x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))


def _g_back(g, x, axis):
    return np.broadcast_to(np.expand_dims(g, axis if axis is not None else tuple(range(x.ndim))), x.shape)


def test_page_lucid_mean():
    x, axes = _reduce_cases()
    for axis in axes:
        n = _n_reduced(x, axis)
        y, g, (dx,) = run(lambda t: lucid.mean(t, axis=axis), x)
        close(y, x.sum(axis=axis) / n, "mean forward")
        close(dx, _g_back(g, x, axis) / n, "mean backward")


@pytest.mark.parametrize("c", [0, 1])
def test_page_lucid_var(c):
    x, axes = _reduce_cases()
    for axis in axes:
        n = _n_reduced(x, axis)
        xbar = x.mean(axis=axis, keepdims=True)
        y, g, (dx,) = run(lambda t: lucid.var(t, axis=axis, correction=c), x)
        close(y, ((x - xbar) ** 2).sum(axis=axis) / (n - c), "var forward")
        close(dx, _g_back(g, x, axis) * 2 * (x - xbar) / (n - c), "var backward")


@pytest.mark.parametrize("c", [0, 1])
def test_page_lucid_std(c):
    """std, with the page's rule at zero spread: gradient 0 where y = 0 (all elements equal)."""
    x, axes = _reduce_cases()
    x[2] = 1.25  # a slice with zero spread along every axis of it
    for axis in [1, 2]:
        n = _n_reduced(x, axis)
        xbar = x.mean(axis=axis, keepdims=True)
        want = np.sqrt(((x - xbar) ** 2).sum(axis=axis) / (n - c))
        y, g, (dx,) = run(lambda t: lucid.std(t, axis=axis, correction=c), x)
        close(y, want, "std forward")
        yk = np.expand_dims(want, axis)
        with np.errstate(all="ignore"):
            page = _g_back(g, x, axis) * (x - xbar) / ((n - c) * yk)
        close(dx, np.where(yk == 0, 0.0, page), "std backward")


def _extreme_page(x, axis, op, nan_to_nan):
    y = op(x, axis=axis, keepdims=True)
    hit = (x == y) | (nan_to_nan & np.isnan(x) & np.isnan(y))
    with np.errstate(all="ignore"):
        share = hit / hit.sum(axis=axis, keepdims=True)
    return y, share


@pytest.mark.parametrize("name,op,nan_to_nan", [
    ("amax", np.max, False), ("amin", np.min, False), ("max", np.max, True), ("min", np.min, True)])
def test_page_lucid_extremes(name, op, nan_to_nan):
    """amax/amin: ties share the gradient evenly, a NaN slice gives NaN gradients;
    max/min: the same, but a NaN extreme sends its gradient to the NaN."""
    x, axes = _reduce_cases()
    x[2, 3, 1] = np.nan
    for axis in [1, 2, None]:
        y, g, (dx,) = run(lambda t: getattr(lucid, name)(t, axis=axis), x)
        want, share = _extreme_page(x, axis, op, nan_to_nan)
        close(y, np.squeeze(want, axis=axis) if axis is not None else want.reshape(()), f"{name} forward")
        close(dx, _g_back(g, x, axis) * share, f"{name} backward (axis={axis})")


def test_page_lucid_logsumexp():
    x, _ = _reduce_cases()
    x[0, 1] = -np.inf  # an all -inf slice gives -inf, not nan
    for axis in [2]:
        m = x.max(axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        with np.errstate(all="ignore"):
            y = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
        yv, g, (dx,) = run(lambda t: lucid.logsumexp(t, axis=axis), x)
        close(yv, np.squeeze(y, axis), "logsumexp forward")
        with np.errstate(all="ignore"):
            want = _g_back(g, x, axis) * np.exp(x - y)
        close(dx[np.isfinite(y).repeat(x.shape[axis], axis)], want[np.isfinite(y).repeat(x.shape[axis], axis)],
              "logsumexp backward")


# ============================================================ shape ops
def _perm_back(g, axes):
    return np.transpose(g, np.argsort(axes))


def test_page_lucid_reshape():
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    y, g, (dx,) = run(lambda t: lucid.reshape(t, (4, 6)), x)
    close(y, x.reshape(4, 6))
    close(dx, g.reshape(x.shape))


def test_page_lucid_permute():
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    axes = (2, 0, 1)
    y, g, (dx,) = run(lambda t: lucid.permute(t, axes), x)
    want = np.empty((4, 2, 3))
    for i0 in range(4):  # y_{i0 i1 i2} = x_j with j_{pi(k)} = i_k
        for i1 in range(2):
            for i2 in range(3):
                j = [0, 0, 0]
                for k, i in enumerate((i0, i1, i2)):
                    j[axes[k]] = i
                want[i0, i1, i2] = x[tuple(j)]
    close(y, want)
    close(dx, _perm_back(g, axes))


@pytest.mark.parametrize("name", ["transpose", "swapaxes"])
def test_page_lucid_transpose_swapaxes(name):
    """transpose / swapaxes: the gradient is g with the same two axes exchanged."""
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    y, g, (dx,) = run(lambda t: getattr(lucid, name)(t, 0, 2), x)
    close(y, np.swapaxes(x, 0, 2))
    close(dx, np.swapaxes(g, 0, 2))


@pytest.mark.parametrize("name,args", [("expand", (2, -1, 3, 4)), ("broadcast_to", ((2, 5, 3, 4),))])
def test_page_lucid_expand_broadcast_to(name, args):
    """expand/broadcast_to: y[..i..] = x[..0..]; dL/dx = g summed over the stretched and new axes."""
    x = np.random.default_rng(6).standard_normal((5, 1, 4))
    y, g, (dx,) = run(lambda t: getattr(lucid, name)(t, *args), x)
    target = (2, 5, 3, 4)
    close(y, np.broadcast_to(x, target))
    close(dx, g.sum(axis=0).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("name,fn", [
    ("squeeze", lambda t: lucid.squeeze(t, 1)), ("unsqueeze", lambda t: lucid.unsqueeze(t, 0)),
    ("flatten", lambda t: lucid.flatten(t, 1, 2))])
def test_page_lucid_reshapes(name, fn):
    """squeeze/unsqueeze/flatten: a reshape; dL/dx = reshape(g, x.shape)."""
    x = np.random.default_rng(7).standard_normal((3, 1, 4))
    y, g, (dx,) = run(fn, x)
    close(dx, g.reshape(x.shape))
    close(y.reshape(-1), x.reshape(-1))


def test_page_lucid_cat():
    rng = np.random.default_rng(8)
    xs = [rng.standard_normal((2, n)) for n in (1, 3, 2)]
    y, g, grads = run(lambda *ts: lucid.cat(list(ts), axis=1), *xs)
    close(y, np.concatenate(xs, axis=1))
    o = 0
    for x, dx in zip(xs, grads):  # dL/dx_j = g[o_j : o_j + n_j]
        close(dx, g[:, o:o + x.shape[1]])
        o += x.shape[1]


def test_page_lucid_stack():
    rng = np.random.default_rng(8)
    xs = [rng.standard_normal((2, 3)) for _ in range(3)]
    y, g, grads = run(lambda *ts: lucid.stack(list(ts), axis=1), *xs)
    close(y, np.stack(xs, axis=1))
    for j, dx in enumerate(grads):
        close(dx, g[:, j, :])


def test_page_lucid_split():
    x = np.random.default_rng(9).standard_normal((2, 7))
    t = lucid.tensor(x, requires_grad=True)
    pieces = lucid.split(t, [2, 5], axis=1) if False else lucid.split(t, 3, axis=1)
    rng = np.random.default_rng(10)
    gs = [rng.standard_normal(p.shape) for p in pieces]
    total = sum((p * lucid.tensor(gj)).sum() for p, gj in zip(pieces, gs))
    total.backward()
    close(t.grad, np.concatenate(gs, axis=1), "split: each piece's g into its own slice")


@pytest.mark.parametrize("name", ["tile", "repeat"])
def test_page_lucid_tile_repeat(name):
    """y_i = x_{i mod s}; dL/dx_j = sum over i with i mod s = j of g_i."""
    x = np.random.default_rng(11).standard_normal((2, 3))
    reps = (2, 3)
    y, g, (dx,) = run(lambda t: getattr(lucid, name)(t, reps), x)
    want_y = np.empty((4, 9))
    want_dx = np.zeros_like(x)
    for i in range(4):
        for j in range(9):
            want_y[i, j] = x[i % 2, j % 3]
            want_dx[i % 2, j % 3] += g[i, j]
    close(y, want_y)
    close(dx, want_dx)


def test_page_lucid_repeat_interleave():
    x = np.random.default_rng(12).standard_normal((4,))
    r = 3
    y, g, (dx,) = run(lambda t: lucid.repeat_interleave(t, r, 0), x)
    close(y, np.array([x[i // r] for i in range(4 * r)]))
    close(dx, np.array([sum(g[j * r + k] for k in range(r)) for j in range(4)]))


def test_page_lucid_pad():
    x = np.random.default_rng(13).standard_normal((2, 3))
    y, g, (dx,) = run(lambda t: lucid.pad(t, ((1, 2), (0, 1)), value=0.5), x)
    want = np.full((5, 4), 0.5)
    want[1:3, 0:3] = x
    close(y, want)
    close(dx, g[1:3, 0:3])


def test_page_lucid_getitem():
    """y_k = x_{iota(k)}; a position read several times receives the sum."""
    x = np.random.default_rng(14).standard_normal((5, 3))
    idx = np.array([0, 2, 2, 4, 0, 0])
    y, g, (dx,) = run(lambda t: t[lucid.tensor(idx)], x)
    close(y, x[idx])
    want = np.zeros_like(x)
    for k, i in enumerate(idx):
        want[i] += g[k]
    close(dx, want)


def test_page_lucid_where():
    rng = np.random.default_rng(15)
    c = rng.standard_normal((3, 4)) > 0
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((1, 4))
    y, g, (ga, gb) = run(lambda ta, tb: lucid.where(lucid.tensor(c), ta, tb), a, b)
    close(y, np.where(c, a, b))
    close(ga, g * c)
    close(gb, _unbroadcast(g * ~c, b.shape))


def test_page_lucid_clip():
    """clip: the gradient passes at a bound (min <= x <= max)."""
    x = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    y, g, (dx,) = run(lambda t: lucid.clip(t, -1.0, 1.0), x)
    close(y, np.minimum(np.maximum(x, -1.0), 1.0))
    close(dx, g * ((-1.0 <= x) & (x <= 1.0)))


def test_page_lucid_matmul():
    rng = np.random.default_rng(16)
    A, B = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5))
    y, G, (gA, gB) = run(lucid.matmul, A, B)
    close(y, np.einsum("bil,lj->bij", A, B))
    close(gA, G @ B.T)
    close(gB, sum(A[k].T @ G[k] for k in range(2)))


# ============================================================ linear
def double_layer(layer, **params):
    """The layer in float64, with the given parameter values; gradients cleared."""
    layer = layer.double()
    for name, value in params.items():
        getattr(layer, name).data[...] = value
    for prm in layer.parameters():
        prm.grad = None
    return layer


def grads_of(layer, *names):
    return [np.asarray(getattr(layer, n).grad) for n in names]


@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_linear(owner):
    """y = x W^T + b; dL/dx = G W, dL/dW = G^T x, dL/db = sum over rows of G."""
    rng = np.random.default_rng(20)
    x, W, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    if owner == "F":
        y, G, (dx, dW, db) = run(F.linear, x, W, b)
    else:
        layer = double_layer(nn.Linear(4, 5), weight=W, bias=b)
        y, G, (dx,) = run(layer, x)
        dW, db = grads_of(layer, "weight", "bias")
    xr = x.reshape(-1, 4)
    want = np.empty((xr.shape[0], 5))
    for n in range(xr.shape[0]):  # y_{n,o} = sum_k x_{n,k} W_{o,k} + b_o
        for o in range(5):
            want[n, o] = sum(xr[n, k] * W[o, k] for k in range(4)) + b[o]
    close(y.reshape(-1, 5), want, "linear forward")
    Gr = G.reshape(-1, 5)
    close(dx.reshape(-1, 4), Gr @ W, "dL/dx")
    close(dW, Gr.T @ xr, "dL/dW")
    close(db, Gr.sum(axis=0), "dL/db")


# ============================================================ convolution (nn.Conv2d, nn.Conv1d, F.conv2d, F.conv1d)
def _pads(padding, K, d):
    """(P before, P' after) per axis, as the Conv2d page defines them ('same': odd pixel at the end)."""
    if padding == "valid":
        return [(0, 0)] * len(K)
    if padding == "same":
        return [((dd * (k - 1)) // 2, dd * (k - 1) - (dd * (k - 1)) // 2) for k, dd in zip(K, d)]
    return [(p, p) for p in padding]


def conv2d_page(x, W, b, s, padding, d, G):
    """nn.Conv2d's Forward Calculation and Backward Gradient Calculation, index by index."""
    N, C, H, Wd = x.shape
    O, Cg, KH, KW = W.shape
    Og = O // G
    (Ph, Ph2), (Pw, Pw2) = _pads(padding, (KH, KW), d)
    OH = (H + Ph + Ph2 - d[0] * (KH - 1) - 1) // s[0] + 1
    OW = (Wd + Pw + Pw2 - d[1] * (KW - 1) - 1) // s[1] + 1

    def xt(n, c, u, v):  # x read as 0 outside the image
        return x[n, c, u, v] if 0 <= u < H and 0 <= v < Wd else 0.0

    y = np.zeros((N, O, OH, OW))
    for n in range(N):
        for o in range(O):
            g = o // Og
            for i in range(OH):
                for j in range(OW):
                    acc = b[o]
                    for c in range(g * Cg, (g + 1) * Cg):
                        for p in range(KH):
                            for q in range(KW):
                                acc += W[o, c - g * Cg, p, q] * xt(n, c, s[0] * i + d[0] * p - Ph, s[1] * j + d[1] * q - Pw)
                    y[n, o, i, j] = acc

    def backward(delta):
        db = np.array([delta[:, o].sum() for o in range(O)])
        dW = np.zeros_like(W)
        for o in range(O):
            g = o // Og
            for cp in range(Cg):
                for p in range(KH):
                    for q in range(KW):
                        dW[o, cp, p, q] = sum(delta[n, o, i, j] * xt(n, g * Cg + cp, s[0] * i + d[0] * p - Ph,
                                                                      s[1] * j + d[1] * q - Pw)
                                              for n in range(N) for i in range(OH) for j in range(OW))
        dx = np.zeros_like(x)
        for n in range(N):
            for c in range(C):
                g = c // Cg
                for u in range(H):
                    for v in range(Wd):
                        acc = 0.0
                        for o in range(g * Og, (g + 1) * Og):
                            for p in range(KH):
                                for q in range(KW):
                                    i, ri = divmod(u - d[0] * p + Ph, s[0])
                                    j, rj = divmod(v - d[1] * q + Pw, s[1])
                                    if ri == 0 and rj == 0 and 0 <= i < OH and 0 <= j < OW:
                                        acc += delta[n, o, i, j] * W[o, c - g * Cg, p, q]
                        dx[n, c, u, v] = acc
        return dx, dW, db

    return y, backward


_CONV_CASES = [  # (H, W, KH, KW, stride, padding, dilation, groups): stride != dilation, groups, 'same' even
    (8, 8, 3, 3, (2, 2), (1, 1), (1, 1), 1),  # the case: the old '*' formula is off here
    (7, 6, 3, 2, (1, 2), (2, 0), (2, 1), 2),
    (7, 7, 4, 4, (1, 1), "same", (1, 1), 1),  # even kernel: P = 1 before, 2 after; OH = 7
    (6, 7, 2, 3, (1, 1), "same", (2, 1), 2),
    (5, 6, 3, 3, (3, 2), "valid", (1, 2), 1),
]


@pytest.mark.parametrize("case", _CONV_CASES)
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_conv2d(owner, case):
    """nn.Conv2d / F.conv2d: y, dL/dx, dL/dW (any stride and dilation), dL/db; groups use W_{o, c - g C/G}."""
    H, Wd, KH, KW, s, padding, d, G = case
    rng = np.random.default_rng(30)
    N, C, O = 2, 4, 6
    x, W, b = rng.standard_normal((N, C, H, Wd)), rng.standard_normal((O, C // G, KH, KW)), rng.standard_normal(O)
    want, backward = conv2d_page(x, W, b, s, padding, d, G)
    if owner == "F":
        y, delta, (dx, dW, db) = run(lambda *t: F.conv2d(*t, stride=s, padding=padding, dilation=d, groups=G), x, W, b)
    else:
        layer = double_layer(nn.Conv2d(C, O, (KH, KW), stride=s, padding=padding, dilation=d, groups=G),
                             weight=W, bias=b)
        y, delta, (dx,) = run(layer, x)
        dW, db = grads_of(layer, "weight", "bias")
    close(y, want, f"{owner} conv2d forward {case}")
    wdx, wdW, wdb = backward(delta)
    close(dx, wdx, "dL/dx")
    close(dW, wdW, "dL/dW")
    close(db, wdb, "dL/db")


@pytest.mark.parametrize("case", [(9, 3, 2, 1, 1, 1), (8, 4, 1, "same", 2, 2), (10, 3, 3, 2, 2, 1)])
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_conv1d(owner, case):
    """nn.Conv1d / F.conv1d: the Conv2d formulas along one axis."""
    L, K, s, padding, d, G = case
    rng = np.random.default_rng(31)
    N, C, O = 2, 4, 6
    x, W, b = rng.standard_normal((N, C, L)), rng.standard_normal((O, C // G, K)), rng.standard_normal(O)
    pad2 = padding if isinstance(padding, str) else (0, padding)
    want, backward = conv2d_page(x[:, :, None, :], W[:, :, None, :], b, (1, s), pad2, (1, d), G)
    if owner == "F":
        y, delta, (dx, dW, db) = run(lambda *t: F.conv1d(*t, stride=s, padding=padding, dilation=d, groups=G), x, W, b)
    else:
        layer = double_layer(nn.Conv1d(C, O, K, stride=s, padding=padding, dilation=d, groups=G), weight=W, bias=b)
        y, delta, (dx,) = run(layer, x)
        dW, db = grads_of(layer, "weight", "bias")
    close(y, want[:, :, 0], "conv1d forward")
    wdx, wdW, wdb = backward(delta[:, :, None, :])
    close(dx, wdx[:, :, 0], "dL/dx")
    close(dW, wdW[:, :, 0], "dL/dW")
    close(db, wdb, "dL/db")


# ============================================================ pooling
def _pool_out(H, K, s, P, d, ceil_mode):
    """The MaxPool2d page: floor, or ceiling with the last window dropped if it starts past H + P."""
    num = H + 2 * P - d * (K - 1) - 1
    OH = (-(-num // s) if ceil_mode else num // s) + 1
    if ceil_mode and (OH - 1) * s >= H + P:
        OH -= 1
    return OH


def max_pool2d_page(x, K, s, P, d, ceil_mode):
    N, C, H, Wd = x.shape
    OH, OW = _pool_out(H, K[0], s[0], P[0], d[0], ceil_mode), _pool_out(Wd, K[1], s[1], P[1], d[1], ceil_mode)
    y = np.empty((N, C, OH, OW))
    arg = {}
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    best, at = -np.inf, None
                    for p in range(K[0]):  # row-major: the first maximum wins ties
                        for q in range(K[1]):
                            u, v = s[0] * i + d[0] * p - P[0], s[1] * j + d[1] * q - P[1]
                            val = x[n, c, u, v] if 0 <= u < H and 0 <= v < Wd else -np.inf
                            if val > best or (np.isnan(val) and not np.isnan(best)):
                                best, at = val, (u, v)
                    y[n, c, i, j] = best
                    arg[n, c, i, j] = at

    def backward(G):
        dx = np.zeros_like(x)
        for (n, c, i, j), (u, v) in arg.items():
            dx[n, c, u, v] += G[n, c, i, j]
        return dx

    return y, backward


def avg_pool2d_page(x, K, s, P, ceil_mode, count_include_pad, divisor_override):
    N, C, H, Wd = x.shape
    OH, OW = _pool_out(H, K[0], s[0], P[0], 1, ceil_mode), _pool_out(Wd, K[1], s[1], P[1], 1, ceil_mode)
    y = np.empty((N, C, OH, OW))
    D = np.empty((OH, OW))
    for i in range(OH):
        for j in range(OW):
            a, bb = s[0] * i - P[0], s[1] * j - P[1]
            if divisor_override:
                D[i, j] = divisor_override
            elif count_include_pad:
                D[i, j] = (min(a + K[0], H + P[0]) - a) * (min(bb + K[1], Wd + P[1]) - bb)
            else:
                D[i, j] = (min(a + K[0], H) - max(a, 0)) * (min(bb + K[1], Wd) - max(bb, 0))
            for n in range(N):
                for c in range(C):
                    y[n, c, i, j] = sum(x[n, c, a + p, bb + q] for p in range(K[0]) for q in range(K[1])
                                        if 0 <= a + p < H and 0 <= bb + q < Wd) / D[i, j]

    def backward(G):
        dx = np.zeros_like(x)
        for i in range(OH):
            for j in range(OW):
                a, bb = s[0] * i - P[0], s[1] * j - P[1]
                for u in range(max(a, 0), min(a + K[0], H)):
                    for v in range(max(bb, 0), min(bb + K[1], Wd)):
                        dx[:, :, u, v] += G[:, :, i, j] / D[i, j]
        return dx

    return y, backward


_MAXPOOL_CASES = [  # (H, W, K, s, P, d, ceil_mode)
    (6, 6, (2, 2), (2, 2), (0, 0), (1, 1), False),
    (7, 5, (3, 2), (2, 1), (1, 1), (1, 2), False),
    (5, 5, (2, 2), (2, 2), (0, 0), (1, 1), True),
    (8, 7, (3, 3), (2, 3), (1, 1), (2, 1), True),
]


@pytest.mark.parametrize("case", _MAXPOOL_CASES)
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_max_pool2d(owner, case):
    """nn.MaxPool2d / F.max_pool2d, with ties (first maximum gets G), overlapping windows, padding, ceil_mode."""
    H, Wd, K, s, P, d, ceil_mode = case
    rng = np.random.default_rng(32)
    x = rng.integers(-3, 4, size=(2, 2, H, Wd)).astype(np.float64)  # many ties
    want, backward = max_pool2d_page(x, K, s, P, d, ceil_mode)
    fn = (nn.MaxPool2d(K, s, P, d, ceil_mode) if owner == "nn"
          else (lambda t: F.max_pool2d(t, K, s, P, d, ceil_mode)))
    y, G, (dx,) = run(fn, x)
    close(y, want, f"max_pool2d forward {case}")
    close(dx, backward(G), f"max_pool2d backward {case}")


_AVGPOOL_CASES = [  # (H, W, K, s, P, ceil_mode, count_include_pad, divisor_override)
    (5, 5, (2, 2), (2, 2), (0, 0), True, True, None),  # the case: corner divides by 1, not 4
    (6, 5, (3, 2), (2, 2), (1, 1), True, True, None),
    (6, 5, (3, 2), (2, 2), (1, 1), True, False, None),
    (7, 6, (3, 3), (2, 1), (1, 0), False, True, None),
    (5, 5, (2, 3), (1, 2), (1, 1), False, True, 5),
]


@pytest.mark.parametrize("case", _AVGPOOL_CASES)
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_avg_pool2d(owner, case):
    """nn.AvgPool2d / F.avg_pool2d with the divisor D_ij of the pages (ceil_mode windows count fewer cells)."""
    H, Wd, K, s, P, ceil_mode, cip, div = case
    rng = np.random.default_rng(33)
    x = rng.standard_normal((2, 2, H, Wd))
    want, backward = avg_pool2d_page(x, K, s, P, ceil_mode, cip, div)
    fn = (nn.AvgPool2d(K, s, P, ceil_mode, cip, div) if owner == "nn"
          else (lambda t: F.avg_pool2d(t, K, s, P, ceil_mode, cip, div)))
    y, G, (dx,) = run(fn, x)
    close(y, want, f"avg_pool2d forward {case}")
    close(dx, backward(G), f"avg_pool2d backward {case}")


def _bins(L, O):
    return [(i * L // O, -(-(i + 1) * L // O)) for i in range(O)]  # s_i = floor(iL/O), e_i = ceil((i+1)L/O)


def adaptive_page(x, out):
    """AdaptiveAvgPool's page: y = sum over the bin R_i / |R_i|; dL/dx_j = sum over bins holding j of G / |R_i|."""
    k = len(out)
    spatial = x.shape[-k:]
    out = tuple(S if o is None else o for S, o in zip(spatial, out))
    bins = [_bins(S, o) for S, o in zip(spatial, out)]
    y = np.empty(x.shape[:-k] + out)
    for idx in np.ndindex(*out):
        region = tuple(slice(*bins[a][i]) for a, i in enumerate(idx))
        size = np.prod([bins[a][i][1] - bins[a][i][0] for a, i in enumerate(idx)])
        y[(...,) + idx] = x[(...,) + region].sum(axis=tuple(range(-k, 0))) / size

    def backward(G):
        dx = np.zeros_like(x)
        for idx in np.ndindex(*out):
            region = tuple(slice(*bins[a][i]) for a, i in enumerate(idx))
            size = np.prod([bins[a][i][1] - bins[a][i][0] for a, i in enumerate(idx)])
            dx[(...,) + region] += G[(...,) + idx][(...,) + (None,) * k] / size
        return dx

    return y, backward


@pytest.mark.parametrize("page,fn,shape,out", [
    ("nn.AdaptiveAvgPool", nn.AdaptiveAvgPool((3, None, 2)), (2, 3, 5, 4, 7), (3, None, 2)),
    ("nn.AdaptiveAvgPool", nn.AdaptiveAvgPool(1), (2, 3, 5, 4), (1, 1)),
    ("nn.AdaptiveAvgPool1d", nn.AdaptiveAvgPool1d(3), (2, 3, 7), (3,)),
    ("nn.AdaptiveAvgPool1d", nn.AdaptiveAvgPool1d(5), (2, 3, 3), (5,)),  # O > L: bins repeat elements
    ("nn.AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5), (3, 2)),
    ("nn.AdaptiveAvgPool3d", nn.AdaptiveAvgPool3d((2, 3, 2)), (2, 3, 5, 4, 3), (2, 3, 2)),
    ("F.adaptive_avg_pool1d", lambda t: F.adaptive_avg_pool1d(t, 4), (2, 3, 10), (4,)),
    ("F.adaptive_avg_pool2d", lambda t: F.adaptive_avg_pool2d(t, (2, 4)), (2, 3, 5, 7), (2, 4)),
    ("F.adaptive_avg_pool3d", lambda t: F.adaptive_avg_pool3d(t, (3, 1, 2)), (2, 3, 4, 5, 5), (3, 1, 2)),
])
def test_page_adaptive_avg_pool(page, fn, shape, out):
    x = np.random.default_rng(34).standard_normal(shape)
    want, backward = adaptive_page(x, out)
    y, G, (dx,) = run(fn, x)
    close(y, want, f"{page} forward")
    close(dx, backward(G), f"{page} backward")


@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_global_avg_pool(owner):
    x = np.random.default_rng(35).standard_normal((2, 3, 4, 5))
    P = 20
    y, G, (dx,) = run(nn.GlobalAvgPool() if owner == "nn" else F.global_avg_pool, x)
    close(y, x.reshape(2, 3, -1).sum(-1) / P)
    close(dx, np.broadcast_to(G[:, :, None, None] / P, x.shape))


# ============================================================ normalisation
def bn_page(x, gamma, beta, eps, training, rmean=None, rvar=None):
    """BatchNorm's page: per channel c over its m values; training uses batch statistics, eval running ones."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = [1, -1] + [1] * (x.ndim - 2)
    m = x.size // x.shape[1]
    if training:
        mu = x.sum(axis=axes) / m
        var = ((x - mu.reshape(shape)) ** 2).sum(axis=axes) / m
    else:
        mu, var = rmean, rvar
    xhat = (x - mu.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    y = gamma.reshape(shape) * xhat + beta.reshape(shape)

    def backward(G):
        ghat = gamma.reshape(shape) * G
        if training:
            mean = lambda z: z.sum(axis=axes, keepdims=True) / m  # noqa: E731
            dx = (ghat - mean(ghat) - xhat * mean(ghat * xhat)) / np.sqrt(var.reshape(shape) + eps)
        else:
            dx = ghat / np.sqrt(var.reshape(shape) + eps)
        return dx, (G * xhat).sum(axis=axes), G.sum(axis=axes)

    return y, backward, mu, var, m


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm2d, (4, 3, 5, 6)), (nn.BatchNorm1d, (6, 3)),
                                       (nn.BatchNorm1d, (4, 3, 7))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_page_nn_BatchNorm(cls, shape, momentum):
    """nn.BatchNorm1d/2d: training (y, running updates with the unbiased variance, dx, dgamma, dbeta) and eval."""
    rng = np.random.default_rng(40)
    C = shape[1]
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    layer = double_layer(cls(C, eps=1e-3, momentum=momentum), weight=gamma, bias=beta)
    rmean, rvar = np.zeros(C), np.ones(C)
    for t in range(1, 3):  # two training batches
        x = rng.standard_normal(shape) * 2 + 1
        x.reshape(-1)[:3] = 0.5  # ties and repeated values
        want, backward, mu, var, m = bn_page(x, gamma, beta, 1e-3, True)
        for prm in layer.parameters():
            prm.grad = None
        y, G, (dx,) = run(layer, x)
        close(y, want, "train forward")
        wdx, wg, wb = backward(G)
        close(dx, wdx, "train dL/dx")
        close(layer.weight.grad, wg, "dL/dgamma")
        close(layer.bias.grad, wb, "dL/dbeta")
        alpha = 1.0 / t if momentum is None else momentum
        rmean = (1 - alpha) * rmean + alpha * mu
        rvar = (1 - alpha) * rvar + alpha * m / (m - 1) * var
        close(layer.running_mean.numpy(), rmean, "running mean")
        close(layer.running_var.numpy(), rvar, "running var (unbiased)")
    layer.eval()
    for prm in layer.parameters():
        prm.grad = None
    x = rng.standard_normal(shape)
    want, backward, *_ = bn_page(x, gamma, beta, 1e-3, False, rmean, rvar)
    y, G, (dx,) = run(layer, x)
    close(y, want, "eval forward")
    wdx, wg, wb = backward(G)
    close(dx, wdx, "eval dL/dx")
    close(layer.weight.grad, wg, "eval dL/dgamma")
    close(layer.bias.grad, wb, "eval dL/dbeta")


@pytest.mark.parametrize("training", [True, False])
def test_page_F_batch_norm(training):
    rng = np.random.default_rng(41)
    x = rng.standard_normal((5, 3, 4))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    want, backward, mu, var, m = bn_page(x, gamma, beta, 1e-5, training, rm, rv)
    rmt, rvt = lucid.tensor(rm.copy()), lucid.tensor(rv.copy())
    y, G, (dx, dg, db) = run(lambda t, g_, b_: F.batch_norm(t, rmt, rvt, g_, b_, training=training, momentum=0.2),
                             x, gamma, beta)
    close(y, want, "forward")
    wdx, wg, wb = backward(G)
    close(dx, wdx, "dL/dx")
    close(dg, wg, "dL/dgamma")
    close(db, wb, "dL/dbeta")
    if training:
        close(rmt.numpy(), 0.8 * rm + 0.2 * mu, "running mean")
        close(rvt.numpy(), 0.8 * rv + 0.2 * var * m / (m - 1), "running var")


def ln_page(x, k, gamma, beta, eps):
    axes = tuple(range(-k, 0))
    m = int(np.prod(x.shape[-k:]))
    mu = x.sum(axis=axes, keepdims=True) / m
    var = ((x - mu) ** 2).sum(axis=axes, keepdims=True) / m
    xhat = (x - mu) / np.sqrt(var + eps)
    y = gamma * xhat + beta
    lead = tuple(range(x.ndim - k))

    def backward(G):
        ghat = gamma * G
        mean = lambda z: z.sum(axis=axes, keepdims=True) / m  # noqa: E731
        dx = (ghat - mean(ghat) - xhat * mean(ghat * xhat)) / np.sqrt(var + eps)
        return dx, (G * xhat).sum(axis=lead), G.sum(axis=lead)

    return y, backward


@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_layer_norm(owner):
    """nn.LayerNorm / F.layer_norm: y, dL/dx, dL/dgamma, dL/dbeta."""
    rng = np.random.default_rng(42)
    x = rng.standard_normal((3, 2, 4, 5))
    x[0, 0] = 2.0  # a sample with zero spread
    gamma, beta = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    want, backward = ln_page(x, 2, gamma, beta, 1e-5)
    if owner == "F":
        y, G, (dx, dg, db) = run(lambda t, g_, b_: F.layer_norm(t, (4, 5), g_, b_, 1e-5), x, gamma, beta)
    else:
        layer = double_layer(nn.LayerNorm((4, 5)), weight=gamma, bias=beta)
        y, G, (dx,) = run(layer, x)
        dg, db = grads_of(layer, "weight", "bias")
    close(y, want, "forward")
    wdx, wg, wb = backward(G)
    close(dx, wdx, "dL/dx")
    close(dg, wg, "dL/dgamma")
    close(db, wb, "dL/dbeta")


# ============================================================ dropout
@pytest.mark.parametrize("p", [0.0, 0.3, 0.8, 1.0])
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_dropout(owner, p):
    """y = m x / (1 - p), dL/dx = m g / (1 - p); p = 1: y = 0 and dL/dx = 0; eval: identity."""
    x = np.random.default_rng(50).standard_normal((20, 30)) + 5.0  # no zeros: the mask is y != 0
    lucid.manual_seed(0)
    fn = nn.Dropout(p) if owner == "nn" else (lambda t: F.dropout(t, p, True))
    y, g, (dx,) = run(fn, x)
    if p == 1:
        close(y, np.zeros_like(x))
        close(dx, np.zeros_like(x))
    else:
        mask = (y != 0).astype(np.float64)
        close(y, mask * x / (1 - p))
        close(dx, mask * g / (1 - p))
        if 0 < p < 1:
            assert abs(1 - mask.mean() - p) < 0.1
    layer = nn.Dropout(p).eval()
    y, g, (dx,) = run(layer if owner == "nn" else (lambda t: F.dropout(t, p, False)), x)
    close(y, x)
    close(dx, g)


# ============================================================ losses
def _reduce_page(ell, reduction, denom=None):
    """(L, dL/dell): "none" ell; "sum" sum; "mean" sum / n (or / denom, the pages' weighted mean)."""
    if reduction == "none":
        return ell, None
    if reduction == "sum":
        return ell.sum(), 1.0
    d = ell.size if denom is None else denom
    return ell.sum() / d, 1.0 / d


def _loss_check(fn, arrays, ell, dell, reduction, what, denom=None, grad=None):
    """Compare lucid's loss and gradients with the page: L from ell, dL/dinput_i = g_i * dell_i/dinput_i."""
    L, gscale = _reduce_page(ell, reduction, denom)
    y, G, grads = run(fn, *arrays, grad=grad)
    close(y, L, f"{what} forward ({reduction})")
    g = G if reduction == "none" else G * gscale
    for got, want in zip(grads, dell):
        if want is not None:
            close(got, g.reshape(g.shape + (1,) * (want.ndim - g.ndim)) * want if np.ndim(g) else g * want,
                  f"{what} backward ({reduction})")


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_mse_loss(owner, reduction):
    rng = np.random.default_rng(60)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    fn = nn.MSELoss(reduction) if owner == "nn" else (lambda a, b: F.mse_loss(a, b, reduction))
    _loss_check(fn, (x, y), (x - y) ** 2, [2 * (x - y), -2 * (x - y)], reduction, "mse")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_l1_loss(owner, reduction):
    rng = np.random.default_rng(61)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    y[0] = x[0]  # sign(0) = 0: no gradient where x = y
    fn = nn.L1Loss(reduction) if owner == "nn" else (lambda a, b: F.l1_loss(a, b, reduction))
    _loss_check(fn, (x, y), np.abs(x - y), [np.sign(x - y), -np.sign(x - y)], reduction, "l1")


def ce_page(x, y, w, eps, ignore_index):
    """CrossEntropyLoss's page: ell_n = -sum_c w_c q_nc log p_nc; mean divides by sum_n w_{y_n}."""
    N, C = x.shape
    w = np.ones(C) if w is None else w
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    ell, dell, denom = np.zeros(N), np.zeros((N, C)), 0.0
    for n in range(N):
        if y[n] == ignore_index:
            continue
        q = (1 - eps) * (np.arange(C) == y[n]) + eps / C
        ell[n] = -sum(w[c] * q[c] * np.log(p[n, c]) for c in range(C))
        dell[n] = p[n] * (w * q).sum() - w * q
        denom += w[y[n]]
    return ell, dell, denom


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_cross_entropy(owner, weighted, eps, reduction):
    """nn.CrossEntropyLoss / F.cross_entropy with class weights, label smoothing and ignore_index."""
    rng = np.random.default_rng(62)
    x = rng.standard_normal((6, 4)) * 2
    x[0] = 1.0  # tied logits
    y = np.array([0, 3, 1, -100, 2, 3])
    w = rng.random(4) + 0.5 if weighted else None
    ell, dell, denom = ce_page(x, y, w, eps, -100)
    wt = None if w is None else lucid.tensor(w)
    if owner == "nn":
        fn = lambda a: nn.CrossEntropyLoss(weight=wt, reduction=reduction, label_smoothing=eps)(a, lucid.tensor(y))  # noqa: E731
    else:
        fn = lambda a: F.cross_entropy(a, lucid.tensor(y), wt, -100, reduction, eps)  # noqa: E731
    _loss_check(fn, (x,), ell, [dell], reduction, "cross_entropy", denom=denom)


@pytest.mark.parametrize("eps", [0.0, 0.3])
def test_page_cross_entropy_probability_targets(eps):
    """Probability targets: q = (1 - eps) t + eps / C; "mean" divides by N."""
    rng = np.random.default_rng(63)
    x, t = rng.standard_normal((5, 3)), rng.random((5, 3))
    t /= t.sum(1, keepdims=True)
    w = rng.random(3) + 0.5
    p = np.exp(x) / np.exp(x).sum(1, keepdims=True)
    q = (1 - eps) * t + eps / 3
    ell = -(w * q * np.log(p)).sum(1)
    dell = p * (w * q).sum(1, keepdims=True) - w * q
    _loss_check(lambda a: nn.CrossEntropyLoss(weight=lucid.tensor(w), label_smoothing=eps)(a, lucid.tensor(t)),
                (x,), ell, [dell], "mean", "cross_entropy (probabilities)")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_nll_loss(owner, reduction):
    rng = np.random.default_rng(64)
    x = rng.standard_normal((5, 3))
    y = np.array([2, 0, -100, 1, 2])
    w = rng.random(3) + 0.5
    ell, dell, denom = np.zeros(5), np.zeros((5, 3)), 0.0
    for n in range(5):
        if y[n] != -100:
            ell[n] = -w[y[n]] * x[n, y[n]]
            dell[n, y[n]] = -w[y[n]]
            denom += w[y[n]]
    wt = lucid.tensor(w)
    fn = ((lambda a: nn.NLLLoss(wt, reduction=reduction)(a, lucid.tensor(y))) if owner == "nn"
          else (lambda a: F.nll_loss(a, lucid.tensor(y), wt, -100, reduction)))
    _loss_check(fn, (x,), ell, [dell], reduction, "nll", denom=denom)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_binary_cross_entropy(owner, reduction):
    """BCE with log clamped at -100 (p = 0 and 1 included), dL/dp and the target gradient."""
    rng = np.random.default_rng(65)
    p = np.concatenate([rng.random(6) * 0.98 + 0.01, [0.0, 1.0]])
    y = np.concatenate([rng.random(6), [0.0, 1.0]])
    w = rng.random(8) + 0.5
    with np.errstate(divide="ignore"):
        lp, l1p = np.maximum(np.log(p), -100), np.maximum(np.log(1 - p), -100)
    ell = -w * (y * lp + (1 - y) * l1p)
    dp = w * (p - y) / np.maximum(p * (1 - p), 1e-12)
    with np.errstate(divide="ignore"):
        dy = w * (np.log(1 - p) - np.log(p))  # not clamped
    wt = lucid.tensor(w)
    fn = nn.BCELoss(wt, reduction) if owner == "nn" else (lambda a, b: F.binary_cross_entropy(a, b, wt, reduction))
    _loss_check(fn, (p, y), ell, [dp, dy], reduction, "bce")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos", [False, True])
@pytest.mark.parametrize("owner", ["F", "nn"])
def test_page_binary_cross_entropy_with_logits(owner, pos, reduction):
    """BCEWithLogits: r_i = 1 + (pi_i - 1) y_i; dL/dx and dL/dy as on the page."""
    rng = np.random.default_rng(66)
    x = rng.standard_normal((4, 3)) * 3
    x[0, 0] = 100.0
    x[0, 1] = -100.0
    y = rng.random((4, 3))
    w = rng.random((4, 3)) + 0.5
    pi = rng.random(3) * 2 + 0.2 if pos else np.ones(3)
    r = 1 + (pi - 1) * y
    ell = w * ((1 - y) * x + r * softplus(-x))
    dx = w * ((1 - y) - r * sigmoid(-x))
    dy = w * ((pi - 1) * softplus(-x) - x)
    wt, pt = lucid.tensor(w), (lucid.tensor(pi) if pos else None)
    fn = (nn.BCEWithLogitsLoss(wt, reduction, pt) if owner == "nn"
          else (lambda a, b: F.binary_cross_entropy_with_logits(a, b, wt, reduction, pt)))
    _loss_check(fn, (x, y), ell, [dx, dy], reduction, "bce_with_logits")


# ============================================================ shape layers, containers, SE
def test_page_nn_Flatten():
    """y_{a, j, b} = x_{a, i_s..i_e, b} with j = sum_k i_k prod_{l>k} d_l; the gradient goes back alike."""
    x = np.random.default_rng(70).standard_normal((2, 3, 4, 5, 2))
    s, e = 1, 3
    y, G, (dx,) = run(nn.Flatten(s, e), x)
    d = x.shape
    want = np.empty((2, 60, 2))
    wdx = np.empty_like(x)
    for idx in np.ndindex(*d):
        j = sum(idx[k] * int(np.prod(d[k + 1:e + 1])) for k in range(s, e + 1))
        want[idx[0], j, idx[-1]] = x[idx]
        wdx[idx] = G[idx[0], j, idx[-1]]
    close(y, want)
    close(dx, wdx)


def test_page_nn_Unflatten():
    x = np.random.default_rng(71).standard_normal((3, 12, 2))
    u = (2, 3, 2)
    y, G, (dx,) = run(nn.Unflatten(1, u), x)
    want = np.empty((3,) + u + (2,))
    wdx = np.empty_like(x)
    for a in range(3):
        for b in range(2):
            for i in np.ndindex(*u):
                j = sum(i[k] * int(np.prod(u[k + 1:])) for k in range(3))
                want[(a,) + i + (b,)] = x[a, j, b]
                wdx[a, j, b] = G[(a,) + i + (b,)]
    close(y, want)
    close(dx, wdx)


def test_page_nn_Sequential():
    """y = f2(f1(x)); dL/dx = J1^T J2^T g."""
    rng = np.random.default_rng(72)
    W1, b1, W2, b2 = rng.standard_normal((5, 4)), rng.standard_normal(5), rng.standard_normal((3, 5)), rng.standard_normal(3)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)).double()
    for layer, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
        layer.weight.data[...], layer.bias.data[...] = W, b
    x = rng.standard_normal((2, 4))
    y, g, (dx,) = run(model, x)
    h = np.tanh(x @ W1.T + b1)
    close(y, h @ W2.T + b2)
    close(dx, ((g @ W2) * (1 - h ** 2)) @ W1)


@pytest.mark.parametrize("shape", [(3, 8, 5), (2, 8, 4, 3), (2, 8, 2, 3, 2)])
def test_page_nn_SEModule(shape):
    """SEModule's Forward and Backward Gradient Calculation, relation by relation, for 1, 2 and 3 spatial axes."""
    rng = np.random.default_rng(73)
    C, r = 8, 4
    h = max(1, C // r)
    W1, b1, W2, b2 = rng.standard_normal((h, C)), rng.standard_normal(h), rng.standard_normal((C, h)), rng.standard_normal(C)
    se = double_layer(nn.SEModule(C, r))
    se.fc1.weight.data[...], se.fc1.bias.data[...] = W1, b1
    se.fc2.weight.data[...], se.fc2.bias.data[...] = W2, b2
    x = rng.standard_normal(shape)
    N = shape[0]
    xf = x.reshape(N, C, -1)  # p runs over the P spatial positions
    P = xf.shape[-1]
    s = xf.sum(-1) / P  # pool then flatten
    a = s @ W1.T + b1
    z = np.maximum(a, 0)
    e = z @ W2.T + b2
    g = sigmoid(e)
    want = xf * g[:, :, None]
    y, G, (dx,) = run(se, x)
    close(y, want.reshape(shape), "SEModule forward")
    Gf = G.reshape(N, C, -1)
    dg = (Gf * xf).sum(-1)
    de = dg * g * (1 - g)
    dz = de @ W2
    da = dz * (a > 0)
    ds = da @ W1
    wdx = Gf * g[:, :, None] + ds[:, :, None] / P
    close(dx, wdx.reshape(shape), "SEModule dL/dx (two paths)")
    close(se.fc2.weight.grad, de.T @ z, "dL/dW2")
    close(se.fc2.bias.grad, de.sum(0), "dL/db2")
    close(se.fc1.weight.grad, da.T @ s, "dL/dW1")
    close(se.fc1.bias.grad, da.sum(0), "dL/db1")


# ============================================================ optimizers
def _grads(rng, steps, shape):
    return [rng.standard_normal(shape) for _ in range(steps)]


def _drive(opt_cls, theta0, grads, **kw):
    """lucid's optimizer on one float64 parameter, fed the given gradients: the parameter after each step."""
    p = lucid.tensor(theta0.copy(), requires_grad=True)
    opt = opt_cls([p], **kw)
    out = []
    for g in grads:
        p.grad = np.array(g, dtype=np.float64)
        opt.step()
        out.append(p.numpy().copy())
    return out


def sgd_page(theta, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    out, b = [], None
    for t, g in enumerate(grads, start=1):
        d = -g if maximize else g
        d = d + weight_decay * theta
        if momentum != 0:
            b = d if t == 1 else momentum * b + (1 - dampening) * d
            u = d + momentum * b if nesterov else b
        else:
            u = d
        theta = theta - lr * u
        out.append(theta)
    return out


@pytest.mark.parametrize("flags", [
    dict(), dict(weight_decay=0.2), dict(weight_decay=0.2, maximize=True), dict(maximize=True),
    dict(momentum=0.9), dict(momentum=0.9, dampening=0.3), dict(momentum=0.9, nesterov=True),
    dict(momentum=0.9, weight_decay=0.2, maximize=True), dict(momentum=0.5, nesterov=True, weight_decay=0.1,
                                                              maximize=True),
])
def test_page_optim_SGD(flags):
    """SGD's update rule: maximize negates g *before* weight decay; the step is always subtracted."""
    rng = np.random.default_rng(80)
    theta0 = rng.standard_normal(4) + 1
    grads = _grads(rng, 4, 4)
    got = _drive(optim.SGD, theta0, grads, lr=0.1, **flags)
    for k, (a, b) in enumerate(zip(got, sgd_page(theta0, grads, 0.1, **flags))):
        close(a, b, f"SGD {flags} step {k + 1}")


def adam_page(theta, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
              decoupled=False):
    b1, b2 = betas
    m = v = vmax = np.zeros_like(theta)  # m0 = v0 = 0
    out = []
    for t, nabla in enumerate(grads, start=1):
        if decoupled:
            theta = theta * (1 - lr * weight_decay)
        g = -nabla if maximize else nabla
        if not decoupled:
            g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        vmax = np.maximum(vmax, v)
        mhat = m / (1 - b1 ** t)
        vhat = (vmax if amsgrad else v) / (1 - b2 ** t)
        theta = theta - lr * mhat / (np.sqrt(vhat) + eps)
        out.append(theta)
    return out


_ADAM_FLAGS = [dict(), dict(weight_decay=0.1), dict(maximize=True), dict(maximize=True, weight_decay=0.1),
               dict(amsgrad=True), dict(amsgrad=True, maximize=True, weight_decay=0.05, betas=(0.5, 0.9))]


@pytest.mark.parametrize("flags", _ADAM_FLAGS)
def test_page_optim_Adam(flags):
    rng = np.random.default_rng(81)
    theta0 = rng.standard_normal(5)
    grads = [g * s for g, s in zip(_grads(rng, 6, 5), [1, 3, 0.1, 2, 0.01, 1])]  # amsgrad's max matters
    got = _drive(optim.Adam, theta0, grads, lr=0.05, **flags)
    for k, (a, b) in enumerate(zip(got, adam_page(theta0, grads, 0.05, **flags))):
        close(a, b, f"Adam {flags} step {k + 1}")


@pytest.mark.parametrize("flags", _ADAM_FLAGS)
def test_page_optim_AdamW(flags):
    rng = np.random.default_rng(82)
    theta0 = rng.standard_normal(5)
    grads = [g * s for g, s in zip(_grads(rng, 6, 5), [1, 3, 0.1, 2, 0.01, 1])]
    flags = dict(flags)
    flags.setdefault("weight_decay", 0.01)
    got = _drive(optim.AdamW, theta0, grads, lr=0.05, **flags)
    for k, (a, b) in enumerate(zip(got, adam_page(theta0, grads, 0.05, decoupled=True, **flags))):
        close(a, b, f"AdamW {flags} step {k + 1}")


# ============================================================ schedulers
def _lrs(sched_cls, epochs, **kw):
    opt = optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.8)
    sched = sched_cls(opt, **kw)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_page_lr_scheduler_StepLR():
    """eta_t = eta_0 gamma^floor(t / step_size)."""
    got = _lrs(lr_scheduler.StepLR, 12, step_size=3, gamma=0.5)
    close(got, [0.8 * 0.5 ** (t // 3) for t in range(12)])


def test_page_lr_scheduler_CosineAnnealingLR():
    """eta_t = eta_min + (eta_0 - eta_min)/2 (1 + cos(pi t / T_max)), continuing past T_max."""
    T, eta_min = 5, 0.1
    got = _lrs(lr_scheduler.CosineAnnealingLR, 13, T_max=T, eta_min=eta_min)
    want = [eta_min + (0.8 - eta_min) / 2 * (1 + math.cos(math.pi * t / T)) for t in range(13)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


# ============================================================ in-place ops, copies, casts, creation
@pytest.mark.parametrize("name,fwd,da,db", [
    ("add_", lambda a, b: a + b, lambda a, b, g: g, lambda a, b, g: g),
    ("sub_", lambda a, b: a - b, lambda a, b, g: g, lambda a, b, g: -g),
    ("mul_", lambda a, b: a * b, lambda a, b, g: g * b, lambda a, b, g: g * a),
    ("div_", lambda a, b: a / b, lambda a, b, g: g / b, lambda a, b, g: -g * a / b ** 2),
])
def test_page_lucid_inplace(name, fwd, da, db):
    """add_/sub_/mul_/div_: a' = a op b with the out-of-place op's gradients (a is a non-leaf here)."""
    rng = np.random.default_rng(90)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)) + 3.0
    ta, tb = lucid.tensor(a, requires_grad=True), lucid.tensor(b, requires_grad=True)
    target = ta * 1.0
    y = getattr(lucid, name)(target, tb)
    g = rng.standard_normal(y.shape)
    y.backward(lucid.tensor(g))
    close(y.numpy(), fwd(a, b))
    close(ta.grad, da(a, b, g))
    close(tb.grad, db(a, b, g))


def test_page_lucid_setitem_():
    """y = x except y[index] = v; dL/dx = g with zeros at index, dL/dv = g[index]."""
    rng = np.random.default_rng(91)
    x, v = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    tx, tv = lucid.tensor(x, requires_grad=True), lucid.tensor(v, requires_grad=True)
    y = lucid.setitem_(tx * 1.0, slice(1, 3), tv)
    g = rng.standard_normal(y.shape)
    y.backward(lucid.tensor(g))
    want = x.copy()
    want[1:3] = v
    close(y.numpy(), want)
    gx = g.copy()
    gx[1:3] = 0
    close(tx.grad, gx)
    close(tv.grad, g[1:3])


@pytest.mark.parametrize("name,fn", [("clone", lucid.clone), ("to_device", lambda t: lucid.to_device(t, "cpu")),
                                     ("view", lambda t: lucid.view(t, 12))])
def test_page_lucid_copies(name, fn):
    """clone/to_device: y = x, dL/dx = g; view: a reshape, dL/dx = reshape(g, x.shape)."""
    x = np.random.default_rng(92).standard_normal((3, 4))
    y, g, (dx,) = run(fn, x)
    close(y.reshape(x.shape), x)
    close(dx, g.reshape(x.shape))


def test_page_lucid_astype():
    """y = cast(x), dL/dx = cast^-1(g): float32 forward, the gradient back in float64."""
    x = np.random.default_rng(93).standard_normal((3, 4))
    t = lucid.tensor(x, requires_grad=True)
    y = lucid.astype(t, np.float32)
    g = np.random.default_rng(94).standard_normal(y.shape).astype(np.float32)
    y.backward(lucid.tensor(g))
    assert y.dtype == np.float32 and t.grad.dtype == np.float64
    close(y.numpy(), x.astype(np.float32))
    close(t.grad, g.astype(np.float64))


def test_page_lucid_arange_linspace():
    """arange: ceil((stop - start)/step) values start + k step; linspace: start + k (stop - start)/(num - 1)."""
    for start, stop, step in [(0.0, 1.0, 0.3), (2.0, -1.0, -0.5), (1.0, 7.0, 2.0)]:
        n = math.ceil((stop - start) / step)
        close(lucid.arange(start, stop, step, dtype=np.float64).numpy(), [start + k * step for k in range(n)])
    for start, stop, num in [(0.0, 1.0, 5), (-2.0, 3.0, 7)]:
        close(lucid.linspace(start, stop, num, dtype=np.float64).numpy(),
              [start + k * (stop - start) / (num - 1) for k in range(num)])


def test_page_lucid_random_creation():
    """rand/rand_like: uniform on [0, 1); randn: N(0, 1) (moments within 5 standard errors)."""
    lucid.manual_seed(0)
    u = lucid.rand(20000).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / u.size)
    v = lucid.rand_like(lucid.zeros((3, 4))).numpy()
    assert v.shape == (3, 4) and v.min() >= 0.0 and v.max() < 1.0
    z = lucid.randn(20000).numpy()
    assert abs(z.mean()) < 5 / math.sqrt(z.size) and abs(z.std() - 1) < 5 / math.sqrt(2 * z.size)


@pytest.mark.parametrize("alias,name", [("clamp", "clip"), ("concat", "cat"), ("concatenate", "cat")])
def test_page_lucid_aliases(alias, name):
    """Alias pages carry the same formulas: the same object as the page tested above."""
    assert getattr(lucid, alias) is getattr(lucid, name)
