"""Op edge cases against PyTorch: 0-d tensors, empty tensors and axes, NaN and inf, int and bool inputs.

Each row of the table runs the same call on lucid and on PyTorch 2.13:

* PyTorch returns: lucid must return the same shapes and values (NaN where
  PyTorch has NaN, inf of the same sign), and, for float inputs, the same
  gradients of a random weighting of the outputs.
* PyTorch raises: lucid must raise a clear error of its own (ValueError,
  TypeError, IndexError or RuntimeError), never NumPy's text from deep inside
  ("zero-size array to reduction operation", "invalid literal for int()") and
  never a ZeroDivisionError.

Integer and boolean inputs follow NumPy's dtype rules in lucid (DESIGN.md: an
int64 input to a float op gives float64, where PyTorch gives float32): those
rows are marked ``NUMPY_DTYPE`` and compared at float32 precision, or, where
PyTorch refuses the dtype altogether, marked ``EXTENDS`` and only run.
"""
from __future__ import annotations

import math
import types
import warnings

import numpy as np
import pytest

import lucid
import lucid.nn.functional as LF

nan, inf = math.nan, math.inf

# ------------------------------------------------------------------------------------------ inputs
S = np.array(2.5)                                                      # 0-d
SN = np.array(nan)                                                     # 0-d NaN
E20 = np.zeros((2, 0))                                                 # empty along the last axis
E03 = np.zeros((0, 3))                                                 # empty along the first axis
E0 = np.zeros((0,))
NAN = np.array([[1.0, nan, 3.0], [-inf, 2.0, inf]])                   # NaN and infinities
NEGINF = np.array([[-inf, -inf], [1.0, -inf]])                         # a row of -inf only
ONE = np.array([[1.0, 2.0, 4.0]])                                      # a batch of one
CONST = np.array([[1.0, 1.0, 1.0], [2.0, 3.0, 5.0]])                   # a row with zero spread
TIES = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]])
INT = np.array([[1, 2], [3, 4]], dtype=np.int64)
BOOL = np.array([[True, False], [True, True]])

INPUTS = {"0d": S, "0d-nan": SN, "empty(2,0)": E20, "empty(0,3)": E03, "empty(0,)": E0, "nan-inf": NAN,
          "neg-inf-row": NEGINF, "batch-of-one": ONE, "constant-row": CONST, "ties": TIES}
INT_INPUTS = {"int": INT, "bool": BOOL}

EXTENDS = "extends"  # lucid answers where PyTorch raises (NumPy's rule, documented)
NUMPY_DTYPE = "numpy-dtype"  # lucid's float64 where PyTorch's float32: same values at float32 precision


def _axis_choices(x):
    """None, each valid axis (both signs, 0 and -1 on a 0-d tensor), all axes, and one out-of-range axis."""
    nd = x.ndim
    out = [None, 0, -1] + ([1, (0, 1)] if nd >= 2 else []) + [nd + (nd == 0)]
    return out


# ----------------------------------------------------------------------------------- the table
# Each function takes (m, f, *tensors): m is the library (lucid or torch), f its nn.functional.

