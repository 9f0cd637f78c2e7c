"""The engine sums gradients in place when an array is provably its own; it must never write into
an array someone else holds (the caller's upstream gradient, a retained .grad, another leaf's .grad,
a previous backward's .grad the user kept, a broadcast view)."""
from __future__ import annotations

import numpy as np

import lucid


def _leaf(values):
    return lucid.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_the_callers_gradient_is_never_modified():
    x = _leaf(np.ones((64, 64)))
    upstream = np.full((64, 64), 2.0)
    before = upstream.copy()
    y = x + 0.0                                # Add hands `upstream` through unchanged ...
    (y + y * 1.0).backward(upstream)           # ... and x receives two contributions
    np.testing.assert_array_equal(upstream, before)
    np.testing.assert_array_equal(x.grad, 4.0 * np.ones((64, 64)))
    assert not np.shares_memory(x.grad, upstream)


def test_a_retained_grad_is_not_changed_by_later_accumulation():
    x = _leaf(np.ones((64, 64)))
    h = x * 3.0
    h.retain_grad()
    z = h + h                                  # h's gradient is then passed on to x twice
    z.backward(np.ones((64, 64)))
    np.testing.assert_array_equal(h.grad, 2.0 * np.ones((64, 64)))
    np.testing.assert_array_equal(x.grad, 6.0 * np.ones((64, 64)))


def test_two_leaves_fed_by_one_array_get_independent_grads():
    a, b = _leaf(np.ones((64, 64))), _leaf(np.ones((64, 64)))
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    a.grad *= 10                               # a user editing one .grad must not change the other
    np.testing.assert_array_equal(b.grad, np.ones((64, 64)))


def test_a_grad_kept_from_an_earlier_backward_is_not_overwritten():
    x = _leaf(np.ones((64, 64)))
    (x * 2.0).sum().backward()
    first = x.grad
    kept = first.copy()
    (x * 3.0 + x).sum().backward()             # accumulates into x.grad
    np.testing.assert_array_equal(first, kept)
    np.testing.assert_array_equal(x.grad, 6.0 * np.ones((64, 64)))


def test_fan_in_through_a_node_matches_torch(torch):
    rng = np.random.default_rng(0)
    values = rng.standard_normal((32, 16, 8, 8))
    x = lucid.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    h, th = x.tanh(), t.tanh()                 # one node, used four times
    y = h * h + h.mean(axis=(2, 3), keepdims=True) + h.sigmoid()
    ty = th * th + th.mean(dim=(2, 3), keepdim=True) + th.sigmoid()
    g = rng.standard_normal(values.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-12)
