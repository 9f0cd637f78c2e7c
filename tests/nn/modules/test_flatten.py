"""lucid/nn/modules/flatten.py: Flatten and Unflatten."""
import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.autograd import gradcheck

from .._util import rng, t


def test_flatten_unflatten_round_trip(device):
    x = t(rng(0).standard_normal((2, 3, 4, 5)), device, requires_grad=True)
    y = nn.Flatten()(x)
    assert y.shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    z = nn.Unflatten(1, (3, 4, 5))(y)
    np.testing.assert_array_equal(z.numpy(), x.numpy())
    assert nn.Unflatten(-1, (-1, 5))(y).shape == (2, 12, 5)
    assert gradcheck(lambda a: nn.Unflatten(1, (12, 5))(nn.Flatten()(a)), [x])


def test_repr_matches_pytorch(torch):
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(nn.Unflatten(1, (2, 3))) == repr(torch.nn.Unflatten(1, (2, 3)))


def test_errors():
    with pytest.raises(ValueError, match=r"axis 1 of the input has length 6, which cannot be split into \(4, 2\)"):
        nn.Unflatten(1, (4, 2))(lucid.zeros((2, 6)))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints"):
        nn.Unflatten(1, 6)
    with pytest.raises(TypeError, match="start_dim must be an int"):
        nn.Flatten(1.0)
