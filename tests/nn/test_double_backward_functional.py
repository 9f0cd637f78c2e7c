"""Second derivatives of nn.functional (linear, losses, normalisation, dropout) and of nn.SEModule.

Each case is checked twice, in float64, on every device:

* ``gradgradcheck``: finite differences of the first-order gradient (in the
  inputs and in the upstream gradient ``v``);
* PyTorch's double backward: with ``L = <v, f(x)>`` and a random ``u``, the
  gradient of ``<u, dL/dx>`` with respect to every input and to ``v``
  (``torch.autograd.grad(..., create_graph=True)`` and then ``grad`` again).

Targets, class weights and masks are constants made on the device inside the
case (gradgradcheck casts every tensor it is given to float64).
"""
from __future__ import annotations


import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid import backend, nn
from lucid.autograd import grad, gradgradcheck

TOL = 1e-7


def _host(a) -> np.ndarray:
    return backend.to_host(a.data if isinstance(a, lucid.Tensor) else a)


def _double_backward(lib, grad_fn, fn, xs, v, us):
    """First-order gradients of <v, fn(xs)> (recorded), and the gradients of sum <u, g> in xs and v."""
    out = fn(*xs)
    gs = grad_fn([out], xs, [v], create_graph=True, allow_unused=True)
    terms = [(g * u).sum() for g, u in zip(gs, us) if g is not None]
    s = terms[0]
    for term in terms[1:]:
        s = s + term
    hs = grad_fn([s], list(xs) + [v], allow_unused=True)
    return out, gs, hs


def check(device, torch, lucid_fn, torch_fn, arrays, seed=1, gradgrad=True):
    """lucid's first and second derivatives of ``lucid_fn`` agree with PyTorch's and with gradgradcheck."""
    _check(device, torch, lucid_fn, torch_fn, arrays, seed, gradgrad)


def _check(device, torch, lucid_fn, torch_fn, arrays, seed, gradgrad):
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    xs = [lucid.tensor(a, device=device, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ref = torch_fn(*ts)
    g = np.random.default_rng(seed)
    v0 = g.standard_normal(tuple(ref.shape))
    us = [g.standard_normal(a.shape) for a in arrays]
    out, gs, hs = _double_backward(
        lucid, grad, lucid_fn, xs, lucid.tensor(v0, device=device, requires_grad=True),
        [lucid.tensor(u, device=device) for u in us])
    t_out, t_gs, t_hs = _double_backward(
        torch, torch.autograd.grad, torch_fn, ts, torch.tensor(v0, requires_grad=True),
        [torch.tensor(u) for u in us])
    assert out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=TOL, atol=TOL)
    for k, (got, want) in enumerate(zip(gs, t_gs)):
        assert got is None or isinstance(got, lucid.Tensor), f"first-order gradient {k} is not a Tensor"
        got = np.zeros(arrays[k].shape) if got is None else got.numpy()
        want = np.zeros(arrays[k].shape) if want is None else want.detach().numpy()
        np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL, err_msg=f"first-order gradient of input {k}")
    shapes = [a.shape for a in arrays] + [v0.shape]
    for k, (got, want) in enumerate(zip(hs, t_hs)):
        got = np.zeros(shapes[k]) if got is None else _host(got)
        want = np.zeros(shapes[k]) if want is None else want.numpy(force=True)  # a ZeroTensor too
        which = "v" if k == len(arrays) else f"input {k}"
        np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL, err_msg=f"second-order gradient in {which}")
    if gradgrad:
        assert gradgradcheck(lucid_fn, xs) is True


def _rng(seed=0):
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- linear
@pytest.mark.torch
@pytest.mark.parametrize("x_shape,bias", [((3, 4), True), ((3, 4), False), ((2, 3, 4), True)])
def test_linear(device, torch, x_shape, bias):
    g = _rng(0)
    arrays = [g.standard_normal(x_shape), g.standard_normal((2, 4))] + ([g.standard_normal(2)] if bias else [])
    check(device, torch, F.linear, torch.nn.functional.linear, arrays)


