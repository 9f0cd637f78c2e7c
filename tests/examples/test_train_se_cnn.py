"""Smoke test of examples/train_se_cnn.py: one tiny epoch of its model makes the loss fall."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import lucid
from lucid import nn, optim
from lucid.data import DataLoader, TensorDataset

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_se_cnn.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("train_se_cnn", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("se", [True, False])
def test_one_tiny_epoch_lowers_the_loss(se):
    pytest.importorskip("sklearn")
    example = _load_example()
    lucid.random.seed(0)
    train, _ = lucid.data.load_digits(seed=0)
    x, y = train.tensors
    subset = TensorDataset(x[:320], y[:320])
    model = example.SECNN(channels=(8, 16), se=se)
    assert any(isinstance(m, nn.SEModule) for m in model.modules()) == se
    loader = DataLoader(subset, batch_size=32, shuffle=True, generator=0)
    eval_loader = DataLoader(subset, batch_size=320)
    before, _ = example.evaluate(model, eval_loader)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    train_loss, train_acc = example.train_epoch(model, loader, opt, nn.CrossEntropyLoss())
    after, acc = example.evaluate(model, eval_loader)
    assert np.isfinite(train_loss) and after < before
    assert acc > 0.3  # ten classes: well above chance after one epoch


def test_gates_per_class_and_pictures(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    example = _load_example()
    train, _ = lucid.data.load_digits(seed=0)
    x, y = train.tensors
    model = example.SECNN(channels=(8, 16))
    gates = example.se_gates_per_class(model, DataLoader(TensorDataset(x[:200], y[:200]), batch_size=100))
    assert [g.shape for g in gates] == [(10, 8), (10, 16)]
    assert all(((g > 0) & (g < 1)).all() for g in gates)
    history = {"train_loss": [1.0, 0.5], "train_acc": [0.8, 0.9], "test_loss": [1.1, 0.6], "test_acc": [0.85, 0.9]}
    paths = example.save_pictures(history, gates, str(tmp_path), se=True)
    assert [Path(p).name for p in paths] == ["training_curves.png", "se_gates.png"]
    assert all(Path(p).stat().st_size > 1000 for p in paths)


def test_ablation_table_and_picture(tmp_path):
    pytest.importorskip("matplotlib")
    example = _load_example()
    results = {"SE": [0.98, 0.99, 0.97], "no-SE": [0.985, 0.98, 0.97]}
    table = example.ablation_table(results, {"SE": 120, "no-SE": 100})
    assert "98.00% ± 1.00%" in table and "SE-noSE" in table
    path = example.save_ablation_picture(results, range(3), str(tmp_path / "a.png"), "t", {"SE": 120, "no-SE": 100})
    assert Path(path).stat().st_size > 1000
