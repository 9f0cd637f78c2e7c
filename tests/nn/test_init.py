"""lucid/nn/init.py: in-place initialisers with PyTorch's formulas, reproducible under lucid.random.seed."""
import math

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.nn import init


def test_constant_fills():
    assert init.zeros_(lucid.ones((2, 2))).numpy().sum() == 0
    assert init.ones_(lucid.zeros(3)).tolist() == [1.0, 1.0, 1.0]
    assert init.constant_(lucid.zeros(2, dtype="float64"), 0.25).dtype == np.float64


def test_returns_the_same_tensor_and_keeps_dtype_and_device(strict_gpu):
    p = nn.Parameter(lucid.zeros((3, 4), dtype="float64"))
    assert init.normal_(p) is p and p.dtype == np.float64 and p.requires_grad
    g = lucid.zeros((3, 4), device="gpu")
    init.kaiming_uniform_(g, a=math.sqrt(5))
    assert g.device == "gpu" and float(g.abs().max()) <= 0.5


def test_reproducible_under_seed():
    lucid.random.seed(3)
    a = init.xavier_normal_(lucid.empty((5, 6))).numpy()
    lucid.random.seed(3)
    b = init.xavier_normal_(lucid.empty((5, 6))).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn, kwargs, expected_std", [
    (init.xavier_uniform_, {}, math.sqrt(2 / (200 + 300))),
    (init.xavier_normal_, {"gain": 2.0}, 2 * math.sqrt(2 / (200 + 300))),
    (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(2 / 300)),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 200)),
    (init.uniform_, {"a": -1.0, "b": 1.0}, 1 / math.sqrt(3)),
    (init.normal_, {"std": 0.02}, 0.02),
])
def test_statistics_follow_the_formulas(fn, kwargs, expected_std):
    w = fn(lucid.empty((200, 300)), **kwargs).numpy()
    assert abs(w.std() / expected_std - 1) < 0.02
    assert abs(w.mean()) < 0.02 * expected_std * 10


def test_gain_and_fans_match_pytorch(torch):
    for name in ["linear", "sigmoid", "tanh", "relu", "selu", "conv2d"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.2))
    assert init.calculate_fan_in_and_fan_out(lucid.zeros((8, 3, 5, 5))) == (75, 200)


def test_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(3,\)"):
        init.xavier_uniform_(lucid.zeros(3))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(lucid.zeros((2, 2)), mode="fan")
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.zeros_(np.zeros(2))
