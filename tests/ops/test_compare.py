"""lucid/ops/compare.py: maximum minimum clip where (differentiable); == != < <= > >= (boolean, no grad)."""
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import lucid

from ._util import SETTINGS, check_forward, check_grad, host, randn, t, torch_parity

shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


@pytest.mark.parametrize("fn, np_fn", [(lucid.maximum, np.maximum), (lucid.minimum, np.minimum)],
                         ids=["maximum", "minimum"])
@SETTINGS
@given(shapes=shapes)
def test_maximum_minimum_broadcast(device, fn, np_fn, shapes):
    a, b = randn(*shapes.input_shapes[0], seed=1), randn(*shapes.input_shapes[1], seed=2) + 0.05
    check_forward(fn, np_fn(a, b), [a, b], device)
    check_grad(fn, [a, b], device)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_like_torch(device, torch, name):
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 5.0, -1.0])  # ties at positions 0 and 3
    x, y = t(a, device, requires_grad=True), t(b, device, requires_grad=True)
    getattr(lucid, name)(x, y).sum().backward()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    getattr(torch, name)(tx, ty).sum().backward()
    np.testing.assert_array_equal(host(x.grad), tx.grad.numpy())
    np.testing.assert_array_equal(host(y.grad), ty.grad.numpy())
    assert host(x.grad)[0] == 0.5 and host(y.grad)[0] == 0.5
    torch_parity(torch, getattr(lucid, name), getattr(torch, name), [a, b])


def test_maximum_with_scalar_and_method(device):
    a = randn(2, 3)
    x = t(a, device)
    np.testing.assert_array_equal(lucid.maximum(x, 0.0).numpy(), np.maximum(a, 0.0))
    np.testing.assert_array_equal(lucid.minimum(0.5, x).numpy(), np.minimum(0.5, a))
    np.testing.assert_array_equal(x.maximum(x * 2).numpy(), np.maximum(a, 2 * a))
    check_grad(lambda u: lucid.maximum(u, 0.1), [a], device)
    check_grad(lambda u: lucid.minimum(0.1, u), [a], device)
    with pytest.raises(TypeError, match="at least one"):
        lucid.maximum(1.0, 2.0)


@pytest.mark.parametrize("lo, hi", [(-0.5, 0.5), (None, 0.3), (-0.3, None)])
def test_clip(device, torch, lo, hi):
    a = randn(4, 5)
    a = np.where(np.abs(np.abs(a) - 0.4) < 0.12, 0.0, a)  # keep away from the bounds for differences
    check_forward(lambda u: lucid.clip(u, lo, hi), np.clip(a, lo, hi), [a], device)
    check_grad(lambda u: u.clamp(lo, hi), [a], device)
    torch_parity(torch, lambda u: lucid.clip(u, lo, hi), lambda u: torch.clamp(u, lo, hi), [a])


def test_clip_gradient_at_the_bounds_matches_torch(device, torch):
    a = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    x = t(a, device, requires_grad=True)
    lucid.clip(x, -0.5, 0.5).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    torch.clamp(tx, -0.5, 0.5).sum().backward()
    np.testing.assert_array_equal(host(x.grad), tx.grad.numpy())  # bounds are inside: gradient 1


def test_clip_errors():
    with pytest.raises(ValueError, match="at least one"):
        lucid.clip(lucid.zeros(2))
    with pytest.raises(TypeError, match="min"):
        lucid.clip(lucid.zeros(2), lucid.zeros(2), 1.0)


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=1, max_side=3))
def test_where_broadcast(device, shapes):
    sc, sa, sb = shapes.input_shapes
    c = randn(*sc, seed=3) > 0
    a, b = randn(*sa, seed=1), randn(*sb, seed=2)
    cond = t(c, device)
    check_forward(lambda u, v: lucid.where(cond, u, v), np.where(c, a, b), [a, b], device)
    check_grad(lambda u, v: lucid.where(cond, u, v), [a, b], device)


def test_where_scalars_and_torch(device, torch):
    a = randn(3, 4)
    x = t(a, device)
    np.testing.assert_array_equal(lucid.where(x > 0, x, 0.0).numpy(), np.where(a > 0, a, 0.0))
    np.testing.assert_array_equal(lucid.where(x > 0, 1.0, x).numpy(), np.where(a > 0, 1.0, a))
    b = randn(4, seed=5)
    torch_parity(torch, lambda u, v: lucid.where(u > 0, u, v), lambda u, v: torch.where(u > 0, u, v), [a, b])
    with pytest.raises(TypeError, match="boolean"):
        lucid.where(x, x, x)


COMPARISONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
               ">": operator.gt, ">=": operator.ge}


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons_return_bool_without_grad(device, name):
    op = COMPARISONS[name]
    a, b = np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])
    x, y = t(a, device, requires_grad=True), t(b, device)
    for out, expected in ((op(x, y), op(a, b)), (op(x, 2.0), op(a, 2.0)), (op(2.0, x), op(2.0, a))):
        assert out.dtype == np.bool_ and out.device == device
        assert not out.requires_grad and out.grad_fn is None
        np.testing.assert_array_equal(out.numpy(), expected)


def test_comparison_functions(device):
    x = t(np.array([1.0, 2.0]), device)
    for name, op in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                     ("gt", np.greater), ("ge", np.greater_equal)]:
        np.testing.assert_array_equal(getattr(lucid, name)(x, 2.0).numpy(), op([1.0, 2.0], 2.0))


def test_logical_operators_on_boolean_tensors(device):
    import numpy as np

    a_np, b_np = np.array([True, True, False, False]), np.array([True, False, True, False])
    a, b = lucid.tensor(a_np, device=device), lucid.tensor(b_np, device=device)
    np.testing.assert_array_equal((a & b).numpy(), a_np & b_np)
    np.testing.assert_array_equal((a | b).numpy(), a_np | b_np)
    np.testing.assert_array_equal((a ^ b).numpy(), a_np ^ b_np)
    np.testing.assert_array_equal((~a).numpy(), ~a_np)
    assert not (a & b).requires_grad


def test_logical_operators_refuse_float_tensors():
    import pytest

    with pytest.raises(TypeError, match="boolean tensors.*float32"):
        lucid.tensor([1.0, 0.0]) & lucid.tensor([True, False])


def test_logical_not_of_a_python_bool_is_a_tensor():
    assert bool(lucid.logical_not(True)) is False


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_with_nan_give_both_inputs_the_gradient_like_torch(device, torch, name):
    a = np.array([np.nan, 1.0, 2.0, np.nan, 3.0, np.inf])
    b = np.array([1.0, np.nan, 2.0, np.nan, -np.inf, np.inf])
    x, y = t(a, device, requires_grad=True), t(b, device, requires_grad=True)
    getattr(lucid, name)(x, y).backward(t(np.arange(1.0, 7.0), device))
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    getattr(torch, name)(tx, ty).backward(torch.arange(1.0, 7.0, dtype=torch.float64))
    np.testing.assert_array_equal(host(x.grad), tx.grad.numpy())
    np.testing.assert_array_equal(host(y.grad), ty.grad.numpy())


def test_clip_bounds_are_named_numbers(device):
    x = t(np.array([1.0, 5.0]), device)
    np.testing.assert_array_equal(lucid.clip(x, np.float32(2.0), 3).numpy(), [2.0, 3.0])
    with pytest.raises(TypeError, match="clip: max must be a real number, got str"):
        lucid.clip(x, None, "3")
