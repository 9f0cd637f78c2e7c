"""Random programs of tensor operations, run in lucid and in PyTorch, and the comparison of the two runs.

Used by ``test_sequences_vs_torch.py``; also a command-line explorer (see the end of the file).

A program is a list of Python statements over a variable ``lib``: the very same
text runs with ``lib = lucid`` and with ``lib = torch``, so a failing program
prints as code that can be pasted into a file and run against either library.
It starts from a few float64 leaves that require grad (``x0``, ``x1`` ...) and
plain buffers (``b0`` ...), then mixes

* elementwise ops (``+ - * /``, ``exp tanh sigmoid relu``, ``** 2``, ``** 3``),
* reductions (``sum``/``mean`` over axes, with and without ``keepdim``),
* views: basic indexing (ints, negative ints, slices with steps, ``None``,
  ``...``), ``reshape``/``view``, ``transpose``/``permute``,
  ``expand``/``broadcast_to``, ``squeeze``/``unsqueeze``, and views of views,
* copies: integer-list indexing, ``clone``; ``detach`` (shares the data),
* in-place writes: ``a += b`` (``-= *= /=``) on results, on views of them and
  on buffers, ``a[idx] += b``, ``a[idx] = b`` and ``a[i][idx] = b`` with values
  that require grad, list-index writes ``a[[0, 2]] = b``,
* ``retain_grad()``, and ``with lib.no_grad():`` blocks (computations, views,
  in-place updates of leaves),

and ends in ``loss = sum_i (out_i * W_i).sum()`` over some of the variables
(fixed weights ``W_i``) and ``loss.backward()``.

The generator knows every shape (a NumPy "shadow" array per variable follows
the same view operations, so contiguity and aliasing are NumPy's), keeps every
index in range and every value bounded (no overflow to inf), and so almost every
program is valid. A few are meant to fail in PyTorch (an in-place write to a
leaf that requires grad, a saved value changed before backward): there lucid
must raise too.

Comparison (:func:`compare`): statement by statement, both libraries must
succeed, or both raise at the same statement; at the end every variable's
value, ``requires_grad`` and ``is_leaf``, every leaf's ``.grad`` and every
retained ``.grad`` must agree (float64, relative 1e-9). Where PyTorch refuses
a program and lucid answers, lucid's answer is checked for being right
(:func:`_check_answer_where_torch_refuses`), so a report says "refuses where
PyTorch refuses" apart from "silently wrong".

Command line (every distinct difference at once, the shortest program of each)::

    python tests/reliability/_programs.py 5000 [--seed S] [--ignore is_leaf] [--show 3]
    python tests/reliability/_programs.py 4000 --shrink "[requires_grad]"   # Hypothesis-shrunk repro
"""
from __future__ import annotations

import math
import re
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

RTOL = 1e-9
MAX_BOUND = 1e4  # no op is generated whose result could exceed this in absolute value
MAX_NUMEL = 48  # nor one with more elements than this


# --------------------------------------------------------------------------------------------- choosers
class Chooser:
    """Where the random decisions come from: Hypothesis (shrinkable) or a NumPy generator (fast)."""

    def int(self, lo: int, hi: int) -> int:  # inclusive; shrinks towards lo
        raise NotImplementedError

    def bool(self, percent: int = 50) -> bool:
        """True with about ``percent`` % (shrinks towards False)."""
        return self.int(0, 99) >= 100 - percent

    def choice(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def weighted(self, weights: dict):
        """A key of ``weights``, with probability proportional to its value (shrinks towards the first)."""
        total = sum(weights.values())
        k = self.int(0, total - 1)
        for key, w in weights.items():
            if k < w:
                return key
            k -= w
        raise AssertionError


class HypothesisChooser(Chooser):
    def __init__(self, draw):
        from hypothesis import strategies as st

        self._draw, self._st = draw, st

    def int(self, lo, hi):
        return lo if lo == hi else self._draw(self._st.integers(lo, hi))


class RandomChooser(Chooser):
    def __init__(self, seed):
        self._rng = np.random.default_rng(seed)

    def int(self, lo, hi):
        return int(self._rng.integers(lo, hi + 1))


# --------------------------------------------------------------------------------------------- model
@dataclass
class Var:
    """What the generator knows of one program variable."""

    name: str
    shadow: np.ndarray  # same shape and view structure as the tensor (values unused)
    base: str  # the differentiable view family: a view's base is its base's; others are their own
    requires_grad: bool  # predicted (the generator uses it to pick sensible statements only)
    leaf_rg: bool  # a leaf that requires grad (in-place writes to it or its views raise in torch)
    bound: float  # an upper bound on the absolute values
    no_grad_view: bool = False  # a view made inside no_grad of a tensor that requires grad
    # the strides are the same in both libraries (and the shadow's): leaves, buffers, their views, and
    # results computed from contiguous tensors. PyTorch keeps a permuted memory layout through
    # elementwise ops, clone and list indexing, so there `view` may be refused and `reshape` copy.
    layout_known: bool = True

    @property
    def shape(self) -> tuple:
        return self.shadow.shape

    @property
    def ndim(self) -> int:
        return self.shadow.ndim

    @property
    def numel(self) -> int:
        return int(self.shadow.size)


@dataclass
class Program:
    """Statements as Python text; ``lib`` is lucid or torch."""

    statements: list = field(default_factory=list)  # setup, body, loss and backward
    n_setup: int = 0  # the leaf and buffer definitions
    leaves: list = field(default_factory=list)
    leaf_values: dict = field(default_factory=dict)  # name -> the leaf's initial values
    retained: list = field(default_factory=list)
    variables: list = field(default_factory=list)  # every name assigned, in order
    flags_unchecked: list = field(default_factory=list)  # no_grad views: requires_grad/is_leaf not compared

    def code(self, lib: str = "lucid") -> str:
        head = [
            "import numpy as np",
            f"import {lib} as lib  # the same program runs with `import {'torch' if lib == 'lucid' else 'lucid'} as lib`",
        ]
        tail = [f"print({', '.join(f'{n}.grad' for n in self.leaves + self.retained)})"]
        return "\n".join(head + self.statements + tail)

    def __repr__(self) -> str:
        return "\n" + self.code() + "\n"

    def _repr_pretty_(self, printer, cycle) -> None:  # Hypothesis prints the falsifying example with this
        printer.text(repr(self))


def from_text(text: str) -> Program:
    """A :class:`Program` from hand-written text in the generator's style (for fixed regression cases).

    The leading ``name = lib.tensor(...)`` lines are the setup (leaves end in
    ``, requires_grad=True)``); indented lines belong to the ``with`` above;
    ``loss.backward()`` is added if missing.
    """
    statements: list[str] = []
    for line in text.strip().splitlines():
        if line.startswith("    "):
            statements[-1] += "\n" + line
        else:
            statements.append(line)
    if statements[-1] != "loss.backward()":
        statements.append("loss.backward()")
    prog = Program(statements=statements)
    for stmt in statements:
        m = re.match(r"(\w+) = lib\.tensor\((.*)\)$", stmt)
        if m is None or prog.n_setup != statements.index(stmt):
            break
        prog.n_setup += 1
        name, arg = m.groups()
        if arg.endswith(", requires_grad=True"):
            prog.leaves.append(name)
            prog.leaf_values[name] = np.asarray(eval(arg[: -len(", requires_grad=True")], {"np": np}), np.float64)
    for stmt in statements:
        last = stmt.splitlines()[-1].strip()
        m = re.match(r"(\w+) = ", last)
        if m and m.group(1) != "loss" and m.group(1) not in prog.variables:
            prog.variables.append(m.group(1))
        m = re.match(r"(\w+)\.retain_grad\(\)$", last)
        if m:
            prog.retained.append(m.group(1))
    return prog


def _literal(values: np.ndarray) -> str:
    return f"np.array({values.tolist()!r})"


def _fresh(shape) -> np.ndarray:
    return np.zeros(shape)


def _overlapping(a: np.ndarray) -> bool:
    """True when several elements of ``a`` are one memory location (a stride 0 on an axis longer than 1)."""
    return any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape))


