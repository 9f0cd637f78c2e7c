"""lucid/ops/linalg.py: matmul with NumPy's rules (1-D, 2-D, batched, broadcast batch axes)."""
import numpy as np
import pytest

import lucid

from ._util import check_forward, check_grad, randn, t, torch_parity

CASES = {
    "1d@1d": ((3,), (3,)),
    "2d@1d": ((2, 3), (3,)),
    "1d@2d": ((3,), (3, 4)),
    "2d@2d": ((2, 3), (3, 4)),
    "batched": ((5, 2, 3), (5, 3, 4)),
    "batched@2d": ((5, 2, 3), (3, 4)),
    "2d@batched": ((2, 3), (5, 3, 4)),
    "broadcast_batch": ((2, 1, 2, 3), (3, 3, 4)),
    "1d@batched": ((3,), (2, 3, 4)),
    "batched@1d": ((2, 4, 3), (3,)),
    "size1_batch": ((1, 2, 3), (4, 3, 2)),
}


@pytest.mark.parametrize("name", CASES)
def test_matmul_forward_and_gradcheck(device, name):
    sa, sb = CASES[name]
    a, b = randn(*sa, seed=1), randn(*sb, seed=2)
    out = check_forward(lucid.matmul, np.matmul(a, b), [a, b], device, rtol=1e-12, atol=1e-12)
    assert (t(a, device) @ t(b, device)).shape == out.shape
    check_grad(lucid.matmul, [a, b], device)


@pytest.mark.parametrize("name", CASES)
def test_matmul_torch_parity(torch, name):
    sa, sb = CASES[name]
    torch_parity(torch, lambda x, y: x @ y, torch.matmul, [randn(*sa, seed=1), randn(*sb, seed=2)])


def test_matmul_one_side_constant(device):
    a, b = randn(2, 3), randn(3, 4, seed=1)
    x = t(a, device, requires_grad=True)
    y = t(b, device)
    (x @ y).sum().backward()
    np.testing.assert_allclose(lucid.backend.to_host(x.grad), np.ones((2, 4)) @ b.T, rtol=1e-12)
    assert y.grad is None
    # numpy arrays on the left go through __rmatmul__
    out = b.T @ t(a.T, "cpu")
    assert isinstance(out, lucid.Tensor) and out.shape == (4, 2)


def test_matmul_float32_stays_float32(device):
    x = t(np.ones((2, 3), np.float32), device)
    assert (x @ t(np.ones((3, 2), np.float32), device)).dtype == np.float32


def test_matmul_errors():
    with pytest.raises(ValueError, match=r"inner dimensions.*\(2, 3\).*\(4, 5\)"):
        lucid.zeros((2, 3)) @ lucid.zeros((4, 5))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        lucid.matmul(lucid.tensor(2.0), lucid.zeros(3))
    with pytest.raises(ValueError, match="do not broadcast"):
        lucid.zeros((2, 2, 3)) @ lucid.zeros((3, 3, 4))
