"""Second derivatives of convolution and pooling: conv2d, conv1d, max_pool2d, avg_pool2d, adaptive average pools.

Each case is checked twice, in float64, on every device:

* ``gradgradcheck``: finite differences of the first-order gradient (in the
  inputs and in the upstream gradient ``v``);
* PyTorch's double backward: with ``L = <v, f(x, W)>`` and random ``u``, the
  gradient of ``sum_k <u_k, dL/dinput_k>`` with respect to every input and to
  ``v`` (``torch.autograd.grad(..., create_graph=True)``, then ``grad`` again).
  For a convolution this is where a backward that reads forward's im2col
  columns as constants would lose ``d(dL/dW)/dx`` and ``d(dL/dx)/dW``.

Pools have no ties here (random normal data), so the max pool's routing is
the same under the finite-difference steps.
"""
from __future__ import annotations


import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid import backend
from lucid.autograd import grad, gradgradcheck

TOL = 1e-7


def _host(a) -> np.ndarray:
    return backend.to_host(a.data if isinstance(a, lucid.Tensor) else a)


def _double_backward(grad_fn, fn, xs, v, us):
    """First-order gradients of <v, fn(xs)> (recorded), and the gradients of sum <u, g> in xs and v."""
    out = fn(*xs)
    gs = grad_fn([out], xs, [v], create_graph=True, allow_unused=True)
    s = None
    for g, u in zip(gs, us):
        if g is not None:
            s = (g * u).sum() if s is None else s + (g * u).sum()
    hs = grad_fn([s], list(xs) + [v], allow_unused=True)
    return out, gs, hs


def check(device, torch, lucid_fn, torch_fn, arrays, seed=1):
    """lucid's first and second derivatives of ``lucid_fn`` agree with PyTorch's and with gradgradcheck."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    xs = [lucid.tensor(a, device=device, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ref = torch_fn(*ts)
    g = np.random.default_rng(seed)
    v0 = g.standard_normal(tuple(ref.shape))
    us = [g.standard_normal(a.shape) for a in arrays]
    out, gs, hs = _double_backward(grad, lucid_fn, xs, lucid.tensor(v0, device=device, requires_grad=True),
                                   [lucid.tensor(u, device=device) for u in us])
    t_out, t_gs, t_hs = _double_backward(torch.autograd.grad, torch_fn, ts, torch.tensor(v0, requires_grad=True),
                                         [torch.tensor(u) for u in us])
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=TOL, atol=TOL)
    for k, (got, want) in enumerate(zip(gs, t_gs)):
        assert isinstance(got, lucid.Tensor) and got.requires_grad, f"first-order gradient {k}: no graph"
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=TOL, atol=TOL,
                                   err_msg=f"first-order gradient of input {k}")
    shapes = [a.shape for a in arrays] + [v0.shape]
    for k, (got, want) in enumerate(zip(hs, t_hs)):
        got = np.zeros(shapes[k]) if got is None else _host(got)
        want = np.zeros(shapes[k]) if want is None else want.numpy(force=True)
        which = "v" if k == len(arrays) else f"input {k}"
        np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL, err_msg=f"second-order gradient in {which}")
    assert gradgradcheck(lucid_fn, xs) is True


def _rng(seed=0):
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- convolution
# (x shape, weight shape, bias, keyword arguments): tiny shapes, every geometry the backward handles
CONV2D_CASES = {
    "stride2_pad1_bias": ((2, 2, 5, 4), (3, 2, 3, 2), True, dict(stride=2, padding=1)),
    "same_even_kernel": ((1, 2, 5, 6), (3, 2, 4, 2), False, dict(padding="same")),  # odd pixel padded at the end
    "same_even_kernel_dilated_groups": ((1, 4, 5, 6), (4, 2, 2, 3), True, dict(padding="same", dilation=2, groups=2)),
    "stride_neq_dilation": ((1, 2, 8, 8), (2, 2, 3, 3), True, dict(stride=2, padding=(1, 2), dilation=(2, 1))),
    "groups_rect": ((1, 4, 5, 6), (4, 2, 2, 3), True, dict(stride=(2, 1), dilation=(1, 2), groups=2)),
    "depthwise": ((1, 3, 5, 5), (3, 1, 3, 3), False, dict(padding=1, groups=3)),
    "valid_1x1": ((2, 3, 3, 4), (2, 3, 1, 1), True, dict(padding="valid")),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(CONV2D_CASES))
def test_conv2d(device, torch, case):
    x_shape, w_shape, bias, kw = CONV2D_CASES[case]
    g = _rng(0)
    arrays = [g.standard_normal(x_shape), g.standard_normal(w_shape)]
    arrays += [g.standard_normal(w_shape[0])] if bias else []
    check(device, torch, lambda *a: F.conv2d(*a, **kw), lambda *a: torch.nn.functional.conv2d(*a, **kw), arrays)


@pytest.mark.torch
def test_conv2d_input_only_and_weight_only(device, torch):
    """Only one of x, W requires grad: backward saves only what it needs, and still records."""
    g = _rng(3)
    x0, w0 = g.standard_normal((1, 2, 5, 5)), g.standard_normal((3, 2, 3, 3))
    check(device, torch, lambda x: F.conv2d(x, lucid.tensor(w0, device=device), stride=2),
          lambda x: torch.nn.functional.conv2d(x, torch.tensor(w0), stride=2), [x0])
    check(device, torch, lambda w: F.conv2d(lucid.tensor(x0, device=device), w, padding=1),
          lambda w: torch.nn.functional.conv2d(torch.tensor(x0), w, padding=1), [w0])


CONV1D_CASES = {
    "stride_dilation_groups_bias": ((2, 4, 8), (4, 2, 3), True, dict(stride=2, padding=2, dilation=2, groups=2)),
    "same_even_kernel": ((1, 3, 7), (2, 3, 4), False, dict(padding="same")),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(CONV1D_CASES))
def test_conv1d(device, torch, case):
    x_shape, w_shape, bias, kw = CONV1D_CASES[case]
    g = _rng(1)
    arrays = [g.standard_normal(x_shape), g.standard_normal(w_shape)]
    arrays += [g.standard_normal(w_shape[0])] if bias else []
    check(device, torch, lambda *a: F.conv1d(*a, **kw), lambda *a: torch.nn.functional.conv1d(*a, **kw), arrays)


@pytest.mark.torch
@pytest.mark.parametrize("fn", ["conv1d", "conv2d"])
def test_unbatched_conv(device, torch, fn):
    g = _rng(2)
    nd = 1 if fn == "conv1d" else 2
    arrays = [g.standard_normal((2,) + (5,) * nd), g.standard_normal((3, 2) + (3,) * nd)]
    check(device, torch, lambda *a: getattr(F, fn)(*a, padding=1),
          lambda *a: getattr(torch.nn.functional, fn)(*a, padding=1), arrays)


def test_a_gradient_penalty_on_a_conv_weight_matches_the_closed_form(device):
    """A gradient penalty P(W) = ||dL/dx||^2 with L = <v, conv(x, W)>: dL/dx is linear in W, so P is
    homogeneous of degree 2 in W and its gradient satisfies Euler's identity <dP/dW, W> = 2 P."""
    g = _rng(4)
    x = lucid.tensor(g.standard_normal((2, 2, 6, 6)), device=device, requires_grad=True)
    w = lucid.tensor(g.standard_normal((3, 2, 3, 3)), device=device, requires_grad=True)
    v = lucid.tensor(g.standard_normal((2, 3, 4, 4)), device=device)
    (gx,) = grad([F.conv2d(x, w)], [x], [v], create_graph=True)
    penalty = (gx * gx).sum()
    (gw,) = grad([penalty], [w])
    lhs = float(np.sum(_host(gw) * w.numpy()))
    np.testing.assert_allclose(lhs, 2 * penalty.item(), rtol=1e-10)