def _broadcast(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


class Generator:
    """Builds one random program from a :class:`Chooser`."""

    def __init__(self, ch: Chooser, max_statements: int = 12, overlap_percent: int = 0):
        self.ch = ch
        self.overlap_percent = overlap_percent
        self.vars: dict[str, Var] = {}
        self.prog = Program()
        self.counter = 0
        self.max_statements = max_statements

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def dense(*inputs: Var) -> bool:
        """Whether a result computed from ``inputs`` is contiguous in both libraries."""
        return all(v.layout_known and v.shadow.flags.c_contiguous for v in inputs)

    def emit(self, line: str) -> None:
        self.prog.statements.append(line)

    def new_name(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def add(self, name, shadow, base=None, requires_grad=False, leaf_rg=False, bound=1.0, **kw) -> Var:
        v = Var(name, shadow, base or name, requires_grad, leaf_rg, bound, **kw)
        if v.no_grad_view:
            self.prog.flags_unchecked.append(name)
        self.vars[name] = v
        self.prog.variables.append(name)
        return v

    def shape(self, max_ndim=3) -> tuple:
        ndim = self.ch.weighted({1: 3, 2: 4, 3: 2, 0: 1}) if max_ndim >= 3 else self.ch.int(0, max_ndim)
        return tuple(self.ch.int(1, 4) for _ in range(ndim))

    def values(self, shape) -> np.ndarray:
        # multiples of 0.25 in [-2, 2] without 0: exact in binary, short to print, no ties at relu's kink
        rng = np.random.default_rng(self.ch.int(0, 2**16))
        mags = rng.integers(1, 9, size=shape) * 0.25
        signs = rng.choice([-1.0, 1.0], size=shape)
        return np.asarray(mags * signs, dtype=np.float64)

    def pick(self, pred: Callable[[Var], bool] = lambda v: True, prefer_recent=True, views_ok=False) -> Var | None:
        """A variable satisfying ``pred``.

        A view made inside ``no_grad`` of a tensor that requires grad is picked
        only where ``views_ok`` (to take views of it or write into it), never as
        an operand: PyTorch reports ``requires_grad=True`` for such a view (and
        for what is computed from it) although no gradient flows through it,
        lucid reports False; the tester leaves that quirk alone.
        """
        cands = [v for v in self.vars.values() if pred(v) and (views_ok or not v.no_grad_view)]
        if not cands:
            return None
        if prefer_recent:
            cands = cands[::-1]  # shrinks towards the newest variable
        return self.ch.choice(cands)

    def operand_for(self, target_shape, written: np.ndarray | None = None, same: Var | None = None):
        """An expression broadcastable to ``target_shape``: (code, bound, requires_grad), or None.

        ``written`` is the memory the statement writes (a shadow): a variable
        sharing memory with it is an operand only if it is ``same`` (``y *= y``),
        unless ``overlap_percent`` allows it (PyTorch refuses most partial
        overlaps of an in-place op's input and output, NumPy buffers them).
        """
        kind = self.ch.weighted({"var": 6, "const": 1, "sum": 1})
        if kind == "const":
            c = self.ch.choice([0.5, 1.5, -2.0, 3.0])
            return repr(c), abs(c), False
        if kind == "sum":
            v = self.pick(lambda v: v.numel * v.bound <= MAX_BOUND)
            if v is None:
                return None
            return f"{v.name}.sum()", v.bound * v.numel, v.requires_grad
        overlap_ok = self.overlap_percent and self.ch.bool(self.overlap_percent)

        def fits(v: Var) -> bool:
            if _broadcast(v.shape, target_shape) != tuple(target_shape):
                return False
            return overlap_ok or written is None or v is same or not np.shares_memory(v.shadow, written)

        v = self.pick(fits)
        if v is None:
            return None
        return v.name, v.bound, v.requires_grad

    def family(self, v: Var) -> list[Var]:
        """Variables that share memory with ``v`` (views, detached aliases)."""
        return [w for w in self.vars.values() if np.shares_memory(w.shadow, v.shadow)]

    def after_write(self, target: Var, rg: bool, bound: float) -> None:
        """An in-place write into ``target`` with a value that requires grad or not."""
        for w in self.family(target):
            w.bound = max(w.bound, bound)
        if rg:
            for w in self.vars.values():
                if w.base == target.base or w is target:
                    w.requires_grad = True

    def index(self, shape) -> str | None:
        """A basic index for ``shape`` as code (ints, negative ints, slices with steps, None, ...)."""
        if not shape:
            return self.ch.choice(["...", "None"])
        ellipsis_first = self.ch.bool(20)
        k = self.ch.int(1, len(shape))
        axes = list(range(len(shape) - k, len(shape))) if ellipsis_first else list(range(k))
        parts = ["..."] if ellipsis_first else []
        for ax in axes:
            n = shape[ax]
            kind = self.ch.weighted({"int": 3, "slice": 4, "full": 1, "none": 1})
            if kind == "int":
                parts.append(str(self.ch.int(-n, n - 1)))
            elif kind == "full":
                parts.append(":")
            elif kind == "none":
                parts.append("None")
                parts.append(":")
            else:
                start = self.ch.choice([None, self.ch.int(-n, n - 1)])
                stop = self.ch.choice([None, self.ch.int(-n, n)])
                step = self.ch.choice([None, 2, 3])
                s = f"{'' if start is None else start}:{'' if stop is None else stop}"
                parts.append(s if step is None else f"{s}:{step}")
        return ", ".join(parts)

    def apply_index(self, shadow: np.ndarray, idx: str) -> np.ndarray:
        # a trailing ... keeps NumPy's result a view also when every axis gets an int (else a scalar copy)
        full = idx if "..." in idx else f"{idx}, ..."
        return eval(f"s[{full}]", {"s": shadow})  # noqa: S307 - our own generated text

    def good_index(self, shape) -> tuple[str, np.ndarray] | None:
        for _ in range(3):
            idx = self.index(shape)
            sub = self.apply_index(np.zeros(shape), idx)
            if sub.size > 0:
                return idx, sub
        return None

    # ---------------------------------------------------------------- statements
    def setup(self) -> None:
        n_leaves = self.ch.int(1, 3)
        for i in range(n_leaves):
            shape = self.shape()
            name = f"x{i}"
            values = self.values(shape)
            self.prog.leaf_values[name] = values
            self.emit(f"{name} = lib.tensor({_literal(values)}, requires_grad=True)")
            self.add(name, _fresh(shape), requires_grad=True, leaf_rg=True, bound=2.0)
            self.prog.leaves.append(name)
        for i in range(self.ch.int(0, 2)):
            shape = self.shape()
            name = f"b{i}"
            if self.ch.bool(50):
                self.emit(f"{name} = lib.tensor(np.zeros({shape!r}))")
                bound = 0.0
            else:
                self.emit(f"{name} = lib.tensor({_literal(self.values(shape))})")
                bound = 2.0
            self.add(name, _fresh(shape), bound=bound)
        self.prog.n_setup = len(self.prog.statements)

    def statement(self) -> None:
        kind = self.ch.weighted({
            "unary": 10, "binary": 12, "reduce": 6, "index": 12, "list_index": 2, "reshape": 5,
            "transpose": 5, "expand": 4, "squeeze": 4, "inplace": 14, "item_inplace": 6,
            "setitem": 14, "list_setitem": 2, "clone": 3, "detach": 3, "retain": 4,
            "no_grad_compute": 3, "no_grad_inplace": 3,
        })
        getattr(self, "st_" + kind)()

    def st_unary(self):
        op = self.ch.choice(["tanh", "sigmoid", "relu", "exp", "pow2", "pow3", "neg"])
        bound_of = {"tanh": lambda b: 1.0, "sigmoid": lambda b: 1.0, "relu": lambda b: b, "neg": lambda b: b,
                    "exp": lambda b: math.exp(min(b, 50)), "pow2": lambda b: b * b, "pow3": lambda b: b ** 3}
        a = self.pick(lambda v: bound_of[op](v.bound) <= MAX_BOUND)
        if a is None:
            return
        expr = {"pow2": f"{a.name} ** 2", "pow3": f"{a.name} ** 3", "neg": f"-{a.name}"}.get(op, f"{a.name}.{op}()")
        name = self.new_name()
        self.emit(f"{name} = {expr}")
        self.add(name, _fresh(a.shape), requires_grad=a.requires_grad, bound=bound_of[op](a.bound),
                 layout_known=self.dense(a))

    def st_binary(self):
        a = self.pick()
        if a is None:
            return
        op = self.ch.choice(["+", "-", "*", "/"])
        if self.ch.bool(15):
            c = self.ch.choice([0.5, 2.0, -1.5])
            expr = f"{c!r} {op} {a.name}" if op in "+-*" else f"{a.name} / {c!r}"
            bound = a.bound + abs(c) if op in "+-" else a.bound * max(abs(c), 1 / abs(c))
            shape, rg, inputs = a.shape, a.requires_grad, [a]
        else:
            b = self.pick(lambda v: (s := _broadcast(v.shape, a.shape)) is not None
                          and int(np.prod(s)) <= MAX_NUMEL and len(s) <= 4)
            if b is None:
                return
            shape = _broadcast(a.shape, b.shape)
            rg = a.requires_grad or b.requires_grad
            inputs = [a, b]
            if op == "/":
                expr = f"{a.name} / ({b.name} * {b.name} + 1.0)"
                bound = a.bound
            else:
                expr = f"{a.name} {op} {b.name}"
                bound = a.bound * b.bound if op == "*" else a.bound + b.bound
        if bound > MAX_BOUND:
            return
        name = self.new_name()
        self.emit(f"{name} = {expr}")
        self.add(name, _fresh(shape), requires_grad=rg, bound=bound, layout_known=self.dense(*inputs))

    def st_reduce(self):
        a = self.pick(lambda v: v.numel * v.bound <= MAX_BOUND)
        if a is None:
            return
        fn = self.ch.choice(["sum", "mean"])
        if a.ndim == 0 or self.ch.bool(20):
            expr, shape = f"{a.name}.{fn}()", ()
        else:
            nd = a.ndim
            axes = sorted({self.ch.int(0, nd - 1) for _ in range(self.ch.int(1, min(2, nd)))})
            keep = self.ch.bool(40)
            written = [ax - nd if self.ch.bool(30) else ax for ax in axes]
            dim = str(written[0]) if len(written) == 1 else f"({', '.join(map(str, written))})"
            expr = f"{a.name}.{fn}(dim={dim}" + (", keepdim=True)" if keep else ")")
            shape = np.zeros(a.shape).sum(axis=tuple(axes), keepdims=keep).shape
        bound = a.bound * (a.numel if fn == "sum" else 1)
        name = self.new_name()
        self.emit(f"{name} = {expr}")
        self.add(name, _fresh(shape), requires_grad=a.requires_grad, bound=bound, layout_known=self.dense(a))

    def _view(self, a: Var, expr: str, shadow: np.ndarray):
        name = self.new_name()
        self.emit(f"{name} = {expr}")
        self.add(name, shadow, base=a.base, requires_grad=a.requires_grad, leaf_rg=a.leaf_rg, bound=a.bound,
                 no_grad_view=a.no_grad_view, layout_known=a.layout_known)

    def st_index(self):
        a = self.pick(views_ok=True)
        if a is None:
            return
        got = self.good_index(a.shape)
        if got is None:
            return
        idx, _ = got
        self._view(a, f"{a.name}[{idx}]", self.apply_index(a.shadow, idx))

    def st_list_index(self):
        a = self.pick(lambda v: v.ndim >= 1)
        if a is None:
            return
        n = a.shape[0]
        idx = [self.ch.int(-n, n - 1) for _ in range(self.ch.int(1, 3))]
        name = self.new_name()
        self.emit(f"{name} = {a.name}[{idx!r}]")
        self.add(name, _fresh(a.shadow[idx].shape), requires_grad=a.requires_grad, bound=a.bound,
                 layout_known=self.dense(a))

    def st_reshape(self):
        # only a contiguous tensor: reshape is then a view in both libraries (never a copy)
        a = self.pick(lambda v: v.layout_known and v.shadow.flags.c_contiguous, views_ok=True)
        if a is None:
            return
        n = a.numel
        divisors = [d for d in range(1, n + 1) if n % d == 0]
        first = self.ch.choice(divisors)
        rest = n // first
        form = self.ch.int(0, 3)
        shape = {0: (n,), 1: (first, rest), 2: (first, rest, 1), 3: (1, first, rest)}[form]
        written = list(shape)
        if self.ch.bool(30):
            written[self.ch.int(0, len(written) - 1)] = -1
        method = self.ch.choice(["reshape", "view"])
        self._view(a, f"{a.name}.{method}({', '.join(map(str, written))})", a.shadow.reshape(shape))

    def st_transpose(self):
        a = self.pick(lambda v: v.ndim >= 2, views_ok=True)
        if a is None:
            return
        nd = a.ndim
        if self.ch.bool(50):
            d1, d2 = self.ch.int(-nd, nd - 1), self.ch.int(-nd, nd - 1)
            self._view(a, f"{a.name}.transpose({d1}, {d2})", np.swapaxes(a.shadow, d1, d2))
        else:
            perm = list(range(nd))
            for i in range(nd - 1, 0, -1):  # Fisher-Yates from the chooser (shrinks to the identity)
                j = self.ch.int(0, i)
                perm[i], perm[j] = perm[j], perm[i]
            perm = perm[::-1]
            self._view(a, f"{a.name}.permute({', '.join(map(str, perm))})", np.transpose(a.shadow, perm))

    def st_expand(self):
        a = self.pick(lambda v: v.ndim <= 3, views_ok=True)
        if a is None:
            return
        shape = [self.ch.int(2, 3) if s == 1 and self.ch.bool(60) else s for s in a.shape]
        written = [str(s) if s != a.shape[i] or self.ch.bool(50) else "-1" for i, s in enumerate(shape)]
        if self.ch.bool(40):
            shape, written = [self.ch.int(1, 3)] + shape, [None] + written
            written[0] = str(shape[0])
        if int(np.prod(shape)) > MAX_NUMEL or not shape:
            return
        shadow = np.broadcast_to(a.shadow, tuple(shape))
        if self.ch.bool(70):
            expr = f"{a.name}.expand({', '.join(written)})"
        else:
            expr = f"{a.name}.broadcast_to({tuple(shape)!r})"
        self._view(a, expr, shadow)

    def st_squeeze(self):
        a = self.pick(views_ok=True)
        if a is None:
            return
        ones = [i for i, s in enumerate(a.shape) if s == 1]
        if ones and self.ch.bool(50):
            d = self.ch.choice(ones)
            d = d - a.ndim if self.ch.bool(30) else d
            self._view(a, f"{a.name}.squeeze({d})", np.squeeze(a.shadow, d))
        elif a.ndim < 4:
            d = self.ch.int(-a.ndim - 1, a.ndim)
            self._view(a, f"{a.name}.unsqueeze({d})", np.expand_dims(a.shadow, d))

    def _target(self, pred=lambda v: True) -> Var | None:
        """A variable to write into: rarely a leaf that requires grad or its view (an error in torch).

        Never one in which several elements are one memory location (an expanded
        view): PyTorch refuses some writes into those and not others.
        """
        allow_leaf = self.ch.bool(4)
        return self.pick(lambda v: pred(v) and (allow_leaf or not v.leaf_rg) and not _overlapping(v.shadow),
                         views_ok=True)

    def st_inplace(self):
        t = self._target()
        if t is None:
            return
        op = self.ch.choice(["+=", "-=", "*=", "/="])
        got = self.operand_for(t.shape, t.shadow, same=t)
        if got is None:
            return
        code, bound, rg = got
        if op == "/=":
            code = f"{code} * {code} + 1.0" if code[0] != "-" else f"{code} * {code} + 1.0"
            new_bound = t.bound
        elif op == "*=":
            new_bound = t.bound * bound
        else:
            new_bound = t.bound + bound
        if new_bound > MAX_BOUND:
            return
        self.emit(f"{t.name} {op} {code}")
        self.after_write(t, rg, new_bound)

    def st_item_inplace(self):
        t = self._target()
        if t is None:
            return
        got = self.good_index(t.shape)
        if got is None:
            return
        idx, sub = got
        op = self.ch.choice(["+=", "-=", "*="])
        operand = self.operand_for(sub.shape, t.shadow)
        if operand is None:
            return
        code, bound, rg = operand
        new_bound = t.bound * bound if op == "*=" else t.bound + bound
        if new_bound > MAX_BOUND:
            return
        self.emit(f"{t.name}[{idx}] {op} {code}")
        self.after_write(t, rg, new_bound)

    def st_setitem(self):
        t = self._target()
        if t is None:
            return
        chained = t.ndim >= 2 and self.ch.bool(25)
        if chained:  # t[i][idx] = value: a write through a temporary view
            i = self.ch.int(-t.shape[0], t.shape[0] - 1)
            got = self.good_index(t.shape[1:])
            if got is None:
                return
            idx, sub = got
            lhs = f"{t.name}[{i}][{idx}]"
        else:
            got = self.good_index(t.shape)
            if got is None:
                return
            idx, sub = got
            lhs = f"{t.name}[{idx}]"
        operand = self.operand_for(sub.shape, t.shadow)
        if operand is None:
            return
        code, bound, rg = operand
        self.emit(f"{lhs} = {code}")
        self.after_write(t, rg, max(t.bound, bound))

    def st_list_setitem(self):
        t = self._target(lambda v: v.ndim >= 1)
        if t is None:
            return
        n = t.shape[0]
        idx = sorted({self.ch.int(0, n - 1) for _ in range(self.ch.int(1, 3))})  # distinct: defined result
        operand = self.operand_for((len(idx),) + t.shape[1:], t.shadow)
        if operand is None:
            return
        code, bound, rg = operand
        self.emit(f"{t.name}[{idx!r}] = {code}")
        self.after_write(t, rg, max(t.bound, bound))

    def st_clone(self):
        a = self.pick()
        if a is None:
            return
        name = self.new_name()
        self.emit(f"{name} = {a.name}.clone()")
        self.add(name, _fresh(a.shape), requires_grad=a.requires_grad, bound=a.bound, layout_known=self.dense(a))

    def st_detach(self):
        a = self.pick()
        if a is None:
            return
        name = self.new_name()
        self.emit(f"{name} = {a.name}.detach()")
        self.add(name, a.shadow[...], requires_grad=False, bound=a.bound,  # same memory, a new autograd base
                 layout_known=a.layout_known)

    def st_retain(self):
        a = self.pick(lambda v: v.requires_grad and not v.leaf_rg and v.name not in self.prog.retained)
        if a is None:
            return
        self.emit(f"{a.name}.retain_grad()")
        self.prog.retained.append(a.name)

    def st_no_grad_compute(self):
        a = self.pick(views_ok=True)
        if a is None:
            return
        name = self.new_name()
        if self.ch.bool(50):
            got = self.good_index(a.shape)
            if got is None:
                return
            idx, _ = got
            self.emit(f"with lib.no_grad():\n    {name} = {a.name}[{idx}]")
            self.add(name, self.apply_index(a.shadow, idx), base=a.base, requires_grad=False,
                     leaf_rg=a.leaf_rg, bound=a.bound, no_grad_view=a.requires_grad or a.no_grad_view,
                     layout_known=a.layout_known)
        else:
            self.emit(f"with lib.no_grad():\n    {name} = {a.name} * 2.0")
            self.add(name, _fresh(a.shape), requires_grad=False, bound=2 * a.bound, layout_known=self.dense(a))

    def st_no_grad_inplace(self):
        t = self.pick(lambda v: not _overlapping(v.shadow), views_ok=True)  # often a leaf: an optimizer-style update
        if t is None:
            return
        got = self.operand_for(t.shape)
        if got is None:
            return
        code, bound, _ = got
        op = self.ch.choice(["-=", "+="])
        if t.bound + 0.5 * bound > MAX_BOUND:
            return
        self.emit(f"with lib.no_grad():\n    {t.name} {op} 0.5 * {code}")
        self.after_write(t, False, t.bound + 0.5 * bound)

    # ---------------------------------------------------------------- the whole program
    def loss(self) -> None:
        """``loss = sum of (var * W).sum()`` over some variables that (are predicted to) require grad."""
        cands = [v for v in self.vars.values() if v.requires_grad]
        chosen = [v for v in cands[::-1] if self.ch.bool(60)]
        if not chosen:
            chosen = [cands[-1]] if cands else [self.vars["x0"]]
        terms = []
        for v in chosen:
            if v.ndim == 0:
                terms.append(f"{v.name} * {self.ch.choice([0.5, 1.5, -0.75])!r}")
            else:
                terms.append(f"({v.name} * lib.tensor({_literal(self.values(v.shape))})).sum()")
        self.emit("loss = " + " + ".join(terms))
        self.emit("loss.backward()")

    def build(self) -> Program:
        self.setup()
        for _ in range(self.ch.int(1, self.max_statements)):
            self.statement()
        self.loss()
        return self.prog


def generate(ch: Chooser, max_statements: int = 12, overlap_percent: int = 0) -> Program:
    return Generator(ch, max_statements, overlap_percent).build()


# --------------------------------------------------------------------------------------------- running
@dataclass
class Outcome:
    error_at: int | None = None  # index of the statement that raised
    error: BaseException | None = None
    values: dict = field(default_factory=dict)  # name -> (array, requires_grad, is_leaf)
    grads: dict = field(default_factory=dict)  # name -> array or None (leaves and retained)


def _to_numpy(t, lib_name):
    if lib_name == "torch":
        return t.detach().numpy().copy()
    return np.array(t.numpy(), copy=True)


def run(prog: Program, lib, lib_name: str, clone_saved: bool = False) -> Outcome:
    """Run the program with ``lib``; ``clone_saved`` (torch only): every tensor autograd saves is a copy.

    With copies, an in-place write after the save cannot reach what backward
    uses, so PyTorch computes the gradient of the program as written where it
    would otherwise refuse it ("modified by an inplace operation").
    """
    import contextlib

    ns: dict[str, Any] = {"np": np, "lib": lib}
    out = Outcome()
    hooks = (lib.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t) if clone_saved
             else contextlib.nullcontext())
    with warnings.catch_warnings(), hooks:
        warnings.simplefilter("ignore")
        for i, stmt in enumerate(prog.statements):
            try:
                exec(compile(stmt, f"<statement {i}>", "exec"), ns)  # noqa: S102 - our own generated text
            except Exception as exc:  # noqa: BLE001 - every error is compared with torch's
                out.error_at, out.error = i, exc
                break
        for name in prog.variables:
            if name in ns:
                t = ns[name]
                try:
                    flags = bool(t.requires_grad), bool(t.is_leaf)
                except Exception:  # noqa: BLE001 - torch refuses to say for a no_grad view whose base changed
                    flags = None, None
                out.values[name] = (_to_numpy(t, lib_name), *flags)
        if out.error is None:
            for name in prog.leaves + prog.retained:
                g = ns[name].grad
                if g is not None and lib_name == "torch":
                    g = g.numpy()
                out.grads[name] = None if g is None else np.array(g, copy=True)
    return out


def reference_run(prog: Program, torch_mod, leaf_values: dict | None = None) -> dict:
    """Run the program's forward in PyTorch with no graph at all (inside ``no_grad``); return its namespace.

    This computes the function the program's gradients are the derivative of,
    also where PyTorch's autograd refuses the program (an in-place write to a
    leaf, or to a value backward needs): without a graph nothing is refused.
    ``retain_grad`` and ``backward`` are skipped; the leaves get
    ``leaf_values`` (default: the program's). Raises what the forward raises.
    """
    leaf_values = prog.leaf_values if leaf_values is None else leaf_values
    ns: dict[str, Any] = {"np": np, "lib": torch_mod}
    with warnings.catch_warnings(), torch_mod.no_grad():
        warnings.simplefilter("ignore")
        for i, stmt in enumerate(prog.statements):
            if stmt.endswith(".retain_grad()") or stmt == "loss.backward()":
                continue
            exec(compile(stmt, f"<statement {i}>", "exec"), ns)  # noqa: S102
            if i == prog.n_setup - 1:
                for name, values in leaf_values.items():
                    ns[name] = torch_mod.tensor(values)
    return ns


def reference_loss(prog: Program, torch_mod, leaf_values: dict) -> float:
    return float(reference_run(prog, torch_mod, leaf_values)["loss"])


def finite_difference_check(prog: Program, torch_mod, grads: dict, h: float = 1e-6) -> str | None:
    """Check lucid's leaf gradients against central differences of :func:`reference_loss`.

    Returns None when they agree (to about 1e-5 of the loss's scale; at a kink
    either one-sided difference is accepted), else a description.
    """
    base = {k: v.copy() for k, v in prog.leaf_values.items()}
    f0 = reference_loss(prog, torch_mod, base)
    tol = 1e-5 * max(1.0, abs(f0))
    for name, values in base.items():
        g = grads.get(name)
        g = np.zeros_like(values) if g is None else g
        for pos in np.ndindex(values.shape):
            def at(delta):
                moved = {k: v.copy() for k, v in base.items()}
                moved[name][pos] += delta
                return reference_loss(prog, torch_mod, moved)

            up, down = at(h), at(-h)
            slopes = ((up - down) / (2 * h), (up - f0) / h, (f0 - down) / h)
            if not any(abs(g[pos] - s) <= tol + 1e-5 * abs(s) for s in slopes):
                return (f"{name}.grad{list(pos)} is {g[pos]!r} but finite differences of the loss give "
                        f"{slopes[0]!r} (one-sided {slopes[1]!r}, {slopes[2]!r})")
    return None


# Error classes that count as "a clear error": anything else (AttributeError, ZeroDivisionError,
# KeyError, AssertionError, ...) is a crash inside lucid, never an answer.
CLEAR_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)

