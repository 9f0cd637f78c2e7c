"""lucid/nn/modules/pooling.py: the adaptive pooling layers and GlobalAvgPool (the math is tested in functional)."""
import numpy as np
import pytest

import lucid
from lucid import nn

from .._util import rng, t


@pytest.mark.parametrize("cls, shape, out", [
    (nn.AdaptiveAvgPool1d, (2, 3, 10), 4),
    (nn.AdaptiveAvgPool2d, (2, 3, 10, 9), (4, None)),
    (nn.AdaptiveAvgPool3d, (3, 4, 5, 6), (2, 3, 1)),
])
def test_layers_match_pytorch(torch, device, cls, shape, out):
    x = rng(0).standard_normal(shape)
    layer = cls(out)
    ref = getattr(torch.nn, cls.__name__)(out)
    assert repr(layer) == repr(ref)
    y = layer(t(x, device))
    assert y.device == device
    np.testing.assert_allclose(y.numpy(), ref(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-12)


def test_global_avg_pool_equals_adaptive_pool_then_flatten():
    x = lucid.tensor(rng(1).standard_normal((2, 3, 4, 5)))
    np.testing.assert_allclose(nn.GlobalAvgPool()(x).numpy(),
                               nn.Flatten()(nn.AdaptiveAvgPool2d(1)(x)).numpy(), rtol=1e-14)
    assert repr(nn.GlobalAvgPool()) == "GlobalAvgPool()"


def test_output_size_is_checked_at_construction():
    with pytest.raises(ValueError, match="AdaptiveAvgPool2d: output_size must have 2 entries"):
        nn.AdaptiveAvgPool2d((1, 2, 3))
    with pytest.raises(ValueError, match="positive ints or None"):
        nn.AdaptiveAvgPool1d(-1)
