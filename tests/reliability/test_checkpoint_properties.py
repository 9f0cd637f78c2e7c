"""Property tests: whatever ``lucid.save`` accepts, ``lucid.load`` returns equal; training resumes exactly.

* Any tree of dicts/lists/tuples of arrays (every dtype lucid's format
  carries, 0-d and zero-size shapes), Tensors, NumPy scalars and Python
  values, with str keys drawn from an alphabet that includes dots, slashes,
  ``#``, ``.npy`` suffixes, NUL, non-ASCII and lone surrogates (and int
  keys), loads back equal in value (bit for bit), dtype, shape, type and
  structure.
* A model with many layer types, trained 3 steps (Adam, AdamW-style weight
  decay with amsgrad, SGD with momentum), saved with its optimizer and
  scheduler, loaded into a fresh model/optimizer/scheduler, gives the same
  outputs and the same next step.
"""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lucid
from lucid import nn, optim

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]

_SPECIAL_KEYS = ["x.npy", "x", "a/b#2", "a/b", "a", "#", "0", "0.npy", "__lucid__", "__lucid__.json", "",
                 "fc1.weight", "\x00", "nul\x00", "é", "中文", "🙂", "\ud800", "a\udfffb", "k" * 5000, "..", "/"]
_ALPHABET = st.characters(blacklist_categories=())  # every code point, lone surrogates and NUL included
KEYS = st.one_of(st.sampled_from(_SPECIAL_KEYS), st.text(_ALPHABET, max_size=12),
                 st.text(st.sampled_from("./#npy\x00é"), max_size=8), st.integers(-(2**63), 2**64 - 1))


@st.composite
def arrays(draw):
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    return draw(hnp.arrays(dtype, shape))


@st.composite
def tensors(draw):
    a = draw(hnp.arrays(draw(st.sampled_from(["float32", "float64"])),
                        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
                        elements=st.floats(-1e3, 1e3, width=32)))
    return lucid.Tensor(a, requires_grad=draw(st.booleans()))


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), st.floats(allow_nan=True, allow_infinity=True),
    st.text(_ALPHABET, max_size=20),
    arrays().map(lambda a: a.reshape(-1)[0] if a.size else a.dtype.type(0)),  # NumPy scalars
)
LEAVES = st.one_of(arrays(), tensors(), SCALARS)
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(st.lists(children, max_size=4), st.lists(children, max_size=4).map(tuple),
                               st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=16,
)


def assert_identical(a, b, where="top"):
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys differ"
        for (ka, va), (kb, vb) in zip(a.items(), b.items()):
            assert type(ka) is type(kb), f"{where}: key types"
            assert_identical(va, vb, f"{where}[{ka!r:.30}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: lengths"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, lucid.Tensor):
        assert a.requires_grad == b.requires_grad, where
        assert_identical(a.numpy(), b.numpy(), where)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), f"{where}: {a.dtype}{np.shape(a)} vs {b.dtype}{np.shape(b)}"
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), f"{where}: values differ"  # NaN, -0.0: bit for bit
    elif isinstance(a, float):
        assert struct_bits(a) == struct_bits(b), f"{where}: {a!r} vs {b!r}"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def struct_bits(x: float) -> bytes:
    return b"nan" if math.isnan(x) else np.float64(x).tobytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(TREES)
def test_whatever_save_accepts_loads_back_identical(tree):
    buffer = io.BytesIO()
    lucid.save(tree, buffer)  # every tree drawn here is supported: none may be refused
    assert_identical(tree, lucid.load(io.BytesIO(buffer.getvalue())))


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(_ALPHABET, max_size=30), arrays(), max_size=6))
def test_flat_state_dicts_round_trip_through_files(tmp_path_factory, sd):
    path = tmp_path_factory.mktemp("sd") / "sd.npz"
    lucid.save(sd, path)
    assert_identical(sd, lucid.load(path))


# ----------------------------------------------------------------------------- training resumes exactly
class _Net(nn.Module):
    """One of each layer type with state: Conv2d, BatchNorm2d, SEModule, Linear, BatchNorm1d, LayerNorm, a 0-d weight."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.SEModule(8, 4),
                                      nn.MaxPool2d(2), nn.Identity())
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 4 * 4, 16), nn.BatchNorm1d(16), nn.GELU(),
                                  nn.LayerNorm(16), nn.Linear(16, 5))
        self.temperature = nn.Parameter(np.array(1.5, dtype=np.float32))  # a 0-d parameter

    def forward(self, x):
        return self.head(self.features(x)) / self.temperature


def _data(seed):
    rng = np.random.default_rng(seed)
    return (lucid.tensor(rng.standard_normal((6, 3, 8, 8)).astype(np.float32)),
            lucid.tensor(rng.integers(0, 5, size=6)))


def _step(model, opt, sched, seed):
    x, y = _data(seed)
    model.train()
    opt.zero_grad()
    nn.CrossEntropyLoss()(model(x), y).backward()
    opt.step()
    sched.step()


OPTIMIZERS = {
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adam-amsgrad-decay": lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.9), weight_decay=0.01, amsgrad=True),
    "sgd-momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "sgd-nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
}


@pytest.mark.parametrize("make_opt", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
@pytest.mark.parametrize("suffix", [".npz", ".ckpt"])
def test_training_resumes_exactly_after_save_and_load(tmp_path, make_opt, suffix):
    lucid.random.seed(0)
    model = _Net()
    opt = make_opt(model.parameters())
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for i in range(3):
        _step(model, opt, sched, i)
    path = tmp_path / f"checkpoint{suffix}"
    lucid.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                "epoch": 3}, path)

    lucid.random.seed(123)  # a fresh model with other weights
    fresh = _Net()
    fresh_opt = make_opt(fresh.parameters())
    ckpt = lucid.load(path)
    fresh.load_state_dict(ckpt["model"])
    fresh_opt.load_state_dict(ckpt["optimizer"])
    fresh_sched = optim.lr_scheduler.StepLR(fresh_opt, step_size=2, gamma=0.5)
    fresh_sched.load_state_dict(ckpt["scheduler"])
    assert ckpt["epoch"] == 3

    assert_identical(model.state_dict(), fresh.state_dict())
    assert_identical(opt.state_dict(), fresh_opt.state_dict())
    assert [g["lr"] for g in fresh_opt.param_groups] == [g["lr"] for g in opt.param_groups] == fresh_sched.get_last_lr()
    x, _ = _data(99)
    model.eval()
    fresh.eval()
    np.testing.assert_array_equal(model(x).numpy(), fresh(x).numpy())  # the same computation on the same values

    _step(model, opt, sched, 3)  # and the next step is the same step
    _step(fresh, fresh_opt, fresh_sched, 3)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in fresh_opt.param_groups]
    assert_identical(model.state_dict(), fresh.state_dict())
    assert_identical(opt.state_dict(), fresh_opt.state_dict())


def test_a_batchnorm_checkpoint_loads_into_a_fresh_model(tmp_path):
    """Issue: every 0-d array came back with shape (1,), so no BatchNorm checkpoint could be loaded."""
    for layer in (nn.BatchNorm1d(3), nn.BatchNorm2d(3)):
        lucid.save(layer.state_dict(), tmp_path / "bn.npz")
        type(layer)(3).load_state_dict(lucid.load(tmp_path / "bn.npz"))