def _reduction_rows():
    rows = []
    ops = {
        "sum": lambda m, f, x, d, k: m.sum(x, dim=d, keepdim=k) if d is not None else m.sum(x),
        "mean": lambda m, f, x, d, k: m.mean(x, dim=d, keepdim=k) if d is not None else m.mean(x),
        "amax": lambda m, f, x, d, k: m.amax(x, dim=d, keepdim=k) if d is not None else m.amax(x),
        "amin": lambda m, f, x, d, k: m.amin(x, dim=d, keepdim=k) if d is not None else m.amin(x),
        "var": lambda m, f, x, d, k: m.var(x, dim=d, keepdim=k),
        "var-c0": lambda m, f, x, d, k: m.var(x, dim=d, keepdim=k, correction=0),
        "var-c0.5": lambda m, f, x, d, k: m.var(x, dim=d, keepdim=k, correction=0.5),
        "var-c3": lambda m, f, x, d, k: m.var(x, dim=d, keepdim=k, correction=3),
        "std": lambda m, f, x, d, k: m.std(x, dim=d, keepdim=k),
        "std-c0": lambda m, f, x, d, k: m.std(x, dim=d, keepdim=k, correction=0),
        "std-c2.5": lambda m, f, x, d, k: m.std(x, dim=d, keepdim=k, correction=2.5),
        "logsumexp": lambda m, f, x, d, k: m.logsumexp(x, dim=d, keepdim=k),
        "argmax": lambda m, f, x, d, k: m.argmax(x, dim=d, keepdim=k),
        "argmin": lambda m, f, x, d, k: m.argmin(x, dim=d, keepdim=k),
        "any": lambda m, f, x, d, k: m.any(x, d, k) if d is not None else m.any(x),
        "all": lambda m, f, x, d, k: m.all(x, d, k) if d is not None else m.all(x),
    }
    tuple_ok = {"sum", "mean", "amax", "amin", "var", "var-c0", "var-c0.5", "var-c3", "std", "std-c0", "std-c2.5",
                "logsumexp"}
    for name, op in ops.items():
        for in_name, x in INPUTS.items():
            for d in _axis_choices(x):
                if isinstance(d, tuple) and name not in tuple_ok:
                    continue
                if d is None and name == "logsumexp":
                    continue  # PyTorch requires dim; lucid reduces everything
                for k in (False, True):
                    if d is None and k and name in ("sum", "mean", "amax", "amin", "any", "all"):
                        continue
                    rows.append((f"{name}[{in_name}, dim={d}, keepdim={k}]",
                                 (lambda op, d, k: lambda m, f, x: op(m, f, x, d, k))(op, d, k), (x,), None))
        for in_name, x in INT_INPUTS.items():
            rows.append((f"{name}[{in_name}, dim=0]", (lambda op: lambda m, f, x: op(m, f, x, 0, False))(op), (x,),
                         NUMPY_DTYPE))
    # lucid.max/min are amax/amin (values only); torch.max(x) without dim is the same reduction
    for in_name, x in INPUTS.items():
        rows.append((f"max-all[{in_name}]", lambda m, f, x: m.max(x), (x,), None))
        rows.append((f"min-all[{in_name}]", lambda m, f, x: m.min(x), (x,), None))
    return rows


def _softmax_rows():
    rows = []
    for name in ("softmax", "log_softmax"):
        for in_name, x in INPUTS.items():
            for d in _axis_choices(x):
                if d is None or isinstance(d, tuple):
                    continue
                rows.append((f"{name}[{in_name}, dim={d}]",
                             (lambda name, d: lambda m, f, x: getattr(f, name)(x, dim=d))(name, d), (x,), None))
    return rows


def _elementwise_rows():
    rows = []
    ops = {
        "exp": lambda m, f, x: m.exp(x), "log": lambda m, f, x: m.log(x), "log1p": lambda m, f, x: m.log1p(x),
        "sqrt": lambda m, f, x: m.sqrt(x), "abs": lambda m, f, x: m.abs(x), "sin": lambda m, f, x: m.sin(x),
        "cos": lambda m, f, x: m.cos(x), "tanh": lambda m, f, x: m.tanh(x),
        "sigmoid": lambda m, f, x: m.sigmoid(x), "relu": lambda m, f, x: f.relu(x),
        "leaky_relu": lambda m, f, x: f.leaky_relu(x, 0.1), "gelu": lambda m, f, x: f.gelu(x),
        "gelu-tanh": lambda m, f, x: f.gelu(x, approximate="tanh"), "softplus": lambda m, f, x: f.softplus(x),
        "softplus-beta": lambda m, f, x: f.softplus(x, beta=2, threshold=3),
        "clip": lambda m, f, x: m.clip(x, -1.0, 2.0), "clip-lo": lambda m, f, x: m.clip(x, min=0.0),
        "maximum": None, "minimum": None,  # two inputs: x and x reversed along its last axis (made below)
        "where": lambda m, f, x: m.where(x > 1, x, x * 2),
    }
    flip = {"maximum", "minimum"}
    for name, op in ops.items():
        for in_name, x in INPUTS.items():
            if name in flip:
                rows.append((f"{name}[{in_name}]", _pair(name), (x, _flipped(x)), None))
                continue
            rows.append((f"{name}[{in_name}]", op, (x,), None))
        for in_name, x in INT_INPUTS.items():
            if name in flip or name in ("where",):
                continue
            rows.append((f"{name}[{in_name}]", op, (x,), NUMPY_DTYPE))
    return rows


def _pair(name):
    return lambda m, f, a, b: getattr(m, name)(a, b)


def _flipped(x):
    return x[..., ::-1].copy() if x.ndim else x.copy()


