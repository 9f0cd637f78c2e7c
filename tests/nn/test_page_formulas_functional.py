"""The formulas on the nn.functional pages (linear, losses, normalisation, dropout), implemented literally.

Each test reads like its page: the forward and backward formulas written in
NumPy with the page's own symbols (float64), compared with lucid's values and
gradients. A page whose formula is wrong fails here (issue 19).
"""
from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid.autograd import grad

TOL = 1e-10


def _rng(seed=0):
    return np.random.default_rng(seed)


def _lucid_grads(fn, arrays, upstream):
    xs = [lucid.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    gs = grad([out], xs, [lucid.tensor(upstream)], allow_unused=True)
    return out.numpy(), [np.zeros(a.shape) if g is None else np.asarray(g) for g, a in zip(gs, arrays)]


def _reduce(ell, reduction, divisor=None):
    """L and g_i = dL/d ell_i, with the scalar upstream gradient g = 1.3 (or the given array for "none")."""
    if reduction == "none":
        g = _rng(99).standard_normal(ell.shape)
        return ell, g, g
    g = 1.3
    if reduction == "sum":
        return ell.sum(), np.full(ell.shape, g), np.float64(g)
    n = ell.size if divisor is None else divisor
    return ell.sum() / n, np.full(ell.shape, g / n), np.float64(g)


def _check(fn, arrays, L, upstream, grads):
    out, got = _lucid_grads(fn, arrays, upstream)
    np.testing.assert_allclose(out, L, rtol=TOL, atol=TOL)
    for k, (a, b) in enumerate(zip(got, grads)):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=f"gradient of argument {k}")


# ----------------------------------------------------------------------------- linear
def test_linear_page():
    g = _rng(0)
    x, W, b = g.standard_normal((2, 3, 4)), g.standard_normal((5, 4)), g.standard_normal(5)
    y = np.einsum("...i,oi->...o", x, W) + b  # y_o = sum_i x_i W_oi + b_o
    G = g.standard_normal(y.shape)
    R, Gr = x.reshape(-1, 4), G.reshape(-1, 5)  # rows stacked over the leading axes
    _check(F.linear, [x, W, b], y, G, [(Gr @ W).reshape(x.shape), Gr.T @ R, Gr.sum(0)])


# ----------------------------------------------------------------------------- regression
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_page(reduction):
    g = _rng(1)
    x, y = g.standard_normal((3, 4)), g.standard_normal((3, 4))
    ell = (x - y) ** 2
    L, gi, up = _reduce(ell, reduction)
    _check(lambda a, b: F.mse_loss(a, b, reduction=reduction), [x, y], L, up,
           [2 * gi * (x - y), -2 * gi * (x - y)])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_l1_loss_page_with_ties(reduction):
    g = _rng(2)
    x, y = g.standard_normal((3, 4)), g.standard_normal((3, 4))
    y[0, :2] = x[0, :2]  # x_i = y_i: sign(0) = 0
    ell = np.abs(x - y)
    L, gi, up = _reduce(ell, reduction)
    _check(lambda a, b: F.l1_loss(a, b, reduction=reduction), [x, y], L, up,
           [gi * np.sign(x - y), -gi * np.sign(x - y)])


# ----------------------------------------------------------------------------- classification
def _softmax(x, axis=1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted,ignore", [(False, False), (True, False), (True, True)])
def test_nll_loss_page(weighted, ignore, reduction):
    g = _rng(3)
    N, C = 5, 3
    x = np.log(_softmax(g.standard_normal((N, C))))
    y = np.array([0, 2, 1, 1, 2])
    w = g.random(C) + 0.5 if weighted else np.ones(C)
    ignore_index = 1 if ignore else -100
    v = (y != ignore_index).astype(float)
    yc = np.where(v > 0, y, 0)
    ell = -v * w[yc] * x[np.arange(N), yc]
    L, gn, up = _reduce(ell, reduction, divisor=(v * w[yc]).sum())
    dx = np.zeros((N, C))
    dx[np.arange(N), yc] = -gn * v * w[yc]
    kw = dict(weight=lucid.tensor(w) if weighted else None, ignore_index=ignore_index, reduction=reduction)
    _check(lambda a: F.nll_loss(a, lucid.tensor(y), **kw), [x], L, up, [dx])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted,eps,ignore", [(False, 0.0, False), (False, 0.2, False), (True, 0.0, False),
                                                 (True, 0.2, False), (True, 0.1, True)])