# ----------------------------------------------------------------------------- pooling
MAX_CASES = {
    "k3_s2_pad1_ceil": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "k2_dilation2": dict(kernel_size=2, stride=1, dilation=2),
    "rect_ceil": dict(kernel_size=(2, 3), stride=(2, 2), padding=(1, 0), ceil_mode=True),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(MAX_CASES))
def test_max_pool2d(device, torch, case):
    kw = MAX_CASES[case]
    x = _rng(5).standard_normal((2, 2, 5, 6))  # no ties: the routing is the same under finite differences
    check(device, torch, lambda a: F.max_pool2d(a, **kw), lambda a: torch.nn.functional.max_pool2d(a, **kw), [x])


AVG_CASES = {
    "k2_s2_ceil": dict(kernel_size=2, stride=2, ceil_mode=True),  # the extra windows divide by their cells
    "k3_s2_pad1_ceil": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "pad1_exclude_pad": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil_exclude_pad": dict(kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), ceil_mode=True,
                             count_include_pad=False),
    "divisor_override": dict(kernel_size=2, stride=1, divisor_override=3),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(AVG_CASES))
def test_avg_pool2d(device, torch, case):
    kw = AVG_CASES[case]
    x = _rng(6).standard_normal((2, 2, 5, 5))
    check(device, torch, lambda a: F.avg_pool2d(a, **kw), lambda a: torch.nn.functional.avg_pool2d(a, **kw), [x])


ADAPTIVE_CASES = {
    "2d_uneven": ("adaptive_avg_pool2d", (2, 2, 5, 7), (3, 4)),
    "2d_global": ("adaptive_avg_pool2d", (2, 3, 4, 5), 1),
    "2d_one_axis_1": ("adaptive_avg_pool2d", (1, 2, 5, 6), (1, 4)),
    "2d_upsample": ("adaptive_avg_pool2d", (1, 2, 3, 5), (4, 2)),
    "2d_identity": ("adaptive_avg_pool2d", (1, 2, 3, 4), (3, 4)),
    "1d": ("adaptive_avg_pool1d", (2, 3, 7), 3),
    "3d": ("adaptive_avg_pool3d", (1, 2, 3, 4, 5), (2, 3, 2)),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(ADAPTIVE_CASES))
def test_adaptive_avg_pool(device, torch, case):
    name, shape, out = ADAPTIVE_CASES[case]
    x = _rng(7).standard_normal(shape)
    check(device, torch, lambda a: getattr(F, name)(a, out), lambda a: getattr(torch.nn.functional, name)(a, out), [x])


def test_the_first_order_path_still_returns_arrays(device):
    """Without create_graph nothing changes: gradients are arrays, computed from forward's saved matrices."""
    g = _rng(8)
    x = lucid.tensor(g.standard_normal((1, 2, 4, 4)), device=device, requires_grad=True)
    w = lucid.tensor(g.standard_normal((2, 2, 3, 3)), device=device, requires_grad=True)
    y = F.max_pool2d(F.conv2d(x, w, padding=1), 2)
    gx, gw = grad([F.avg_pool2d(y, 2)], [x, w], [lucid.ones((1, 2, 1, 1), device=device, dtype=lucid.float64)])
    assert not isinstance(gx, lucid.Tensor) and not isinstance(gw, lucid.Tensor)
    assert backend.is_array(gx) and backend.is_array(gw)
