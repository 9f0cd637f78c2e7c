"""lucid/ops/elementwise.py: exp log log1p sqrt abs sin cos tanh (forward, gradcheck, PyTorch parity)."""
import numpy as np
import pytest

import lucid

from ._util import check_forward, check_grad, randn, t, torch_parity

# name -> (lucid function, NumPy reference, input domain: None = any real, else the lower bound)
UNARY = {
    "exp": (lucid.exp, np.exp, None),
    "log": (lucid.log, np.log, 0.2),
    "log1p": (lucid.log1p, np.log1p, -0.8),
    "sqrt": (lucid.sqrt, np.sqrt, 0.2),
    "abs": (lucid.abs, np.abs, None),
    "sin": (lucid.sin, np.sin, None),
    "cos": (lucid.cos, np.cos, None),
    "tanh": (lucid.tanh, np.tanh, None),
}
SHAPES = [(), (1,), (3, 1, 4)]


def _input(name, shape):
    low = UNARY[name][2]
    a = randn(*shape, low=low)
    if name == "abs":
        a = np.where(np.abs(a) < 0.1, 0.5, a)  # keep away from the kink for finite differences
    return a


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_unary_forward_and_gradcheck(device, name, shape):
    fn, np_fn, _ = UNARY[name]
    a = _input(name, shape)
    check_forward(fn, np_fn(a), [a], device)
    check_grad(fn, [a], device)


@pytest.mark.parametrize("name", UNARY)
def test_unary_method_and_float32(device, name):
    fn, np_fn, _ = UNARY[name]
    a = _input(name, (2, 3)).astype(np.float32)
    x = t(a, device)
    y = getattr(x, name)()
    assert y.dtype == np.float32 and y.device == device
    np.testing.assert_allclose(y.numpy(), np_fn(a), rtol=1e-6)


@pytest.mark.parametrize("name", UNARY)
def test_unary_torch_parity(torch, name):
    fn = UNARY[name][0]
    torch_parity(torch, fn, getattr(torch, name), [_input(name, (3, 4))])


def test_abs_gradient_at_zero_is_zero(device, torch):
    x = t(np.array([-1.0, 0.0, 2.0]), device, requires_grad=True)
    lucid.abs(x).sum().backward()
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), [-1.0, 0.0, 1.0])
    tx = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    tx.abs().sum().backward()
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), tx.grad.numpy())


def test_exp_saves_its_output_not_its_input():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = lucid.exp(x)
    assert len(y.grad_fn.saved) == 1 and y.grad_fn.saved[0] is y.data


def test_abs_gradient_at_nan_is_zero_like_torch(device, torch):
    a = np.array([np.nan, -2.0, 0.0, 3.0, -np.inf])
    x = t(a, device, requires_grad=True)
    lucid.abs(x).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    torch.abs(tx).sum().backward()
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), tx.grad.numpy())