def test_cross_entropy_page_class_targets(weighted, eps, ignore, reduction):
    g = _rng(4)
    N, C = 5, 4
    x = g.standard_normal((N, C)) * 2
    y = np.array([0, 3, 1, 1, 2])
    w = g.random(C) + 0.5 if weighted else np.ones(C)
    ignore_index = 1 if ignore else -100
    v = (y != ignore_index).astype(float)
    yc = np.where(v > 0, y, 0)
    p = _softmax(x)
    logp = np.log(p)
    ell = v * (-(1 - eps) * w[yc] * logp[np.arange(N), yc] - eps / C * (w * logp).sum(1))
    L, gn, up = _reduce(ell, reduction, divisor=(v * w[yc]).sum())
    onehot = np.eye(C)[yc]
    W = w.sum()
    dx = (gn * v)[:, None] * ((1 - eps) * w[yc][:, None] * (p - onehot) + eps / C * (W * p - w))
    kw = dict(weight=lucid.tensor(w) if weighted else None, ignore_index=ignore_index, reduction=reduction,
              label_smoothing=eps)
    _check(lambda a: F.cross_entropy(a, lucid.tensor(y), **kw), [x], L, up, [dx])
    if not weighted and not ignore:  # the page's unweighted form: p - q
        q = (1 - eps) * onehot + eps / C
        np.testing.assert_allclose(dx, gn[:, None] * (p - q), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted,eps", [(False, 0.0), (True, 0.2)])
def test_cross_entropy_page_probability_targets(weighted, eps, reduction):
    g = _rng(5)
    N, C = 4, 3
    x = g.standard_normal((N, C))
    t = _softmax(g.standard_normal((N, C)))
    w = g.random(C) + 0.5 if weighted else np.ones(C)
    p = _softmax(x)
    q = (1 - eps) * t + eps / C
    ell = -(w * q * np.log(p)).sum(1)
    L, gn, up = _reduce(ell, reduction)
    dx = gn[:, None] * (p * (w * q).sum(1, keepdims=True) - w * q)
    dt = -gn[:, None] * (1 - eps) * w * np.log(p)
    kw = dict(weight=lucid.tensor(w) if weighted else None, reduction=reduction, label_smoothing=eps)
    _check(lambda a, b: F.cross_entropy(a, b, **kw), [x, t], L, up, [dx, dt])


# ----------------------------------------------------------------------------- binary
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_page(weighted, reduction):
    g = _rng(6)
    p, y = g.uniform(0.05, 0.95, (3, 4)), g.uniform(0, 1, (3, 4))
    w = g.random(4) + 0.5 if weighted else np.ones(4)
    ell = -w * (y * np.log(p) + (1 - y) * np.log(1 - p))
    L, gi, up = _reduce(ell, reduction)
    dp = gi * w * (p - y) / np.maximum(p * (1 - p), 1e-12)
    dy = gi * w * (np.log(1 - p) - np.log(p))
    kw = dict(weight=lucid.tensor(w) if weighted else None, reduction=reduction)
    _check(lambda a, b: F.binary_cross_entropy(a, b, **kw), [p, y], L, up, [dp, dy])


@pytest.mark.torch
def test_binary_cross_entropy_page_at_0_and_1(torch):
    """Logs clamped at -100 in the loss; the target gradient is -logit(p), unclamped (+-inf), as PyTorch."""
    p, y = np.array([0.0, 1.0, 1e-60, 0.5]), np.array([0.3, 0.3, 0.3, 0.3])
    ell = -(y * np.maximum(np.log(p, where=p > 0, out=np.full(4, -np.inf)), -100)
            + (1 - y) * np.maximum(np.log1p(-p, where=p < 1, out=np.full(4, -np.inf)), -100))
    out, (dp, dy) = _lucid_grads(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"), [p, y], np.ones(4))
    np.testing.assert_allclose(out, ell, rtol=TOL)
    np.testing.assert_array_equal(dy[:2], [np.inf, -np.inf])
    tp, ty = torch.tensor(p, requires_grad=True), torch.tensor(y, requires_grad=True)
    want = torch.autograd.grad(torch.nn.functional.binary_cross_entropy(tp, ty, reduction="sum"), [tp, ty])
    np.testing.assert_allclose(dp, want[0].numpy(), rtol=1e-8)  # PyTorch orders the clamped division differently
    np.testing.assert_allclose(dy, want[1].numpy(), rtol=1e-12)


def _softplus(z):
    return np.logaddexp(0.0, z)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted,pos", [(False, False), (True, False), (False, True), (True, True)])
def test_binary_cross_entropy_with_logits_page(weighted, pos, reduction):
    g = _rng(7)
    x, y = g.standard_normal((3, 4)) * 3, g.uniform(0, 1, (3, 4))
    w = g.random((3, 4)) + 0.5 if weighted else np.ones((3, 4))
    pw = g.random(4) + 0.5 if pos else np.ones(4)
    pi = np.broadcast_to(pw, x.shape)  # pi_i: the pos_weight of element i's class (last axis)
    r = 1 + (pi - 1) * y
    ell = w * ((1 - y) * x + r * _softplus(-x))
    np.testing.assert_allclose(ell, -w * (pi * y * np.log(_sigmoid(x)) + (1 - y) * np.log(1 - _sigmoid(x))),
                               rtol=1e-9)  # the page's second form
    L, gi, up = _reduce(ell, reduction)
    dx = gi * w * ((1 - y) - r * _sigmoid(-x))
    dy = gi * w * (-x + (pi - 1) * _softplus(-x))
    kw = dict(weight=lucid.tensor(w) if weighted else None, pos_weight=lucid.tensor(pw) if pos else None,
              reduction=reduction)
    _check(lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw), [x, y], L, up, [dx, dy])


# ----------------------------------------------------------------------------- normalisation
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_page(training):
    g = _rng(8)
    N, C, H, W_ = 3, 2, 2, 2
    x = g.standard_normal((N, C, H, W_)) * 2 + 1
    gamma, beta = g.standard_normal(C) + 1, g.standard_normal(C)
    rm0, rv0 = g.standard_normal(C), g.uniform(0.5, 2, C)
    eps, momentum, m = 1e-5, 0.1, N * H * W_
    ax, c4 = (0, 2, 3), (1, C, 1, 1)
    if training:
        mu, var = x.mean(ax, keepdims=True), ((x - x.mean(ax, keepdims=True)) ** 2).mean(ax, keepdims=True)
    else:
        mu, var = rm0.reshape(c4), rv0.reshape(c4)
    xhat = (x - mu) / np.sqrt(var + eps)
    y = gamma.reshape(c4) * xhat + beta.reshape(c4)
    G = g.standard_normal(x.shape)
    gxhat = gamma.reshape(c4) * G
    if training:
        dx = (gxhat - gxhat.mean(ax, keepdims=True) - xhat * (gxhat * xhat).mean(ax, keepdims=True)) / np.sqrt(var + eps)
    else:
        dx = gamma.reshape(c4) * G / np.sqrt(var + eps)
    dgamma, dbeta = (G * xhat).sum(ax), G.sum(ax)
    rm, rv = lucid.tensor(rm0), lucid.tensor(rv0)
    _check(lambda a, gm, bt: F.batch_norm(a, rm, rv, gm, bt, training=training, momentum=momentum, eps=eps),
           [x, gamma, beta], y, G, [dx, dgamma, dbeta])
    if training:  # the running estimates' update (unbiased variance)
        np.testing.assert_allclose(rm.numpy(), (1 - momentum) * rm0 + momentum * mu.ravel(), rtol=TOL)
        np.testing.assert_allclose(rv.numpy(), (1 - momentum) * rv0 + momentum * m / (m - 1) * var.ravel(), rtol=TOL)


def test_layer_norm_page():
    g = _rng(9)
    x = g.standard_normal((2, 3, 2, 3)) * 2 + 1
    shape = (2, 3)
    gamma, beta = g.standard_normal(shape) + 1, g.standard_normal(shape)
    eps, ax = 1e-5, (2, 3)
    mu = x.mean(ax, keepdims=True)
    var = ((x - mu) ** 2).mean(ax, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    y = gamma * xhat + beta
    G = g.standard_normal(x.shape)
    gxhat = gamma * G
    dx = (gxhat - gxhat.mean(ax, keepdims=True) - xhat * (gxhat * xhat).mean(ax, keepdims=True)) / np.sqrt(var + eps)
    _check(lambda a, gm, bt: F.layer_norm(a, shape, gm, bt, eps=eps), [x, gamma, beta], y, G,
           [dx, (G * xhat).sum((0, 1)), G.sum((0, 1))])


# ----------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_dropout_page(p):
    x = _rng(10).standard_normal((4, 5))
    lucid.random.seed(5)
    m = (lucid.random.generator().random(x.shape) >= p).astype(float)  # the mask: Bernoulli(1 - p)
    if p < 1:
        y, scale = m * x / (1 - p), m / (1 - p)
    else:
        y, scale = np.zeros_like(x), np.zeros_like(x)
    G = _rng(11).standard_normal(x.shape)
    lucid.random.seed(5)
    _check(lambda a: F.dropout(a, p=p), [x], y, G, [scale * G])
    _check(lambda a: F.dropout(a, p=p, training=False), [x], x, G, [G])
