"""lucid/nn/modules/linear.py: Identity and Linear (shapes, PyTorch's init, gradcheck, parity)."""
import math

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.autograd import gradcheck

from .._util import copy_linear, host, rng, t


def test_identity():
    x = lucid.tensor([1.0, 2.0])
    assert nn.Identity(3, foo=1)(x) is x
    assert repr(nn.Identity()) == "Identity()"


def test_shapes_parameters_and_repr():
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer(lucid.zeros((2, 4, 5))).shape == (2, 4, 3)
    assert layer(lucid.zeros(5)).shape == (3,)
    no_bias = nn.Linear(5, 3, bias=False)
    assert no_bias.bias is None and list(no_bias.state_dict()) == ["weight"]
    assert repr(no_bias) == "Linear(in_features=5, out_features=3, bias=False)"


def test_default_init_matches_pytorch_distribution():
    lucid.random.seed(1)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)) and the bias rule both give 1/sqrt(fan_in)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound  # std of U(-a, a) is a / sqrt(3)
    assert np.abs(b).max() <= bound
    lucid.random.seed(1)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.numpy(), w)  # reproducible


def test_gradcheck(device):
    layer = nn.Linear(4, 3).double().to(device)
    x = t(rng(0).standard_normal((2, 4)), device, requires_grad=True)
    assert gradcheck(lambda a, w, b: nn.functional.linear(a, w, b), [x, layer.weight, layer.bias])
    y = layer(x)
    y.sum().backward()
    assert layer.weight.grad.shape == (3, 4) and y.device == device
    np.testing.assert_allclose(host(layer.bias.grad), np.full(3, 2.0))


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-10)])
def test_torch_parity(torch, dtype, tol):
    layer = nn.Linear(6, 4).to(dtype=dtype)
    tdtype = getattr(torch, dtype)
    tl = copy_linear(torch, layer, tdtype)
    x = rng(1).standard_normal((3, 2, 6)).astype(dtype)
    xl, xt = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = layer(xl), tl(xt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(xl.grad, xt.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.weight.grad, tl.weight.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.bias.grad, tl.bias.grad.numpy(), rtol=tol, atol=tol)


def test_errors():
    with pytest.raises(TypeError, match=r"Linear: in_features must be a positive int, got 2.0"):
        nn.Linear(2.0, 3)
    with pytest.raises(ValueError, match="out_features must be a positive int, got 0"):
        nn.Linear(2, 0)
    with pytest.raises(TypeError, match="bias must be True or False"):
        nn.Linear(2, 3, bias="yes")
    with pytest.raises(ValueError, match=r"Linear\(in_features=4\) got input with last dimension 3 \(shape \(2, 3\)\)"):
        nn.Linear(4, 2)(lucid.zeros((2, 3)))
