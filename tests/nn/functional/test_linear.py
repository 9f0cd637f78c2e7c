"""lucid/nn/functional/linear.py: y = x W^T + b on any leading axes; gradients from matmul and add."""
import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid.autograd import gradcheck

from .._util import rng, t


@pytest.mark.parametrize("shape", [(4,), (5, 4), (2, 3, 4)])
def test_gradcheck(device, shape):
    g = rng(0)
    x, w, b = (t(g.standard_normal(s), device, requires_grad=True) for s in (shape, (3, 4), (3,)))
    assert gradcheck(F.linear, [x, w, b])
    assert gradcheck(lambda a, c: F.linear(a, c), [x, w])
    assert F.linear(x, w, b).device == device


def test_torch_parity(torch):
    g = rng(1)
    x, w, b = g.standard_normal((2, 5, 4)), g.standard_normal((3, 4)), g.standard_normal(3)
    xs = [lucid.tensor(a, requires_grad=True) for a in (x, w, b)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y, yt = F.linear(*xs), torch.nn.functional.linear(*ts)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    gy = g.standard_normal(y.shape)
    (y * lucid.tensor(gy)).sum().backward()
    (yt * torch.tensor(gy)).sum().backward()
    for a, ta in zip(xs, ts):
        np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match=r"in_features=3 entries, got input of shape \(2, 4\)"):
        F.linear(lucid.zeros((2, 4)), lucid.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\)"):
        F.linear(lucid.zeros((2, 3)), lucid.zeros((5, 3)), lucid.zeros(4))
    with pytest.raises(ValueError, match="weight must have shape"):
        F.linear(lucid.zeros((2, 3)), lucid.zeros(3))
