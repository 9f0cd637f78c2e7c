"""Tensor hooks (PyTorch's register_hook) and retain_grad without reference cycles."""
import gc
import weakref

import numpy as np
import pytest

import lucid


def _both(torch, build):
    """Run ``build(lib)`` in lucid and torch; return the two results as NumPy arrays."""
    return [[np.asarray(r) for r in build(lib)] for lib in (lucid, torch)]


def test_hooks_see_and_replace_gradients_as_in_torch(torch):
    def build(lib):
        seen = []
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        h = x * x
        h.register_hook(lambda g: seen.append(g * 1))                # observes only
        h.register_hook(lambda g: g * 2)                             # doubles what flows on
        x.register_hook(lambda g: g + 1)                             # changes what reaches x.grad
        y = (h * 3).sum() + h[0]
        y.backward()
        return [x.grad, seen[0]]

    for got, want in zip(*_both(torch, build)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_hook_runs_once_on_the_total_gradient_of_a_tensor_used_twice():
    calls = []
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    h.register_hook(lambda g: calls.append(g.copy()))
    (h * 2 + h * 3).sum().backward()
    assert len(calls) == 1
    np.testing.assert_array_equal(calls[0], [5.0, 5.0])


def test_hook_handle_remove_and_bad_hooks():
    x = lucid.tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    handle.remove()  # twice is harmless
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="callable"):
        x.register_hook(3)
    x.register_hook(lambda g: np.zeros(5))
    with pytest.raises(RuntimeError, match=r"shape \(1,\)"):
        (x * 2).sum().backward()


def test_hooks_run_for_autograd_grad():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (gx,) = lucid.autograd.grad((x * x).sum(), [x])
    np.testing.assert_array_equal(gx, [20.0, 40.0])


def test_retain_grad_leaves_no_reference_cycle():
    gc.disable()
    try:
        x = lucid.tensor(np.ones(1000), requires_grad=True)
        h = (x * 2).retain_grad()
        ref = weakref.ref(h)
        (h * h).sum().backward()
        np.testing.assert_array_equal(h.grad, np.full(1000, 4.0))
        del h
        assert ref() is None, "the activation must be freed by reference counting, not the cyclic collector"
    finally:
        gc.enable()


def test_retain_grad_follows_an_in_place_change(torch):
    def build(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        h = x * 2
        h.retain_grad()
        h *= 3
        (h * h).sum().backward()
        return [h.grad, x.grad]

    for got, want in zip(*_both(torch, build)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_autograd_backward_several_roots_as_in_torch(torch):
    def build(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        a, b = (x * x).sum(), x * 3
        lib.autograd.backward([a, b], [None, lib.tensor([1.0, 0.5], dtype=lib.float64)])
        return [x.grad]

    for got, want in zip(*_both(torch, build)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="grad_tensors"):
        lucid.autograd.backward([x * 2], [None, None])
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        lucid.autograd.backward([x * 2])


def test_hooks_under_create_graph_see_tensors_and_stay_in_the_graph(torch):
    def build(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        h = x * x
        h.register_hook(lambda g: g * x)  # a replacement that depends on x: part of the second-order graph
        (g,) = (lucid.autograd.grad if lib is lucid else torch.autograd.grad)(h.sum() * 3, [x], create_graph=True)
        (gg,) = (lucid.autograd.grad if lib is lucid else torch.autograd.grad)(g.sum(), [x])
        return [g.detach(), gg]

    for got, want in zip(*_both(torch, build)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
