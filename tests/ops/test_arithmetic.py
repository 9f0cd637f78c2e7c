"""lucid/ops/arithmetic.py: + - * / ** neg, reflected scalars, in-place += -= *= /=."""
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import lucid

from ._util import SETTINGS, check_forward, check_grad, host, randn, t, torch_parity

BINARY = {
    "add": (lucid.add, np.add, operator.add),
    "sub": (lucid.sub, np.subtract, operator.sub),
    "mul": (lucid.mul, np.multiply, operator.mul),
    "div": (lucid.div, np.divide, operator.truediv),
    "pow": (lucid.pow, np.power, operator.pow),
}


def _operands(name, sa, sb):
    a, b = randn(*sa, seed=1), randn(*sb, seed=2)
    if name == "div":
        b = np.sign(b) * (np.abs(b) + 0.5)  # away from 0
    if name == "pow":
        a = np.abs(a) + 0.5  # positive base: the gradient in b needs log(a)
    return a, b


shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(shapes=shapes)
def test_binary_forward_and_gradcheck_broadcast(device, name, shapes):
    fn, np_fn, _ = BINARY[name]
    a, b = _operands(name, *shapes.input_shapes)
    out = check_forward(fn, np_fn(a, b), [a, b], device)
    assert out.shape == shapes.result_shape
    check_grad(fn, [a, b], device)


@pytest.mark.parametrize("name", BINARY)
def test_binary_operators_and_reflected_scalars(device, name):
    fn, np_fn, op = BINARY[name]
    a, _ = _operands(name, (2, 3), (1,))
    x = t(a, device)
    np.testing.assert_allclose(op(x, 1.5).numpy(), np_fn(a, 1.5), rtol=1e-12)
    np.testing.assert_allclose(op(1.5, x).numpy(), np_fn(1.5, a), rtol=1e-12)
    np.testing.assert_allclose(op(x, x).numpy(), np_fn(a, a), rtol=1e-12)
    check_grad(lambda u: op(u, 1.5), [a], device)
    check_grad(lambda u: op(1.5, u), [a], device)


@pytest.mark.parametrize("name", BINARY)
def test_binary_torch_parity(torch, name):
    fn, _, _ = BINARY[name]
    tfn = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow}[name]
    a, b = _operands(name, (4, 1, 3), (2, 1))
    torch_parity(torch, fn, tfn, [a, b])


def test_neg(device, torch):
    a = randn(3, 4)
    check_forward(lucid.neg, -a, [a], device)
    assert np.array_equal((-t(a, device)).numpy(), -a)
    check_grad(lucid.neg, [a], device)
    torch_parity(torch, lucid.neg, torch.neg, [a])


def test_pow_integer_and_fractional_exponents(device, torch):
    a = randn(5, low=0.5)
    for p in (2, 3, 0.5, -1.5):
        check_forward(lambda u: u ** p, a ** p, [a], device)
        check_grad(lambda u: u ** p, [a], device)
        torch_parity(torch, lambda u: u ** p, lambda u: u ** p, [a])
    # scalar base: d/db 2**b = 2**b ln 2
    check_grad(lambda u: 2.0 ** u, [randn(4)], device)


def test_pow_exponent_gradient_zero_at_zero_base(device, torch):
    a = np.array([0.0, 1.0, 2.0])
    b = np.array([2.0, 3.0, 0.5])
    x = t(a, device, requires_grad=True)
    y = t(b, device, requires_grad=True)
    (x ** y).sum().backward()
    gb = host(y.grad)
    np.testing.assert_allclose(gb, [0.0, 0.0, 2 ** 0.5 * np.log(2)], rtol=1e-12)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (tx ** ty).sum().backward()
    np.testing.assert_allclose(gb, ty.grad.numpy(), rtol=1e-12)


def test_float32_tensor_with_python_scalar_stays_float32(device):
    x = lucid.ones(3, device=device)
    for y in (x * 2.0, 2.0 * x, x + 1, x / 3.0, x ** 2, 1.0 - x, x * np.float64(2.0)):
        assert y.dtype == np.float32
        assert y.device == device


def test_mixed_dtypes_follow_numpy_promotion(device):
    f32 = t(np.ones(2, np.float32), device)
    f64 = t(np.ones(2, np.float64), device)
    i64 = t(np.ones(2, np.int64), device)
    assert (f32 + f64).dtype == np.float64
    assert (f32 * i64).dtype == np.result_type(np.float32, np.int64)
    assert (i64 + i64).dtype == np.int64


def test_gradient_of_a_leaf_keeps_its_dtype_under_promotion(device):
    a = t(np.ones(3, np.float32), device, requires_grad=True)
    b = t(np.full(3, 2.0), device, requires_grad=True)  # float64
    (a * b).sum().backward()
    assert a.grad.dtype == a.data.dtype and b.grad.dtype == b.data.dtype
    np.testing.assert_allclose(host(a.grad), [2, 2, 2])


# ------------------------------------------------------------------ in place
INPLACE = {"+=": (operator.iadd, np.add), "-=": (operator.isub, np.subtract),
           "*=": (operator.imul, np.multiply), "/=": (operator.itruediv, np.divide)}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_forward_keeps_identity_and_bumps_version(device, name):
    iop, np_fn = INPLACE[name]
    a, b = randn(2, 3), randn(3, seed=3) + 3.0
    x = t(a, device)
    before = x._version[0]
    data = x.data
    y = iop(x, t(b, device))
    assert y is x and x.data is data
    assert x._version[0] == before + 1
    np.testing.assert_allclose(x.numpy(), np_fn(a, b), rtol=1e-12)
    y = iop(x, 2.0)
    assert x._version[0] == before + 2


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_gradients_match_out_of_place(device, name, torch):
    iop, _ = INPLACE[name]
    a, w = randn(2, 3), randn(3, seed=3) + 3.0

    def f(x, v):
        y = x * 1.0  # a non-leaf: in-place on it is allowed
        y = iop(y, v)
        return y * y

    check_grad(f, [a, w], device)
    torch_parity(torch, f, f, [a, w])


def test_inplace_on_leaf_requiring_grad_raises(device):
    x = t(randn(3), device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x += 1
    with lucid.no_grad():
        x += 1  # allowed: parameter updates
    np.testing.assert_allclose(x.numpy(), randn(3) + 1)


def test_inplace_shape_mismatch_raises(device):
    x = t(np.zeros((2, 3)), device)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        x += t(np.zeros((4, 3)), device)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        x *= t(np.zeros((2, 2, 3)), device)


def test_inplace_float_into_int_raises(device):
    x = t(np.zeros(2, np.int64), device)
    with pytest.raises(TypeError, match="int64"):
        x += 1.5
