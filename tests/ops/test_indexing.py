"""lucid/ops/indexing.py: t[index] and t[index] = value, with NumPy's indexing rules."""
import numpy as np
import pytest

import lucid

from ._util import check_forward, check_grad, host, randn, t, torch_parity

# Indices that the array API supports (at most one index array, no mixing): run on every device.
PORTABLE = {
    "int": 1,
    "neg_int": -1,
    "slice": slice(1, None),
    "step_slice": slice(None, None, 2),
    "tuple": (0, slice(1, 3)),
    "none": (None, 1),
    "ellipsis": (Ellipsis, 0),
    "ellipsis_none": (0, Ellipsis, None),
    "int_array": [0, 2, 0],
    "int_array_axis1": (slice(None), [3, 3, 0, 1]),
    "int_array_2d": np.array([[0, 1], [2, 2]]),
    "mask": "mask",
    "all_true_mask_row": np.array([True, False, True]),
}


def _index(name, device, a):
    idx = PORTABLE[name]
    if isinstance(idx, str):
        return t(a > 0, device), a > 0
    return idx, idx


@pytest.mark.parametrize("name", PORTABLE)
def test_getitem_forward_and_gradcheck(device, name):
    a = randn(3, 4)
    idx, np_idx = _index(name, device, a)
    check_forward(lambda x: x[idx], a[np_idx], [a], device, rtol=0, atol=0)
    check_grad(lambda x: x[idx], [a], device)


@pytest.mark.parametrize("name", PORTABLE)
def test_getitem_torch_parity(torch, name):
    a = randn(3, 4)
    idx = PORTABLE[name]
    if isinstance(idx, str):
        lucid_idx, torch_idx = lucid.tensor(a > 0), torch.tensor(a > 0)
    else:
        lucid_idx = idx
        torch_idx = tuple(torch.tensor(np.asarray(i)) if isinstance(i, (list, np.ndarray)) else i
                          for i in (idx if isinstance(idx, tuple) else (idx,)))
    torch_parity(torch, lambda x: x[lucid_idx], lambda x: x[torch_idx], [a])


def test_repeated_indices_accumulate(device):
    x = t(np.array([1.0, 2.0, 3.0]), device, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(host(x.grad), [3.0, 0.0, 1.0])
    y = t(randn(2, 3), device, requires_grad=True)
    (y[:, [1, 1]] * 2).sum().backward()
    np.testing.assert_array_equal(host(y.grad), [[0, 4, 0], [0, 4, 0]])


def test_index_tensors_and_numpy_ints(device):
    a = randn(4, 3)
    x = t(a, device)
    np.testing.assert_array_equal(x[t(np.array([3, 1]), device)].numpy(), a[[3, 1]])
    np.testing.assert_array_equal(x[np.int64(2)].numpy(), a[2])
    np.testing.assert_array_equal(x[lucid.tensor(1, device=device)].numpy(), a[1])


# Several index arrays at once (and arrays mixed with a leading int) are NumPy "advanced indexing"
# that the array API standard does not include, so array_api_strict (our GPU stand-in) rejects them;
# they are tested on NumPy only.  Their gradient uses np.add.at.
NUMPY_ONLY = {
    "two_arrays": ([0, 2, 0], [1, 1, 1]),
    "array_and_int": (1, [0, 3, 3]),
    "array_slice_array": ([0, 1], slice(None), [1, 0]),
}


@pytest.mark.parametrize("name", NUMPY_ONLY)
def test_multi_array_indexing_numpy_only(torch, name):
    a = randn(3, 4, 2) if name == "array_slice_array" else randn(3, 4)
    idx = NUMPY_ONLY[name]
    check_forward(lambda x: x[idx], a[idx], [a], "cpu", rtol=0, atol=0)
    check_grad(lambda x: x[idx], [a], "cpu")
    tidx = tuple(torch.tensor(i) if isinstance(i, list) else i for i in idx)
    torch_parity(torch, lambda x: x[idx], lambda x: x[tidx], [a])


def test_multi_array_indexing_is_refused_by_the_strict_namespace(strict_gpu):
    x = lucid.tensor(randn(3, 4), device="gpu", requires_grad=True)
    with pytest.raises(IndexError):
        x[[0, 1], [1, 2]]


def test_getitem_errors(device):
    x = t(randn(3, 4), device)
    with pytest.raises(IndexError, match="integer or boolean"):
        x[np.array([0.5])]
    with pytest.raises(IndexError, match="valid indices"):
        x["a"]


# ------------------------------------------------------------------ setitem
SETITEM = {
    "int": (1, (4,)),
    "slice": ((slice(None), slice(1, 3)), (3, 2)),
    "broadcast_row": ((slice(0, 2),), (4,)),
    "scalar": ((0, 0), ()),
    "mask": ("mask", (None,)),
}


@pytest.mark.parametrize("name", SETITEM)
def test_setitem_forward_and_gradients(device, torch, name):
    a = randn(3, 4)
    idx, vshape = SETITEM[name]
    if idx == "mask":
        mask = a > 0
        vshape = (int(mask.sum()),)
    v = randn(*vshape, seed=7)

    def f(x, value):
        y = x * 1.0
        y[t(mask, x.device) if idx == "mask" else idx] = value
        return y * y

    expected = a.copy()
    expected[mask if idx == "mask" else idx] = v
    check_forward(f, expected * expected, [a, v], device)
    check_grad(f, [a, v], device)

    def tf(x, value):
        y = x * 1.0
        y[torch.tensor(mask) if idx == "mask" else idx] = value
        return y * y

    torch_parity(torch, f, tf, [a, v])


def test_setitem_with_python_scalar_and_no_grad(device):
    x = t(np.zeros((2, 3)), device)
    x[0, 1] = 5.0
    x[1] = t(np.array([1.0, 2.0, 3.0]), device)
    np.testing.assert_array_equal(x.numpy(), [[0, 5, 0], [1, 2, 3]])
    assert x._version[0] == 2


def test_setitem_on_leaf_requiring_grad_raises(device):
    x = t(np.zeros(3), device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x[0] = 1.0


def test_setitem_shape_error(device):
    x = t(np.zeros((2, 3)), device)
    with pytest.raises(ValueError, match=r"\(4,\)"):
        x[0] = t(np.ones(4), device)


def test_setitem_bumps_version_seen_by_views_backward(device):
    x = t(randn(3), device, requires_grad=True)
    y = x.exp()
    y[0] = 0.0  # exp saved y for its backward
    with pytest.raises(RuntimeError, match="Exp"):
        y.sum().backward()
