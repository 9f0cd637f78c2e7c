"""lucid/nn/functional/pooling.py: adaptive average pooling against PyTorch for every (L, O), and its gradient."""
import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid.autograd import gradcheck

from .._util import host, rng, t

MAX_L = 20
PAIRS = [(L, O) for L in range(1, MAX_L + 1) for O in range(1, L + 3)]  # every L <= 20, O <= L + 2


def _reference_bins(L, O):
    """PyTorch's rule written out with floats, independently of lucid's integer formula."""
    import math

    return [(math.floor(i * L / O), math.ceil((i + 1) * L / O)) for i in range(O)]


def test_bins_follow_pytorch_rule():
    for L, O in PAIRS:
        assert F.adaptive_bins(L, O) == _reference_bins(L, O), (L, O)


def _run_pairs(torch, dims, cases):
    """Forward and gradient of lucid vs torch (float64) for each (shape, output_size) in ``cases``."""
    lucid_fn = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}[dims]
    torch_fn = {1: torch.nn.functional.adaptive_avg_pool1d, 2: torch.nn.functional.adaptive_avg_pool2d,
                3: torch.nn.functional.adaptive_avg_pool3d}[dims]
    g = rng(dims)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # hundreds of tiny ops: extra intra-op threads only fight over busy cores
    try:
        _compare_cases(torch, lucid_fn, torch_fn, g, cases)
    finally:
        torch.set_num_threads(threads)


def _compare_cases(torch, lucid_fn, torch_fn, g, cases):
    for shape, out in cases:
        x = g.standard_normal(shape)
        xl = lucid.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        y, yt = lucid_fn(xl, out), torch_fn(xt, out)
        assert y.shape == tuple(yt.shape), (shape, out)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12, err_msg=f"{shape} -> {out}")
        w = g.standard_normal(y.shape)
        (y * lucid.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(xl.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12, err_msg=f"grad {shape} -> {out}")


def test_adaptive_avg_pool1d_every_length_and_output(torch):
    _run_pairs(torch, 1, [((2, 3, L), O) for L, O in PAIRS])


def test_adaptive_avg_pool2d_every_length_and_output(torch):
    # every (L, O) appears on H and on W, each time paired with a different (L', O') on the other axis
    n = len(PAIRS)
    cases = []
    for k, (L, O) in enumerate(PAIRS):
        L2, O2 = PAIRS[(7 * k + 3) % n]
        cases.append(((2, 2, L, L2), (O, O2)))
        cases.append(((2, 2, L2, L), (O2, O)))
    _run_pairs(torch, 2, cases)


def test_adaptive_avg_pool3d_every_length_and_output(torch):
    n = len(PAIRS)
    cases = []
    for k, (L, O) in enumerate(PAIRS):
        (L2, O2), (L3, O3) = PAIRS[(5 * k + 1) % n], PAIRS[(11 * k + 2) % n]
        cases.append(((1, 2, L, L2, L3), (O, O2, O3)))
        cases.append(((1, 2, L3, L, L2), (O3, O, O2)))
        cases.append(((1, 2, L2, L3, L), (O2, O3, O)))
    _run_pairs(torch, 3, cases)


def test_none_entries_unbatched_and_float32(torch):
    _run_pairs(torch, 2, [((3, 7, 9), (None, 4)), ((3, 7, 9), (5, None)), ((2, 3, 6, 6), 1), ((2, 3, 6, 6), 6)])
    _run_pairs(torch, 3, [((2, 4, 5, 6), (None, 2, None)), ((1, 2, 4, 5, 6), 1)])
    _run_pairs(torch, 1, [((4, 9), 4), ((4, 9), 9)])
    x1 = rng(6).standard_normal((4, 9))  # PyTorch's 1-D form refuses None; lucid keeps the axis
    np.testing.assert_array_equal(F.adaptive_avg_pool1d(lucid.tensor(x1), (None,)).numpy(), x1)
    x = rng(3).standard_normal((2, 3, 13, 11)).astype(np.float32)
    y = F.adaptive_avg_pool2d(lucid.tensor(x), (4, 5))
    ref = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(x), (4, 5)).numpy()
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6, atol=1e-6)


def test_gradient_is_the_bin_sum_rule():
    """Each input element gets the sum, over the bins containing it, of grad / bin size (written as a loop here)."""
    L, O = 7, 5
    x = lucid.tensor(rng(1).standard_normal((1, 1, L)), requires_grad=True)
    w = rng(2).standard_normal((1, 1, O))
    (F.adaptive_avg_pool1d(x, O) * lucid.tensor(w)).sum().backward()
    expected = np.zeros(L)
    for i, (s, e) in enumerate(_reference_bins(L, O)):
        expected[s:e] += w[0, 0, i] / (e - s)
    np.testing.assert_allclose(x.grad[0, 0], expected, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("fn, shape, out", [
    (F.adaptive_avg_pool1d, (2, 2, 7), 3),
    (F.adaptive_avg_pool2d, (1, 2, 5, 4), (3, 6)),
    (F.adaptive_avg_pool2d, (2, 3, 3), 1),
    (F.adaptive_avg_pool3d, (1, 1, 3, 4, 2), (2, 1, 3)),
])
def test_gradcheck_on_every_device(device, fn, shape, out):
    x = t(rng(0).standard_normal(shape), device, requires_grad=True)
    assert gradcheck(lambda a: fn(a, out), [x])
    y = fn(x, out)
    assert y.device == device


def test_strict_device_forward_matches_numpy(device):
    x = rng(4).standard_normal((2, 3, 9, 10))
    y = F.adaptive_avg_pool2d(t(x, device), (4, 3))
    np.testing.assert_allclose(y.numpy(), F.adaptive_avg_pool2d(lucid.tensor(x), (4, 3)).numpy(), rtol=1e-14)


def test_global_avg_pool(device):
    x = rng(5).standard_normal((2, 3, 4, 5, 6))
    xt = t(x, device, requires_grad=True)
    y = F.global_avg_pool(xt)
    assert y.shape == (2, 3)
    np.testing.assert_allclose(y.numpy(), x.mean(axis=(2, 3, 4)), rtol=1e-13)
    y.sum().backward()
    np.testing.assert_allclose(host(xt.grad), np.full(x.shape, 1 / 120), rtol=1e-13)
    with pytest.raises(ValueError, match=r"at least one spatial axis, got shape \(2, 3\)"):
        F.global_avg_pool(lucid.zeros((2, 3)))


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: expected a batched \(N, C, H, W\) or unbatched \(C, H, W\)"):
        F.adaptive_avg_pool2d(lucid.zeros((2, 3)), 1)
    with pytest.raises(ValueError, match="output_size must have 2 entries"):
        F.adaptive_avg_pool2d(lucid.zeros((1, 2, 3, 3)), (1, 2, 3))
    with pytest.raises(ValueError, match="positive ints or None"):
        F.adaptive_avg_pool1d(lucid.zeros((1, 2, 3)), 0)
    with pytest.raises(TypeError, match="output_size must be an int or a tuple"):
        F.adaptive_avg_pool1d(lucid.zeros((1, 2, 3)), 1.5)
    with pytest.raises(ValueError, match="non-empty"):
        F.adaptive_avg_pool1d(lucid.zeros((1, 2, 0)), 2)
