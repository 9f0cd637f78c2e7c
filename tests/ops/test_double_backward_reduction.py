"""Second (and third) derivatives of the reductions and of matmul, against PyTorch and gradgradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.ops._double_backward import check_double, third_order


def _x(shape=(2, 3, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)  # continuous: no ties in max/min


# Each reduction is followed by a smooth op on its result, so that the second derivative
# also goes through the reduction's backward with a gradient that depends on x.
REDUCTIONS = {
    "sum": (lambda x: lucid.sum(x), lambda t, x: x.sum()),
    "sum_axis": (lambda x: lucid.sum(x, axis=1), lambda t, x: x.sum(1)),
    "sum_axes_keepdims": (lambda x: lucid.sum(x, axis=(0, 2), keepdims=True) ** 2,
                          lambda t, x: x.sum((0, 2), keepdim=True) ** 2),
    "mean": (lambda x: lucid.mean(x) ** 2, lambda t, x: x.mean() ** 2),
    "mean_axis": (lambda x: lucid.exp(lucid.mean(x, axis=-1)), lambda t, x: t.exp(x.mean(-1))),
    "var": (lambda x: lucid.var(x), lambda t, x: x.var()),
    "var_axis": (lambda x: lucid.var(x, axis=1), lambda t, x: x.var(1)),
    "var_axes_correction0_keepdims": (lambda x: lucid.var(x, axis=(0, 2), correction=0, keepdims=True),
                                      lambda t, x: x.var((0, 2), correction=0, keepdim=True)),
    "std": (lambda x: lucid.std(x), lambda t, x: x.std()),
    "std_axis": (lambda x: lucid.std(x, axis=2), lambda t, x: x.std(2)),
    "std_axis_correction0": (lambda x: lucid.std(x, axis=0, correction=0), lambda t, x: x.std(0, correction=0)),
    "max": (lambda x: lucid.max(x) ** 2, lambda t, x: x.amax() ** 2),
    "max_axis": (lambda x: lucid.max(x, axis=1) ** 2, lambda t, x: x.amax(1) ** 2),
    "min_axis_keepdims": (lambda x: lucid.min(x, axis=2, keepdims=True) ** 2,
                          lambda t, x: x.amin(2, keepdim=True) ** 2),
    "amax_axes": (lambda x: lucid.amax(x, axis=(0, 1)) ** 3, lambda t, x: x.amax((0, 1)) ** 3),
    "amin": (lambda x: lucid.amin(x, axis=0) ** 2, lambda t, x: x.amin(0) ** 2),
    "logsumexp": (lambda x: lucid.logsumexp(x), lambda t, x: t.logsumexp(x, (0, 1, 2))),
    "logsumexp_axis": (lambda x: lucid.logsumexp(x, axis=1), lambda t, x: t.logsumexp(x, 1)),
    "logsumexp_axes_keepdims": (lambda x: lucid.logsumexp(x, axis=(0, 2), keepdims=True),
                                lambda t, x: t.logsumexp(x, (0, 2), keepdim=True)),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction_double_backward(name, device, torch):
    lucid_fn, torch_fn = REDUCTIONS[name]
    check_double(device, torch, lucid_fn, lambda x: torch_fn(torch, x), [_x()])


def test_std_at_zero_spread_as_pytorch(device, torch):
    """PyTorch's rule: the gradient of std where all elements are equal is 0; its derivative in x is 0
    there, and in the upstream gradient nan (PyTorch differentiates g / (2 y) at y = 0)."""
    x0 = np.array([[1.0, 1.0, 1.0], [0.5, -1.0, 2.0]])
    check_double(device, torch, lambda x: lucid.std(x, axis=1), lambda x: x.std(1), [x0], gradgrad=False)


MATMUL = {
    "1d_1d": ((3,), (3,)),
    "2d_1d": ((2, 3), (3,)),
    "1d_2d": ((3,), (3, 4)),
    "2d_2d": ((2, 3), (3, 4)),
    "batched": ((2, 2, 3), (2, 3, 4)),
    "batched_broadcast": ((2, 1, 2, 3), (3, 3, 2)),
    "batched_1d": ((2, 2, 3), (3,)),
    "1d_batched": ((3,), (2, 3, 2)),
}


@pytest.mark.parametrize("name", list(MATMUL))
def test_matmul_double_backward(name, device, torch):
    sa, sb = MATMUL[name]
    # a product of two matmuls so that each operand's gradient depends on itself too
    check_double(device, torch, lambda a, b: lucid.matmul(a, b) * lucid.matmul(a, b),
                 lambda a, b: torch.matmul(a, b) * torch.matmul(a, b), [_x(sa, 1), _x(sb, 2)])


def test_matmul_with_only_one_operand_differentiable(device, torch):
    check_double(device, torch, lambda a, b: lucid.tanh(a @ b), lambda a, b: torch.tanh(a @ b),
                 [_x((2, 3), 3), _x((3, 2), 4)], differentiable=[True, False])


def test_hessian_vector_product_of_a_tiny_network_matches_torch(device, torch):
    """The curvature of a two-layer network's loss along a direction (the tutorial's example)."""
    rng = np.random.default_rng(5)
    x0, w0, u0, d0 = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal((5,)), \
        rng.standard_normal((3, 5))
    results = []
    for lib in (lucid, torch):
        mk = (lambda a, **k: lucid.tensor(a, device=device, **k)) if lib is lucid else \
            (lambda a, **k: torch.tensor(a, **k))
        grad = lucid.autograd.grad if lib is lucid else torch.autograd.grad
        w = mk(w0, requires_grad=True)
        h = (mk(x0) @ w).tanh()
        loss = ((h @ mk(u0)) ** 2).mean() + (w * w).sum() * 0.1
        (g,) = grad(loss, [w], create_graph=True)
        (hv,) = grad((g * mk(d0)).sum(), [w])
        results.append(hv.numpy() if isinstance(hv, lucid.Tensor) else
                       (hv.detach().numpy() if hasattr(hv, "detach") else lucid.backend.to_host(hv)))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["logsumexp_axis", "std_axis", "mean_axis"])
def test_third_order_matches_torch(name, device, torch):
    lucid_fn, torch_fn = REDUCTIONS[name]
    x = _x((2, 3, 2), 6)
    got = third_order(lucid, lucid_fn, lucid.tensor(x, device=device, requires_grad=True), seed=8)
    want = third_order(torch, lambda x: torch_fn(torch, x), torch.tensor(x, requires_grad=True), seed=8)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)
