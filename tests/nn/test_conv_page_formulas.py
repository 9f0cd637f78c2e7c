"""The formulas on the conv and pooling pages, implemented literally (loops over the symbols), against lucid.

Issue 19: students implement what the pages say, so each page's Forward
Calculation and Backward Gradient Calculation is coded here from the page's
own symbols (:math:`\\tilde x`, :math:`C_g`, :math:`g`, :math:`P_h`, :math:`P'_h`,
:math:`a_i`, :math:`D_{ij}`, ...) with plain Python loops in float64, and
compared with lucid's forward and backward on the geometries where a wrong
page would show: stride != dilation, groups, ``padding='same'`` with an even
kernel, output sizes that leave rows unread, ``ceil_mode`` windows.  The same
formulas are on ``lucid.nn.functional.conv2d/conv1d/max_pool2d/avg_pool2d``
and on ``lucid.nn.Conv2d/Conv1d/MaxPool2d/AvgPool2d``.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid.autograd import grad

TOL = 1e-10


def _grads(fn, arrays, g_out):
    ts = [lucid.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    return y.numpy(), [np.asarray(g) for g in grad([y], ts, [lucid.tensor(g_out)])]


def _pads(padding, kernel, dilation):
    """(P, P') per axis as the pages define them: an int on both sides, 'same' with the odd pixel after."""
    if padding == "same":
        return [((d * (k - 1)) // 2, d * (k - 1) - (d * (k - 1)) // 2) for k, d in zip(kernel, dilation)]
    if padding == "valid":
        return [(0, 0) for _ in kernel]
    return [(p, p) for p in padding]


# ----------------------------------------------------------------------------- conv2d / Conv2d
def page_conv2d(x, W, b, s, pads, d, G):
    """Forward Calculation of conv2d: y[n,o,i,j] = b_o + sum_{c in group} sum_{p,q} W[o, c - g C_g, p, q] x~[...]."""
    N, C, H, Wd = x.shape
    O, Cg, KH, KW = W.shape
    (Ph, Ph2), (Pw, Pw2) = pads
    OH = (H + Ph + Ph2 - d[0] * (KH - 1) - 1) // s[0] + 1
    OW = (Wd + Pw + Pw2 - d[1] * (KW - 1) - 1) // s[1] + 1
    Og = O // G

    def xt(n, c, u, v):  # x~: 0 outside the image
        return x[n, c, u, v] if 0 <= u < H and 0 <= v < Wd else 0.0

    y = np.zeros((N, O, OH, OW))
    for n, o, i, j in itertools.product(range(N), range(O), range(OH), range(OW)):
        g = o // Og
        acc = b[o] if b is not None else 0.0
        for c in range(g * Cg, (g + 1) * Cg):
            for p, q in itertools.product(range(KH), range(KW)):
                acc += W[o, c - g * Cg, p, q] * xt(n, c, s[0] * i + d[0] * p - Ph, s[1] * j + d[1] * q - Pw)
        y[n, o, i, j] = acc
    return y


def page_conv2d_backward(x, W, delta, s, pads, d, G):
    """Backward Gradient Calculation of conv2d: db, dW[o,c',p,q], dx[n,c,u,v], each as its page's sum."""
    N, C, H, Wd = x.shape
    O, Cg, KH, KW = W.shape
    _, _, OH, OW = delta.shape
    (Ph, _), (Pw, _) = pads
    Og = O // G

    def xt(n, c, u, v):
        return x[n, c, u, v] if 0 <= u < H and 0 <= v < Wd else 0.0

    db = delta.sum(axis=(0, 2, 3))
    dW = np.zeros(W.shape)
    for o, c1, p, q in itertools.product(range(O), range(Cg), range(KH), range(KW)):
        g = o // Og
        dW[o, c1, p, q] = sum(delta[n, o, i, j] * xt(n, g * Cg + c1, s[0] * i + d[0] * p - Ph, s[1] * j + d[1] * q - Pw)
                              for n in range(N) for i in range(OH) for j in range(OW))
    dx = np.zeros(x.shape)
    for n, c, u, v in itertools.product(range(N), range(C), range(H), range(Wd)):
        g = c // Cg
        acc = 0.0
        for o in range(g * Og, (g + 1) * Og):
            for p, q in itertools.product(range(KH), range(KW)):
                # i with s_h i + d_h p - P_h = u, j with s_w j + d_w q - P_w = v (0 <= i < OH, 0 <= j < OW)
                for i in range(OH):
                    if s[0] * i + d[0] * p - Ph != u:
                        continue
                    for j in range(OW):
                        if s[1] * j + d[1] * q - Pw == v:
                            acc += delta[n, o, i, j] * W[o, c - g * Cg, p, q]
        dx[n, c, u, v] = acc
    return dx, dW, db


CONV2D_CASES = {
    # the example: 8x8, 3x3, stride 2, padding 1 (the old "G * x" page was off by up to 23;
    # (8 + 2 - 2 - 1) mod 2 = 1, so a transposed convolution needs output_padding 1)
    "issue_8x8_k3_s2_p1": ((2, 2, 8, 8), (3, 2, 3, 3), dict(stride=2, padding=1)),
    "stride_neq_dilation": ((1, 2, 7, 8), (2, 2, 3, 2), dict(stride=(2, 3), padding=(1, 2), dilation=(3, 1))),
    "groups": ((1, 4, 5, 6), (6, 2, 2, 3), dict(stride=(1, 2), padding=1, dilation=(2, 1), groups=2)),
    "same_even_kernel": ((1, 2, 7, 5), (2, 2, 4, 2), dict(padding="same")),  # K = 4, H = 7 -> OH = 7
    "same_even_kernel_dilated": ((1, 2, 6, 6), (2, 1, 2, 3), dict(padding="same", dilation=(3, 2), groups=2)),
}


@pytest.mark.parametrize("case", list(CONV2D_CASES))
def test_conv2d_page(case):
    x_shape, w_shape, kw = CONV2D_CASES[case]
    g = np.random.default_rng(0)
    x, W, b = g.standard_normal(x_shape), g.standard_normal(w_shape), g.standard_normal(w_shape[0])
    s = kw.get("stride", 1)
    s = (s, s) if isinstance(s, int) else s
    d = kw.get("dilation", 1)
    d = (d, d) if isinstance(d, int) else d
    p = kw.get("padding", 0)
    p = (p, p) if isinstance(p, int) else p
    pads = _pads(p, w_shape[2:], d)
    G = kw.get("groups", 1)
    want = page_conv2d(x, W, b, s, pads, d, G)
    delta = g.standard_normal(want.shape)
    y, (dx, dW, db) = _grads(lambda *a: F.conv2d(*a, **kw), [x, W, b], delta)
    assert y.shape == want.shape  # the page's OH, OW (with P and P')
    if p == "same":
        assert y.shape[2:] == x.shape[2:]
    np.testing.assert_allclose(y, want, rtol=TOL, atol=TOL)
    page_dx, page_dW, page_db = page_conv2d_backward(x, W, delta, s, pads, d, G)
    np.testing.assert_allclose(dW, page_dW, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(db, page_db, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(dx, page_dx, rtol=TOL, atol=TOL)


@pytest.mark.torch
@pytest.mark.parametrize("case", ["issue_8x8_k3_s2_p1", "stride_neq_dilation", "groups"])
def test_conv2d_page_input_gradient_as_a_transposed_convolution(torch, case):
    """The page's sentence: with symmetric padding dL/dx = conv_transpose2d(delta, W, ..., output_padding =
    (H + 2P - d(K - 1) - 1) mod s)."""
    x_shape, w_shape, kw = CONV2D_CASES[case]
    g = np.random.default_rng(1)
    x, W = g.standard_normal(x_shape), g.standard_normal(w_shape)
    s = kw.get("stride", 1)
    s = (s, s) if isinstance(s, int) else s
    d = kw.get("dilation", 1)
    d = (d, d) if isinstance(d, int) else d
    p = kw.get("padding", 0)
    p = (p, p) if isinstance(p, int) else p
    out_pad = tuple((n + 2 * pp - dd * (k - 1) - 1) % ss for n, pp, dd, k, ss in zip(x_shape[2:], p, d, w_shape[2:], s))
    y = F.conv2d(lucid.tensor(x), lucid.tensor(W), **kw)
    delta = g.standard_normal(y.shape)
    _, (dx,) = _grads(lambda t: F.conv2d(t, lucid.tensor(W), **kw), [x], delta)
    page = torch.nn.functional.conv_transpose2d(torch.tensor(delta), torch.tensor(W), stride=s, padding=p,
                                                output_padding=out_pad, groups=kw.get("groups", 1), dilation=d)
    np.testing.assert_allclose(dx, page.numpy(), rtol=TOL, atol=TOL)


# ----------------------------------------------------------------------------- conv1d / Conv1d
def page_conv1d(x, W, b, s, pad, d, G):
    N, C, L = x.shape
    O, Cg, K = W.shape
    P, P2 = pad
    OL = (L + P + P2 - d * (K - 1) - 1) // s + 1
    Og = O // G
    xt = lambda n, c, u: x[n, c, u] if 0 <= u < L else 0.0  # noqa: E731
    y = np.zeros((N, O, OL))
    for n, o, i in itertools.product(range(N), range(O), range(OL)):
        g = o // Og
        y[n, o, i] = b[o] + sum(W[o, c - g * Cg, p] * xt(n, c, s * i + d * p - P)
                                for c in range(g * Cg, (g + 1) * Cg) for p in range(K))
    return y


def page_conv1d_backward(x, W, delta, s, pad, d, G):
    N, C, L = x.shape
    O, Cg, K = W.shape
    OL = delta.shape[2]
    P = pad[0]
    Og = O // G
    xt = lambda n, c, u: x[n, c, u] if 0 <= u < L else 0.0  # noqa: E731
    db = delta.sum(axis=(0, 2))
    dW = np.zeros(W.shape)
    for o, c1, p in itertools.product(range(O), range(Cg), range(K)):
        dW[o, c1, p] = sum(delta[n, o, i] * xt(n, (o // Og) * Cg + c1, s * i + d * p - P)
                           for n in range(N) for i in range(OL))
    dx = np.zeros(x.shape)
    for n, c, u in itertools.product(range(N), range(C), range(L)):
        g = c // Cg
        dx[n, c, u] = sum(delta[n, o, i] * W[o, c - g * Cg, p]
                          for o in range(g * Og, (g + 1) * Og) for p in range(K) for i in range(OL)
                          if s * i + d * p - P == u)
    return dx, dW, db


@pytest.mark.parametrize("kw", [dict(stride=3, padding=2, dilation=2, groups=2), dict(padding="same", dilation=1)],
                         ids=["stride_dilation_groups", "same_even_kernel"])
def test_conv1d_page(kw):
    g = np.random.default_rng(2)
    x, W, b = g.standard_normal((2, 4, 9)), g.standard_normal((4, 4 // kw.get("groups", 1), 4)), g.standard_normal(4)
    s, d, G = kw.get("stride", 1), kw.get("dilation", 1), kw.get("groups", 1)
    pad = _pads(kw["padding"] if kw["padding"] == "same" else (kw["padding"],), (4,), (d,))[0]
    want = page_conv1d(x, W, b, s, pad, d, G)
    delta = g.standard_normal(want.shape)
    y, (dx, dW, db) = _grads(lambda *a: F.conv1d(*a, **kw), [x, W, b], delta)
    np.testing.assert_allclose(y, want, rtol=TOL, atol=TOL)
    for got, page in zip((dx, dW, db), page_conv1d_backward(x, W, delta, s, pad, d, G)):
        np.testing.assert_allclose(got, page, rtol=TOL, atol=TOL)


# ----------------------------------------------------------------------------- pooling
def _pool_out(size, k, s, p, d, ceil_mode):
    """The page's OH: floor (or ceil) of (H + 2P - d(K - 1) - 1) / s, plus 1; the last window dropped in
    ceil mode when (OH - 1) s >= H + P."""
    span = size + 2 * p - d * (k - 1) - 1
    o = (math.ceil(span / s) if ceil_mode else span // s) + 1
    if ceil_mode and (o - 1) * s >= size + p:
        o -= 1
    return o


def page_max_pool2d(x, k, s, p, d, ceil_mode, G):
    """Forward and backward of max_pool2d as on its page (first maximum in row-major order, no ties here)."""
    N, C, H, W = x.shape
    OH, OW = (_pool_out(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip((H, W), k, s, p, d))
    xt = lambda n, c, u, v: x[n, c, u, v] if 0 <= u < H and 0 <= v < W else -math.inf  # noqa: E731
    y = np.zeros((N, C, OH, OW))
    dx = np.zeros(x.shape)
    for n, c, i, j in itertools.product(range(N), range(C), range(OH), range(OW)):
        taps = [(xt(n, c, s[0] * i + d[0] * pp - p[0], s[1] * j + d[1] * q - p[1]), pp, q)
                for pp in range(k[0]) for q in range(k[1])]
        best = max(t[0] for t in taps)
        _, ps, qs = next(t for t in taps if t[0] == best)  # (p*, q*): the first maximum
        y[n, c, i, j] = best
        dx[n, c, s[0] * i + d[0] * ps - p[0], s[1] * j + d[1] * qs - p[1]] += G[n, c, i, j]
    return y, dx


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1)),
                                dict(kernel_size=2, stride=2, ceil_mode=True)],
                         ids=["k3_s2_p1_ceil", "dilated_rect", "k2_ceil"])
def test_max_pool2d_page(kw):
    g = np.random.default_rng(3)
    x = g.standard_normal((2, 2, 5, 7))
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    k = pair(kw["kernel_size"])
    s, p, d = pair(kw.get("stride", k)), pair(kw.get("padding", 0)), pair(kw.get("dilation", 1))
    y_shape = F.max_pool2d(lucid.tensor(x), **kw).shape
    G = g.standard_normal(y_shape)
    want_y, want_dx = page_max_pool2d(x, k, s, p, d, kw.get("ceil_mode", False), G)
    y, (dx,) = _grads(lambda t: F.max_pool2d(t, **kw), [x], G)
    np.testing.assert_allclose(y, want_y, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(dx, want_dx, rtol=TOL, atol=TOL)


def page_avg_pool2d(x, k, s, p, ceil_mode, count_include_pad, divisor_override, G):
    """Forward and backward of avg_pool2d as on its page: a_i = s_h i - P_h, D_ij from the page's min/max."""
    N, C, H, W = x.shape
    OH, OW = (_pool_out(n, kk, ss, pp, 1, ceil_mode) for n, kk, ss, pp in zip((H, W), k, s, p))
    xt = lambda n, c, u, v: x[n, c, u, v] if 0 <= u < H and 0 <= v < W else 0.0  # noqa: E731
    y = np.zeros((N, C, OH, OW))
    dx = np.zeros(x.shape)
    for i, j in itertools.product(range(OH), range(OW)):
        a, b = s[0] * i - p[0], s[1] * j - p[1]
        if divisor_override is not None:
            D = divisor_override
        elif count_include_pad:
            D = (min(a + k[0], H + p[0]) - a) * (min(b + k[1], W + p[1]) - b)
        else:
            D = (min(a + k[0], H) - max(a, 0)) * (min(b + k[1], W) - max(b, 0))
        for n, c in itertools.product(range(N), range(C)):
            y[n, c, i, j] = sum(xt(n, c, a + pp, b + q) for pp in range(k[0]) for q in range(k[1])) / D
        for u, v in itertools.product(range(H), range(W)):
            if a <= u < a + k[0] and b <= v < b + k[1]:
                dx[:, :, u, v] += G[:, :, i, j] / D
    return y, dx


@pytest.mark.parametrize("kw", [dict(kernel_size=2, stride=2, ceil_mode=True),  # the 5x5 corner: x / 1
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                                dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), count_include_pad=False),
                                dict(kernel_size=2, stride=1, padding=1, divisor_override=3)],
                         ids=["issue_k2_s2_ceil", "k3_s2_p1_ceil", "ceil_exclude_pad", "exclude_pad", "override"])
def test_avg_pool2d_page(kw):
    g = np.random.default_rng(4)
    x = g.standard_normal((1, 2, 5, 5))
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    k = pair(kw["kernel_size"])
    s, p = pair(kw.get("stride", k)), pair(kw.get("padding", 0))
    y_shape = F.avg_pool2d(lucid.tensor(x), **kw).shape
    G = g.standard_normal(y_shape)
    want_y, want_dx = page_avg_pool2d(x, k, s, p, kw.get("ceil_mode", False), kw.get("count_include_pad", True),
                                      kw.get("divisor_override"), G)
    y, (dx,) = _grads(lambda t: F.avg_pool2d(t, **kw), [x], G)
    assert y.shape == want_y.shape
    np.testing.assert_allclose(y, want_y, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(dx, want_dx, rtol=TOL, atol=TOL)
    if kw == dict(kernel_size=2, stride=2, ceil_mode=True):
        assert y[0, 0, 2, 2] == x[0, 0, 4, 4]  # divided by 1, not by KH * KW = 4
