"""Helpers for the nn tests: tensors on a device, and copying lucid layers' weights into PyTorch."""
from __future__ import annotations

import numpy as np

import lucid
from lucid import backend


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def host(array) -> np.ndarray:
    assert array is not None
    return backend.to_host(array)


def t(array, device: str = "cpu", requires_grad: bool = False) -> lucid.Tensor:
    return lucid.tensor(np.asarray(array), device=device, requires_grad=requires_grad)


def copy_linear(torch, layer, dtype):
    """A torch.nn.Linear with the weights of lucid ``layer``."""
    tl = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None).to(dtype)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(layer.weight.numpy()))
        if layer.bias is not None:
            tl.bias.copy_(torch.tensor(layer.bias.numpy()))
    return tl


def assert_close(got, expected, tol):
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
