"""lucid/ops/activation.py: sigmoid relu leaky_relu gelu softplus softmax log_softmax."""
import math

import numpy as np
import pytest

import lucid

from ._util import check_forward, check_grad, host, randn, t, torch_parity

try:
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover
    _erf = np.vectorize(math.erf)


def _np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_gelu_tanh(a):
    return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))


# name -> (lucid function, NumPy reference, PyTorch function name and kwargs)
ACTIVATIONS = {
    "sigmoid": (lucid.sigmoid, lambda a: 1 / (1 + np.exp(-a)), lambda F, x: F.sigmoid(x)),
    "relu": (lucid.relu, lambda a: np.maximum(a, 0), lambda F, x: F.relu(x)),
    "leaky_relu": (lambda x: lucid.leaky_relu(x, 0.2), lambda a: np.where(a > 0, a, 0.2 * a),
                   lambda F, x: F.leaky_relu(x, 0.2)),
    "gelu": (lucid.gelu, lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2))), lambda F, x: F.gelu(x)),
    "gelu_tanh": (lambda x: lucid.gelu(x, approximate="tanh"), _np_gelu_tanh,
                  lambda F, x: F.gelu(x, approximate="tanh")),
    "softplus": (lucid.softplus, lambda a: np.log1p(np.exp(a)), lambda F, x: F.softplus(x)),
    "softplus_beta": (lambda x: lucid.softplus(x, beta=2.0, threshold=3.0),
                      lambda a: np.where(2 * a > 3, a, np.log1p(np.exp(2 * a)) / 2),
                      lambda F, x: F.softplus(x, beta=2.0, threshold=3.0)),
    "softmax": (lambda x: lucid.softmax(x, axis=-1), lambda a: _np_softmax(a, -1), lambda F, x: F.softmax(x, dim=-1)),
    "softmax_axis0": (lambda x: lucid.softmax(x, dim=0), lambda a: _np_softmax(a, 0), lambda F, x: F.softmax(x, dim=0)),
    "log_softmax": (lambda x: lucid.log_softmax(x, axis=1), lambda a: np.log(_np_softmax(a, 1)),
                    lambda F, x: F.log_softmax(x, dim=1)),
}


def _input(shape=(3, 4), seed=0):
    a = 2 * randn(*shape, seed=seed)
    return np.where(np.abs(a) < 0.05, 0.3, a)  # off the kinks of relu / leaky_relu


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_forward_and_gradcheck(device, name):
    fn, np_fn, _ = ACTIVATIONS[name]
    a = _input()
    check_forward(fn, np_fn(a), [a], device, rtol=1e-10, atol=1e-12)
    check_grad(fn, [a], device)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "gelu", "softplus", "gelu_tanh"])
def test_activation_on_0d_and_float32(device, name):
    fn, np_fn, _ = ACTIVATIONS[name]
    check_grad(fn, [np.array(0.7)], device)
    a = _input().astype(np.float32)
    y = fn(t(a, device))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), np_fn(a.astype(np.float64)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_torch_parity(torch, name):
    import torch.nn.functional as F

    fn, _, tfn = ACTIVATIONS[name]
    torch_parity(torch, fn, lambda x: tfn(F, x), [_input(seed=4)])


def test_activation_methods(device):
    a = _input()
    x = t(a, device)
    np.testing.assert_allclose(x.sigmoid().numpy(), lucid.sigmoid(x).numpy())
    np.testing.assert_allclose(x.relu().numpy(), lucid.relu(x).numpy())
    np.testing.assert_allclose(x.softmax(axis=0).numpy(), _np_softmax(a, 0), rtol=1e-12)
    np.testing.assert_allclose(x.log_softmax(dim=0).numpy(), np.log(_np_softmax(a, 0)), rtol=1e-12)


def test_stable_for_large_inputs(device):
    x = t(np.array([-1e4, 0.0, 1e4], np.float32), device)
    np.testing.assert_array_equal(lucid.sigmoid(x).numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(lucid.softplus(x).numpy(), [0.0, math.log(2), 1e4], rtol=1e-6)
    s = lucid.softmax(t(np.array([[1e4, 0.0], [-1e4, -1e4]], np.float32), device))
    np.testing.assert_allclose(s.numpy(), [[1.0, 0.0], [0.5, 0.5]])
    ls = lucid.log_softmax(t(np.array([1e4, 0.0], np.float32), device)).numpy()
    assert np.all(np.isfinite(ls)) and ls[0] == 0.0 and ls[1] == -1e4


def test_relu_gradient_at_zero_is_zero(device, torch):
    x = t(np.array([-1.0, 0.0, 1.0]), device, requires_grad=True)
    lucid.relu(x).sum().backward()
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), [0.0, 0.0, 1.0])
    tx = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    torch.relu(tx).sum().backward()
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), tx.grad.numpy())


def test_argument_errors():
    x = lucid.zeros(3)
    with pytest.raises(ValueError, match="approximate"):
        lucid.gelu(x, approximate="fast")
    with pytest.raises(ValueError, match="out of range"):
        lucid.softmax(x, axis=1)
    with pytest.raises(TypeError, match="both"):
        lucid.softmax(x, axis=0, dim=-1)


# ----------------------------------------------------------------------------- issue 11: edge cases as PyTorch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_on_0d_and_empty_axes(device, torch, name):
    for axis in (0, -1):
        y = getattr(lucid, name)(t(np.array(0.7), device), axis)
        assert y.shape == () and y.item() == (1.0 if name == "softmax" else 0.0)
        check_grad(lambda x: getattr(lucid, name)(x, axis) * 3.0, [np.array(0.7)], device)
    with pytest.raises(ValueError, match=r"out of range .* \[-1, 0\]"):
        getattr(lucid, name)(t(np.array(0.7), device), 1)
    x = t(np.zeros((2, 0)), device, requires_grad=True)
    y = getattr(lucid, name)(x, axis=1)  # no NumPy "zero-size array to reduction operation maximum"
    assert y.shape == (2, 0)
    y.sum().backward()
    assert host(x.grad).shape == (2, 0)
    assert getattr(lucid, name)(t(np.zeros((0, 3)), device), axis=1).shape == (0, 3)


def test_number_arguments_are_named():
    x = lucid.tensor([1.0, -1.0])
    with pytest.raises(TypeError, match="negative_slope must be a real number, got str 'a'"):
        lucid.leaky_relu(x, "a")
    with pytest.raises(TypeError, match="negative_slope .*Tensor"):
        lucid.leaky_relu(x, lucid.tensor(0.1, requires_grad=True))  # would silently cut the gradient
    with pytest.raises(TypeError, match="softplus: beta"):
        lucid.softplus(x, beta="2")
    with pytest.raises(TypeError, match="softplus: threshold"):
        lucid.softplus(x, threshold=None)
    np.testing.assert_allclose(lucid.leaky_relu(x, np.float32(0.5)).numpy(), [1.0, -0.5])


def test_relu_passes_the_gradient_at_nan_like_torch(device, torch):
    a = np.array([np.nan, -1.0, 0.0, 2.0])
    torch_parity(torch, lucid.relu, torch.relu, [a])
    torch_parity(torch, lambda x: lucid.leaky_relu(x, 0.2), lambda x: torch.nn.functional.leaky_relu(x, 0.2), [a])
