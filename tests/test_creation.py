"""lucid/creation.py: tensor and every factory, with dtype and device."""
import numpy as np
import pytest

import lucid


FACTORIES = {
    "zeros": (lambda **kw: lucid.zeros(2, 3, **kw), np.zeros((2, 3), np.float32)),
    "zeros_tuple": (lambda **kw: lucid.zeros((2, 3), **kw), np.zeros((2, 3), np.float32)),
    "ones": (lambda **kw: lucid.ones(3, **kw), np.ones(3, np.float32)),
    "full": (lambda **kw: lucid.full((2, 2), 7.0, **kw), np.full((2, 2), 7.0, np.float32)),
    "full_int": (lambda **kw: lucid.full((2,), 7, **kw), np.full(2, 7, np.int64)),
    "empty": (lambda **kw: lucid.empty(2, 2, **kw), np.zeros((2, 2), np.float32)),
    "arange": (lambda **kw: lucid.arange(5, **kw), np.arange(5)),
    "arange_float": (lambda **kw: lucid.arange(0.0, 1.0, 0.25, **kw), np.arange(0.0, 1.0, 0.25, dtype=np.float32)),
    "arange_start": (lambda **kw: lucid.arange(2, 8, 3, **kw), np.arange(2, 8, 3)),
    "linspace": (lambda **kw: lucid.linspace(0, 1, 5, **kw), np.linspace(0, 1, 5, dtype=np.float32)),
    "eye": (lambda **kw: lucid.eye(3, **kw), np.eye(3, dtype=np.float32)),
    "eye_rect": (lambda **kw: lucid.eye(2, 3, **kw), np.eye(2, 3, dtype=np.float32)),
    "zeros_like": (lambda **kw: lucid.zeros_like(lucid.ones((2, 1), device=kw.get("device", "cpu")), **kw),
                   np.zeros((2, 1), np.float32)),
    "ones_like": (lambda **kw: lucid.ones_like(lucid.zeros(2, device=kw.get("device", "cpu")), **kw),
                  np.ones(2, np.float32)),
    "full_like": (lambda **kw: lucid.full_like(lucid.zeros(2, device=kw.get("device", "cpu")), 3.0, **kw),
                  np.full(2, 3.0, np.float32)),
}


@pytest.mark.parametrize("name", FACTORIES)
def test_factory(device, name):
    fn, expected = FACTORIES[name]
    x = fn(device=device)
    assert x.device == device and x.dtype == expected.dtype and x.shape == expected.shape
    np.testing.assert_allclose(x.numpy(), expected)
    assert x.is_leaf and not x.requires_grad


def test_factory_dtype_and_requires_grad(device):
    x = lucid.zeros(2, dtype=lucid.float64, device=device, requires_grad=True)
    assert x.dtype == np.float64 and x.requires_grad and x.device == device
    assert lucid.ones(2, dtype="int64", device=device).dtype == np.int64
    assert lucid.arange(3, dtype="float64", device=device).dtype == np.float64
    assert lucid.eye(2, dtype=lucid.float64, device=device).dtype == np.float64
    assert lucid.zeros_like(x).dtype == np.float64 and lucid.zeros_like(x).device == device
    assert lucid.ones_like(x, dtype="float32").dtype == np.float32


def test_like_factories_follow_device(strict_gpu):
    g = lucid.ones((2, 3), device="gpu")
    for y in (lucid.zeros_like(g), lucid.ones_like(g), lucid.full_like(g, 2.0), lucid.rand_like(g), lucid.randn_like(g)):
        assert y.device == "gpu" and y.shape == (2, 3) and y.dtype == np.float32
    assert lucid.zeros_like(g, device="cpu").device == "cpu"


def test_tensor_function(device):
    x = lucid.tensor([1.0, 2.0], dtype="float64", device=device, requires_grad=True)
    assert x.dtype == np.float64 and x.device == device and x.requires_grad


def test_factory_errors():
    with pytest.raises(ValueError, match="non-negative"):
        lucid.zeros(-1)
    with pytest.raises(ValueError, match="non-negative ints"):
        lucid.ones(2.5)
    with pytest.raises(ValueError, match="step"):
        lucid.arange(0, 5, 0)
    with pytest.raises(TypeError, match="Tensor"):
        lucid.zeros_like(np.zeros(2))
    with pytest.raises(ValueError, match="device"):
        lucid.zeros(2, device="tpu")
