"""Second derivatives of the shape ops, indexing, setitem, conversions and writes through views.

These ops are linear in their input, so their second derivative comes from
what surrounds them: each case squares (or otherwise bends) the result, so the
double backward runs through the op's backward with a gradient that depends on x.
"""
from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.ops._double_backward import check_double, third_order


def _x(shape=(2, 3, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# name: (lucid fn, torch fn, input shape); each result is squared (or tanh'ed) before the upstream gradient
SHAPE_OPS = {
    "reshape": (lambda x: x.reshape(4, 6), lambda t, x: x.reshape(4, 6), (2, 3, 4)),
    "reshape_minus_one": (lambda x: lucid.reshape(x, (-1,)), lambda t, x: x.reshape(-1), (2, 3, 4)),
    "view": (lambda x: lucid.view(x, 6, 4), lambda t, x: x.view(6, 4), (2, 3, 4)),
    "permute": (lambda x: lucid.permute(x, (2, 0, 1)), lambda t, x: x.permute(2, 0, 1), (2, 3, 4)),
    "transpose_pair": (lambda x: lucid.transpose(x, 0, 2), lambda t, x: x.transpose(0, 2), (2, 3, 4)),
    "transpose_all": (lambda x: lucid.transpose(x), lambda t, x: x.permute(2, 1, 0), (2, 3, 4)),
    "swapaxes": (lambda x: lucid.swapaxes(x, -1, 1), lambda t, x: x.swapaxes(-1, 1), (2, 3, 4)),
    "broadcast_to": (lambda x: lucid.broadcast_to(x, (2, 3, 4)), lambda t, x: x.broadcast_to((2, 3, 4)), (3, 1)),
    "expand": (lambda x: lucid.expand(x, 2, -1, 4), lambda t, x: x.expand(2, -1, 4), (3, 1)),
    "squeeze": (lambda x: lucid.squeeze(x), lambda t, x: x.squeeze(), (2, 1, 3, 1)),
    "squeeze_axis": (lambda x: lucid.squeeze(x, 1), lambda t, x: x.squeeze(1), (2, 1, 3)),
    "unsqueeze": (lambda x: lucid.unsqueeze(x, 1), lambda t, x: x.unsqueeze(1), (2, 3)),
    "flatten": (lambda x: lucid.flatten(x, 1), lambda t, x: x.flatten(1), (2, 3, 4)),
    "tile": (lambda x: lucid.tile(x, (2, 1, 3)), lambda t, x: x.repeat(2, 1, 3), (2, 3)),
    "repeat": (lambda x: x.repeat(3, 2), lambda t, x: x.repeat(3, 2), (2, 3)),
    "repeat_interleave": (lambda x: lucid.repeat_interleave(x, 2, axis=1),
                          lambda t, x: x.repeat_interleave(2, dim=1), (2, 3)),
    "repeat_interleave_flat": (lambda x: lucid.repeat_interleave(x, 3), lambda t, x: x.repeat_interleave(3), (2, 3)),
    "pad": (lambda x: lucid.pad(x, ((1, 0), (2, 1)), value=0.5),
            lambda t, x: t.nn.functional.pad(x, (2, 1, 1, 0), value=0.5), (2, 3)),
    "split": (lambda x: lucid.split(x, [1, 3], axis=1)[1], lambda t, x: t.split(x, [1, 3], dim=1)[1], (2, 4)),
    "split_size": (lambda x: lucid.split(x, 2)[-1], lambda t, x: t.split(x, 2)[-1], (5, 2)),
    "astype_float32_float64": (lambda x: lucid.astype(lucid.astype(x, "float32"), "float64") * x,
                               lambda t, x: x.float().double() * x, (2, 3)),
    "clone": (lambda x: lucid.clone(x) * x, lambda t, x: x.clone() * x, (2, 3)),
    # indexing
    "getitem_basic": (lambda x: x[1, :, ::2], lambda t, x: x[1, :, ::2], (2, 3, 4)),
    "getitem_none_ellipsis": (lambda x: x[None, ..., 1:3], lambda t, x: x[None, ..., 1:3], (2, 3, 4)),
    "getitem_int_array_repeats": (lambda x: x[[0, 2, 2, 0]], lambda t, x: x[[0, 2, 2, 0]], (3, 4)),
    "getitem_int_array_axis1": (lambda x: x[:, [1, 1, 3]], lambda t, x: x[:, [1, 1, 3]], (3, 4)),
    "getitem_two_arrays": (lambda x: x[[0, 1, 1], [2, 2, 0]], lambda t, x: x[[0, 1, 1], [2, 2, 0]], (3, 4)),
    "getitem_mask": (lambda x: x[x > 0], lambda t, x: x[x > 0], (3, 4)),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op_double_backward(name, device, torch):
    lucid_fn, torch_fn, shape = SHAPE_OPS[name]
    if device == "gpu" and name == "getitem_two_arrays":
        pytest.skip("indexing with several index arrays is differentiable on the CPU only")
    check_double(device, torch, lambda x: lucid_fn(x) ** 2, lambda x: torch_fn(torch, x) ** 2, [_x(shape)],
                 gradgrad="float32" not in name)  # finite differences cannot see through a float32 rounding


LISTS = {
    "concatenate": (lambda a, b: lucid.concatenate([a, b], axis=1), lambda t, a, b: t.cat([a, b], dim=1)),
    "concatenate_axis0": (lambda a, b: lucid.cat([b, a, b], axis=0), lambda t, a, b: t.cat([b, a, b], dim=0)),
    "stack": (lambda a, b: lucid.stack([a, b], axis=1), lambda t, a, b: t.stack([a, b], dim=1)),
    "stack_last": (lambda a, b: lucid.stack([a, b, a], axis=-1), lambda t, a, b: t.stack([a, b, a], dim=-1)),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_list_op_double_backward(name, device, torch):
    lucid_fn, torch_fn = LISTS[name]
    check_double(device, torch, lambda a, b: lucid.tanh(lucid_fn(a, b)), lambda a, b: torch.tanh(torch_fn(torch, a, b)),
                 [_x((2, 3), 1), _x((2, 3), 2)])


SETITEM = {
    "slice": (np.s_[1:, ::2], (2, 2)),
    "int_and_slice": (np.s_[0, 1:3], (2,)),
    "int_array": ([0, 2], (2, 4)),
    "mask": (np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]]), (6,)),
    "broadcast_value": (np.s_[:, 1], ()),
}


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem_double_backward(name, device, torch):
    """A function that clones x and writes v into it: both x and v get second derivatives."""
    index, vshape = SETITEM[name]
    if device == "gpu" and name == "int_array":
        pytest.skip("array_api_strict cannot assign through an integer array (the GPU stand-in)")

    def lucid_fn(x, v):
        y = lucid.clone(x * x)
        y[index] = lucid.sin(v)
        return y * x

    def torch_fn(x, v):
        y = (x * x).clone()
        y[torch.as_tensor(index) if isinstance(index, np.ndarray) else index] = torch.sin(v)
        return y * x

    check_double(device, torch, lucid_fn, torch_fn, [_x((3, 4), 3), _x(vshape, 4)])


def test_write_through_a_view_then_differentiate_twice(device, torch):
    """CopySlices: a value written through a view (a row of a transpose) reaches the base's second derivatives."""
    def make(lib):
        def fn(x, v):
            y = x * 1.0
            row = y.transpose(0, 1)[1]  # a view of column 1
            row *= v  # written in place through the view: y's graph gets a CopySlices node
            return y * y
        return fn

    check_double(device, torch, make(lucid), make(torch), [_x((3, 2), 5), _x((3,), 6)])


def test_write_through_a_reshaped_view_with_setitem(device, torch):
    def make(lib):
        def fn(x, v):
            y = lib.exp(x) * 1.0  # not exp's own output, which its backward needs unchanged
            flat = y.reshape(-1)  # a view
            flat[2:5] = v * v
            return y.sum(1) ** 2
        return fn

    check_double(device, torch, make(lucid), make(torch), [_x((2, 3), 7), _x((3,), 8)])


def test_to_device_double_backward(device, torch):
    """cpu -> device -> cpu moves are in the graph at every order."""
    def lucid_fn(x):
        y = lucid.to_device(x * x, device)
        return lucid.to_device(lucid.sin(y), "cpu") * x

    x = lucid.tensor(_x((2, 3), 9), requires_grad=True)
    (g,) = lucid.autograd.grad(lucid_fn(x), [x], lucid.tensor(np.ones((2, 3))), create_graph=True)
    (h,) = lucid.autograd.grad(g.sum(), [x])
    xt = torch.tensor(_x((2, 3), 9), requires_grad=True)
    (gt,) = torch.autograd.grad(torch.sin(xt * xt) * xt, [xt], torch.ones(2, 3, dtype=torch.float64),
                                create_graph=True)
    (ht,) = torch.autograd.grad(gt.sum(), [xt])
    np.testing.assert_allclose(h, ht.numpy(), rtol=1e-10)
    assert lucid.autograd.gradgradcheck(lucid_fn, [x])


THIRD = {
    "getitem_repeats": (lambda x: x[[0, 2, 2]] ** 3, lambda x: x[[0, 2, 2]] ** 3),
    "getitem_slice": (lambda x: lucid.sin(x[1:, ::2]), lambda x: x[1:, ::2].sin()),
    "permute_broadcast": (lambda x: lucid.exp(lucid.broadcast_to(x.transpose(), (2, 3, 3))),
                          lambda x: x.t().broadcast_to((2, 3, 3)).exp()),
}


@pytest.mark.parametrize("name", list(THIRD))
def test_third_order_matches_torch(name, device, torch):
    """Third derivatives alternate getitem's backward (a scatter) and the scatter's (a getitem)."""
    lucid_fn, torch_fn = THIRD[name]
    x = _x((3, 3), 10)
    got = third_order(lucid, lucid_fn, lucid.tensor(x, device=device, requires_grad=True), seed=11)
    want = third_order(torch, torch_fn, torch.tensor(x, requires_grad=True), seed=11)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)
