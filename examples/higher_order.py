"""Higher-order derivatives: backpropagation is itself a computation that can be differentiated.

    python examples/higher_order.py            # prints each result next to the exact answer

With ``lucid.autograd.grad(..., create_graph=True)`` the gradient comes back as
a Tensor with a graph of its own (every op's backward ran through lucid's
ops), so it can be differentiated again:

1. Newton's method on f(x) = x^4 - 2x^2, using f'(x) and f''(x) from autograd;
2. a Hessian-vector product H v of a tiny network's loss, without forming H,
   checked against finite differences of the gradient;
3. the curvature of that loss along a direction, v^T H v, and the full 2x2
   Hessian of a two-parameter function;
4. a gradient penalty (WGAN-GP style): the parameters' gradient of
   ||dL/dx||^2;
5. the graph of a gradient, written as Graphviz DOT text (``out/grad_graph.dot``;
   ``dot -Tsvg`` draws it).
"""
from __future__ import annotations

import os

import numpy as np

import lucid
import lucid.nn as nn
from lucid.autograd import grad


def newton(x0: float, steps: int = 6) -> list[float]:
    """Newton's method for a minimum of f(x) = x^4 - 2x^2: x <- x - f'(x) / f''(x)."""
    x = lucid.tensor(x0, dtype=lucid.float64, requires_grad=True)
    path = [x.item()]
    for _ in range(steps):
        y = x ** 4 - 2 * x ** 2
        (g,) = grad(y, [x], create_graph=True)   # f'(x) = 4x^3 - 4x, a Tensor with a graph
        (h,) = grad(g, [x])                       # f''(x) = 12x^2 - 4, an array
        with lucid.no_grad():
            x -= g.item() / float(h)
        path.append(x.item())
    return path


def tiny_network(seed: int = 0):
    """A 3-4-1 tanh network, its parameters, and a fixed batch of data (float64)."""
    lucid.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).to(lucid.float64)
    rng = np.random.default_rng(seed)
    x = lucid.tensor(rng.standard_normal((8, 3)))
    y = lucid.tensor(rng.standard_normal((8, 1)))
    return model, list(model.parameters()), x, y


def loss_of(model, x, y):
    return ((model(x) - y) ** 2).mean()


def hessian_vector_product(model, params, x, y, v: list) -> list:
    """H v = d/dp <dL/dp, v>: two backward passes, never the whole Hessian."""
    grads = grad(loss_of(model, x, y), params, create_graph=True)
    dot = sum((g * lucid.tensor(vi)).sum() for g, vi in zip(grads, v))
    return grad(dot, params)


def finite_difference_hvp(model, params, x, y, v: list, eps: float = 1e-6) -> list:
    """(grad L(p + eps v) - grad L(p - eps v)) / (2 eps), the check for H v."""
    def gradient_at(sign):
        with lucid.no_grad():
            for p, vi in zip(params, v):
                p += sign * eps * vi
        g = grad(loss_of(model, x, y), params)
        with lucid.no_grad():
            for p, vi in zip(params, v):
                p -= sign * eps * vi
        return g
    plus, minus = gradient_at(1.0), gradient_at(-1.0)
    return [(a - b) / (2 * eps) for a, b in zip(plus, minus)]


def hessian_2x2() -> np.ndarray:
    """The Hessian of f(a, b) = a^2 b + sin(a b), row by row (exact: [[2b - b^2 sin, 2a + cos - ab sin], ...])."""
    a = lucid.tensor(0.7, dtype=lucid.float64, requires_grad=True)
    b = lucid.tensor(-1.3, dtype=lucid.float64, requires_grad=True)
    f = a * a * b + (a * b).sin()
    ga, gb = grad(f, [a, b], create_graph=True)
    return np.array([[float(h) for h in grad(g, [a, b], retain_graph=True)] for g in (ga, gb)])


def gradient_penalty(model, params, x) -> list:
    """Parameters' gradient of ||dL/dx||^2 (the penalty WGAN-GP adds), with L = sum of the outputs."""
    x = x.detach().requires_grad_()
    (gx,) = grad(model(x).sum(), [x], create_graph=True)
    penalty = (gx * gx).sum()
    # the last bias shifts every output equally, so dL/dx does not depend on it: None ("unused")
    return grad(penalty, params, allow_unused=True)


def main() -> None:
    print("1. Newton's method on f(x) = x^4 - 2x^2 from x = 2 (the minimum is at x = 1)")
    for k, value in enumerate(newton(2.0)):
        print(f"   step {k}: x = {value:.12f}")

    model, params, x, y = tiny_network()
    rng = np.random.default_rng(1)
    v = [rng.standard_normal(p.shape) for p in params]
    hv = hessian_vector_product(model, params, x, y, v)
    fd = finite_difference_hvp(model, params, x, y, v)
    worst = max(float(np.max(np.abs(a - b))) for a, b in zip(hv, fd))
    print("\n2. Hessian-vector product of a 3-4-1 network's loss (21 parameters)")
    print(f"   largest |H v - finite differences| over all entries: {worst:.1e}")
    curvature = sum(float((h * vi).sum()) for h, vi in zip(hv, v))
    print(f"\n3. curvature along v: v^T H v = {curvature:.6f}")
    h = hessian_2x2()
    a, b = 0.7, -1.3
    exact = np.array([[2 * b - b * b * np.sin(a * b), 2 * a + np.cos(a * b) - a * b * np.sin(a * b)],
                      [2 * a + np.cos(a * b) - a * b * np.sin(a * b), -a * a * np.sin(a * b)]])
    print("   Hessian of a^2 b + sin(ab) at (0.7, -1.3):")
    for row in h:
        print("   " + "  ".join(f"{value: .6f}" for value in row))
    print(f"   largest difference from the formula: {np.max(np.abs(h - exact)):.1e}")

    gp = gradient_penalty(model, params, x)
    print("\n4. gradient penalty ||dL/dx||^2: the norm of its gradient for each parameter")
    for (name, p), g in zip(model.named_parameters(), gp):
        print(f"   {name:9s} {str(tuple(p.shape)):8s} " + ("unused (dL/dx does not depend on it)" if g is None
                                                           else f"|grad| = {np.linalg.norm(g):.4f}"))

    t = lucid.tensor(1.5, requires_grad=True)
    (g,) = grad(t.tanh() * t, [t], create_graph=True)
    os.makedirs("out", exist_ok=True)
    with open("out/grad_graph.dot", "w") as f:
        f.write(lucid.viz.to_dot(g, names={"x": t}))
    print("\n5. the graph of d/dx (x tanh x), itself differentiable, written to out/grad_graph.dot")


if __name__ == "__main__":
    main()
