"""lucid/tensor.py: construction and dtype rules, attributes, methods, repr, Python protocol."""
import numpy as np
import pytest

import lucid


@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32), ([1.0, 2.0], np.float32), ([[1, 2.5]], np.float32), (3, np.int64), ([1, 2], np.int64),
    (True, np.bool_), (np.array([1.0]), np.float64), (np.array([1], np.int32), np.int32),
    (np.float64(2.0), np.float64),
])
def test_dtype_of_constructed_tensors(device, data, dtype):
    x = lucid.Tensor(data, device=device)
    assert x.dtype == dtype and x.device == device
    np.testing.assert_array_equal(x.numpy(), np.asarray(data))


def test_float16_is_numpy_only():
    # float16 is not in the array API standard, so array_api_strict (the GPU stand-in) has none
    assert lucid.tensor(np.zeros(2, np.float16)).dtype == np.float16


def test_explicit_dtype_and_copy():
    a = np.array([1.0, 2.0])
    x = lucid.tensor(a, dtype="float32")
    assert x.dtype == np.float32
    y = lucid.Tensor(a)
    a[0] = 99
    assert y.numpy()[0] == 1.0  # the data is copied
    z = lucid.tensor(y)
    assert z.data is not y.data and z.dtype == np.float64
    assert lucid.tensor([1, 2], dtype=lucid.float64).dtype == np.float64


@pytest.mark.parametrize("data, exc, match", [
    ("abc", TypeError, "str"),
    (None, TypeError, "NoneType"),
    ([[1.0, 2.0], [3.0]], ValueError, "rectangular"),
    ([object()], TypeError, "numeric"),
])
def test_constructor_errors(data, exc, match):
    with pytest.raises(exc, match=match):
        lucid.Tensor(data)


def test_only_float_tensors_can_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        lucid.tensor([1, 2], requires_grad=True)
    x = lucid.tensor([1.0], requires_grad=True)
    assert x.requires_grad_(False) is x and not x.requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        (lucid.tensor([1.0], requires_grad=True) * 2).requires_grad_(False)


def test_attributes(device):
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    x = lucid.tensor(a, device=device, requires_grad=True)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, tuple)
    assert x.ndim == 3 and x.dim() == 3 and x.size == 24 and x.numel() == 24
    assert x.dtype == np.float64 and x.device == device
    assert x.is_leaf and x.grad_fn is None and x.grad is None and x.requires_grad
    assert x.T.shape == (4, 3, 2)
    np.testing.assert_array_equal(x.T.numpy(), a.T)
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None and len(x) == 2


def test_conversion_methods(device):
    x = lucid.tensor(np.array([[1.5, 2.0]]), device=device, requires_grad=True)
    assert isinstance(x.numpy(), np.ndarray)
    assert x.tolist() == [[1.5, 2.0]]
    assert lucid.tensor(np.array([3.5]), device=device).item() == 3.5
    assert isinstance(lucid.tensor(np.array(3), device=device).item(), int)
    with pytest.raises(ValueError, match="exactly one element"):
        x.item()
    d = x.detach()
    assert not d.requires_grad and d.data is x.data and d.is_leaf
    c = x.clone()
    assert c.data is not x.data and c.grad_fn is not None
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64
    assert x.astype("float32").dtype == np.float32
    assert x.to(device) is x
    assert float(lucid.tensor(2.5, device=device)) == 2.5 and int(lucid.tensor(3, device=device)) == 3


def test_retain_grad_and_zero_grad():
    x = lucid.tensor([1.0], requires_grad=True)
    y = (x * 2).retain_grad()
    (y * 3).sum().backward()
    assert y.grad[0] == 3.0 and x.grad[0] == 6.0
    x.zero_grad()
    assert x.grad is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.tensor([1.0]).retain_grad()
    assert lucid.tensor([1.0]).requires_grad_().requires_grad


def test_leaf_grad_has_the_leaf_dtype():
    x = lucid.tensor(np.ones(2, np.float32), requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == np.float32


def test_repr():
    assert repr(lucid.tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(lucid.tensor([1, 2])) == "Tensor([1, 2])"
    assert "dtype=float64" in repr(lucid.tensor(np.array([1.0])))
    assert "requires_grad=True" in repr(lucid.tensor([1.0], requires_grad=True))
    r = repr(lucid.tensor([1.0], requires_grad=True) * 2)
    assert "grad_fn=<MulBackward>" in r and r.startswith("Tensor([2.]")


def test_repr_on_gpu_copies_to_host(strict_gpu):
    r = repr(lucid.tensor([1.0, 2.0], device="gpu"))
    assert r == "Tensor([1., 2.], device='gpu')"


def test_python_protocol(device):
    x = lucid.tensor(np.array([1.0, 2.0, 3.0]), device=device)
    assert [v.item() for v in x] == [1.0, 2.0, 3.0]
    assert bool(lucid.tensor(1.0, device=device)) and not bool(lucid.tensor(0.0, device=device))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    with pytest.raises(TypeError, match="0-d"):
        len(lucid.tensor(1.0, device=device))
    assert [10, 20, 30][lucid.tensor(1, device=device)] == 20
    assert hash(x) == object.__hash__(x) and len({x, x}) == 1  # hashed by identity (== is elementwise)
    assert (+x) is x
    np.testing.assert_array_equal(abs(-x).numpy(), [1.0, 2.0, 3.0])


def test_numpy_array_on_the_left_and_np_asarray():
    x = lucid.tensor([1.0, 2.0])
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, lucid.Tensor)
    np.testing.assert_array_equal(np.asarray(x), [1.0, 2.0])


def test_comparisons_give_bool_tensors_without_grad(device):
    x = lucid.tensor(np.array([1.0, 2.0]), device=device, requires_grad=True)
    for y in (x > 1, x >= 1, x < 2, x <= 2, x == 2, x != 2):
        assert y.dtype == np.bool_ and not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal((x > 1).numpy(), [False, True])
