"""lucid.viz: the DOT text of a graph (no Graphviz needed), and render's error without Graphviz."""
from __future__ import annotations

import re
import sys

import pytest

import lucid
from lucid import viz


def _nodes(dot: str) -> dict[str, str]:
    """node id -> its attribute text."""
    found = dict(re.findall(r"^  (\w+) \[(.*)\];$", dot, flags=re.M))
    found.pop("node", None), found.pop("edge", None)  # the default attributes
    return found


def _edges(dot: str) -> list[tuple[str, str]]:
    return re.findall(r"^  (\w+) -> (\w+)", dot, flags=re.M)


def test_exported_from_lucid():
    assert lucid.viz is viz
    assert callable(viz.to_dot) and callable(viz.render)


def test_small_graph_exact_text():
    x = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * 2).sum()
    dot = viz.to_dot(y, names={"x": x, "y": y})
    assert dot.startswith("digraph lucid {\n  rankdir=TB;")
    assert dot.endswith("}")
    nodes = _nodes(dot)
    assert set(nodes) == {"t0", "op0", "op1", "t1"}
    assert nodes["t0"].startswith('label="x\\n(3,) float32\\nrequires_grad"')
    assert nodes["op0"].startswith('label="Mul\\n-> (3,) float32"')  # x * 2 saves nothing of x
    assert nodes["op1"].startswith('label="Sum\\n-> () float32"')
    assert "peripheries=2" in nodes["t1"] and nodes["t1"].startswith('label="y\\n() float32"')
    assert _edges(dot) == [("t0", "op0"), ("op0", "op1"), ("op1", "t1")]


def test_ops_named_by_function_with_shapes_and_argument_positions():
    a = lucid.ones(2, 3, requires_grad=True)
    b = lucid.ones(3, 4, requires_grad=True)
    out = (a @ b).relu().mean(axis=0)
    dot = viz.to_dot(out)
    nodes = _nodes(dot)
    labels = [nodes[k].split('"')[1] for k in ("op0", "op1", "op2")]
    assert labels[0].startswith("MatMul")
    assert "-> (2, 4) float32" in labels[0]
    assert labels[1].startswith("ReLU\\n-> (2, 4) float32")
    assert labels[2].startswith("Mean\\n-> (4,) float32")
    assert "t0 -> op0 [label=\"0\"];" in dot and "t1 -> op0 [label=\"1\"];" in dot
    assert nodes["t0"].startswith('label="(2, 3) float32\\nrequires_grad"')
    assert nodes["t1"].startswith('label="(3, 4) float32\\nrequires_grad"')


def test_constants_are_grey_and_do_not_require_grad():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    c = lucid.tensor([3.0, 4.0])
    dot = viz.to_dot(x * c)
    nodes = _nodes(dot)
    assert nodes["c0"].startswith('label="(2,) float32"')
    assert "dashed" in nodes["c0"] and "requires_grad" not in nodes["c0"]
    assert "requires_grad" in nodes["t0"]
    # Mul saves c (needed for dL/dx) but not x (c needs no gradient)
    assert "saved: (2,)" in nodes["op0"]
    assert "saved" not in viz.to_dot(x * c, show_saved=False)


def test_shared_subexpression_drawn_once():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    dot = viz.to_dot(y, names={"h": h})
    assert dot.count("Exp") == 1
    assert "-> h: (2,) float32" in dot
    assert _edges(dot).count(("op0", "op1")) == 2  # both arguments of Mul come from Exp


def test_freed_graph_after_backward():
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    assert "saved: (2,)" in viz.to_dot(y)
    y.backward()
    after = viz.to_dot(y)
    assert "saved: freed" in after and "rounded,dashed" in after


def test_leaf_and_no_graph():
    x = lucid.tensor([1.0], requires_grad=True)
    dot = viz.to_dot(x, names={"x": x})
    assert _nodes(dot) == {"t0": 'label="x\\n(1,) float32\\nrequires_grad", shape=ellipse, peripheries=2, style=filled, fillcolor="#cfe3ff"'}
    with lucid.no_grad():
        z = x * 2
    assert "no graph (requires_grad=False)" in viz.to_dot(z)


def test_deterministic_and_deep_graph():
    x = lucid.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):  # deeper than Python's recursion limit
        y = y + 1
    first = viz.to_dot(y)
    assert first == viz.to_dot(y)
    assert first.count("Add") == 3000


def test_names_are_escaped():
    x = lucid.tensor([1.0], requires_grad=True)
    dot = viz.to_dot(x * x, names={'say "hi"\\': x})
    assert 'label="say \\"hi\\"\\\\\\n(1,) float32' in dot


def test_argument_errors():
    with pytest.raises(TypeError, match="lucid.Tensor"):
        viz.to_dot([1.0, 2.0])
    x = lucid.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(x, rankdir="up")
    with pytest.raises(TypeError, match=r"names\['x'\]"):
        viz.to_dot(x, names={"x": 3})
    with pytest.raises(ValueError, match="format"):
        viz.render(x, "graph.txt")


def test_render_without_graphviz_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now raises ImportError
    x = lucid.tensor([1.0], requires_grad=True)
    with pytest.raises(viz.GraphvizNotFoundError, match="pip install graphviz") as info:
        viz.render(x * 2, tmp_path / "g.svg")
    assert isinstance(info.value, RuntimeError)
    assert "apt install graphviz" in str(info.value)
    assert not (tmp_path / "g.svg").exists()


def test_render_writes_svg_when_graphviz_exists(tmp_path):
    graphviz = pytest.importorskip("graphviz")
    try:
        graphviz.version()
    except graphviz.ExecutableNotFound:
        pytest.skip("the Graphviz dot program is not installed")
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    out = viz.render((x * x).sum(), tmp_path / "g.svg")
    assert out == str(tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text()