# Deliberate, documented differences from PyTorch: regexes on the message of an error PyTorch raises
# where lucid may instead answer, PROVIDED its forward values equal PyTorch's graph-free forward and its
# gradients equal finite differences of that forward (so an answer there is right, never a third
# answer). Keep this empty unless the difference is written down in lucid's docs, with the reason.
ACCEPTED_ANSWERS_WHERE_TORCH_REFUSES: list[str] = [
    # PyTorch saves some tensors lucid's backward does not need (tanh saves its output, x * 2
    # saves x, ...), so an in-place change of them fails there and not here. Documented in
    # "Coming from PyTorch"; lucid's answer is still checked: it must equal PyTorch's with
    # every saved tensor cloned.
    r"modified by an inplace operation",
    # A view taken of a plain tensor before an in-place write made that tensor require grad
    # still counts as a leaf in PyTorch, which then refuses in-place writes through it. lucid
    # follows the base's new graph (the view is derived from it again); its answer is checked
    # against finite differences of PyTorch's forward.
    r"a leaf Variable that requires grad is being used in an in-place operation",
]


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    finite = b[np.isfinite(b)]
    scale = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    return bool(np.allclose(a, b, rtol=RTOL, atol=RTOL * scale, equal_nan=True))


def _msg(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _where(prog: Program, i: int | None) -> str:
    if i is None:
        return "nowhere"
    return f"statement {i} `{prog.statements[i].splitlines()[-1].strip()}`"


def _check_answer_where_torch_refuses(prog: Program, lo: Outcome, to: Outcome, torch_mod) -> list:
    """torch raised, lucid ran through: is lucid's answer at least right?

    * torch refused at backward because a saved tensor was changed in place:
      lucid's whole outcome must equal PyTorch's run with every saved tensor
      cloned (``saved_tensors_hooks``), which is the gradient of the program
      as written (kind ``torch-raised-version``; ``...-WRONG`` if it differs);
    * any other refusal: every value must equal PyTorch's graph-free forward
      (:func:`reference_run`) and, in programs without detach/no_grad, every
      leaf gradient must equal finite differences of its loss (kinds
      ``torch-raised``, ``torch-raised-wrong-value``, ``torch-raised-wrong-grad``).

    A wrong answer is the worst kind of problem (silently wrong); a right one
    is still a difference from PyTorch unless torch's message matches
    ``ACCEPTED_ANSWERS_WHERE_TORCH_REFUSES``.
    """
    refused = f"torch raised at {_where(prog, to.error_at)}: {_msg(to.error)}; lucid ran through"
    accepted = any(re.search(pattern, str(to.error)) for pattern in ACCEPTED_ANSWERS_WHERE_TORCH_REFUSES)
    if "modified by an inplace operation" in str(to.error):
        # PyTorch refuses because a tensor it saved was changed; with every saved tensor cloned it
        # computes the gradient of the program as written: lucid's answer must equal that one
        cloned = run(prog, torch_mod, "torch", clone_saved=True)
        if cloned.error is None:
            problems = compare(prog, lo, cloned, torch_mod)
            if problems:
                return [("torch-raised-version-WRONG", f"{refused}, and its answer differs from PyTorch's with every "
                                                       f"saved tensor cloned: " + "; ".join(d for _, d in problems))]
            if accepted:
                return []
            return [("torch-raised-version", f"{refused} (lucid's answer equals PyTorch's with every saved tensor "
                                             f"cloned: right, but PyTorch refuses this program)")]
    try:
        ref = reference_run(prog, torch_mod)
    except Exception as exc:  # noqa: BLE001
        return [("torch-raised", f"{refused} (no graph-free reference to check lucid's answer: {_msg(exc)})")]
    for name, (lv, _, _) in lo.values.items():
        tv = ref[name].numpy()
        if not _close(lv, tv):
            return [("torch-raised-wrong-value", f"{refused}, and lucid's {name} is {lv.tolist()} where PyTorch's "
                                                 f"graph-free forward gives {tv.tolist()}")]
    if any(".detach()" in stmt or "no_grad" in stmt for stmt in prog.statements):
        # detach and no_grad cut the graph: the derivative autograd computes is no longer that of the
        # forward as a function of the leaves, so finite differences cannot check the gradients
        if accepted:  # a known refusal whose gradients are checked in the programs without detach/no_grad
            return []
        return [("torch-raised", f"{refused} (lucid's values are right; its gradients cannot be checked by finite "
                                 f"differences in a program with detach or no_grad)")]
    wrong = finite_difference_check(prog, torch_mod, lo.grads)
    if wrong is not None:
        return [("torch-raised-wrong-grad", f"{refused}, and its gradient is WRONG: {wrong}")]
    if accepted:
        return []
    return [("torch-raised", f"{refused} (lucid's values and gradients are right: they match PyTorch's "
                             f"graph-free forward and its finite differences)")]


def _written_before_retain(prog: Program, name: str) -> bool:
    """True when an in-place write (or a detach) happens before ``name.retain_grad()`` in the program."""
    for stmt in prog.statements:
        if stmt.strip().startswith(f"{name}.retain_grad()"):
            return False
        if ".detach()" in stmt or any(op in stmt for op in ("+=", "-=", "*=", "/=")) or "] = " in stmt:
            return True
    return False


def compare(prog: Program, lo: Outcome, to: Outcome, torch_mod) -> list[tuple[str, str]]:
    return [p for p in _compare(prog, lo, to, torch_mod) if p[0] not in IGNORED_KINDS]


def _compare(prog: Program, lo: Outcome, to: Outcome, torch_mod) -> list[tuple[str, str]]:
    """The differences between lucid's run ``lo`` and torch's run ``to``: a list of (kind, detail).

    Errors: where torch ran through, lucid must run through; where torch
    raised, lucid must raise a clear error (a ``CLEAR_ERRORS`` class with a
    message) at the same statement. Raising earlier (``early-error``, e.g. an
    eager check where torch raises at backward) or later (``late-error``) is
    reported too: the two libraries then disagree on a program prefix.
    """
    problems = []
    if lo.error is not None and not isinstance(lo.error, CLEAR_ERRORS):
        problems.append(("crash", f"lucid raised {_msg(lo.error)} at {_where(prog, lo.error_at)} "
                                  f"(torch: {'ok' if to.error is None else _msg(to.error)})"))
        return problems
    if lo.error is not None and not str(lo.error).strip():
        problems.append(("crash", f"lucid raised {type(lo.error).__name__} with no message at {_where(prog, lo.error_at)}"))
    if to.error is None and lo.error is not None:
        problems.append(("lucid-raised", f"lucid raised at {_where(prog, lo.error_at)}: {_msg(lo.error)}; torch ran through"))
        return problems
    if to.error is not None and lo.error is None:
        return _check_answer_where_torch_refuses(prog, lo, to, torch_mod)
    if to.error is not None:
        if lo.error_at > to.error_at:
            if any(re.search(p, str(to.error)) for p in ACCEPTED_ANSWERS_WHERE_TORCH_REFUSES):
                return problems  # torch refuses early for an accepted reason; lucid refuses later for its own
            problems.append(("late-error", f"torch raised at {_where(prog, to.error_at)}: {_msg(to.error)}; lucid ran "
                                           f"on and raised only at {_where(prog, lo.error_at)}: {_msg(lo.error)}"))
            return problems
        if lo.error_at < to.error_at:
            problems.append(("early-error", f"lucid raised at {_where(prog, lo.error_at)}: {_msg(lo.error)}; torch ran "
                                            f"on and raised at {_where(prog, to.error_at)}: {_msg(to.error)}"))
            return problems
        # both raised at the same statement: the values before it must still agree
    for name, (tv, trg, tleaf) in to.values.items():
        if name not in lo.values:
            continue
        lv, lrg, lleaf = lo.values[name]
        if not _close(lv, tv):
            problems.append(("value", f"{name}: lucid {lv.tolist()} torch {tv.tolist()}"))
        if trg is None or name in prog.flags_unchecked:
            continue
        if lrg != trg:
            problems.append(("requires_grad", f"{name}.requires_grad: lucid {lrg} torch {trg}"))
        elif lleaf != tleaf:
            problems.append(("is_leaf", f"{name}.is_leaf: lucid {lleaf} torch {tleaf}"))
    for name, tg in to.grads.items():
        lg = lo.grads.get(name)
        what = "retained grad" if name in prog.retained else "grad"
        if tg is None and lg is not None and name in prog.retained and _written_before_retain(prog, name):
            # A view whose graph PyTorch regenerated after an in-place write to its base (or a view of a
            # detach()) keeps no retained grad in PyTorch: retain_grad() hooks the regenerated node, and the
            # next use regenerates it again. lucid keeps one graph per view version and fills .grad with the
            # gradient of the loss with respect to that tensor. The leaves' gradients are still compared.
            continue
        if (tg is None) != (lg is None):
            problems.append((what + "-none", f"{name}.grad: lucid {None if lg is None else lg.tolist()} "
                                             f"torch {None if tg is None else tg.tolist()}"))
        elif tg is not None and not _close(lg, tg):
            problems.append((what, f"{name}.grad: lucid {lg.tolist()} torch {tg.tolist()}"))
    return problems


# Problem kinds left out of the comparison (the explorer's --ignore; empty in the test).
IGNORED_KINDS: set = set()


def check(prog: Program, lucid_mod, torch_mod) -> tuple[list, Outcome, Outcome]:
    lo = run(prog, lucid_mod, "lucid")
    to = run(prog, torch_mod, "torch")
    return compare(prog, lo, to, torch_mod), lo, to


def report(prog: Program, problems, lo: Outcome, to: Outcome) -> str:
    lines = ["lucid and torch disagree on this program:", "", prog.code(), "",
             f"torch: {'ran through' if to.error is None else 'raised at ' + _where(prog, to.error_at) + ': ' + _msg(to.error)}",
             f"lucid: {'ran through' if lo.error is None else 'raised at ' + _where(prog, lo.error_at) + ': ' + _msg(lo.error)}",
             ""]
    lines += [f"[{k}] {d}" for k, d in problems]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- explorer
def _signature(prog: Program, problems, lo: Outcome, to: Outcome) -> str:
    kind = problems[0][0]
    err = lo.error if kind in ("lucid-raised", "crash", "early-error") else to.error if kind.startswith("torch-raised") else None
    msg = re.sub(r"[-\d.e\[\], ]{3,}|\b\w*\d\w*\b", "#", _msg(err))[:90] if err is not None else ""
    return f"{kind} {msg}".strip()


def explore(n: int, seed: int = 0, max_statements: int = 12, show: int = 1, overlap: int = 0,
            ignore: tuple = ()) -> dict:
    """Run ``n`` random programs; group the failing ones by signature and print the shortest of each."""
    import torch

    import lucid

    IGNORED_KINDS.update(ignore)
    groups: dict[str, list] = {}
    for i in range(n):
        prog = generate(RandomChooser((seed, i)), max_statements, overlap)
        problems, lo, to = check(prog, lucid, torch)
        if problems:
            groups.setdefault(_signature(prog, problems, lo, to), []).append((len(prog.statements), i, prog, problems, lo, to))
    for sig, cases in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        cases.sort(key=lambda c: c[0])
        print(f"\n===== {len(cases)} x {sig}")
        for _, i, prog, problems, lo, to in cases[:show]:
            print(f"--- program {i}")
            print(report(prog, problems, lo, to))
    print(f"\n{sum(len(c) for c in groups.values())} of {n} programs differ, in {len(groups)} groups")
    return groups


def shrink(text: str, n: int = 5000, ignore: tuple = ()) -> Program | None:
    """Let Hypothesis search ``n`` programs for one with a problem matching ``text``, shrink it, print it."""
    import torch
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st

    import lucid

    IGNORED_KINDS.update(ignore)

    def matches(prog):
        problems, _, _ = check(prog, lucid, torch)
        return any(text in f"[{k}] {d}" for k, d in problems)

    strategy = st.composite(lambda draw: generate(HypothesisChooser(draw)))()
    try:
        prog = find(strategy, matches, settings=settings(max_examples=n, database=None, deadline=None,
                                                          suppress_health_check=list(HealthCheck)))
    except Exception as exc:  # hypothesis.errors.NoSuchExample
        print(f"no program with {text!r} in {n} tries ({type(exc).__name__})")
        return None
    problems, lo, to = check(prog, lucid, torch)
    print(report(prog, problems, lo, to))
    return prog


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Run random programs in lucid and torch; group the differences.")
    parser.add_argument("n", type=int, nargs="?", default=2000, help="how many programs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-statements", type=int, default=12)
    parser.add_argument("--overlap", type=int, default=0, help="percent of in-place operands that may alias the target")
    parser.add_argument("--ignore", default="", help="comma-separated problem kinds to ignore (e.g. is_leaf)")
    parser.add_argument("--show", type=int, default=1, help="programs shown per group (the shortest)")
    parser.add_argument("--shrink", default="", help="instead: let Hypothesis find and shrink a program whose "
                        "first problem's kind and detail contain this text (e.g. torch-raised-wrong-grad)")
    a = parser.parse_args()
    if a.shrink:
        shrink(a.shrink, a.n, tuple(k for k in a.ignore.split(",") if k))
        raise SystemExit
    explore(a.n, a.seed, a.max_statements, a.show, a.overlap, tuple(k for k in a.ignore.split(",") if k))
