"""examples/higher_order.py: each piece against its exact answer, finite differences or PyTorch."""
import importlib.util
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("higher_order", ROOT / "examples" / "higher_order.py")
higher_order = importlib.util.module_from_spec(spec)
spec.loader.exec_module(higher_order)


def test_newton_converges_to_the_minimum_quadratically():
    path = higher_order.newton(2.0, steps=6)
    errors = [abs(x - 1.0) for x in path]
    assert errors[-1] < 1e-10
    assert errors[4] < 10 * errors[3] ** 2  # quadratic convergence: the error squares each step


def test_hessian_vector_product_matches_finite_differences():
    model, params, x, y = higher_order.tiny_network()
    rng = np.random.default_rng(1)
    v = [rng.standard_normal(p.shape) for p in params]
    hv = higher_order.hessian_vector_product(model, params, x, y, v)
    fd = higher_order.finite_difference_hvp(model, params, x, y, v)
    for a, b in zip(hv, fd):
        np.testing.assert_allclose(a, b, atol=1e-7)


def test_hessian_2x2_matches_the_formula():
    a, b = 0.7, -1.3
    s, c = np.sin(a * b), np.cos(a * b)
    exact = np.array([[2 * b - b * b * s, 2 * a + c - a * b * s], [2 * a + c - a * b * s, -a * a * s]])
    np.testing.assert_allclose(higher_order.hessian_2x2(), exact, rtol=1e-12)


def test_gradient_penalty_matches_torch(torch):
    model, params, x, _ = higher_order.tiny_network()
    got = higher_order.gradient_penalty(model, params, x)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    tm.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()})
    tx = torch.from_numpy(x.numpy().copy()).requires_grad_()
    (gx,) = torch.autograd.grad(tm(tx).sum(), [tx], create_graph=True)
    want = torch.autograd.grad((gx * gx).sum(), list(tm.parameters()), allow_unused=True)
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g, w.numpy(), rtol=1e-10, atol=1e-12)


def test_the_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    higher_order.main()
    out = capsys.readouterr().out
    assert "step 6: x = 1.0000000000" in out
    assert (tmp_path / "out" / "grad_graph.dot").read_text().startswith("digraph")
