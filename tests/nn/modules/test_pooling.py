"""lucid/nn/modules/pooling.py: the adaptive pooling layers and GlobalAvgPool (the math is tested in functional)."""
import numpy as np
import pytest

import lucid
from lucid import nn

from .._util import rng, t


@pytest.mark.parametrize("cls, shape, out", [
    (nn.AdaptiveAvgPool1d, (2, 3, 10), 4),
    (nn.AdaptiveAvgPool2d, (2, 3, 10, 9), (4, None)),
    (nn.AdaptiveAvgPool3d, (3, 4, 5, 6), (2, 3, 1)),
])
def test_layers_match_pytorch(torch, device, cls, shape, out):
    x = rng(0).standard_normal(shape)
    layer = cls(out)
    ref = getattr(torch.nn, cls.__name__)(out)
    assert repr(layer) == repr(ref)
    y = layer(t(x, device))
    assert y.device == device
    np.testing.assert_allclose(y.numpy(), ref(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-12)


def test_global_avg_pool_equals_adaptive_pool_then_flatten():
    x = lucid.tensor(rng(1).standard_normal((2, 3, 4, 5)))
    np.testing.assert_allclose(nn.GlobalAvgPool()(x).numpy(),
                               nn.Flatten()(nn.AdaptiveAvgPool2d(1)(x)).numpy(), rtol=1e-14)
    assert repr(nn.GlobalAvgPool()) == "GlobalAvgPool()"


def test_output_size_is_checked_at_construction():
    with pytest.raises(ValueError, match="AdaptiveAvgPool2d: output_size must have 2 entries"):
        nn.AdaptiveAvgPool2d((1, 2, 3))
    with pytest.raises(ValueError, match="positive ints or None"):
        nn.AdaptiveAvgPool1d(-1)


# ----------------------------------------------------------------------------- the generic AdaptiveAvgPool
# (issue 16) any number of spatial axes; AdaptiveAvgPool1d/2d/3d are its fixed-rank subclasses.
from lucid.autograd import gradcheck  # noqa: E402
from lucid.nn.functional.pooling import adaptive_avg_pool  # noqa: E402  (also lucid.nn.functional.adaptive_avg_pool)

from .._util import host  # noqa: E402

MAX_L = 20
PAIRS = [(L, O) for L in range(1, MAX_L + 1) for O in range(1, L + 3)]  # every L <= 20, every O <= L + 2


def _torch_pool(torch, dims):
    return {1: torch.nn.AdaptiveAvgPool1d, 2: torch.nn.AdaptiveAvgPool2d, 3: torch.nn.AdaptiveAvgPool3d}[dims]


def _against_torch(torch, cases, seed):
    """nn.AdaptiveAvgPool vs torch.nn.AdaptiveAvg{k}d: forward and dL/dx in float64, for (shape, output_size)."""
    g = rng(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # hundreds of tiny ops: extra threads only fight over busy cores
    try:
        for shape, out in cases:
            dims = len(out) if isinstance(out, tuple) else len(shape) - 2
            x = g.standard_normal(shape)
            xl = lucid.tensor(x, requires_grad=True)
            xt = torch.tensor(x, requires_grad=True)
            y, yt = nn.AdaptiveAvgPool(out)(xl), _torch_pool(torch, dims)(out)(xt)
            assert y.shape == tuple(yt.shape), (shape, out)
            np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12, err_msg=f"{shape} {out}")
            w = g.standard_normal(y.shape)
            (y * lucid.tensor(w)).sum().backward()
            (yt * torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(xl.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12, err_msg=f"grad {shape} {out}")
    finally:
        torch.set_num_threads(threads)


def test_generic_pool_1d_every_length_and_output(torch):
    # as an int (the rank read from the batched input) and as a 1-tuple
    _against_torch(torch, [((2, 3, L), O) for L, O in PAIRS] + [((2, 3, L), (O,)) for L, O in PAIRS[::3]], 1)


def test_generic_pool_2d_and_3d_every_length_and_output(torch):
    """Every (L, O) of the 1-D test on every axis of a 2-D and of a 3-D input, paired with other (L, O)s; and ints."""
    n = len(PAIRS)
    cases = []
    for k, (L, O) in enumerate(PAIRS):
        (L2, O2), (L3, O3) = PAIRS[(7 * k + 3) % n], PAIRS[(11 * k + 5) % n]
        cases += [((1, 2, L, L2), (O, O2)), ((1, 2, L2, L), (O2, O))]
        cases += [((1, 2, L, L2, L3), (O, O2, O3)), ((1, 2, L3, L, L2), (O3, O, O2)), ((1, 2, L2, L3, L), (O2, O3, O))]
    cases += [((2, 3, 7, 9), 4), ((2, 3, 5, 6, 7), 3), ((2, 3, 6, 6), 1), ((2, 3, 4, 5, 6), 1)]
    _against_torch(torch, cases, 2)


def test_generic_pool_none_entries_and_unbatched(torch):
    """None keeps an axis; a tuple output_size fixes the rank, so the unbatched (C, *spatial) form is accepted."""
    _against_torch(torch, [
        ((2, 3, 7, 9), (None, 4)), ((2, 3, 7, 9), (5, None)), ((2, 3, 7, 9), (None, None)),
        ((2, 3, 4, 5, 6), (None, 2, None)), ((1, 2, 9, 4, 5), (4, None, 1)), ((2, 3, 5, 6, 7), (None, 1, 9)),
        ((3, 7, 9), (None, 4)), ((3, 4, 5, 6), (2, None, 7)), ((4, 11), (3,)),  # unbatched
    ], 3)


def _reference_pool(x, out):
    """PyTorch's bins written as a loop over every output element (float64), for any number of spatial axes."""
    import itertools
    import math

    spatial = x.shape[2:]
    out = (out,) * len(spatial) if isinstance(out, int) else out
    out = [L if o is None else o for o, L in zip(out, spatial)]
    bins = [[(math.floor(i * L / O), math.ceil((i + 1) * L / O)) for i in range(O)] for L, O in zip(spatial, out)]
    y = np.empty(x.shape[:2] + tuple(out))
    for idx in itertools.product(*(range(o) for o in out)):
        window = tuple(slice(*bins[d][i]) for d, i in enumerate(idx))
        y[(Ellipsis,) + idx] = x[(Ellipsis,) + window].mean(axis=tuple(range(2, x.ndim)))
    return y


@pytest.mark.parametrize("shape, out", [
    ((2, 3, 5, 4, 3, 6), (2, None, 5, 1)),
    ((1, 2, 3, 4, 5, 6, 2), (2, 3, 2, 4, 3)),
    ((2, 2, 3, 3, 3, 3), 2),
    ((2, 3, 4, 2, 3, 5), 1),
])
def test_four_and_five_spatial_axes_match_the_loop(shape, out):
    x = rng(4).standard_normal(shape)
    np.testing.assert_allclose(nn.AdaptiveAvgPool(out)(lucid.tensor(x)).numpy(), _reference_pool(x, out),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("shape, out", [
    ((2, 2, 7), 3),
    ((2, 3, 5, 4), (3, None)),
    ((1, 2, 3, 4, 2), (2, 1, 3)),
    ((1, 2, 3, 2, 2, 3), (2, None, 1, 2)),
    ((2, 3, 3, 4), 1),              # the global fast path
    ((2, 3, 2, 3, 2), 1),
    ((2, 3, 1, 1), 1),              # nothing to pool: pooled axes already of length 1
    ((3, 5, 4), (2, 3)),            # unbatched
])
def test_generic_pool_gradcheck_on_every_device(device, shape, out):
    x = t(rng(5).standard_normal(shape), device, requires_grad=True)
    pool = nn.AdaptiveAvgPool(out)
    assert gradcheck(pool, [x])
    y = pool(x)
    assert y.device == device
    np.testing.assert_allclose(y.numpy(), nn.AdaptiveAvgPool(out)(lucid.tensor(host(x.data))).numpy(),
                               rtol=1e-14, atol=1e-14)


def test_global_path_is_the_mean_and_keeps_the_axes(device):
    """AdaptiveAvgPool(1): (N, C, *spatial) -> (N, C, 1, ..., 1), the mean; its gradient is 1/P everywhere."""
    for shape in [(4, 3, 7), (4, 3, 5, 6), (2, 3, 4, 5, 6), (2, 3, 2, 3, 4, 5)]:
        x = rng(6).standard_normal(shape).astype(np.float32)
        xt = t(x, device, requires_grad=True)
        y = nn.AdaptiveAvgPool(1)(xt)
        assert y.shape == shape[:2] + (1,) * (len(shape) - 2) and y.dtype == np.float32
        np.testing.assert_allclose(y.numpy(), x.mean(axis=tuple(range(2, x.ndim)), keepdims=True), rtol=1e-6)
        y.sum().backward()
        P = int(np.prod(shape[2:]))
        np.testing.assert_allclose(host(xt.grad), np.full(shape, 1 / P, dtype=np.float32), rtol=1e-6)
    x = lucid.tensor(rng(7).standard_normal((2, 3, 4, 4)), requires_grad=True)
    assert repr(nn.AdaptiveAvgPool(1)(x).grad_fn) == "<AdaptiveAvgPoolBackward>"


def test_exact_means_as_in_the_docstring():
    """Sum over the bin divided by its size (as PyTorch): exact when the mean is representable, on any kernel."""
    x = lucid.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
    np.testing.assert_array_equal(nn.AdaptiveAvgPool(3)(x).numpy(), [[[1.5, 3.0, 4.5]]])
    x3 = lucid.arange(24.0).reshape(1, 1, 2, 3, 4)
    np.testing.assert_array_equal(nn.AdaptiveAvgPool((1, None, 2))(x3).numpy(),
                                  [[[[[6.5, 8.5], [10.5, 12.5], [14.5, 16.5]]]]])


def test_fixed_rank_forms_are_the_generic_pool():
    x2 = lucid.tensor(rng(8).standard_normal((2, 3, 9, 7)))
    for cls, dims in [(nn.AdaptiveAvgPool1d, 1), (nn.AdaptiveAvgPool2d, 2), (nn.AdaptiveAvgPool3d, 3)]:
        assert issubclass(cls, nn.AdaptiveAvgPool) and cls._dims == dims
    np.testing.assert_array_equal(nn.AdaptiveAvgPool2d((4, None))(x2).numpy(), nn.AdaptiveAvgPool((4, None))(x2).numpy())
    np.testing.assert_array_equal(nn.AdaptiveAvgPool2d(1)(x2).numpy(), nn.AdaptiveAvgPool(1)(x2).numpy())
    np.testing.assert_array_equal(adaptive_avg_pool(x2, (3, 2)).numpy(),
                                  lucid.nn.functional.adaptive_avg_pool2d(x2, (3, 2)).numpy())
    assert repr(nn.AdaptiveAvgPool((1, None, 2))) == "AdaptiveAvgPool(output_size=(1, None, 2))"
    assert repr(nn.AdaptiveAvgPool([2, 3])) == "AdaptiveAvgPool(output_size=(2, 3))"
    assert repr(nn.AdaptiveAvgPool(1)) == "AdaptiveAvgPool(output_size=1)"


@pytest.mark.parametrize("layer, shape, message", [
    # the fixed-rank forms keep their messages (and PyTorch's names)
    (nn.AdaptiveAvgPool1d(1), (4,), r"^adaptive_avg_pool1d: expected a batched \(N, C, L\) or unbatched \(C, L\) "
                                    r"input with 3 or 2 dimensions, got shape \(4,\)$"),
    (nn.AdaptiveAvgPool2d(1), (2, 3), r"^adaptive_avg_pool2d: expected a batched \(N, C, H, W\) or unbatched "
                                      r"\(C, H, W\) input with 4 or 3 dimensions, got shape \(2, 3\)$"),
    (nn.AdaptiveAvgPool2d(1), (1, 2, 3, 4, 5), r"adaptive_avg_pool2d: .* got shape \(1, 2, 3, 4, 5\)$"),
    (nn.AdaptiveAvgPool3d(1), (2, 4, 4), r"^adaptive_avg_pool3d: expected a batched \(N, C, D, H, W\) or unbatched "
                                         r"\(C, D, H, W\) input with 5 or 4 dimensions, got shape \(2, 4, 4\)$"),
    # the generic pool: a tuple fixes the rank ...
    (nn.AdaptiveAvgPool((2, 2)), (1, 2, 3, 4, 5), r"^adaptive_avg_pool: output_size \(2, 2\) has 2 entries, so input "
                                                  r"must be a batched \(N, C, S1, S2\) or unbatched \(C, S1, S2\) "
                                                  r"tensor with 4 or 3 dimensions, got shape \(1, 2, 3, 4, 5\)$"),
    (nn.AdaptiveAvgPool((2,)), (2,), r"output_size \(2,\) has 1 entry, so input .* got shape \(2,\)$"),
    # ... an int reads the rank from a batched input
    (nn.AdaptiveAvgPool(1), (2, 3), r"^adaptive_avg_pool: output_size 1 is not a tuple, so input must be a batched "
                                    r"\(N, C, \*spatial\) tensor .* got shape \(2, 3\); for an unbatched"),
    (nn.AdaptiveAvgPool(3), (5,), r"output_size 3 is not a tuple.*got shape \(5,\)"),
    (nn.AdaptiveAvgPool(1), (2, 3, 0, 4), r"^adaptive_avg_pool: the pooled axes must be non-empty, got input of "
                                          r"shape \(2, 3, 0, 4\)$"),
    (nn.AdaptiveAvgPool(2), (2, 3, 4, 0), r"^adaptive_avg_pool: the pooled axes must be non-empty"),
    (nn.AdaptiveAvgPool((2, None)), (3, 0, 4), r"the pooled axes must be non-empty, got input of shape \(3, 0, 4\)"),
])
def test_wrong_rank_errors(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer(lucid.zeros(shape))


@pytest.mark.parametrize("bad, error, message", [
    ((), ValueError, r"^AdaptiveAvgPool: output_size must have at least one entry \(one per spatial axis\), got \(\)$"),
    (0, ValueError, r"^AdaptiveAvgPool: output_size entries must be positive ints or None \(keep that axis\), got 0$"),
    ((2, -1), ValueError, r"output_size entries must be positive ints or None .*got \(2, -1\)$"),
    ((2, 1.5), ValueError, r"output_size entries .*got \(2, 1.5\)$"),
    (True, ValueError, r"output_size entries .*got True$"),
    (1.5, TypeError, r"^AdaptiveAvgPool: output_size must be an int or a tuple of ints \(one per spatial axis\) "
                     r"\(or None\), got 1.5$"),
    ("2", TypeError, r"output_size must be an int or a tuple of ints .*got '2'$"),
])
def test_bad_output_size_named_at_construction_and_in_the_function(bad, error, message):
    with pytest.raises(error, match=message):
        nn.AdaptiveAvgPool(bad)
    with pytest.raises(error, match=message.replace("^AdaptiveAvgPool:", "^adaptive_avg_pool:")):
        adaptive_avg_pool(lucid.zeros((1, 2, 3)), bad)


def test_input_is_named():
    with pytest.raises(TypeError, match="input must be a Tensor, got str"):
        nn.AdaptiveAvgPool(1)("x")
    with pytest.raises(TypeError, match="input must be a Tensor, got NoneType"):
        adaptive_avg_pool(None, (1, 1))
    # arrays are taken as tensors, like every op
    assert adaptive_avg_pool(np.ones((2, 3, 4)), 2).shape == (2, 3, 2)
