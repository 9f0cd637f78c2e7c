"""Pictures of the graph behind a tensor: Graphviz DOT text, and files rendered from it.

:func:`to_dot` walks the same graph that :meth:`lucid.Tensor.backward` walks
(``tensor.grad_fn``, then each node's ``parents``) and writes it out as
Graphviz DOT source, in the direction the data flowed (inputs at the top,
the tensor at the bottom).  It is plain Python with no dependency.
:func:`render` hands that text to Graphviz to make an SVG or PNG file.

In the picture

* a **box** is an op node, named by its :class:`~lucid.autograd.Function`
  (``Mul``, ``Sum``, ...), with the shape of the tensor it produced and the
  shapes of the arrays it saved for backward; after ``backward()`` has freed
  them the box is dashed and says ``freed``;
* an **ellipse** is a leaf tensor: blue when it requires grad (backward
  fills its ``.grad``), grey and dashed when it does not (a constant);
* the **double-edged ellipse** at the bottom is the tensor you passed in;
* an edge label ``0``, ``1``, ... gives the argument position when an op
  has more than one tensor input (``a - b`` is not ``b - a``).
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from lucid import backend

__all__ = ["to_dot", "render", "GraphvizNotFoundError"]

_INSTALL_HINT = (
    "lucid.viz.render needs the 'graphviz' Python package and the Graphviz 'dot' program: "
    "pip install graphviz, and install Graphviz itself (apt install graphviz, brew install graphviz, "
    "conda install -c conda-forge graphviz, or https://graphviz.org/download/). "
    "lucid.viz.to_dot(tensor) needs neither and returns the DOT text."
)


class GraphvizNotFoundError(RuntimeError):
    """Raised by :func:`render` when the ``graphviz`` package or the ``dot`` program is missing."""


def _shape_text(shape: Any) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _dtype_text(dtype: Any) -> str:
    return str(backend.to_numpy_dtype(dtype)) if dtype is not None else ""


def _quote(text: str) -> str:
    """A DOT string literal; lines are separated by ``\\n``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(tensor: Any, names: Mapping[str, Any] | None = None, *, show_saved: bool = True,
           rankdir: str = "TB") -> str:
    """Return Graphviz DOT source for the graph of operations that produced ``tensor``.

    Parameters
    ----------
    tensor : Tensor
        The tensor to draw (usually a loss). Its graph is the one recorded by
        the ops that made it; a tensor made inside :class:`lucid.no_grad`, or
        from inputs that do not require grad, has none and is drawn alone.
    names : mapping of str to Tensor, optional
        Labels for tensors, e.g. ``{"x": x, "w": w, "loss": loss}``. Leaves
        are matched by identity; an intermediate tensor labels the output of
        the op that produced it. Unnamed tensors show only shape and dtype.
    show_saved : bool, default True
        List, in each op box, the shapes of the arrays the op saved for
        backward (what the graph keeps in memory until ``backward()``).
    rankdir : {"TB", "LR", "BT", "RL"}, default "TB"
        Graphviz layout direction: top to bottom, left to right, ...

    Returns
    -------
    str
        A ``digraph`` in the DOT language; node ids are ``t0, t1, ...``
        (tensors) and ``op0, op1, ...`` (ops, in the order they were
        created), so the text is the same on every run.

    Raises
    ------
    TypeError
        If ``tensor`` is not a :class:`lucid.Tensor`.
    ValueError
        If ``rankdir`` is not one of the four directions.

    Notes
    -----
    Only what the graph records can be drawn: a leaf that does not require
    grad is not kept by the graph (``parents`` holds ``None`` for it), so it
    appears as a grey constant with just its shape; Python numbers passed to
    an op (``x * 2``) are not drawn. The walk is iterative, so very deep
    graphs are fine (the picture is another matter).

    Examples
    --------
    >>> import lucid
    >>> from lucid import viz
    >>> x = lucid.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * 2).sum()
    >>> print(viz.to_dot(y, names={"x": x, "y": y}))
    digraph lucid {
      rankdir=TB;
      node [fontname="Helvetica", fontsize=11];
      edge [fontname="Helvetica", fontsize=9];
      t0 [label="x\\n(3,) float32\\nrequires_grad", shape=ellipse, style=filled, fillcolor="#cfe3ff"];
      op0 [label="Mul\\n-> (3,) float32", shape=box, style="rounded,filled", fillcolor="#fff2cc"];
      op1 [label="Sum\\n-> () float32", shape=box, style="rounded,filled", fillcolor="#fff2cc"];
      t1 [label="y\\n() float32", shape=ellipse, peripheries=2, style=filled, fillcolor="#d9f2d0"];
      t0 -> op0;
      op0 -> op1;
      op1 -> t1;
    }
    """
    from lucid.tensor import Tensor

    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: tensor must be a lucid.Tensor, got {type(tensor).__name__}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"to_dot: rankdir must be one of 'TB', 'LR', 'BT', 'RL', got {rankdir!r}")
    leaf_names: dict[int, str] = {}
    node_names: dict[int, str] = {}
    for label, t in (names or {}).items():
        if not isinstance(t, Tensor):
            raise TypeError(f"to_dot: names[{label!r}] must be a Tensor, got {type(t).__name__}")
        if t.grad_fn is not None:
            node_names[id(t.grad_fn)] = str(label)
        else:
            leaf_names[id(t)] = str(label)

    # Walk the graph from the root (iteratively), collecting op nodes and leaves.
    ops: dict[int, Any] = {}
    out_info: dict[int, tuple] = {}  # id(node) -> (shape, dtype) of the tensor it produced
    if tensor.grad_fn is not None:
        stack = [tensor.grad_fn]
        out_info[id(tensor.grad_fn)] = (tensor.shape, tensor.dtype)
        while stack:
            node = stack.pop()
            if id(node) in ops:
                continue
            ops[id(node)] = node
            for parent, shape, dtype in zip(node.parents, node.shapes, node.dtypes):
                if parent is not None and not isinstance(parent, Tensor):
                    out_info.setdefault(id(parent), (tuple(shape), dtype))
                    if id(parent) not in ops:
                        stack.append(parent)
    ordered = sorted(ops.values(), key=lambda n: n.seq)

    lines = [
        "digraph lucid {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    edges: list[str] = []
    tensor_ids: dict[int, str] = {}

    def leaf_node(t: Any) -> str:
        if id(t) not in tensor_ids:
            tid = f"t{len(tensor_ids)}"
            tensor_ids[id(t)] = tid
            text = [leaf_names[id(t)]] if id(t) in leaf_names else []
            text.append(f"{_shape_text(t.shape)} {_dtype_text(t.dtype)}")
            text.append("requires_grad")
            lines.append(f'  {tid} [label={_quote(chr(10).join(text))}, shape=ellipse, style=filled, '
                         f'fillcolor="#cfe3ff"];')
        return tensor_ids[id(t)]

    constants = 0
    op_ids = {id(node): f"op{i}" for i, node in enumerate(ordered)}
    for node in ordered:
        oid = op_ids[id(node)]
        n_tensor_inputs = sum(s is not None for s in node.shapes)
        for position, (parent, shape, dtype) in enumerate(zip(node.parents, node.shapes, node.dtypes)):
            if shape is None:
                continue  # a Python number or another non-tensor argument
            if parent is None:
                cid = f"c{constants}"
                constants += 1
                lines.append(f"  {cid} [label={_quote(_shape_text(shape) + ' ' + _dtype_text(dtype))}, "
                             f'shape=ellipse, style="dashed,filled", fillcolor="#eeeeee", fontcolor="#555555"];')
                source = cid
            elif isinstance(parent, Tensor):
                source = leaf_node(parent)
            else:
                source = op_ids[id(parent)]
            label = f" [label={_quote(str(position))}]" if n_tensor_inputs > 1 else ""
            edges.append(f"  {source} -> {oid}{label};")
        shape, dtype = out_info[id(node)]
        label_name = node_names.get(id(node)) if node is not tensor.grad_fn else None
        out_text = f"{_shape_text(shape)} {_dtype_text(dtype)}"
        text = [node.fn.__name__, f"-> {label_name}: {out_text}" if label_name else f"-> {out_text}"]
        if node.freed:
            text.append("saved: freed")
        elif show_saved:
            saved = [_shape_text(a.shape) for a in node.saved if hasattr(a, "shape") and hasattr(a, "dtype")]
            if saved:
                text.append("saved: " + ", ".join(saved))
        style = '"rounded,dashed"' if node.freed else '"rounded,filled"'
        fill = "" if node.freed else ', fillcolor="#fff2cc"'
        lines.append(f"  {oid} [label={_quote(chr(10).join(text))}, shape=box, style={style}{fill}];")

    # The tensor itself.
    if tensor.grad_fn is None and tensor.requires_grad:
        leaf_node(tensor)
        lines[-1] = lines[-1].replace("shape=ellipse", "shape=ellipse, peripheries=2")
    else:
        tid = f"t{len(tensor_ids)}"
        tensor_ids[id(tensor)] = tid
        text = []
        if id(tensor) in leaf_names or (tensor.grad_fn is not None and id(tensor.grad_fn) in node_names):
            text.append(leaf_names.get(id(tensor)) or node_names[id(tensor.grad_fn)])
        text.append(f"{_shape_text(tensor.shape)} {_dtype_text(tensor.dtype)}")
        if tensor.grad_fn is None:
            text.append("no graph (requires_grad=False)")
        lines.append(f'  {tid} [label={_quote(chr(10).join(text))}, shape=ellipse, peripheries=2, style=filled, '
                     f'fillcolor="#d9f2d0"];')
        if tensor.grad_fn is not None:
            edges.append(f"  {op_ids[id(tensor.grad_fn)]} -> {tid};")
    lines.extend(edges)
    lines.append("}")
    return "\n".join(lines)


def render(tensor: Any, path: str | os.PathLike, names: Mapping[str, Any] | None = None, *,
           format: str | None = None, **kwargs: Any) -> str:
    """Draw the graph behind ``tensor`` into an image file with Graphviz.

    Parameters
    ----------
    tensor : Tensor
        The tensor whose graph to draw (see :func:`to_dot`).
    path : str or path-like
        The file to write, e.g. ``"graph.svg"`` or ``"graph.png"``.
    names : mapping of str to Tensor, optional
        Labels for tensors, as in :func:`to_dot`.
    format : {"svg", "png", "pdf"}, optional
        Output format; by default taken from the suffix of ``path``.
    **kwargs
        Passed on to :func:`to_dot` (``show_saved``, ``rankdir``).

    Returns
    -------
    str
        ``path``, as a string.

    Raises
    ------
    GraphvizNotFoundError
        If the ``graphviz`` Python package is not installed or the Graphviz
        ``dot`` program is not on the ``PATH``; the message says how to
        install both.
    ValueError
        If the format is not one of svg, png, pdf.

    Notes
    -----
    The DOT text comes from :func:`to_dot`; only the layout and drawing are
    Graphviz's. To avoid the dependency, save ``to_dot(t)`` to a ``.dot``
    file and run ``dot -Tsvg graph.dot -o graph.svg`` wherever Graphviz is
    installed, or paste the text into an online Graphviz viewer.

    Examples
    --------
    >>> import lucid
    >>> from lucid import viz
    >>> x = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> viz.render((x * x).sum(), "graph.svg")  # doctest: +SKIP
    'graph.svg'
    """
    path = os.fspath(path)
    fmt = (format or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render: format must be 'svg', 'png' or 'pdf' (or a path ending in one), got {fmt!r}")
    source = to_dot(tensor, names, **kwargs)
    try:
        import graphviz
    except ImportError:
        raise GraphvizNotFoundError(_INSTALL_HINT) from None
    try:
        data = graphviz.Source(source).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(_INSTALL_HINT) from None
    with open(path, "wb") as f:
        f.write(data)
    return path
