"""Dropout: statistics, scaling, evaluation mode, reproducibility, gradient, errors."""
from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid import nn
from tests.nn._util import host


def test_dropout_zeroes_about_p_and_scales_the_rest(device):
    x = lucid.ones(20000, device=device)
    y = host(F.dropout(x, p=0.3).data)
    assert abs((y == 0).mean() - 0.3) < 0.02
    assert np.allclose(y[y != 0], 1 / 0.7)


def test_dropout_gradient_is_the_mask(device):
    x = lucid.randn(50, device=device, requires_grad=True)
    y = F.dropout(x, p=0.5)
    y.sum().backward()
    mask = host(y.data) / host(x.data)
    assert np.allclose(host(x.grad), mask)


def test_dropout_reproducible_with_seed():
    lucid.random.seed(3)
    a = F.dropout(lucid.ones(100)).numpy()
    lucid.random.seed(3)
    b = F.dropout(lucid.ones(100)).numpy()
    assert np.array_equal(a, b)


def test_dropout_module_train_and_eval():
    drop = nn.Dropout(0.5)
    x = lucid.ones((4, 5))
    assert (drop(x).numpy() == 0).any()
    drop.eval()
    assert drop(x) is x
    assert F.dropout(x, 0.0) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()


def test_dropout_errors():
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\], got -0.1"):
        F.dropout(lucid.ones(2), -0.1)