def _shape_rows():
    rows = []
    for in_name, x in INPUTS.items():
        nd = x.ndim
        for d in (0, -1, nd + (nd == 0)):
            rows.append((f"squeeze[{in_name}, dim={d}]", (lambda d: lambda m, f, x: m.squeeze(x, dim=d))(d), (x,), None))
            rows.append((f"unsqueeze[{in_name}, dim={d}]", (lambda d: lambda m, f, x: m.unsqueeze(x, d))(d), (x,), None))
        rows += [
            (f"squeeze-all[{in_name}]", lambda m, f, x: m.squeeze(x), (x,), None),
            (f"flatten[{in_name}]", lambda m, f, x: m.flatten(x), (x,), None),
            (f"reshape(-1)[{in_name}]", lambda m, f, x: m.reshape(x, (-1,)), (x,), None),
            (f"reshape(0,-1)[{in_name}]", lambda m, f, x: m.reshape(x, (0, -1)), (x,), None),
            (f"swapaxes(0,-1)[{in_name}]", lambda m, f, x: m.swapaxes(x, 0, -1), (x,), None),
            (f"transpose[{in_name}]", lambda m, f, x: x.transpose(0, -1), (x,), None),
            (f"repeat_interleave(0)[{in_name}]", lambda m, f, x: m.repeat_interleave(x, 0), (x,), None),
            (f"repeat_interleave(2)[{in_name}]", lambda m, f, x: m.repeat_interleave(x, 2), (x,), None),
            (f"repeat_interleave(0, dim=0)[{in_name}]", lambda m, f, x: m.repeat_interleave(x, 0, dim=0), (x,), None),
            (f"repeat_interleave(3, dim=-1)[{in_name}]", lambda m, f, x: m.repeat_interleave(x, 3, dim=-1), (x,), None),
            (f"repeat(2,..)[{in_name}]", lambda m, f, x: x.repeat(*((2,) * max(nd, 1))), (x,), None),
            (f"repeat(0,..)[{in_name}]", lambda m, f, x: x.repeat(*((0,) * max(nd, 1))), (x,), None),
            (f"cat[{in_name}]", lambda m, f, x: m.cat([x, x * 2], 0), (x,), None),
            (f"cat(-1)[{in_name}]", lambda m, f, x: m.cat([x, x], -1), (x,), None),
            (f"stack[{in_name}]", lambda m, f, x: m.stack([x, x], -1), (x,), None),
            (f"split(1)[{in_name}]", lambda m, f, x: m.split(x, 1), (x,), None),
            (f"split(2, -1)[{in_name}]", lambda m, f, x: m.split(x, 2, -1), (x,), None),
            (f"broadcast_to[{in_name}]", lambda m, f, x: m.broadcast_to(x, (2,) + x.shape), (x,), None),
        ]
    return rows


def _linalg_rows():
    return [
        ("matmul (2,0)@(0,3)", lambda m, f, a, b: m.matmul(a, b), (np.zeros((2, 0)), np.zeros((0, 3))), None),
        ("matmul (0,2)@(2,3)", lambda m, f, a, b: m.matmul(a, b), (np.zeros((0, 2)), np.ones((2, 3))), None),
        ("matmul (0,)@(0,)", lambda m, f, a, b: m.matmul(a, b), (np.zeros((0,)), np.zeros((0,))), None),
        ("matmul nan", lambda m, f, a, b: m.matmul(a, b), (NAN, np.ones((3, 2))), None),
        ("matmul 0-d", lambda m, f, a, b: m.matmul(a, b), (S, np.ones(3)), None),
    ]


def _pool_rows():
    def img(vals, shape):
        return np.array(vals, dtype=np.float64).reshape(shape)

    w = img([nan, 1.0, 2.0, 3.0, 4.0, nan, 5.0, 6.0, -inf, -inf, -inf, -inf, 7.0, nan, nan, 8.0], (1, 1, 4, 4))
    neg = np.full((1, 2, 3, 3), -inf)
    ties = np.ones((2, 1, 4, 4))
    rows = []
    for in_name, x in {"nan": w, "-inf": neg, "ties": ties, "empty-batch": np.zeros((0, 1, 4, 4))}.items():
        rows += [
            (f"max_pool2d(2)[{in_name}]", lambda m, f, x: f.max_pool2d(x, 2), (x,), None),
            (f"max_pool2d(3, 1, 1)[{in_name}]", lambda m, f, x: f.max_pool2d(x, 3, 1, 1), (x,), None),
            (f"max_pool2d(2, 1, 1, dilation=2)[{in_name}]", lambda m, f, x: f.max_pool2d(x, 2, 1, 1, dilation=2),
             (x,), None),
            (f"max_pool2d(2, ceil)[{in_name}]", lambda m, f, x: f.max_pool2d(x[..., :3, :3], 2, ceil_mode=True),
             (x,), None),
            (f"avg_pool2d(2)[{in_name}]", lambda m, f, x: f.avg_pool2d(x, 2), (x,), None),
        ]
    rows.append(("conv2d empty batch", lambda m, f, x, k: f.conv2d(x, k), (np.zeros((0, 1, 4, 4)), np.ones((2, 1, 3, 3))),
                 None))
    rows.append(("conv2d nan", lambda m, f, x, k: f.conv2d(x, k, padding=1), (w, np.ones((2, 1, 3, 3))), None))
    return rows


