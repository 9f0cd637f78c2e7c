"""Random *sequences* of operations, in lucid and in PyTorch: views, in-place writes, setitem, detach, retain_grad.

Single ops are checked elsewhere; this file checks what only shows up when ops
meet: a view taken before its base is changed in place, a write through a view
of a plain buffer with a value that requires grad, a tensor reused in several
branches and then modified, a detached alias written to, a retained gradient of
a tensor that later changes. Hypothesis draws a program (see
``_programs.py`` for the statements it mixes); the same program text runs with
``lib = lucid`` and ``lib = torch`` (float64), and

* where PyTorch runs through, lucid must too, with the same values for every
  variable (relative 1e-9), the same ``requires_grad`` and ``is_leaf``, and
  the same gradient for every leaf and every retained non-leaf;
* where PyTorch raises, lucid must raise a clear error (RuntimeError,
  ValueError, TypeError or IndexError, with a message) at the same statement.
  If lucid answers instead, its answer is checked against PyTorch's
  graph-free forward and finite differences of it, and the report says
  whether lucid's answer is right or silently wrong.

A failing example prints as a Python program: paste it into a file and run it
with ``import lucid as lib`` and with ``import torch as lib``.

Environment variables:

* ``LUCID_SEQUENCE_PROGRAMS``: programs per run (default 1000; 20000 before a release);
* ``LUCID_SEQUENCE_SEED``: unset (CI): derandomised, the same programs every
  run; ``random``: a fresh random search each run (Hypothesis prints the seed
  of a failure); an integer: that seed.

To list every distinct difference at once (rather than Hypothesis's one
shrunk example), run ``python tests/reliability/_programs.py 5000``.
"""
from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import lucid

sys.path.insert(0, os.path.dirname(__file__))
import _programs  # noqa: E402

PROGRAMS = int(os.environ.get("LUCID_SEQUENCE_PROGRAMS", "1000"))
SEED = os.environ.get("LUCID_SEQUENCE_SEED", "")


@st.composite
def programs(draw):
    return _programs.generate(_programs.HypothesisChooser(draw))


def _search(test):
    test = settings(
        max_examples=PROGRAMS,
        deadline=None,
        derandomize=not SEED,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
    )(test)
    if SEED and SEED != "random":
        test = seed(int(SEED))(test)
    return test


@pytest.mark.torch
@_search
@given(prog=programs())
def test_program_matches_torch(prog, torch):
    problems, lo, to = _programs.check(prog, lucid, torch)
    assert not problems, _programs.report(prog, problems, lo, to)


# ------------------------------------------------------------------------------------ fixed cases
# Each was a silent wrong answer or a refusal of valid code at some point; they run on every
# test run in a blink, whatever Hypothesis draws. The program text is the repro.
FIXED = {
    "stale view after in-place on base (issue 11, #1)": """
x = lib.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
a = x * 2
b = a[0:2]
a *= x
loss = b.sum()
""",
    "stale reshaped view after in-place on base": """
x = lib.tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
a = x * 2
b = a.reshape(2, 2)
a *= x
loss = (b * lib.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))).sum()
""",
    "setitem of a grad value into a view of a plain buffer (issue 11, #2)": """
w = lib.tensor(np.array([5.0]), requires_grad=True)
out = lib.tensor(np.zeros((2, 3)))
out[0][1] = w[0]
loss = (out * 2).sum() + w.sum()
""",
    "in-place through a view reaches the base": """
x = lib.tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
a = x * 1.0
v = a[1:3]
v *= x[0:2]
loss = (a * lib.tensor(np.array([1.0, 2.0, 3.0, 4.0]))).sum()
""",
    "in-place through one view seen by a sibling view": """
x = lib.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
a = x * 1.5
row = a[0]
col = a[:, 0]
row += x[1]
loss = (col * lib.tensor(np.array([1.5, -2.0]))).sum() + (a * 0.5).sum()
""",
    "view of a view of a transposed buffer, written with a grad value": """
x = lib.tensor(np.array([0.5, -1.0]), requires_grad=True)
b = lib.tensor(np.zeros((3, 2)))
t = b.transpose(0, 1)
t[:, ::2][0] = x
loss = (b * b).sum() + (t * lib.tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))).sum()
""",
    "a tensor reused in two branches, then changed in place": """
x = lib.tensor(np.array([0.5, 1.5]), requires_grad=True)
h = x * x
left = h.tanh()
right = h[0] * 3.0
h += x
loss = (left * lib.tensor(np.array([1.0, -1.0]))).sum() + right + (h * 2.0).sum()
""",
    "retained grad of a tensor changed in place": """
x = lib.tensor(np.array([1.0, -2.0]), requires_grad=True)
h = x * 3.0
h.retain_grad()
h *= x
loss = (h * lib.tensor(np.array([1.0, 2.0]))).sum()
""",
    "detached alias written: the saved value has changed": """
x = lib.tensor(np.array([1.0, -2.0]), requires_grad=True)
h = x.exp()
d = h.detach()
d += 1.0
loss = h.sum()
""",
    "no_grad update of a leaf that a node saved": """
x = lib.tensor(np.array([1.0, -2.0]), requires_grad=True)
y = x * x
with lib.no_grad():
    x -= 0.5
loss = y.sum()
""",
    "in-place on a view of a leaf that requires grad": """
x = lib.tensor(np.array([1.0, -2.0]), requires_grad=True)
v = x[0:1]
v += 1.0
loss = x.sum()
""",
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(FIXED))
def test_fixed_program_matches_torch(name, torch):
    prog = _programs.from_text(FIXED[name])
    problems, lo, to = _programs.check(prog, lucid, torch)
    assert not problems, _programs.report(prog, problems, lo, to)


def test_generator_is_valid_python_and_deterministic():
    """The generator alone (no torch needed): same choices, same program; every statement compiles."""
    for i in range(50):
        a = _programs.generate(_programs.RandomChooser(i))
        b = _programs.generate(_programs.RandomChooser(i))
        assert a.statements == b.statements
        for stmt in a.statements:
            compile(stmt, "<program>", "exec")
        assert a.statements[-1] == "loss.backward()"
