"""lucid/ops/shape.py: reshape view flatten squeeze unsqueeze transpose permute swapaxes expand
broadcast_to concatenate stack split repeat repeat_interleave pad."""
import numpy as np
import pytest

import lucid

from ._util import check_forward, check_grad, randn, t, torch_parity

A = (2, 3, 4)

# name -> (lucid function of one tensor, NumPy reference, PyTorch reference or None, input shape)
SHAPE_OPS = {
    "reshape": (lambda x: x.reshape(4, 6), lambda a: a.reshape(4, 6), lambda x: x.reshape(4, 6), A),
    "reshape_tuple_-1": (lambda x: lucid.reshape(x, (3, -1)), lambda a: a.reshape(3, -1), lambda x: x.reshape(3, -1), A),
    "view": (lambda x: x.view(24), lambda a: a.reshape(24), lambda x: x.view(24), A),
    "reshape_0d": (lambda x: x.reshape(1, 1), lambda a: a.reshape(1, 1), lambda x: x.reshape(1, 1), ()),
    "flatten": (lucid.flatten, lambda a: a.reshape(-1), lambda x: x.flatten(), A),
    "flatten_1": (lambda x: x.flatten(1), lambda a: a.reshape(2, 12), lambda x: x.flatten(1), A),
    "flatten_0_1": (lambda x: lucid.flatten(x, 0, 1), lambda a: a.reshape(6, 4), lambda x: x.flatten(0, 1), A),
    "squeeze": (lucid.squeeze, np.squeeze, lambda x: x.squeeze(), (1, 3, 1)),
    "squeeze_axis": (lambda x: x.squeeze(axis=0), lambda a: a.squeeze(0), lambda x: x.squeeze(0), (1, 3, 1)),
    "squeeze_dim_not_1": (lambda x: x.squeeze(dim=1), lambda a: a, lambda x: x.squeeze(1), (1, 3, 1)),
    "unsqueeze": (lambda x: x.unsqueeze(1), lambda a: a[:, None], lambda x: x.unsqueeze(1), (2, 3)),
    "unsqueeze_-1": (lambda x: lucid.unsqueeze(x, dim=-1), lambda a: a[..., None], lambda x: x.unsqueeze(-1), (2, 3)),
    "transpose_pair": (lambda x: x.transpose(0, 2), lambda a: a.swapaxes(0, 2), lambda x: x.transpose(0, 2), A),
    "transpose_all": (lambda x: x.transpose(), lambda a: a.transpose(), lambda x: x.permute(2, 1, 0), A),
    "T": (lambda x: x.T, lambda a: a.T, lambda x: x.permute(2, 1, 0), A),
    "permute": (lambda x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), lambda x: x.permute(2, 0, 1), A),
    "permute_tuple": (lambda x: lucid.permute(x, (1, -1, 0)), lambda a: a.transpose(1, 2, 0),
                      lambda x: x.permute(1, 2, 0), A),
    "swapaxes": (lambda x: lucid.swapaxes(x, -1, 0), lambda a: a.swapaxes(-1, 0), lambda x: x.swapaxes(-1, 0), A),
    "expand": (lambda x: x.expand(2, -1, 4), lambda a: np.broadcast_to(a, (2, 3, 4)),
               lambda x: x.expand(2, -1, 4), (3, 1)),
    "broadcast_to": (lambda x: lucid.broadcast_to(x, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)),
                     lambda x: x.broadcast_to((2, 3, 4)), (1, 4)),
    "broadcast_to_0d": (lambda x: x.broadcast_to(3, 2), lambda a: np.broadcast_to(a, (3, 2)),
                        lambda x: x.broadcast_to((3, 2)), ()),
    "repeat": (lambda x: x.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), lambda x: x.repeat(2, 1, 3), A),
    "repeat_more_dims": (lambda x: lucid.repeat(x, (2, 2, 1)), lambda a: np.tile(a, (2, 2, 1)),
                         lambda x: x.repeat(2, 2, 1), (3, 2)),
    "repeat_interleave": (lambda x: lucid.repeat_interleave(x, 2, axis=1), lambda a: np.repeat(a, 2, axis=1),
                          lambda x: x.repeat_interleave(2, dim=1), A),
    "repeat_interleave_flat": (lambda x: lucid.repeat_interleave(x, 3), lambda a: np.repeat(a, 3),
                               lambda x: x.repeat_interleave(3), (2, 2)),
    "pad": (lambda x: lucid.pad(x, ((0, 1), (2, 0), (1, 1))), lambda a: np.pad(a, ((0, 1), (2, 0), (1, 1))),
            lambda x: __import__("torch").nn.functional.pad(x, (1, 1, 2, 0, 0, 1)), A),
    "pad_int_value": (lambda x: lucid.pad(x, 1, value=-2.0), lambda a: np.pad(a, 1, constant_values=-2.0),
                      lambda x: __import__("torch").nn.functional.pad(x, (1, 1, 1, 1), value=-2.0), (2, 3)),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op_forward_and_gradcheck(device, name):
    fn, np_fn, _, shape = SHAPE_OPS[name]
    a = randn(*shape)
    check_forward(fn, np.ascontiguousarray(np_fn(a)), [a], device, rtol=0, atol=0)
    check_grad(fn, [a], device)


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op_torch_parity(torch, name):
    fn, _, tfn, shape = SHAPE_OPS[name]
    torch_parity(torch, fn, tfn, [randn(*shape)])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack(device, torch, axis):
    a, b, c = randn(2, 3, seed=1), randn(2, 3, seed=2), randn(2, 3, seed=3)
    for fn, np_fn, tfn in ((lucid.concatenate, np.concatenate, torch.cat), (lucid.stack, np.stack, torch.stack)):
        check_forward(lambda *xs: fn(list(xs), axis=axis), np_fn([a, b, c], axis=axis), [a, b, c], device)
        check_grad(lambda *xs: fn(xs, axis=axis), [a, b, c], device)
        torch_parity(torch, lambda *xs: fn(list(xs), dim=axis), lambda *xs: tfn(xs, dim=axis), [a, b, c])


