"""create_graph=True: the engine's second-order machinery (the ops' double backwards are tested per family)."""
import numpy as np
import pytest

import lucid
from lucid.autograd import Function, grad, gradgradcheck


def test_the_issue_example_to_third_order():
    x = lucid.tensor(2.0, requires_grad=True)
    y = x ** 4 - 2 * x ** 2
    (g,) = grad(y, [x], create_graph=True)
    assert isinstance(g, lucid.Tensor) and g.requires_grad
    assert g.item() == 24.0  # 4x^3 - 4x, exact in float32
    (h,) = grad(g, [x], create_graph=True)
    assert h.item() == 44.0  # 12x^2 - 4
    (t,) = grad(h, [x])
    assert float(t) == 48.0  # 24x
    assert not isinstance(t, lucid.Tensor)  # without create_graph: an array, as before


def test_second_order_matches_torch_for_a_mixed_expression(torch):
    rng = np.random.default_rng(0)
    a0, b0, v0 = rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (4,)), rng.standard_normal((3, 4))
    results = []
    for lib in (lucid, torch):
        a = lib.tensor(a0, requires_grad=True)
        b = lib.tensor(b0, requires_grad=True)
        v = lib.tensor(v0)
        y = a * b / (a + b) - a ** 3 * b ** 0.5 + (-a) / 3.0
        ga, gb = (lucid.autograd.grad if lib is lucid else torch.autograd.grad)(y, [a, b], v, create_graph=True)
        penalty = (ga * ga) * 2.0 + gb * gb  # a gradient penalty, summed by backward's own v
        (lucid.autograd.backward if lib is lucid else torch.autograd.backward)(
            [penalty], [lib.tensor(np.ones((3, 4)))])
        results.append([np.asarray(a.grad), np.asarray(b.grad)])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_gradgradcheck_catches_a_wrong_double_backward():
    class BadSquare(Function):
        double_backward = True

        @staticmethod
        def forward(ctx, x):
            ctx.save(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved
            return (grad * 2 * x.detach() if isinstance(x, lucid.Tensor) else grad * 2 * x,)  # cuts the graph

    x = lucid.tensor([0.5, 1.5], requires_grad=True)
    assert lucid.autograd.gradcheck(BadSquare.apply, [x])
    with pytest.raises(lucid.autograd.GradcheckError):
        gradgradcheck(BadSquare.apply, [x])


def test_an_op_without_a_differentiable_backward_refuses_clearly():
    class OnceOnly(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2,)

    x = lucid.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="OnceOnly.*not differentiable"):
        grad(OnceOnly.apply(x) * x, [x], create_graph=True)
    (g,) = grad(OnceOnly.apply(x) * x, [x])  # first order is unaffected
    np.testing.assert_array_equal(g, [4.0])


def test_create_graph_keeps_the_first_graph_and_frees_the_second():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x * x * x
    (g,) = grad(y, [x], lucid.ones(2), create_graph=True)  # retain_graph defaults to True
    (again,) = grad(y, [x], lucid.ones(2), retain_graph=True)  # the first graph is still there (g needs it)
    np.testing.assert_array_equal(again, [3.0, 12.0])
    (h,) = grad(g, [x], lucid.ones(2))  # frees g's graph
    np.testing.assert_array_equal(h, [6.0, 12.0])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        grad(g, [x], lucid.ones(2))


def test_version_check_holds_at_second_order():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = h ** 3
    (g,) = grad(y, [h], lucid.ones(2), create_graph=True)  # g = 3h^2: its graph saved h's array
    with lucid.no_grad():
        h *= 3
    with pytest.raises(RuntimeError, match="in-place"):
        grad(g, [x], lucid.ones(2))


def test_backward_with_create_graph_fills_grad_with_arrays():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    (x * x * x).backward(lucid.ones(2), create_graph=True)
    assert type(x.grad) is np.ndarray
    np.testing.assert_array_equal(x.grad, [3.0, 12.0])


def test_grad_outputs_that_require_grad_stay_in_the_graph(torch):
    results = []
    for lib in (lucid, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        (g,) = (lucid.autograd.grad if lib is lucid else torch.autograd.grad)(x * x * x, [x], v, create_graph=True)
        (gv,) = (lucid.autograd.grad if lib is lucid else torch.autograd.grad)(g, [v], lib.ones(2, dtype=lib.float64))
        results.append(np.asarray(gv))
    np.testing.assert_allclose(results[0], results[1])


def test_mixed_dtypes_second_order(torch):
    results = []
    for lib in (lucid, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float32, requires_grad=True)
        w = lib.tensor([3.0, -1.0], dtype=lib.float64, requires_grad=True)
        (gx,) = (lucid.autograd.grad if lib is lucid else torch.autograd.grad)(x * x * w, [x], lib.ones(2, dtype=lib.float64), create_graph=True)
        (gw,) = (lucid.autograd.grad if lib is lucid else torch.autograd.grad)(gx, [w], lib.ones(2, dtype=lib.float32))
        results.append(np.asarray(gw))
    np.testing.assert_allclose(results[0], results[1])


def _all_functions():
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(lucid.__path__, "lucid."):
        importlib.import_module(info.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {c for c in subclasses(Function) if c.__module__.startswith("lucid.")}


# Identity nodes of Module.register_full_backward_hook: the hooks receive arrays, so a pass through
# a hooked module cannot be recorded; create_graph=True refuses there with a clear error.
ONCE_ONLY = {"BackwardHookFunction", "_BackwardHookJoin"}


def test_every_differentiable_op_in_lucid_can_be_differentiated_twice():
    missing = sorted(c.__qualname__ for c in _all_functions() if not c.double_backward and c.__name__ not in ONCE_ONLY)
    assert not missing, f"ops without a differentiable backward: {missing}"
