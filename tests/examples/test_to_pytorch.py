"""examples/to_pytorch.py: a lucid SE-CNN crosses to PyTorch and back through .safetensors, same predictions."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "to_pytorch.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("to_pytorch", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def safetensors_torch(torch):
    """safetensors' PyTorch half; skipped when absent, except in CI where it must be present."""
    try:
        import safetensors.torch as st
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("safetensors must be installed in CI for the interop tests (pip install safetensors)")
        pytest.skip("safetensors is not installed (pip install safetensors)")
    return st


@pytest.mark.torch
def test_round_trip_gives_the_same_predictions(torch, safetensors_torch, tmp_path, capsys):
    pytest.importorskip("sklearn")
    example = _load_example()
    result = example.main(["--epochs", "1", "--torch-steps", "3", "--channels", "8", "16",
                           "--max-train", "256", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    for direction in ("lucid_to_torch", "torch_to_lucid"):
        r = result[direction]
        assert r["max_abs_diff"] < 1e-3                   # float32, different kernels: not bit-equal
        assert r["agree"] >= 0.99 * r["count"]            # a near-tie may flip one digit, no more
        assert abs(r["lucid_acc"] - r["torch_acc"]) <= 0.01
    assert result["torch_to_lucid"]["moved"] > 1e-4       # lucid really loaded PyTorch's new weights
    assert all(Path(p).is_file() for p in result["paths"])
    assert "lucid -> PyTorch" in out and "PyTorch -> lucid" in out


def test_torch_state_dict_names_equal_lucids(torch):
    example = _load_example()
    lucid_names = list(example.SECNN(channels=(4, 8)).state_dict())
    torch_names = list(example.torch_secnn(torch, channels=(4, 8)).state_dict())
    assert torch_names == lucid_names


def test_clear_message_without_torch(monkeypatch, capsys):
    example = _load_example()
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    assert example.main(["--out", "unused"]) is None
    assert "pip install torch safetensors" in capsys.readouterr().out
