"""lucid/autograd/engine.py (and autograd.grad): accumulation, retain_graph, errors, deep graphs, freeing."""
import gc
import weakref

import numpy as np
import pytest

import lucid
from lucid.autograd import Function


def test_gradients_accumulate_across_backward_calls(device):
    x = lucid.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), [2 + 3, 4 + 3])
    x.zero_grad()
    assert x.grad is None


def test_a_tensor_used_twice_gets_both_contributions(device):
    x = lucid.tensor([3.0], device=device, requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), [7.0])


def test_retain_graph_allows_a_second_backward():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first)


def test_second_backward_without_retain_graph_raises():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_non_scalar_backward_needs_grad():
    y = lucid.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"single-element.*\(2,\)"):
        y.backward()
    y.backward(lucid.tensor([1.0, 0.5]))  # with grad it works
    lucid.tensor([[1.0]], requires_grad=True).sum(axis=0).backward()  # shape (1,) has one element: fine


def test_grad_of_the_wrong_shape_names_both_shapes():
    y = lucid.tensor([[1.0, 2.0]], requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"\(1, 2\).*\(2,\)"):
        y.backward(np.ones(2))


def test_grad_as_array_list_or_tensor():
    for g in (np.array([1.0, 2.0]), [1.0, 2.0], lucid.tensor([1.0, 2.0])):
        x = lucid.tensor([3.0, 4.0], requires_grad=True)
        (x * 2).backward(g)
        np.testing.assert_array_equal(x.grad, [2.0, 4.0])
        assert x.grad.dtype == np.float32


def test_backward_on_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.tensor([1.0]).sum().backward()
    with lucid.no_grad():
        y = lucid.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_non_leaf_grad_is_kept_only_after_retain_grad():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    k = x * 3
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None and not h.is_leaf
    np.testing.assert_array_equal(k.grad, h.numpy())
    np.testing.assert_array_equal(x.grad, 2 * 3 * x.numpy() * 2)


def test_backward_from_a_leaf_itself():
    x = lucid.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad == 1.0


def test_chain_of_100000_ops_needs_no_recursion():
    x = lucid.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-5
    y.backward()
    assert x.grad == 1.0
    np.testing.assert_allclose(y.item(), 2.0, rtol=1e-9)


def test_fan_out_of_1000():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    total = lucid.sum(lucid.stack([x * float(i) for i in range(1000)]))
    total.backward()
    np.testing.assert_allclose(x.grad, [sum(range(1000))] * 2)
    y = lucid.tensor(1.0, requires_grad=True)
    parts = [y * 1.0 for _ in range(1000)]
    acc = parts[0]
    for p in parts[1:]:
        acc = acc + p
    acc.backward()
    assert y.grad == 1000.0


def test_broadcast_gradients_are_summed_to_each_input_shape(device):
    a = lucid.tensor(np.ones((2, 1, 3)), device=device, requires_grad=True)
    b = lucid.tensor(np.ones((4, 1)), device=device, requires_grad=True)
    c = lucid.tensor(2.0, device=device, requires_grad=True).double()
    (a * b * c).sum().backward()
    assert a.grad.shape == (2, 1, 3) and b.grad.shape == (4, 1)
    np.testing.assert_array_equal(lucid.backend.to_host(a.grad), np.full((2, 1, 3), 8.0))
    np.testing.assert_array_equal(lucid.backend.to_host(b.grad), np.full((4, 1), 12.0))


