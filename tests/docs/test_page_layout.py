"""Every layer page of lucid.nn has the course's layout: 'Forward Calculation' then 'Backward Gradient
Calculation', as headed sections (numpydoc style), after Parameters/Attributes and before Examples.

docs/_ext/lucid_docs.py renders them as sections of their own; this test keeps every layer's
docstring in that shape, so a student finds the math in the same place on every page.
"""
from __future__ import annotations

import inspect
import re

import pytest

import lucid.nn as nn

SECTION = re.compile(r"^([A-Z][A-Za-z ]+)\n-{3,}$", re.M)


def _layers():
    out = []
    for name in dir(nn):
        obj = getattr(nn, name)
        if inspect.isclass(obj) and issubclass(obj, nn.Module) and obj.forward is not nn.Module.forward:
            out.append(name)
    return out


def test_there_are_layers():
    assert {"Linear", "Conv2d", "SEModule", "BatchNorm2d", "CrossEntropyLoss"} <= set(_layers())


@pytest.mark.parametrize("name", _layers())
def test_layer_page_has_forward_and_backward_sections(name):
    doc = inspect.getdoc(getattr(nn, name)) or ""
    titles = [m.group(1) for m in SECTION.finditer(doc)]
    assert "Forward Calculation" in titles and "Backward Gradient Calculation" in titles, (name, titles)
    f, b = titles.index("Forward Calculation"), titles.index("Backward Gradient Calculation")
    assert f + 1 == b, f"{name}: Backward Gradient Calculation must follow Forward Calculation ({titles})"
    for before in ("Parameters", "Attributes"):
        if before in titles:
            assert titles.index(before) < f, f"{name}: {before} comes before the math ({titles})"
    if "Examples" in titles:
        assert b < titles.index("Examples"), f"{name}: the math comes before Examples ({titles})"
    body = doc.split("Forward Calculation\n")[1]
    assert ".. math::" in body, f"{name}: no formula in its calculation sections"


def test_semodule_page_in_the_course_layout():
    doc = inspect.getdoc(nn.SEModule)
    titles = [m.group(1) for m in SECTION.finditer(doc)]
    assert titles == ["Parameters", "Attributes", "Forward Calculation", "Backward Gradient Calculation",
                      "Examples", "Notes", "References"]
    examples = doc.split("Examples\n--------\n")[1]
    course = [">>> import lucid.nn as nn",
              ">>> module = nn.SEModule(in_channels=64, reduction=16)",
              ">>> input_tensor = Tensor(np.random.randn(8, 64, 32, 32))  # Shape: (N, C, H, W)",
              ">>> output = module(input_tensor)  # Forward pass",
              ">>> print(output.shape)",
              "(8, 64, 32, 32)"]
    lines = [ln.strip() for ln in examples.splitlines() if ln.strip().startswith(">>>") or ln.strip().startswith("(")]
    assert lines[:6] == course
    assert all(len(ln) <= 80 for ln in examples.splitlines() if ln.lstrip().startswith(">>>"))