# ----------------------------------------------------------------------------- regression losses
@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_in_input_and_target(device, torch, name, reduction):
    g = _rng(1)
    x, y = g.standard_normal((3, 4)), g.standard_normal((3, 4))  # no ties: |x - y| is smooth there
    check(device, torch, lambda a, b: getattr(F, name)(a, b, reduction=reduction),
          lambda a, b: getattr(torch.nn.functional, name)(a, b, reduction=reduction), [x, y])


# ----------------------------------------------------------------------------- classification losses
CE_CASES = {
    "plain": dict(),
    "weight": dict(weight=True),
    "smoothing": dict(label_smoothing=0.2),
    "ignore_index": dict(ignore_index=1),
    "all": dict(weight=True, label_smoothing=0.1, ignore_index=1),
}


def _class_case(device, torch, case, shape, seed=2):
    g = _rng(seed)
    x = g.standard_normal(shape) * 2
    y = g.integers(0, shape[1], (shape[0],) + shape[2:])
    y.flat[0] = 1  # at least one ignored target in the ignore_index cases
    kw, tkw = dict(case), dict(case)
    if kw.pop("weight", False):
        w = g.random(shape[1]) + 0.5
        kw["weight"], tkw["weight"] = lucid.tensor(w, device=device), torch.tensor(w)
    return x, lucid.tensor(y, device=device), torch.tensor(y), kw, tkw


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CE_CASES.values(), ids=CE_CASES.keys())
def test_cross_entropy_class_targets(device, torch, case, reduction):
    x, y, ty, kw, tkw = _class_case(device, torch, case, (4, 3))
    check(device, torch, lambda a: F.cross_entropy(a, y, reduction=reduction, **kw),
          lambda a: torch.nn.functional.cross_entropy(a, ty, reduction=reduction, **tkw), [x])


@pytest.mark.torch
def test_cross_entropy_spatial_targets(device, torch):
    x, y, ty, kw, tkw = _class_case(device, torch, CE_CASES["all"], (2, 3, 2))
    check(device, torch, lambda a: F.cross_entropy(a, y, **kw),
          lambda a: torch.nn.functional.cross_entropy(a, ty, **tkw), [x])


@pytest.mark.torch
@pytest.mark.parametrize("case", [dict(), dict(weight=True, label_smoothing=0.1)], ids=["plain", "weight_smoothing"])
def test_cross_entropy_probability_targets_in_logits_and_target(device, torch, case):
    g = _rng(3)
    x = g.standard_normal((3, 4))
    q = g.random((3, 4))
    q /= q.sum(1, keepdims=True)
    kw, tkw = dict(case), dict(case)
    if kw.pop("weight", False):
        w = g.random(4) + 0.5
        kw["weight"], tkw["weight"] = lucid.tensor(w, device=device), torch.tensor(w)
    check(device, torch, lambda a, b: F.cross_entropy(a, b, **kw),
          lambda a, b: torch.nn.functional.cross_entropy(a, b, **tkw), [x, q])


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("case", [dict(), dict(weight=True, ignore_index=1)], ids=["plain", "weight_ignore"])
def test_nll_loss(device, torch, case, reduction):
    x, y, ty, kw, tkw = _class_case(device, torch, case, (4, 3))
    check(device, torch, lambda a: F.nll_loss(F.log_softmax(a, axis=1), y, reduction=reduction, **kw),
          lambda a: torch.nn.functional.nll_loss(torch.log_softmax(a, 1), ty, reduction=reduction, **tkw), [x])


