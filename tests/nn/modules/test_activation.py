"""lucid/nn/modules/activation.py: each activation layer vs PyTorch, gradcheck, repr."""
import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.autograd import gradcheck

from .._util import rng, t

LAYERS = [
    (lambda: nn.ReLU(), lambda tnn: tnn.ReLU()),
    (lambda: nn.Sigmoid(), lambda tnn: tnn.Sigmoid()),
    (lambda: nn.Tanh(), lambda tnn: tnn.Tanh()),
    (lambda: nn.LeakyReLU(0.2), lambda tnn: tnn.LeakyReLU(0.2)),
    (lambda: nn.GELU(), lambda tnn: tnn.GELU()),
    (lambda: nn.GELU("tanh"), lambda tnn: tnn.GELU("tanh")),
    (lambda: nn.Softmax(dim=1), lambda tnn: tnn.Softmax(dim=1)),
    (lambda: nn.LogSoftmax(dim=-1), lambda tnn: tnn.LogSoftmax(dim=-1)),
    (lambda: nn.Softplus(), lambda tnn: tnn.Softplus()),
]
IDS = ["relu", "sigmoid", "tanh", "leaky_relu", "gelu", "gelu_tanh", "softmax", "log_softmax", "softplus"]


@pytest.mark.parametrize("make, make_torch", LAYERS, ids=IDS)
@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-10)])
def test_torch_parity(torch, make, make_torch, dtype, tol):
    x = rng(0).standard_normal((3, 4, 5)).astype(dtype) * 3
    layer, ref = make(), make_torch(torch.nn)
    assert repr(layer) == repr(ref)
    xl, xt = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = layer(xl), ref(xt)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    w = rng(1).standard_normal(x.shape).astype(dtype)
    (y * lucid.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xl.grad, xt.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("make", [m for m, _ in LAYERS], ids=IDS)
def test_gradcheck(device, make):
    x = t(rng(2).standard_normal((2, 3)) + 0.05, device, requires_grad=True)  # keep away from relu's kink
    layer = make()
    assert gradcheck(layer, [x])
    assert layer(x).device == device


def test_sigmoid_is_stable_at_the_extremes():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = nn.Sigmoid()(lucid.tensor([-1e4, 1e4]))
    assert y.tolist() == [0.0, 1.0]


def test_argument_checks():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("fast")
    with pytest.raises(TypeError, match="dim must be an int"):
        nn.Softmax(dim=1.0)
    with pytest.raises(TypeError, match="negative_slope must be a number"):
        nn.LeakyReLU("0.1")
