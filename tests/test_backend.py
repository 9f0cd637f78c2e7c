"""lucid/backend.py: device names, transfers (array_api_strict on its non-default device plays the GPU)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import lucid
from lucid import backend


@pytest.mark.parametrize("name, expected", [("cpu", "cpu"), ("gpu", "gpu"), ("cuda", "gpu"), ("cuda:0", "gpu"),
                                            ("CPU", "cpu"), (None, "cpu")])
def test_device_names(name, expected):
    assert backend.normalize_device(name) == expected


@pytest.mark.parametrize("bad", ["tpu", "cuda:1", 0, "mps"])
def test_bad_device_names_raise(bad):
    with pytest.raises(ValueError, match="'cpu', 'gpu'"):
        backend.normalize_device(bad)
    with pytest.raises(ValueError, match=repr(bad).replace("(", r"\(")):
        lucid.zeros(2, device=bad)


def test_transfers_with_the_stand_in(strict_gpu):
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = lucid.tensor(a)
    g = x.to("gpu")
    assert g.device == "gpu" and type(g.data).__module__.startswith("array_api_strict")
    assert x.to("cuda").device == "gpu" and x.cuda().device == "gpu" and x.gpu().device == "gpu"
    back = g.to("cpu")
    assert back.device == "cpu" and type(back.data) is np.ndarray
    np.testing.assert_array_equal(back.numpy(), a)
    assert g.cpu().device == "cpu"
    host = g.numpy()  # .numpy() copies to the host
    assert type(host) is np.ndarray and np.array_equal(host, a)
    assert lucid.tensor(5.0, device="gpu").item() == 5.0
    assert g.tolist() == a.tolist()
    assert "device='gpu'" in repr(g)


def test_gradient_flows_back_through_to(strict_gpu):
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("gpu") * lucid.tensor([3.0, 4.0], device="gpu")
    y.sum().backward()
    assert type(x.grad) is np.ndarray
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    w = lucid.tensor([1.0, 2.0], device="gpu", requires_grad=True)
    (w.to("cpu") * 2).sum().backward()
    assert backend.device_of(w.grad) == "gpu"
    np.testing.assert_array_equal(w.grad.numpy() if hasattr(w.grad, "numpy") else backend.to_host(w.grad), [2.0, 2.0])


def test_a_strict_array_is_never_silently_converted(strict_gpu):
    g = lucid.tensor([1.0, 2.0], device="gpu")
    with pytest.raises(TypeError, match="implicitly"):
        np.asarray(g)  # Tensor.__array__ refuses
    with pytest.raises(RuntimeError):
        np.asarray(g.data)  # and the stand-in itself refuses


def test_an_array_of_another_library_is_refused_not_converted():
    import array_api_strict as xps

    with pytest.raises(TypeError, match="never silently converted"):
        lucid.tensor(xps.asarray([1.0]))  # no stand-in active: strict is a foreign library here


def test_backend_helpers(strict_gpu):
    g = lucid.tensor([1.0, 2.0], device="gpu").data
    assert backend.xp_of(g) is strict_gpu and backend.xp_of(np.zeros(1)) is np
    assert backend.is_array(g) and backend.is_array(np.zeros(1)) and not backend.is_array([1.0])
    assert backend.device_of(g) == "gpu" and backend.device_of(np.zeros(1)) == "cpu"
    z = backend.zeros((2, 3), g.dtype, like=g)
    assert backend.device_of(z) == "gpu" and z.shape == (2, 3)
    e = backend.asarray(np.zeros((0, 3)), device="gpu")
    assert e.shape == (0, 3)
    target = backend.zeros((3, 2), g.dtype, like=g)
    idx = strict_gpu.asarray([0, 2, 0], device=g.device)
    vals = strict_gpu.ones((3, 2), dtype=g.dtype, device=g.device)
    np.testing.assert_array_equal(backend.to_host(backend.index_add(target, 0, idx, vals)), [[2, 2], [0, 0], [1, 1]])
    host = np.zeros((3, 2))
    backend.index_add(host, 0, np.array([0, 2, 0]), np.ones((3, 2)))
    np.testing.assert_array_equal(host, [[2, 2], [0, 0], [1, 1]])
    assert backend.to_numpy_dtype(strict_gpu.float32) == np.float32
    assert backend.native_dtype(strict_gpu, "float64") == strict_gpu.float64


def test_import_lucid_does_not_import_cupy():
    code = "import lucid, sys; lucid.zeros(2) + 1; assert 'cupy' not in sys.modules, 'cupy imported'"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_gpu_without_cupy_or_stand_in_raises_with_install_hint():
    code = (
        "import sys; sys.modules['cupy'] = None\n"  # make `import cupy` fail even where it is installed
        "import lucid\n"
        "from lucid.backend import GPUUnavailableError\n"
        "assert not lucid.backend.gpu_available()\n"
        "try:\n"
        "    lucid.zeros(2, device='gpu')\n"
        "except GPUUnavailableError as e:\n"
        "    assert 'pip install' in str(e) and 'CuPy' in str(e), str(e)\n"
        "    assert isinstance(e, RuntimeError)\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
        "try:\n"
        "    lucid.tensor([1.0]).to('cuda')\n"
        "except GPUUnavailableError as e:\n"
        "    assert 'pip install' in str(e)\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("shape", [(8, 64, 32, 32), (64, 32, 8, 8), (16, 4096), (2, 3, 40, 50)])
def test_fast_sum_matches_numpy_for_every_memory_order_and_axes(shape):
    """backend.sum takes a BLAS path when the axes are one block in memory; check it everywhere."""
    import itertools

    base = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    nd = len(shape)
    for perm in itertools.permutations(range(nd)):
        arr = np.ascontiguousarray(base.transpose(perm)).transpose(np.argsort(perm))  # same values, other layout
        for k in range(1, nd + 1):
            for axes in itertools.combinations(range(nd), k):
                for keepdims in (False, True):
                    got = backend.sum(arr, axes, keepdims)
                    want = arr.astype(np.float64).sum(axis=axes, keepdims=keepdims)
                    assert got.shape == want.shape and got.dtype == np.float32
                    np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize("src, shape", [((2, 16, 1, 1), (2, 16, 8, 8)), ((3,), (4, 2, 3)), ((1,), (5,)), ((), (2, 2)),
                                        ((4, 1), (4, 6))])
def test_fast_broadcast_to_is_numpys_view(src, shape):
    a = np.arange(int(np.prod(src)), dtype=np.float32).reshape(src)
    view = backend.broadcast_to(a, shape)
    np.testing.assert_array_equal(view, np.broadcast_to(a, shape))
    assert not view.flags.writeable and np.shares_memory(view, a)


def test_fast_broadcast_to_refuses_impossible_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        backend.broadcast_to(np.ones(3), (4,))


@pytest.mark.parametrize("shape, axes", [
    ((4, 64, 64, 8), (0, 1, 2)),     # channels-last batch-norm sums: a run of 16,384 over 8 channels
    ((2, 256, 257, 3), (0, 1, 2)),   # run 131,584 = 2 * 256 * 257, longer than one BLAS product takes
    ((3, 65537, 2), (0, 1)),         # run 196,611 = 3 * 65,537: no split under the cap, the library's sum
    ((5, 4099, 6), (1,)),            # prime run 4,099: no split, one product
    ((3, 128, 96, 5), (1, 2)),       # outer 3, run 12,288, inner 5
])
def test_fast_sum_of_a_long_strided_block_is_accurate(shape, axes):
    """Long blocks whose kept axis is innermost are summed in two short BLAS sums (or left to NumPy)."""
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    got = backend.sum(x, axes)
    want = x.astype(np.float64).sum(axis=axes)
    run = int(np.prod([shape[a] for a in axes]))
    assert got.shape == want.shape and got.dtype == np.float32
    # never less exact than NumPy's own float32 sum, and within 16 sqrt(run) eps when split
    numpy_error = np.abs(np.add.reduce(x, axis=axes) - want).max()
    error = np.abs(got - want).max()
    assert error <= max(numpy_error, 16 * np.sqrt(run) * np.finfo(np.float32).eps), (error, numpy_error)


def test_two_level_sum_splits_near_the_square_root():
    from lucid.backend import _two_level_sum

    block = np.ones((1, 512 * 1024, 3), dtype=np.float32)
    calls = []

    def ones(n):
        calls.append(n)
        return np.ones(n, dtype=np.float32)

    out = _two_level_sum(block, ones)
    assert out.shape == (1, 3) and (out == 512 * 1024).all()  # integers below 2**24: exact in float32
    assert sorted(calls) == [512, 1024]
    assert _two_level_sum(np.ones((1, 65537 * 3, 2), np.float32), ones) is None  # 65,537 is prime: no split fits