# ----------------------------------------------------------------------------- binary losses
@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_in_input_and_target(device, torch, weighted, reduction):
    g = _rng(4)
    p, y = g.uniform(0.1, 0.9, (3, 4)), g.uniform(0.0, 1.0, (3, 4))
    w = g.random(4) + 0.5 if weighted else None
    lw, tw = (None, None) if w is None else (lucid.tensor(w, device=device), torch.tensor(w))
    check(device, torch, lambda a, b: F.binary_cross_entropy(a, b, weight=lw, reduction=reduction),
          lambda a, b: torch.nn.functional.binary_cross_entropy(a, b, weight=tw, reduction=reduction), [p, y])


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weights", ["none", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits_in_input_and_target(device, torch, weights, reduction):
    g = _rng(5)
    x, y = g.standard_normal((3, 4)) * 2, g.uniform(0.0, 1.0, (3, 4))
    kw, tkw = {}, {}
    if weights in ("weight", "both"):
        w = g.random(4) + 0.5
        kw["weight"], tkw["weight"] = lucid.tensor(w, device=device), torch.tensor(w)
    if weights in ("pos_weight", "both"):
        pw = g.random(4) + 0.5
        kw["pos_weight"], tkw["pos_weight"] = lucid.tensor(pw, device=device), torch.tensor(pw)
    check(device, torch, lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction, **kw),
          lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b, reduction=reduction, **tkw),
          [x, y])


# ----------------------------------------------------------------------------- normalisation
@pytest.mark.torch
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 2, 2)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm(device, torch, training, affine, shape):
    g = _rng(6)
    c = shape[1]
    x = g.standard_normal(shape) * 2 + 1
    rm, rv = g.standard_normal(c), g.uniform(0.5, 2.0, c)
    params = [g.standard_normal(c) + 1.0, g.standard_normal(c)] if affine else []

    def lucid_fn(a, *wb):
        # fresh running statistics per call: training updates them in place
        return F.batch_norm(a, lucid.tensor(rm, device=device), lucid.tensor(rv, device=device), *wb,
                            training=training)

    def torch_fn(a, *wb):
        return torch.nn.functional.batch_norm(a, torch.tensor(rm), torch.tensor(rv), *wb, training=training)

    check(device, torch, lucid_fn, torch_fn, [x] + params)


