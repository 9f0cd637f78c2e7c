"""lucid.interop: DLPack both ways (NumPy, PyTorch, the strict namespace, CuPy) and from_numpy.

Every round trip checks that memory is shared: a write through one library is
seen by the other, with no copy in between.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import lucid
from lucid import backend

# NumPy before 2.2.5 imports every DLPack array read-only: lucid.from_dlpack then shares memory that
# only the producer can write (with a warning). The tests write through the import side where NumPy allows.
IMPORTS_WRITABLE = np.from_dlpack(np.zeros(1)).flags.writeable
HAS_READONLY_FLAG = np.lib.NumpyVersion(np.__version__) >= "2.1.0"  # DLPack 1.0 capsules (and copy=)

DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool", "complex64"]


def _sample(dtype: str, shape=(2, 3)) -> np.ndarray:
    values = np.arange(int(np.prod(shape))).reshape(shape) % 5
    return (values > 1) if dtype == "bool" else values.astype(dtype)


def _flip(value):
    """A different value of the same dtype, to write through one side."""
    return (not value) if isinstance(value, (bool, np.bool_)) else value + 7


# ----------------------------------------------------------------------------- NumPy
@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_consumer_shares_memory_both_ways(dtype):
    t = lucid.from_numpy(_sample(dtype))
    a = np.from_dlpack(t)
    assert a.dtype == t.dtype and a.shape == t.shape
    assert np.shares_memory(a, t.data)
    if IMPORTS_WRITABLE:
        a[0, 0] = _flip(a[0, 0])                 # NumPy writes, lucid sees
        assert t.numpy()[0, 0] == a[0, 0]
    t[1, 2] = _flip(t.numpy()[1, 2])             # lucid writes in place, NumPy sees
    assert a[1, 2] == t.numpy()[1, 2]


@pytest.mark.parametrize("dtype", DTYPES)
def test_from_dlpack_of_numpy_shares_and_keeps_dtype(dtype):
    a = _sample(dtype)
    t = lucid.from_dlpack(a)
    assert t.dtype == a.dtype and t.device == "cpu" and t.shape == a.shape
    assert not t.requires_grad and t.is_leaf
    a[0, 1] = _flip(a[0, 1])
    assert t.numpy()[0, 1] == a[0, 1]


def test_zero_d_and_empty_round_trip():
    t = lucid.tensor(3.5)
    a = np.from_dlpack(t)
    assert a.shape == () and np.shares_memory(a, t.data)
    back = lucid.from_dlpack(np.array(2.0))
    assert back.shape == () and back.item() == 2.0
    empty = np.from_dlpack(lucid.zeros((2, 0)))
    assert empty.shape == (2, 0)


def test_non_contiguous_views_export_with_their_strides():
    x = lucid.arange(12.0).reshape(3, 4)
    for view in (x.T, x[:, ::2], x[1:, 1:3]):
        a = np.from_dlpack(view)
        assert a.strides == view.data.strides and np.shares_memory(a, x.data)
        view.data[0, 0] = -1.0
        assert a[0, 0] == -1.0
    # and a strided NumPy array comes in as it is, still shared
    base = np.arange(12.0).reshape(3, 4)
    t = lucid.from_dlpack(base[:, 1::2])
    base[0, 1] = 100.0
    assert t.numpy()[0, 0] == 100.0


def test_negative_strides_are_refused_unless_a_copy_is_asked_for():
    x = lucid.arange(4.0)
    with pytest.raises(BufferError, match=r"backwards.*clone\(\)"):
        np.from_dlpack(x[::-1])
    with pytest.raises(BufferError, match="negative strides"):
        x[::-1].__dlpack__()
    if HAS_READONLY_FLAG:  # copy= in the protocol
        copy = np.from_dlpack(x[::-1], copy=True)
        assert copy.tolist() == [3.0, 2.0, 1.0, 0.0] and not np.shares_memory(copy, x.data)
    one = x[2:3][::-1]  # a single element has no direction
    assert np.from_dlpack(one).tolist() == [2.0]


def test_requires_grad_is_refused_like_pytorch():
    w = lucid.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(BufferError, match=r"require gradient, use tensor\.detach\(\)"):
        np.from_dlpack(w)
    y = w * 2  # a non-leaf in the graph too
    with pytest.raises(BufferError, match="detach"):
        np.from_dlpack(y)
    a = np.from_dlpack(w.detach())  # detach() shares the data: the export shares it as well
    assert np.shares_memory(a, w.data)


def test_from_dlpack_of_a_lucid_tensor_shares():
    t = lucid.tensor([1.0, 2.0])
    u = lucid.from_dlpack(t)
    t[1] = 4.0
    assert u.tolist() == [1.0, 4.0]
    if IMPORTS_WRITABLE:
        u[0] = 9.0
        assert t.tolist() == [9.0, 4.0]


def test_version_counter_does_not_see_writes_from_outside():
    # documented limitation (as PyTorch's DLPack tensors): values are shared, the counter is lucid's own
    a = np.array([1.0, 2.0], dtype=np.float32)
    x = lucid.from_numpy(a)
    w = lucid.tensor([3.0, 4.0], requires_grad=True)
    y = (w * x).sum()   # Mul saves x for w's gradient
    a[:] = [10.0, 20.0]  # changed outside lucid: not detected
    y.backward()
    np.testing.assert_array_equal(w.grad, [10.0, 20.0])  # the new values, without an error
    x2 = lucid.from_numpy(np.array([1.0, 2.0], dtype=np.float32))
    y2 = (w * x2).sum()
    x2 += 1.0            # the same change made by lucid is detected
    with pytest.raises(RuntimeError, match="modified by an inplace operation|in-place"):
        y2.backward()


def test_readonly_arrays():
    a = np.arange(3.0)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):
        t = lucid.from_numpy(a)
    assert t.data is a                              # shared, as torch.from_numpy
    with pytest.raises((RuntimeError, ValueError), match="read-only"):
        t += 1.0
    assert (t * 2).tolist() == [0.0, 2.0, 4.0]      # out-of-place ops work
    with pytest.raises(BufferError, match="readonly"):
        t.__dlpack__()                              # a consumer of DLPack < 1.0 cannot be told "read-only"
    if HAS_READONLY_FLAG:
        b = np.from_dlpack(t)                       # DLPack 1.0 carries the flag: NumPy keeps it read-only
        assert not b.flags.writeable and np.shares_memory(a, b)
        with pytest.warns(UserWarning, match="lucid.from_dlpack.*not writable"):
            u = lucid.from_dlpack(a)
        assert np.shares_memory(u.data, a)
    else:                                           # an older NumPy cannot export a read-only array at all
        with pytest.raises(BufferError, match="lucid.from_dlpack.*readonly"):
            lucid.from_dlpack(a)


# ----------------------------------------------------------------------------- from_numpy
def test_from_numpy_shares_and_tensor_copies():
    a = np.zeros((2, 2), dtype=np.float64)
    t = lucid.from_numpy(a)
    c = lucid.tensor(a)
    assert t.data is a and t.dtype == np.float64 and t.device == "cpu"
    assert c.data is not a and not np.shares_memory(c.data, a) and c.dtype == np.float64
    a[0, 0] = 5.0
    assert t.numpy()[0, 0] == 5.0 and c.numpy()[0, 0] == 0.0
    t[1] = 3.0
    assert a[1].tolist() == [3.0, 3.0]


def test_from_numpy_keeps_every_numeric_dtype_and_any_strides():
    for dtype in DTYPES + ["uint16", "uint64", "complex128"]:
        assert lucid.from_numpy(_sample(dtype)).dtype == np.dtype(dtype)
    a = np.arange(6.0)
    t = lucid.from_numpy(a[::-2])                   # PyTorch refuses negative strides; lucid holds them
    a[5] = 50.0
    assert t.tolist() == [50.0, 3.0, 1.0]
    z = lucid.from_numpy(np.array(4, dtype=np.int32))
    assert z.shape == () and z.dtype == np.int32


def test_from_numpy_views_subclasses_as_ndarray(tmp_path):
    mm = np.memmap(tmp_path / "m.bin", dtype=np.float32, mode="w+", shape=(3,))
    t = lucid.from_numpy(mm)
    assert type(t.data) is np.ndarray and t.device == "cpu"
    t[0] = 2.0
    assert mm[0] == 2.0


@pytest.mark.parametrize("bad, match", [
    ([1.0, 2.0], "expects a numpy.ndarray, got list"),
    (np.float32(1.0), "got numpy.float32"),
    (lucid.tensor([1.0]), "got lucid.tensor.Tensor; use lucid.from_dlpack"),
    (np.array(["a"]), "dtype <U1"),
    (np.array([object()]), "dtype object"),
])
def test_from_numpy_type_errors(bad, match):
    with pytest.raises(TypeError, match=match):
        lucid.from_numpy(bad)


def test_from_numpy_refuses_foreign_byte_order_like_pytorch():
    swapped = np.zeros(2, dtype=np.dtype(np.float32).newbyteorder("S"))
    with pytest.raises(ValueError, match="byte order"):
        lucid.from_numpy(swapped)


# ----------------------------------------------------------------------------- from_dlpack errors
class _Producer:
    """A stand-in producer that only says where its memory is."""

    def __init__(self, device_type, device_id=0):
        self.device = (device_type, device_id)

    def __dlpack_device__(self):
        return self.device

    def __dlpack__(self, **kwargs):  # pragma: no cover - never reached: the device check comes first
        raise AssertionError("should not be asked")


def test_from_dlpack_needs_the_protocol():
    with pytest.raises(TypeError, match=r"expects an array with __dlpack__.*got list"):
        lucid.from_dlpack([1.0, 2.0])


@pytest.mark.parametrize("device_type, name", [(8, "kDLMetal"), (10, "kDLROCM"), (99, "unknown")])
def test_from_dlpack_unsupported_device(device_type, name):
    with pytest.raises(BufferError, match=f"device type {device_type} \\({name}\\).*cpu"):
        lucid.from_dlpack(_Producer(device_type))


def test_from_dlpack_cuda_device_other_than_zero():
    with pytest.raises(BufferError, match="CUDA device 1"):
        lucid.from_dlpack(_Producer(2, 1))


def test_from_dlpack_cuda_without_a_gpu_says_how_to_install():
    if backend.gpu_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(backend.GPUUnavailableError, match="CuPy"):
        lucid.from_dlpack(_Producer(2, 0))


# ----------------------------------------------------------------------------- PyTorch
TORCH_DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool", "complex64"]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_torch_consumer_shares_memory_both_ways(torch, dtype):
    t = lucid.from_numpy(_sample(dtype))
    pt = torch.from_dlpack(t)
    assert str(pt.dtype) == f"torch.{dtype}" and tuple(pt.shape) == t.shape
    assert pt.data_ptr() == t.data.ctypes.data
    pt[0, 0] = not bool(pt[0, 0]) if dtype == "bool" else pt[0, 0] + 7
    np.testing.assert_array_equal(t.numpy(), pt.numpy())
    t[1, 1] = _flip(t.numpy()[1, 1])
    np.testing.assert_array_equal(t.numpy(), pt.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_from_dlpack_of_torch_shares_memory(torch, dtype):
    pt = torch.from_numpy(_sample(dtype))
    t = lucid.from_dlpack(pt)
    assert t.dtype == np.dtype(dtype) and t.device == "cpu" and t.data.ctypes.data == pt.data_ptr()
    if IMPORTS_WRITABLE:
        t[0, 2] = _flip(t.numpy()[0, 2])
        np.testing.assert_array_equal(t.numpy(), pt.numpy())
    pt.zero_() if dtype != "bool" else pt.fill_(False)
    assert not t.numpy().any()


@pytest.mark.torch
def test_torch_zero_d_and_non_contiguous(torch):
    assert torch.from_dlpack(lucid.tensor(2.5)).item() == 2.5
    x = lucid.arange(12.0).reshape(3, 4)
    for view in (x.T, x[:, 1::2]):
        pt = torch.from_dlpack(view)
        np.testing.assert_array_equal(pt.numpy(), view.numpy())
        assert pt.stride() == tuple(s // 4 for s in view.data.strides)  # torch counts elements, NumPy bytes
        pt[0, 0] = -5.0
        assert view.numpy()[0, 0] == -5.0
    t = lucid.from_dlpack(torch.arange(6.0).reshape(2, 3).t())
    assert t.shape == (3, 2) and t.data.strides == (4, 12)


@pytest.mark.torch
def test_torch_refusals(torch):
    with pytest.raises(BufferError, match=r"use tensor\.detach\(\)"):
        torch.from_dlpack(lucid.tensor([1.0], requires_grad=True))
    # PyTorch refuses its own tensor that requires grad; lucid passes its message on
    with pytest.raises(BufferError, match=r"torch\.Tensor could not be shared: .*use tensor\.detach\(\)"):
        lucid.from_dlpack(torch.ones(2, requires_grad=True))
    assert lucid.from_dlpack(torch.ones(2, requires_grad=True).detach()).tolist() == [1.0, 1.0]
    # PyTorch would abort the whole process on negative strides: lucid refuses before handing them over
    with pytest.raises(BufferError, match="negative strides"):
        torch.from_dlpack(lucid.arange(3.0)[::-1])
    # a dtype NumPy (so lucid) does not have
    with pytest.raises(RuntimeError, match=r"lucid\.from_dlpack: the torch\.Tensor could not be shared"):
        lucid.from_dlpack(torch.zeros(2, dtype=torch.bfloat16))


@pytest.mark.torch
def test_torch_round_trip_through_a_training_step(torch):
    # a lucid parameter seen by torch: an optimizer step in lucid shows up in torch's view of it
    lin = lucid.nn.Linear(3, 2)
    pt_weight = torch.from_dlpack(lin.weight.detach())
    before = pt_weight.clone()
    lin(lucid.ones((4, 3))).sum().backward()
    lucid.optim.SGD(lin.parameters(), lr=0.1).step()
    assert not torch.equal(pt_weight, before)
    np.testing.assert_array_equal(pt_weight.numpy(), lin.weight.numpy())


# ----------------------------------------------------------------------------- every backend
@pytest.mark.cuda_memory
def test_round_trip_on_device(device):
    x = lucid.tensor(np.arange(6.0).reshape(2, 3), device=device)
    xp = backend.namespace(device)
    assert x.__dlpack_device__() == tuple(int(v) for v in x.data.__dlpack_device__())
    y = xp.from_dlpack(x)                          # the device's own library imports the tensor
    if backend.is_writeable(y):                    # NumPy before 2.3 imports DLPack arrays read-only
        y[0, 0] = 42.0
    else:
        with lucid.no_grad():
            x[0, 0] = 42.0
        assert float(backend.to_host(y)[0, 0]) == 42.0
    assert x.numpy()[0, 0] == 42.0
    u = lucid.from_dlpack(y)                       # and back, on the producer's device
    expected = "gpu" if int(y.__dlpack_device__()[0]) == 2 else "cpu"  # the strict stand-in's memory is host memory
    assert u.device == expected
    if IMPORTS_WRITABLE or expected == "gpu":
        u[1, 2] = -1.0
        assert x.numpy()[1, 2] == -1.0
    else:  # this NumPy imports read-only both ways: write through the owner, read through the imports
        with lucid.no_grad():
            x[1, 2] = -2.0
        assert float(backend.to_host(y)[1, 2]) == -2.0
        assert u.numpy()[1, 2] == -2.0


@pytest.mark.cuda_memory
def test_zero_d_non_contiguous_and_requires_grad_on_device(device):
    xp = backend.namespace(device)
    s = lucid.tensor(np.float32(3.0), device=device)
    assert float(xp.from_dlpack(s)) == 3.0
    m = lucid.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), device=device)
    y = xp.from_dlpack(m.T)
    assert tuple(y.shape) == (3, 2)
    np.testing.assert_array_equal(backend.to_host(y), m.numpy().T)
    with pytest.raises(BufferError, match="detach"):
        xp.from_dlpack(lucid.tensor([1.0], requires_grad=True, device=device))


@pytest.mark.gpu
@pytest.mark.cuda_memory
def test_gpu_memory_comes_back_as_a_gpu_tensor():
    if not backend.gpu_available():
        pytest.skip("needs CuPy and a CUDA device")
    x = lucid.tensor([1.0, 2.0], device="gpu")
    assert x.__dlpack_device__() == (2, 0)
    u = lucid.from_dlpack(x)                       # kDLCUDA -> "gpu", a CuPy array sharing x's memory
    assert u.device == "gpu"
    u[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


def test_interop_module_imports_no_cupy():
    import subprocess
    import sys

    code = "import sys, lucid, lucid.interop; assert 'cupy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_warning_for_writable_arrays():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lucid.from_numpy(np.zeros(2))
        if IMPORTS_WRITABLE:
            lucid.from_dlpack(np.zeros(2))
