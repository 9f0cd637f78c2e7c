"""lucid/ops/conversion.py: clone, astype, to_device (all stay in the graph)."""
import numpy as np
import pytest

import lucid

from ._util import check_grad, host, randn, t, torch_parity


def test_clone_copies_and_passes_gradient(device, torch):
    a = randn(2, 3)
    x = t(a, device, requires_grad=True)
    y = x.clone()
    assert y.data is not x.data and y.grad_fn is not None and y.device == device
    np.testing.assert_array_equal(y.numpy(), a)
    with lucid.no_grad():
        y += 1  # changing the clone leaves x alone
    np.testing.assert_array_equal(x.numpy(), a)
    check_grad(lucid.clone, [a], device)
    torch_parity(torch, lambda u: u.clone() * u, lambda u: u.clone() * u, [a])


# float16 is not in the array API standard (array_api_strict has none): it is tested on NumPy below.
@pytest.mark.parametrize("src, dst", [("float32", "float64"), ("float64", "float32")])
def test_astype_between_floats_casts_the_gradient_back(device, src, dst):
    x = t(randn(3).astype(src), device, requires_grad=True)
    y = x.astype(dst)
    assert y.dtype == np.dtype(dst) and y.device == device
    (y * 2).sum().backward()
    assert x.grad.dtype == x.data.dtype
    np.testing.assert_array_equal(host(x.grad), np.full(3, 2.0))


def test_astype_float16_on_numpy():
    x = lucid.tensor(randn(3), requires_grad=True)
    y = x.astype("float16")
    assert y.dtype == np.float16
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, np.full(3, 2.0))


def test_astype_float_double_and_gradcheck(device):
    x = t(randn(3).astype(np.float32), device)
    assert x.double().dtype == np.float64 and x.double().float().dtype == np.float32
    assert x.astype(lucid.float32) is x  # nothing to do: no copy, no node
    # the float32 round trip costs ~1e-7 relative, so the finite differences need a larger step
    check_grad(lambda u: u.astype("float32").astype("float64") * u, [randn(4)], device, eps=1e-3, atol=1e-3)


def test_astype_to_int_has_no_gradient(device):
    x = t(np.array([1.7, -2.2]), device, requires_grad=True)
    for y in (x.astype("int64"), x.long(), x.int(), x.bool()):
        assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal(x.long().numpy(), [1, -2])
    assert x.long().dtype == np.int64 and x.int().dtype == np.int32 and x.bool().dtype == np.bool_


def test_to_device_round_trip_keeps_gradient(strict_gpu):
    a = randn(2, 3)
    x = lucid.tensor(a, requires_grad=True)
    y = x.to("gpu")
    assert y.device == "gpu" and isinstance(y.data, strict_gpu.asarray(0.0).__class__)
    z = (y * y).to("cpu")
    assert z.device == "cpu"
    z.sum().backward()
    assert isinstance(x.grad, np.ndarray)
    np.testing.assert_allclose(x.grad, 2 * a, rtol=1e-12)
    check_grad(lambda u: (u.to("gpu") * 3).to("cpu"), [a], "cpu")
    assert lucid.to_device(x, "cpu") is x


def test_to_with_dtype(device):
    x = t(np.ones(2, np.float32), device)
    assert x.to(dtype=lucid.float64).dtype == np.float64
    assert x.to(np.float64).dtype == np.float64
    y = x.to(device, "float64")
    assert y.device == device and y.dtype == np.float64