def test_every_leaf_gets_its_own_grad_array():
    a = lucid.tensor([1.0, 2.0], requires_grad=True)
    b = lucid.tensor([1.0, 2.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad
    a.grad += 1
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    c = lucid.tensor(1.0, requires_grad=True)
    lucid.broadcast_to(c, (3,)).sum().backward()
    c.grad[...] = 5  # writable, not a read-only broadcast view


# ------------------------------------------------------------------ in-place and versions
def test_inplace_change_of_a_saved_output_raises_naming_the_op():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y += 1
    with pytest.raises(RuntimeError, match=r"Exp.*modified by an in-place operation"):
        y.sum().backward()


def test_inplace_change_of_a_saved_input_raises():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = h.sin()
    h *= 2
    with pytest.raises(RuntimeError, match=r"Sin.*version"):
        y.sum().backward()


def test_inplace_through_a_view_is_noticed():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    v = y.reshape(2, 1)
    with lucid.no_grad():
        v *= 2  # changes y's array too: views share y's version counter
    with pytest.raises(RuntimeError, match="Exp"):
        y.sum().backward()


VIEWS = {
    "slice": lambda h: h[0:1],
    "row": lambda h: h[0],
    "reshape": lambda h: h.reshape(2, 1),
    "transpose": lambda h: h.T,
    "view of a view": lambda h: h.reshape(2, 1)[1:],
}


@pytest.mark.parametrize("view", VIEWS.values(), ids=VIEWS.keys())
def test_inplace_on_a_view_in_the_graph_reaches_the_base_as_in_torch(view, torch):
    """A write through a view changes the base; the base's gradient must know (PyTorch's CopySlices)."""
    results = []
    for lib in (lucid, torch):
        x = lib.tensor([[1.0, 2.0]], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([3.0], dtype=lib.float64, requires_grad=True)
        h = x * 1
        v = view(h)
        v *= w  # h changes too
        v[0] = v[0] * 5  # setitem through the view
        loss = (h * h).sum() + (v * x.sum()).sum()
        loss.backward()
        results.append([np.asarray(t.grad) for t in (x, w)] + [np.asarray(h.detach())])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("view", VIEWS.values(), ids=VIEWS.keys())
def test_a_view_taken_before_its_base_changes_follows_the_base(view, torch):
    results = []
    for lib in (lucid, torch):
        x = lib.tensor([[1.0, 2.0]], dtype=lib.float64, requires_grad=True)
        h = x * 2
        v = view(h)
        h *= x  # v shows the new values, and its gradient must reach x through both factors
        (v * v).sum().backward()
        results.append(np.asarray(x.grad))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_inplace_on_a_view_of_a_leaf_that_requires_grad_raises():
    x = lucid.tensor([[1.0, 2.0]], requires_grad=True)
    for op in (lambda v: v.__imul__(2), lambda v: v.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match=r"view of a leaf"):
            op(x[0])
    np.testing.assert_array_equal(x.numpy(), [[1.0, 2.0]])  # nothing was written


def test_inplace_on_an_expanded_view_raises():
    h = lucid.tensor([1.0, 2.0]).reshape(2, 1).expand(2, 3)
    with pytest.raises(RuntimeError, match="expanded view"):
        h += 1


def test_writing_a_differentiable_value_into_a_view_of_a_buffer_makes_the_buffer_require_grad(torch):
    results = []
    for lib in (lucid, torch):
        w = lib.tensor([5.0], dtype=lib.float64, requires_grad=True)
        out = lib.zeros(2, 3, dtype=lib.float64)
        out[0][1] = w[0]
        assert out.requires_grad
        ((out * 2).sum() + w.sum()).backward()
        results.append(np.asarray(w.grad))
    np.testing.assert_allclose(results[0], results[1])
    np.testing.assert_allclose(results[0], [3.0])


def test_backward_grad_as_a_list_on_the_gpu(strict_gpu):
    x = lucid.tensor([1.0, 2.0], device="gpu", requires_grad=True)
    (x * 2).backward([1.0, 0.5])
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), [2.0, 1.0])


def test_inplace_that_backward_does_not_need_is_legal(torch):
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2  # saves nothing of x or y
    y += 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_inplace_on_leaf_requiring_grad_raises():
    w = lucid.tensor([1.0], requires_grad=True)
    for op in (lambda: w.__iadd__(1), lambda: w.__imul__(2), lambda: w.__setitem__(0, 1.0)):
        with pytest.raises(RuntimeError, match="leaf"):
            op()


def test_multiply_in_place_by_a_tensor_requiring_grad(device, torch):
    xa, wa = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -1.0])
    x = lucid.tensor(xa, device=device, requires_grad=True)
    w = lucid.tensor(wa, device=device, requires_grad=True)
    a = x * 1
    a *= w
    (a * a).sum().backward()
    tx, tw = torch.tensor(xa, requires_grad=True), torch.tensor(wa, requires_grad=True)
    ta = tx * 1
    ta *= tw
    (ta * ta).sum().backward()
    np.testing.assert_allclose(lucid.backend.to_host(w.grad), tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(lucid.backend.to_host(x.grad), tx.grad.numpy(), rtol=1e-12)


def test_inplace_on_a_constant_with_a_tensor_requiring_grad():
    a = lucid.zeros(2)
    w = lucid.tensor([1.0, 2.0], requires_grad=True)
    a += w * 3
    assert a.requires_grad and not a.is_leaf
    a.sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_retain_grad_survives_an_inplace_update():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    h.retain_grad()
    h += 1
    (h * 2).sum().backward()
    np.testing.assert_array_equal(h.grad, [2.0, 2.0])


# ------------------------------------------------------------------ memory
def test_no_saved_array_stays_alive_after_backward():
    x = lucid.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    y = x.tanh()  # saves its output
    z = (y.exp() * x).sum()  # exp saves its output, mul saves both inputs
    refs = [weakref.ref(y.grad_fn), weakref.ref(z.grad_fn)]
    saved = [weakref.ref(s) for node in (y.grad_fn,) for s in node.saved if s is not None]
    exp_saved = weakref.ref(z.grad_fn.parents[0].parents[0].saved[0])
    del y
    assert saved
    z.backward()
    gc.collect()
    assert exp_saved() is None
    assert all(r() is None for r in saved)
    assert all(r() is None or r().saved == () for r in refs)


def test_retain_graph_keeps_saved_arrays():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    r = weakref.ref(y.grad_fn.saved[0])
    s = (y * 1).sum()
    del y
    s.backward(retain_graph=True)
    gc.collect()
    assert r() is not None
    s.backward()
    gc.collect()
    assert r() is None


# ------------------------------------------------------------------ autograd.grad
def test_autograd_grad_does_not_touch_dot_grad():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3  # a non-leaf input
    y = (h * h).sum()
    gx, gh = lucid.autograd.grad(y, [x, h])
    np.testing.assert_array_equal(gx, 18 * x.numpy())
    np.testing.assert_array_equal(gh, 2 * h.numpy())
    assert x.grad is None and h.grad is None


def test_autograd_grad_options():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    u = lucid.tensor([1.0], requires_grad=True)
    y = x * 2
    (gx,) = lucid.autograd.grad(y, x, grad_outputs=np.array([1.0, 3.0]), retain_graph=True)
    np.testing.assert_array_equal(gx, [2.0, 6.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        lucid.autograd.grad(y.sum(), [x, u], retain_graph=True)
    gx, gu = lucid.autograd.grad(y.sum(), [x, u], allow_unused=True)
    assert gu is None
    with pytest.raises(RuntimeError, match="grad_outputs"):
        lucid.autograd.grad(x * 2, [x])
    with pytest.raises(RuntimeError, match="does not require grad"):
        lucid.autograd.grad(lucid.tensor(1.0) * 2, [x])


def test_higher_level_function_can_be_defined_by_users():
    class Cube(Function):
        """y = x**3;  dL/dx = 3 x**2 g"""

        @staticmethod
        def forward(ctx, x):
            ctx.save(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved
            return (3 * x * x * grad,)

    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert repr(y.grad_fn) == "<CubeBackward>" and y.grad_fn.name == "Cube"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 12.0])


def test_a_view_taken_in_no_grad_is_refused_where_torch_refuses_it(torch):
    """PyTorch: such a view may not be written with grad mode on, nor used after its base changed."""
    for lib in (lucid, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        with lib.no_grad():
            v = h[0:1]
        with pytest.raises(RuntimeError, match="no_grad"):
            v += x[0:1]
        with lib.no_grad():
            w = h[0:1]
        h += x  # the base changes with grad mode on
        with pytest.raises(RuntimeError, match="no_grad"):
            w * 3
