"""Second (and third) derivatives of the elementwise ops, activations and selections, against PyTorch and gradgradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.ops._double_backward import check_double, third_order


def _x(shape=(2, 3), seed=0, low=None):
    g = np.random.default_rng(seed)
    if low is not None:
        return low + 2 * g.random(shape)
    return g.standard_normal(shape)


def _away_from_zero(shape=(2, 3), seed=0):
    """Values with |x| in [0.3, 1.8]: no kink of relu/abs/leaky_relu within the finite-difference step."""
    g = np.random.default_rng(seed)
    return g.choice([-1.0, 1.0], shape) * (0.3 + 1.5 * g.random(shape))


UNARY = {
    "exp": (lucid.exp, lambda t, x: t.exp(x), _x()),
    "log": (lucid.log, lambda t, x: t.log(x), _x(low=0.5)),
    "log1p": (lucid.log1p, lambda t, x: t.log1p(x), _x(low=-0.5)),
    "sqrt": (lucid.sqrt, lambda t, x: t.sqrt(x), _x(low=0.5)),
    "abs": (lucid.abs, lambda t, x: t.abs(x), _away_from_zero()),
    "sin": (lucid.sin, lambda t, x: t.sin(x), _x()),
    "cos": (lucid.cos, lambda t, x: t.cos(x), _x()),
    "tanh": (lucid.tanh, lambda t, x: t.tanh(x), _x()),
    "sigmoid": (lucid.sigmoid, lambda t, x: t.sigmoid(x), _x()),
    "relu": (lucid.relu, lambda t, x: t.relu(x), _away_from_zero()),
    "leaky_relu": (lambda x: lucid.leaky_relu(x, 0.2), lambda t, x: t.nn.functional.leaky_relu(x, 0.2),
                   _away_from_zero()),
    "gelu": (lucid.gelu, lambda t, x: t.nn.functional.gelu(x), _x()),
    "gelu_tanh": (lambda x: lucid.gelu(x, approximate="tanh"),
                  lambda t, x: t.nn.functional.gelu(x, approximate="tanh"), _x()),
    "softplus": (lucid.softplus, lambda t, x: t.nn.functional.softplus(x), _x()),
    "softplus_beta_threshold": (lambda x: lucid.softplus(x, beta=2.0, threshold=1.0),
                                lambda t, x: t.nn.functional.softplus(x, beta=2.0, threshold=1.0),
                                np.array([[-1.0, 0.1, 0.3], [0.8, 1.5, -0.2]])),
    "softmax": (lambda x: lucid.softmax(x, axis=1), lambda t, x: t.softmax(x, dim=1), _x()),
    "softmax_axis0": (lambda x: lucid.softmax(x, axis=0), lambda t, x: t.softmax(x, dim=0), _x()),
    "log_softmax": (lambda x: lucid.log_softmax(x, axis=1), lambda t, x: t.log_softmax(x, dim=1), _x()),
    "log_softmax_axis0": (lambda x: lucid.log_softmax(x, axis=0), lambda t, x: t.log_softmax(x, dim=0), _x()),
    "clip": (lambda x: lucid.clip(x, -0.5, 0.7), lambda t, x: t.clamp(x, -0.5, 0.7),
             np.array([[-1.0, -0.2, 0.3], [0.9, 0.5, -0.8]])),
    "clip_min_only": (lambda x: lucid.clip(x, min=0.1), lambda t, x: t.clamp(x, min=0.1),
                      np.array([[-1.0, -0.2, 0.3], [0.9, 0.5, -0.8]])),
    "neg_pow_mix": (lambda x: lucid.exp(-x * x) * lucid.tanh(x), lambda t, x: t.exp(-x * x) * t.tanh(x), _x()),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_double_backward(name, device, torch):
    lucid_fn, torch_fn, x = UNARY[name]
    check_double(device, torch, lucid_fn, lambda x: torch_fn(torch, x), [x])


BINARY = {
    "maximum": (lucid.maximum, lambda t, a, b: t.maximum(a, b)),
    "minimum": (lucid.minimum, lambda t, a, b: t.minimum(a, b)),
    "maximum_broadcast": (lambda a, b: lucid.maximum(a, b[0]), lambda t, a, b: t.maximum(a, b[0])),
    "minimum_broadcast": (lambda a, b: lucid.minimum(a[:, :1], b), lambda t, a, b: t.minimum(a[:, :1], b)),
}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_double_backward(name, device, torch):
    lucid_fn, torch_fn = BINARY[name]
    a, b = _x(seed=1), _x(seed=2)  # no ties
    check_double(device, torch, lucid_fn, lambda a, b: torch_fn(torch, a, b), [a, b])


def test_maximum_with_a_number(device, torch):
    check_double(device, torch, lambda a: lucid.maximum(a, 0.25) * a,
                 lambda a: torch.maximum(a, torch.tensor(0.25, dtype=torch.float64)) * a, [_x(seed=3)])


def test_where_double_backward(device, torch):
    cond = np.array([[True, False, True], [False, False, True]])

    def lucid_fn(a, b):
        return lucid.where(lucid.tensor(cond, device=device), a * a, lucid.sin(b))

    def torch_fn(a, b):
        return torch.where(torch.tensor(cond), a * a, torch.sin(b))

    check_double(device, torch, lucid_fn, torch_fn, [_x(seed=4), _x(seed=5)])


def test_where_broadcasts_a_scalar_side(device, torch):
    cond = np.array([[True, False, True], [False, False, True]])
    check_double(device, torch,
                 lambda a: lucid.where(lucid.tensor(cond, device=device), lucid.exp(a), 0.5),
                 lambda a: torch.where(torch.tensor(cond), torch.exp(a), 0.5), [_x(seed=6)])


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "gelu", "softmax", "log", "sin"])
def test_third_order_matches_torch(name, device, torch):
    lucid_fn, torch_fn, x = UNARY[name]
    got = third_order(lucid, lucid_fn, lucid.tensor(x, device=device, requires_grad=True), seed=7)
    want = third_order(torch, lambda x: torch_fn(torch, x), torch.tensor(x, requires_grad=True), seed=7)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)


def test_third_order_of_exp_is_exp(device):
    x = lucid.tensor([0.5, -1.0], device=device, requires_grad=True, dtype=lucid.float64)
    y = lucid.exp(x).sum()
    (g1,) = lucid.autograd.grad(y, [x], create_graph=True)
    (g2,) = lucid.autograd.grad(g1.sum(), [x], create_graph=True)
    (g3,) = lucid.autograd.grad(g2.sum(), [x])
    np.testing.assert_allclose(lucid.backend.to_host(g3), np.exp([0.5, -1.0]), rtol=1e-14)


@pytest.mark.parametrize("name", ["exp", "sqrt", "tanh", "sigmoid", "log", "gelu", "softplus"])
def test_zero_d_inputs(name, device, torch):
    """NumPy returns scalars for 0-d results: an op that saves its output must still tie it to the graph."""
    lucid_fn, torch_fn, x = UNARY[name]
    check_double(device, torch, lambda x: lucid_fn(x) * x, lambda x: torch_fn(torch, x) * x, [np.asarray(x[0, 0]) + 1.0])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_a_0d_tensor(name, device, torch):
    lucid_fn, torch_fn = getattr(lucid, name), (lambda x: getattr(torch, name)(x, 0))
    check_double(device, torch, lambda x: lucid_fn(x, 0) * x, lambda x: torch_fn(x) * x, [np.asarray(0.7)])