@pytest.mark.torch
@pytest.mark.parametrize("normalized_shape", [(3,), (2, 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(device, torch, affine, normalized_shape):
    g = _rng(7)
    x = g.standard_normal((2, 2, 3)) * 2 + 1
    params = [g.standard_normal(normalized_shape) + 1.0, g.standard_normal(normalized_shape)] if affine else []
    check(device, torch, lambda a, *wb: F.layer_norm(a, normalized_shape, *wb),
          lambda a, *wb: torch.nn.functional.layer_norm(a, normalized_shape, *wb), [x] + params)


# ----------------------------------------------------------------------------- dropout
@pytest.mark.torch
@pytest.mark.parametrize("p", [0.0, 0.4, 1.0])
def test_dropout_with_the_same_mask(device, torch, p):
    x = _rng(8).standard_normal((3, 4))
    # The mask lucid draws after seed(11) is the mask dropout(ones) draws after the same seed.
    lucid.random.seed(11)
    scaled_mask = F.dropout(lucid.ones((3, 4), dtype="float64", device=device), p=p).numpy()

    def lucid_fn(a):
        lucid.random.seed(11)
        return F.dropout(a, p=p)

    def torch_fn(a):
        if p in (0.0, 1.0):  # PyTorch's own dropout: no randomness at these p
            return torch.nn.functional.dropout(a, p=p)
        return a * torch.tensor(scaled_mask)

    check(device, torch, lucid_fn, torch_fn, [x])


def test_dropout_mask_is_a_constant_and_p_1_has_zero_gradient(device):
    x = lucid.tensor(_rng(9).standard_normal(5), device=device, requires_grad=True)
    (gx,) = grad(F.dropout(x, p=1.0).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(gx.numpy(), np.zeros(5))
    lucid.random.seed(3)
    y = F.dropout(x * x, p=0.5)
    (gx,) = grad(y.sum(), [x], create_graph=True)  # 2 x m / (1 - p)
    (hx,) = grad(gx.sum(), [x])  # 2 m / (1 - p): the mask, recovered from y's pattern
    mask = (y.numpy() != 0) * 2.0
    np.testing.assert_allclose(_host(hx), 2 * mask, rtol=1e-6)


# ----------------------------------------------------------------------------- whole models
def _torch_se(torch, x, w1, b1, w2, b2):
    s = x.mean(dim=(2, 3))
    gate = torch.sigmoid(torch.nn.functional.linear(torch.relu(torch.nn.functional.linear(s, w1, b1)), w2, b2))
    return x * gate[:, :, None, None]


@pytest.mark.torch
def test_se_module_as_a_whole(device, torch):
    lucid.random.seed(0)
    se = nn.SEModule(4, reduction=2).to(device)
    params = [se.fc1.weight, se.fc1.bias, se.fc2.weight, se.fc2.bias]
    arrays = [_rng(10).standard_normal((2, 4, 3, 3))] + [p.numpy().astype(np.float64) for p in params]

    def lucid_fn(x, w1, b1, w2, b2):
        for module, w, b in ((se.fc1, w1, b1), (se.fc2, w2, b2)):
            module._parameters["weight"], module._parameters["bias"] = w, b  # the checked tensors, in place
        return se(x)

    check(device, torch, lucid_fn, lambda *a: _torch_se(torch, *a), arrays)


@pytest.mark.torch
def test_gradient_penalty_of_a_linear_relu_model(device, torch):
    """WGAN-GP: the parameters' gradient of ||dD/dx||^2, D a small Linear-ReLU-Linear critic."""
    g = _rng(12)
    x0 = g.standard_normal((5, 3))
    ws = [g.standard_normal((4, 3)), g.standard_normal(4), g.standard_normal((1, 4)), g.standard_normal(1)]
    results = []
    for lib in (torch, lucid):
        kw = dict(device=device) if lib is lucid else {}
        x = lib.tensor(x0, requires_grad=True, **kw)
        params = [lib.tensor(w, requires_grad=True, **kw) for w in ws]
        functional = F if lib is lucid else torch.nn.functional
        grad_fn = grad if lib is lucid else torch.autograd.grad
        h = functional.relu(functional.linear(x, params[0], params[1]))
        d = functional.linear(h, params[2], params[3])
        (gx,) = grad_fn([d.sum()], [x], create_graph=True)
        norms = ((gx * gx).sum(1) + 1e-12) ** 0.5
        penalty = ((norms - 1.0) ** 2).mean()
        # b1 reaches the penalty only through relu's piecewise-constant mask: PyTorch gives zeros, lucid None
        found = grad_fn([penalty], params, allow_unused=True)
        results.append([np.zeros(w.shape) if a is None else _host(a) if lib is lucid else a.numpy()
                        for a, w in zip(found, ws)])
    want_all, got_all = results
    for got, want in zip(got_all, want_all):
        np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)
    assert np.abs(got_all[0]).max() > 1e-3  # W1's gradient is not zero: the penalty reaches the parameters


@pytest.mark.parametrize("norm", ["layer_norm", "batch_norm"])
def test_third_derivatives_of_normalization(device, norm):
    """gradgradcheck of the first-order gradient: third derivatives, checked against finite differences.

    (Not against PyTorch: on a 3x4 layer_norm its third derivative in the input differs from
    central differences by about 1e-3 relative, where lucid's agrees to 1e-10; lucid recomputes
    the statistics from the input at every order.)
    """
    g = _rng(13)
    x = lucid.tensor(g.standard_normal((3, 4)), device=device, requires_grad=True)
    c = lucid.tensor(g.standard_normal((3, 4)), device=device)

    def first_order(a):
        y = F.layer_norm(a, (4,)) if norm == "layer_norm" else F.batch_norm(a, None, None, training=True)
        return grad([(y * y * c).sum()], [a], create_graph=True)[0]

    assert gradgradcheck(first_order, [x]) is True
