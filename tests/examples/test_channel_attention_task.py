"""examples/channel_attention_task.py: its data generator, and one tiny run of SE and no-SE (not the experiment)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load():
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location("channel_attention_task", EXAMPLES / "channel_attention_task.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dotted_bars_label_is_the_dotted_channels_bar():
    t = _load()
    x, y, dotted = t.make_dotted_bars(40, seed=3, noise=0.0)
    assert x.shape == (40, 2, 16, 16) and x.dtype == np.float32 and y.dtype == np.int64
    glyphs = [t._bar(o, 5) for o in range(4)]
    for i in range(40):
        orientation = []
        for k in range(2):
            centre = x[i, k, 5:10, 5:10]  # jitter 0: the 5x5 bar sits in the middle of 16x16
            orientation.append(next(o for o, g in enumerate(glyphs) if np.array_equal(centre, g)))
            dot_pixels = x[i, k].sum() - centre.sum()
            assert dot_pixels == (16 if k == dotted[i] else 0)  # a 4x4 dot only in the dotted channel
        assert orientation[0] != orientation[1]
        assert y[i] == orientation[dotted[i]]
    assert set(dotted.tolist()) == {0, 1}


def test_dotted_bars_reproducible_and_checked():
    t = _load()
    a, b = t.make_dotted_bars(5, seed=1), t.make_dotted_bars(5, seed=1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    with pytest.raises(ValueError, match="size"):
        t.make_dotted_bars(2, size=10)
    with pytest.raises(ValueError, match="channels"):
        t.make_dotted_bars(2, channels=5)


@pytest.mark.parametrize("se", [True, False])
def test_tiny_run_and_frozen_gates(se):
    t = _load()
    r = t.run(0, se, epochs=1, n_train=64, n_test=32, channels=(4, 8), batch_size=32)
    assert len(r["test_acc"]) == 1 and 0.0 <= r["test_acc"][0] <= 1.0
    xt, yt, dt = r["test"]
    if se:
        acc = t.accuracy_with_frozen_gates(r["model"], xt, yt)
        assert 0.0 <= acc <= 1.0
        assert t.gates_by_dotted_channel(r["model"], xt, dt, block=1).shape == (2, 8)
