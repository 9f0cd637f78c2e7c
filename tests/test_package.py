"""The package as a course uses it: ``import lucid`` then ``lucid.nn.Linear``, as with ``torch``.

Each check runs in a fresh interpreter: this test session has long since imported
lucid.nn (and conftest tries CuPy), so only a new process shows what ``import lucid``
alone does.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _run(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON object, returned here."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_subpackages_are_attributes_after_import_lucid():
    r = _run(
        "import json, lucid\n"
        "print(json.dumps({\n"
        "  'Linear': lucid.nn.Linear.__module__, 'SEModule': lucid.nn.SEModule.__name__,\n"
        "  'SGD': lucid.optim.SGD.__module__, 'DataLoader': lucid.data.DataLoader.__module__,\n"
        "  'in_dir': [n in dir(lucid) for n in ('nn', 'optim', 'data')],\n"
        "}))"
    )
    assert r["Linear"].startswith("lucid.nn")
    assert r["SEModule"] == "SEModule"
    assert r["SGD"].startswith("lucid.optim")
    assert r["DataLoader"].startswith("lucid.data")
    assert r["in_dir"] == [True, True, True]


def test_attribute_is_the_same_module_as_import():
    r = _run(
        "import json, lucid\n"
        "nn = lucid.nn\n"
        "import lucid.nn as nn2\n"
        "from lucid import optim\n"
        "print(json.dumps([nn is nn2, optim is lucid.optim, 'nn' in vars(lucid)]))"
    )
    assert r == [True, True, True]


def test_unknown_attribute_is_an_attribute_error():
    import lucid

    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        lucid.no_such_thing  # noqa: B018
    assert not hasattr(lucid, "no_such_thing")


@pytest.mark.parametrize("heavy", ["cupy", "torch", "matplotlib", "sklearn"])
def test_import_lucid_imports_no_heavy_or_optional_package(heavy):
    # ``import lucid`` needs NumPy only; the subpackages load on first use.
    r = _run(
        "import json, sys, lucid\n"
        "print(json.dumps({'loaded': sorted(m for m in sys.modules if m.split('.')[0] == %r),\n"
        "                  'subpackages': sorted(m for m in ('lucid.nn', 'lucid.optim', 'lucid.data')\n"
        "                                        if m in sys.modules)}))" % heavy
    )
    assert r["loaded"] == [], f"import lucid imported {r['loaded']}"
    assert r["subpackages"] == [], "import lucid should not import the subpackages up front"


def test_using_the_subpackages_imports_no_cupy_or_torch():
    r = _run(
        "import json, sys, lucid\n"
        "lucid.nn.Linear(3, 2); lucid.optim.SGD; lucid.data.DataLoader\n"
        "print(json.dumps(sorted(m for m in ('cupy', 'torch') if m in sys.modules)))"
    )
    assert r == []
