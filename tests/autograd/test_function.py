"""lucid/autograd/function.py: Function.apply records nodes, checks devices and unifies dtypes."""
import numpy as np
import pytest

import lucid


def test_apply_records_a_node_only_when_needed():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    c = lucid.tensor([1.0, 2.0])
    y = x * c
    assert y.requires_grad and y.grad_fn is not None and not y.is_leaf
    assert repr(y.grad_fn) == "<MulBackward>"
    z = c * c
    assert not z.requires_grad and z.grad_fn is None and z.is_leaf
    assert y.grad_fn.parents[0] is x and y.grad_fn.parents[1] is None


def test_mul_by_a_constant_saves_nothing_of_the_grad_input():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert not any(hasattr(s, "shape") for s in y.grad_fn.saved)  # x * 2 keeps no array (only the number 2)
    c = lucid.tensor([3.0, 4.0])
    y = x * c
    assert not any(s is x.data for s in y.grad_fn.saved if s is not None)


def test_mixing_devices_raises_naming_both(strict_gpu):
    a = lucid.tensor([1.0, 2.0])
    b = lucid.tensor([1.0, 2.0], device="gpu")
    for op in (lambda: a + b, lambda: b * a, lambda: lucid.matmul(a, b), lambda: lucid.where(a > 0, a, b)):
        with pytest.raises(RuntimeError, match=r"'cpu'.*'gpu'|'gpu'.*'cpu'"):
            op()
    with pytest.raises(RuntimeError, match="cpu.*gpu"):
        a == b
    with pytest.raises(RuntimeError, match="gpu"):
        lucid.concatenate([a, b])


def test_dtype_promotion_casts_gradients_back(device):
    a = lucid.tensor(np.ones(2, np.float32), device=device, requires_grad=True)
    b = lucid.tensor(np.full(2, 2.0), device=device, requires_grad=True)
    h = a * 1.0  # a float32 non-leaf
    out = h * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == a.data.dtype and b.grad.dtype == b.data.dtype
    np.testing.assert_array_equal(lucid.backend.to_host(a.grad), [2.0, 2.0])
    i = lucid.tensor(np.array([1, 2]), device=device)
    y = a + i
    assert y.dtype == np.float64
    assert (i + 0.5).dtype == np.float64  # NumPy 2: an int array and a Python float give float64


INTEGER_INPUTS = {  # NumPy's result dtype, the same on every device (the strict namespace refuses these itself)
    "exp": (lambda i: i.exp(), np.exp),
    "div": (lambda i: i / i, lambda a: a / a),
    "mean": (lambda i: i.mean(), np.mean),
    "var": (lambda i: i.var(ddof=0), np.var),
    "sigmoid": (lambda i: lucid.sigmoid(i), lambda a: 1 / (1 + np.exp(-a))),
    "bool_plus_int": (lambda i: (i > 0) + 1, lambda a: (a > 0) + 1),
    "int_plus_float": (lambda i: i + 0.5, lambda a: a + 0.5),
    "clip_float_bounds": (lambda i: lucid.clip(i, -1.0, 0.5), lambda a: np.clip(a, -1.0, 0.5)),
    "clip_int_bounds": (lambda i: lucid.clip(i, -1, 0), lambda a: np.clip(a, -1, 0)),
    "where_two_numbers": (lambda i: lucid.where(i > 0, 1.0, 0.0), lambda a: np.where(a > 0, 1.0, 0.0).astype(np.float32)),
}


@pytest.mark.parametrize("name", INTEGER_INPUTS)
def test_integer_inputs_follow_numpy_on_every_device(device, name):
    fn, np_fn = INTEGER_INPUTS[name]
    a = np.array([1, -2, 3])
    out = fn(lucid.tensor(a, device=device))
    expected = np.asarray(np_fn(a))
    assert out.dtype == expected.dtype and out.device == device
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
