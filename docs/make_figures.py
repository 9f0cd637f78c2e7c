"""Regenerate the committed figures of the docs (needs Graphviz: pip install graphviz, apt install graphviz).

    python docs/make_figures.py

The site builds without Graphviz: it uses the committed SVG files.  Each SVG
carries the DOT text it was drawn from in a comment, and the doctest of the
tutorial checks that this text is still what ``lucid.viz.to_dot`` gives, so
a change to ``lucid.viz`` or to the tutorial that alters the picture fails
CI until this script is run again.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import lucid  # noqa: E402
from lucid import viz  # noqa: E402


def tutorial1_graph() -> str:
    """The tiny neuron of Tutorial 1 (keep in step with docs/tutorials/autograd_from_scratch.rst)."""
    x = lucid.tensor([1.0, -2.0, 0.5])
    w = lucid.tensor([0.3, 0.1, -0.4], requires_grad=True)
    b = lucid.tensor(0.2, requires_grad=True)
    z = (w * x).sum() + b
    y = z.tanh()
    loss = (y - 0.5) ** 2
    return viz.to_dot(loss, names={"w": w, "b": b, "z": z, "y": y, "loss": loss})


def tutorial4_grad_graph() -> str:
    """The graph of a gradient in Tutorial 4 (keep in step with docs/tutorials/higher_order.rst)."""
    t = lucid.tensor(1.5, requires_grad=True)
    (g,) = lucid.autograd.grad(t.tanh() * t, [t], create_graph=True)
    return viz.to_dot(g, names={"x": t, "dy/dx": g})


FIGURES = {"tutorial1_graph.svg": tutorial1_graph, "tutorial4_grad_graph.svg": tutorial4_grad_graph}


def main() -> None:
    import graphviz

    for filename, make in FIGURES.items():
        dot = make()
        svg = graphviz.Source(dot).pipe(format="svg").decode("utf-8")
        head, _, body = svg.partition("<svg")
        comment = "<!-- lucid.viz.to_dot:\n" + dot.replace("--", "- -") + "\n-->\n"
        out = HERE / "_static" / filename
        out.write_text(head + comment + "<svg" + body, encoding="utf-8")
        print("wrote", os.path.relpath(out))


if __name__ == "__main__":
    main()
