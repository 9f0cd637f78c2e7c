"""lucid/nn/parameter.py: a Tensor that requires grad, float32 by default."""
import numpy as np
import pytest

import lucid
from lucid import nn


def test_defaults_and_dtype_rules():
    p = nn.Parameter([1, 2, 3])
    assert isinstance(p, lucid.Tensor) and p.requires_grad and p.is_leaf and p.dtype == np.float32
    assert nn.Parameter(np.zeros(2, dtype=np.float64)).dtype == np.float32
    assert nn.Parameter(np.zeros(2), dtype="float64").dtype == np.float64
    assert nn.Parameter().shape == (0,)
    assert not nn.Parameter([1.0], requires_grad=False).requires_grad


def test_wrapping_a_tensor_shares_memory():
    x = lucid.zeros(3, dtype="float64")
    p = nn.Parameter(x)
    assert p.data is x.data and p.dtype == np.float64


def test_usable_where_a_tensor_is_expected():
    p = nn.Parameter([[1.0, 2.0]])
    y = (lucid.exp(p) @ p.T).sum() + p.mean()
    assert type(y) is lucid.Tensor
    y.backward()
    assert p.grad.shape == (1, 2)


def test_integer_parameter_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(np.zeros(2), dtype="int64")
