"""lucid/nn/summary.py: the table comes from a real forward pass."""
import numpy as np
import pytest

import lucid
from lucid import nn


def test_se_summary_rows_and_totals():
    se = nn.SEModule(64, 16)
    state = lucid.random.get_state()
    s = nn.summary(se, (8, 64, 32, 32))
    assert lucid.random.get_state() == state  # the global generator is not touched
    assert [(r["name"], r["type"], r["depth"]) for r in s.rows] == [
        ("", "SEModule", 0), ("pool", "AdaptiveAvgPool", 1), ("flatten", "Flatten", 1), ("fc1", "Linear", 1),
        ("relu", "ReLU", 1), ("fc2", "Linear", 1), ("sigmoid", "Sigmoid", 1)]
    assert [r["output_shape"] for r in s.rows] == [(8, 64, 32, 32), (8, 64, 1, 1), (8, 64), (8, 4), (8, 4), (8, 64),
                                                   (8, 64)]
    assert [r["params"] for r in s.rows] == [0, 0, 0, 260, 0, 320, 0]
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (580, 580, 0)
    assert s.input_bytes == 8 * 64 * 32 * 32 * 4 and s.params_bytes == 580 * 4
    text = str(s)
    assert "  fc1 (Linear)" in text and "[8, 64, 32, 32]" in text and "Total params: 580" in text


def test_shapes_are_observed_not_guessed_and_modes_restored():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.Sequential(nn.ReLU(), nn.Linear(5, 2)))
    model[1].requires_grad_(False)
    model.train()
    s = nn.summary(model, input_data=lucid.zeros((7, 3, 4)))
    assert [r["output_shape"] for r in s.rows] == [(7, 2), (7, 12), (7, 5), (7, 2), (7, 5), (7, 2)]
    assert [r["depth"] for r in s.rows] == [0, 1, 1, 1, 2, 2]
    assert s.trainable_params == 12 and s.non_trainable_params == 65
    assert all(m.training for m in model.modules())
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_errors():
    with pytest.raises(TypeError, match="exactly one of input_size"):
        nn.summary(nn.ReLU())
    with pytest.raises(RuntimeError, match=r"running SEModule on input\(s\) of shape \(2, 3, 4, 4\) failed"):
        nn.summary(nn.SEModule(8), (2, 3, 4, 4))
    with pytest.raises(TypeError, match="must be an nn.Module"):
        nn.summary(lambda x: x, (1,))


@pytest.mark.parametrize("bad, error, entry", [
    (3, TypeError, "got 3 \\(int\\)"),
    ((2, 3.0), TypeError, "entry 3.0 \\(float\\) is not an int"),
    ((2, None), TypeError, "entry None \\(NoneType\\) is not an int"),
    ("23", TypeError, "got '23' \\(str\\)"),
    ([(2, 3), (2, "a")], TypeError, "entry 'a'"),
    ((2, True), TypeError, "entry True"),
    ((2, -3), ValueError, "non-negative"),
])
def test_input_size_errors_name_the_argument(bad, error, entry):
    with pytest.raises(error, match="input_size") as info:
        nn.summary(nn.Linear(3, 2), bad)
    assert info.match(entry)


def test_several_input_shapes():
    class Add(nn.Module):
        def forward(self, a, b):
            return a + b

    s = nn.summary(Add(), [(2, 3), [2, 3]])
    assert s.rows[0]["output_shape"] == (2, 3)