ROWS = _reduction_rows() + _softmax_rows() + _elementwise_rows() + _shape_rows() + _linalg_rows() + _pool_rows()

# Messages that mean a NumPy or Python error escaped unexplained.
_RAW = ("zero-size array", "invalid literal", "could not convert", "division by zero", "not enough values to unpack",
        "attempt to get arg", "tuple index out of range", "list index out of range")


# ---------------------------------------------------------------------------------- the harness
def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _compare(torch, row_id, fn, arrays, mark):
    libs = {"lucid": types.SimpleNamespace(m=lucid, f=LF), "torch": types.SimpleNamespace(m=torch, f=torch.nn.functional)}
    float_in = [a.dtype.kind == "f" for a in arrays]
    tx = [torch.tensor(a, requires_grad=fl) for a, fl in zip(arrays, float_in)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = _flat(fn(libs["torch"].m, libs["torch"].f, *tx))
    except Exception:  # noqa: BLE001 - PyTorch refuses: lucid must refuse clearly (or extend, where marked)
        ref = None
    lx = [lucid.tensor(a, requires_grad=fl) for a, fl in zip(arrays, float_in)]
    if ref is None:
        if mark in (EXTENDS, NUMPY_DTYPE):
            _flat(fn(libs["lucid"].m, libs["lucid"].f, *lx))  # NumPy's rules: must at least run
            return
        with pytest.raises((ValueError, TypeError, IndexError, RuntimeError)) as info:
            fn(libs["lucid"].m, libs["lucid"].f, *lx)
        msg = str(info.value)
        assert not any(raw in msg for raw in _RAW), f"{row_id}: unclear error {msg!r}"
        return
    out = _flat(fn(libs["lucid"].m, libs["lucid"].f, *lx))
    assert len(out) == len(ref), row_id
    for o, r in zip(out, ref):
        assert o.shape == tuple(r.shape), (row_id, o.shape, tuple(r.shape))
        expected = r.detach().numpy()
        if mark is None:
            assert o.dtype.kind == expected.dtype.kind, (row_id, o.dtype, expected.dtype)
        # NUMPY_DTYPE: bool inputs even give float16 (NumPy's exp(bool)), int ones float64 against torch's float32
        tol = (1e-3 if o.dtype.itemsize == 2 else 1e-6) if mark == NUMPY_DTYPE else 1e-10
        np.testing.assert_allclose(o.numpy().astype(np.float64), expected.astype(np.float64), rtol=tol, atol=tol / 100,
                                   equal_nan=True, err_msg=row_id)
    if not any(float_in) or not any(r.requires_grad for r in ref):
        return
    g = np.random.default_rng(7)
    weights = [g.uniform(0.5, 1.5, tuple(r.shape)) for r in ref]  # positive: keeps the signs of infinities clear
    tl = sum((r * torch.tensor(w)).sum() for r, w in zip(ref, weights) if r.requires_grad)
    tl.backward()
    ll = sum((o * lucid.tensor(w)).sum() for o, w in zip(out, weights) if o.requires_grad)
    ll.backward()
    for i, (x, t) in enumerate(zip(lx, tx)):
        if not float_in[i]:
            continue
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else lucid.backend.to_host(x.grad)
        assert got.shape == expected.shape, (row_id, got.shape, expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, equal_nan=True,
                                   err_msg=f"{row_id}: gradient of input {i}")


@pytest.mark.torch
@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_edge_case_matches_torch(torch, row):
    row_id, fn, arrays, mark = row
    _compare(torch, row_id, fn, arrays, mark)