def test_concatenate_different_lengths(device):
    a, b = randn(2, 1, seed=1), randn(2, 4, seed=2)
    check_forward(lambda x, y: lucid.cat([x, y], axis=1), np.concatenate([a, b], axis=1), [a, b], device)
    check_grad(lambda x, y: lucid.concat([x, y], axis=1), [a, b], device)


def test_concatenate_with_constant_input(device):
    a = t(randn(2, 2), device, requires_grad=True)
    c = t(randn(3, 2, seed=5), device)  # does not require grad
    lucid.concatenate([c, a]).sum().backward()
    np.testing.assert_array_equal(lucid.backend.to_host(a.grad), np.ones((2, 2)))


@pytest.mark.parametrize("sections", [2, [1, 4], 5, [0, 5]], ids=str)
def test_split(device, torch, sections):
    a = randn(5, 3)
    x = t(a, device)
    pieces = lucid.split(x, sections)
    expected = torch.split(torch.tensor(a), sections)
    assert [p.shape for p in pieces] == [tuple(e.shape) for e in expected]
    for p, e in zip(pieces, expected):
        np.testing.assert_array_equal(p.numpy(), e.numpy())
    check_grad(lambda u: tuple(lucid.split(u, sections)), [a], device)
    torch_parity(torch, lambda u: tuple(lucid.split(u, sections)), lambda u: torch.split(u, sections), [a])
    pieces = x.split(1, dim=1)
    assert len(pieces) == 3 and pieces[2].shape == (5, 1)


def test_views_share_the_version_counter(device):
    x = t(randn(2, 3), device) * 1.0
    v = x.reshape(6)
    assert v._version is x._version


SHAPE_ERRORS = [
    (lambda x: x.reshape(5, 5), ValueError, r"\(2, 3, 4\).*\(5, 5\)"),
    (lambda x: x.reshape(-1, -1), ValueError, "at most one -1"),
    (lambda x: x.permute(0, 1), ValueError, "permutation"),
    (lambda x: x.permute(0, 0, 1), ValueError, "permutation"),
    (lambda x: x.broadcast_to(3, 4), ValueError, "cannot be broadcast"),
    (lambda x: x.expand(4), ValueError, "sizes"),
    (lambda x: x.unsqueeze(), TypeError, "axis"),
    (lambda x: x.flatten(2, 0), ValueError, "start_dim"),
    (lambda x: lucid.concatenate([x, lucid.zeros((2, 4, 4))]), ValueError, r"\(2, 4, 4\)"),
    (lambda x: lucid.concatenate(x), TypeError, "list or tuple"),
    (lambda x: lucid.stack([]), ValueError, "at least one"),
    (lambda x: lucid.stack([x, lucid.zeros(3)]), ValueError, "shape"),
    (lambda x: lucid.split(x, [1, 2]), ValueError, "add up to 2"),
    (lambda x: lucid.split(x, 0), ValueError, "positive"),
    (lambda x: x.repeat(2), ValueError, "at least 3"),
    (lambda x: lucid.repeat_interleave(x, -1), TypeError, "non-negative"),
    (lambda x: lucid.pad(x, (1, 2, 3)), ValueError, "pad_width"),
    (lambda x: lucid.pad(x, -1), ValueError, "non-negative"),
    (lambda x: x.swapaxes(0, 3), ValueError, "out of range"),
]


@pytest.mark.parametrize("fn, exc, match", SHAPE_ERRORS)
def test_shape_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn(lucid.zeros((2, 3, 4)))


# ----------------------------------------------------------------------------- issue 11: edge cases as PyTorch
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_repeat_interleave_zero_times_has_a_zero_gradient(device, torch, axis):
    a = randn(2, 3)
    x = t(a, device, requires_grad=True)
    y = lucid.repeat_interleave(x, 0, axis)
    ref = torch.repeat_interleave(torch.tensor(a), 0, dim=axis)
    assert y.shape == tuple(ref.shape)
    y.sum().backward()  # was a ZeroDivisionError
    np.testing.assert_array_equal(lucid.backend.to_host(x.grad), np.zeros((2, 3)))
    check_grad(lambda x: lucid.repeat_interleave(x, 2, axis), [a], device)


def test_0d_axes_like_torch(device):
    s = t(np.array(2.0), device, requires_grad=True)
    assert lucid.squeeze(s, -1).shape == lucid.squeeze(s, 0).shape == ()
    assert lucid.swapaxes(s, 0, -1).shape == lucid.transpose(s, 0, -1).shape == ()
    assert lucid.unsqueeze(s, -1).shape == (1,)
    with pytest.raises(ValueError, match="concatenate: tensor 0 is 0-d"):
        lucid.concatenate([s, s])
    with pytest.raises(ValueError, match="split: a 0-d tensor"):
        lucid.split(s, 1)


def test_shape_number_arguments_are_named():
    x = lucid.zeros(4)
    with pytest.raises(TypeError, match="split: section sizes must be an int, got 1.5"):
        lucid.split(x, [1.5, 2.5])
    with pytest.raises(TypeError, match="pad: pad_width must hold ints"):
        lucid.pad(x, 1.5)  # was silently truncated to 1
    with pytest.raises(TypeError, match="pad: value must be a real number"):
        lucid.pad(x, 1, value="0")
