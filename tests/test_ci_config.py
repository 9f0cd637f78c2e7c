"""The promises README makes about testing are the ones .ci/run keeps.

* README's test command is run verbatim by CI;
* every floor in pyproject.toml (runtime and test extra) is a plain ``>=`` that CI can install as ``==``
  in its second virtualenv, so the declared range is tested at both ends.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOOR = re.compile(r"([A-Za-z0-9_.\-]+)>=([0-9][0-9A-Za-z.]*)")  # the same pattern .ci/run uses


def _read(name: str) -> str:
    path = ROOT / name
    if not path.exists():
        pytest.skip(f"{name} is not part of this installation (tests run from a source checkout)")
    return path.read_text(encoding="utf-8")


def test_readme_test_command_is_the_one_ci_runs():
    readme = _read("README.md")
    commands = [line for line in readme.splitlines() if "pytest" in line and line.startswith("python -m pip install")]
    assert commands == ['python -m pip install -e ".[test]" && python -m pytest'], commands
    ci_lines = [line.split("  #")[0].removesuffix(" || exit $?") for line in _read(".ci/run").splitlines()]
    assert commands[0] in ci_lines, ".ci/run must run README's test command verbatim"


def test_every_floor_is_a_plain_lower_bound():
    project = tomllib.loads(_read("pyproject.toml"))["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    assert any(r.startswith("numpy") for r in project["dependencies"])
    bad = [r for r in reqs if not FLOOR.fullmatch(r.replace(" ", ""))]
    assert not bad, f"CI installs each floor with '==': these are not plain '>=' floors: {bad}"
