"""lucid/serialization.py: lucid.save / lucid.load, atomic, never pickle; version-2 format and .safetensors.

Hostile files are in tests/reliability/test_hostile_files.py, property tests and
training round trips in tests/reliability/test_checkpoint_properties.py.
"""
import io
import json
import math
import os
import pickle
import stat
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import lucid
from lucid import nn, optim
from lucid import serialization
from lucid.serialization import MAX_DEPTH, SerializationError


def _round_trip(obj, tmp_path=None):
    buffer = io.BytesIO()
    lucid.save(obj, buffer)
    return lucid.load(io.BytesIO(buffer.getvalue()))


def assert_same(a, b, where="top"):
    """Equal value, dtype, shape, type and structure (NaN equal to NaN)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys"
        for k in a:
            assert type(k) is type(next(kk for kk in b if kk == k and type(kk) is type(k))), where
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, lucid.Tensor):
        assert a.requires_grad == b.requires_grad, where
        assert_same(a.numpy(), b.numpy(), where)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), f"{where}: {a.dtype}{np.shape(a)} vs {b.dtype}{np.shape(b)}"
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float):
        assert (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b)), where
    else:
        assert a == b, where


# ----------------------------------------------------------------------------- round trips
def test_state_dict_round_trip(tmp_path):
    se = nn.SEModule(16, 4)
    path = tmp_path / "se.npz"
    lucid.save(se.state_dict(), path)
    loaded = lucid.load(path)
    assert list(loaded) == list(se.state_dict())
    other = nn.SEModule(16, 4)
    other.load_state_dict(loaded)
    for (name, a), (_, b) in zip(se.named_parameters(), other.named_parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    with np.load(path, allow_pickle=False) as raw:  # still a plain .npz that any NumPy program can open
        manifest = json.loads(raw["__lucid__.json"])
        (key, node), = [pair for pair in manifest["tree"]["dict"] if pair[0] == "fc1.weight"]
        np.testing.assert_array_equal(raw[node["array"]], se.fc1.weight.numpy())


def test_batchnorm_checkpoint_loads_back(tmp_path):
    """The 0-d num_batches_tracked stays 0-d (version 1 turned it into shape (1,))."""
    bn = nn.BatchNorm1d(3)
    bn(lucid.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)))
    lucid.save(bn.state_dict(), tmp_path / "bn.npz")
    sd = lucid.load(tmp_path / "bn.npz")
    assert sd["num_batches_tracked"].shape == () and sd["num_batches_tracked"].dtype == np.int64
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(sd)
    assert int(fresh.num_batches_tracked.numpy()) == 1


def test_nested_tree_round_trip():
    tree = {"model": {"w": np.arange(6, dtype=np.int32).reshape(2, 3)}, "epoch": 3, "lr": 0.1, "name": "se",
            "done": False, "none": None, "history": [1.5, 2.5], "shape": (2, 3),
            "t": lucid.tensor([1.0, 2.0]), 0: {"momentum": np.ones(2)}, "big": 2**64 - 1, "neg": -(2**63),
            "nan": float("nan"), "inf": -float("inf"), "zero": -0.0, "empty": {}, "nothing": [], "unit": ()}
    out = _round_trip(tree)
    assert_same(tree, out)


@pytest.mark.parametrize("key", [
    "x.npy", "x", "a/b#2", "a/b", "a", "__lucid__", "__lucid__.json", "0", "0.npy", "", ".", "..", "../../etc/passwd",
    "nul\x00byte", "é中文🙂", "lone\ud800surrogate", "\udfff", "k" * 100_000, "fc1.weight", "#1", "a\\b", " ",
])
def test_any_str_key_round_trips(key):
    tree = {key: np.array([1.0]), "x": np.ones(1), "a": {"b": np.zeros(1)}, "a/b": np.full(1, 2.0)}
    assert_same(tree, _round_trip(tree))


def test_keys_that_collided_in_version_1_stay_apart():
    tree = {"x.npy": np.arange(3), "x": np.ones(1)}
    assert_same(tree, _round_trip(tree))
    tree = {"a/b#2": np.array([2.0]), "a": {"b": np.array([0.0])}, "a/b": np.array([1.0])}
    assert_same(tree, _round_trip(tree))


def test_int_and_str_keys_stay_distinct():
    tree = {1: np.ones(1), "1": np.zeros(1), 2: "two", -5: None}
    assert_same(tree, _round_trip(tree))


@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                                   "float16", "float32", "float64", "complex64", "complex128", ">f4", "<U3", "S2"])
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (2, 3), (1,)])
def test_arrays_of_every_dtype_and_shape(dtype, shape):
    a = np.arange(math.prod(shape)).reshape(shape).astype(dtype)
    out = _round_trip({"a": a, "s": a[()] if a.ndim == 0 else a})
    assert_same({"a": a, "s": a[()] if a.ndim == 0 else a}, out)


def test_non_contiguous_and_fortran_arrays():
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    tree = [base[::2, 1::3], np.asfortranarray(base), base.T]
    assert_same(tree, _round_trip(tree))


def test_numpy_scalars_come_back_as_numpy_scalars():
    tree = {"f": np.float32(1.5), "i": np.int8(-3), "b": np.bool_(True), "d": np.float64(2.0), "u": np.uint64(2**64 - 1)}
    assert_same(tree, _round_trip(tree))


def test_tensors_keep_requires_grad_and_parameters_stay_parameters():
    w = nn.Parameter(np.ones((2, 2), dtype=np.float32))
    frozen = nn.Parameter(np.ones(2, dtype=np.float32), requires_grad=False)
    tree = {"w": w, "frozen": frozen, "x": lucid.tensor([1.0, 2.0], requires_grad=True), "i": lucid.tensor([1, 2])}
    out = _round_trip(tree)
    assert_same(tree, out)
    assert isinstance(out["w"], nn.Parameter) and out["w"].requires_grad and not out["frozen"].requires_grad
    assert out["i"].dtype == np.int64


def test_dict_subclasses_and_named_tuples_come_back_plain():
    keys = nn.Linear(2, 2).load_state_dict(nn.Linear(2, 2).state_dict())
    out = _round_trip({"od": OrderedDict(b=1, a=2), "nt": keys})
    assert out == {"od": {"b": 1, "a": 2}, "nt": ([], [])} and list(out["od"]) == ["b", "a"]
    assert type(out["od"]) is dict and type(out["nt"]) is tuple


def test_optimizer_and_scheduler_states_round_trip():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    opt = optim.Adam(model.parameters(), lr=0.1, betas=(0.9, 0.99), amsgrad=True)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    model(lucid.tensor(np.random.default_rng(0).random((5, 3), dtype=np.float32))).sum().backward()
    opt.step()
    sched.step()
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict()}
    assert_same(state, _round_trip(state))


def test_deep_nesting_up_to_the_limit_round_trips_and_beyond_is_refused_at_save():
    obj = np.ones(1)
    for _ in range(MAX_DEPTH):
        obj = [obj]
    assert_same(obj, _round_trip(obj))
    with pytest.raises(SerializationError, match=f"more than {MAX_DEPTH}.*deep"):
        lucid.save([obj], io.BytesIO())
    deep = {}
    for _ in range(100_000):
        deep = {"a": deep}
    with pytest.raises(SerializationError, match="deep"):
        lucid.save(deep, io.BytesIO())


def test_reference_cycles_are_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(SerializationError, match="contains itself"):
        lucid.save({"x": loop}, io.BytesIO())


def test_gpu_tensors_are_saved_from_and_loaded_to_the_device(tmp_path, strict_gpu):
    layer = nn.Linear(3, 2).to("gpu")
    lucid.save({"sd": layer.state_dict(), "w": layer.weight}, tmp_path / "g.npz")
    out = lucid.load(tmp_path / "g.npz", device="gpu")
    assert out["w"].device == "gpu"
    np.testing.assert_array_equal(out["w"].numpy(), layer.weight.numpy())


def test_the_same_object_always_gives_the_same_bytes():
    state = nn.Linear(4, 3).state_dict()
    a, b = io.BytesIO(), io.BytesIO()
    lucid.save(state, a)
    lucid.save(state, b)
    assert a.getvalue() == b.getvalue()
    with zipfile.ZipFile(a) as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        assert [i.filename for i in z.infolist()] == ["__lucid__.json", "0.npy", "1.npy"]


# ----------------------------------------------------------------------------- refused at save
@pytest.mark.parametrize("obj, words", [
    (nn.Linear(2, 2), ["Linear", "save model.state_dict(), not the model"]),
    ({"x": np.array([object()])}, ["Python objects", "['x']"]),
    ({(1, 2): 3}, ["dict keys must be str or int", "(1, 2)"]),
    ({True: 3}, ["dict keys must be str or int", "True"]),
    ({1.5: 3}, ["dict keys must be str or int", "1.5"]),
    ({"x": 2**64}, ["int of 65 bits", "['x']"]),
    ({2**70: 1}, ["dict key", "int of 71 bits"]),
    ({"x": b"bytes"}, ["bytes", "['x']"]),
    ({"x": {1, 2}}, ["set", "['x']"]),
    ({"x": np.zeros(2, dtype=[("a", "f4")])}, ["dtype", "not supported"]),
    ({"x": np.array(["2020-01-01"], dtype="datetime64[D]")}, ["datetime64", "not supported"]),
    ({"x": np.ma.masked_array([1, 2], mask=[0, 1])}, ["mask"]),
    ({"x": print}, ["builtin_function_or_method", "['x']"]),
    ({"x": 1 + 2j}, ["complex", "['x']"]),
])
def test_unsavable_objects_are_refused_with_a_message(tmp_path, obj, words):
    with pytest.raises(SerializationError) as info:
        lucid.save(obj, tmp_path / "m.npz")
    for w in words:
        assert w in str(info.value)
    assert not (tmp_path / "m.npz").exists() and os.listdir(tmp_path) == []


def test_a_huge_manifest_is_refused_at_save():
    with pytest.raises(SerializationError, match="MiB.*as arrays"):
        lucid.save({"note": "x" * 9 * 2**20}, io.BytesIO())


def test_very_long_keys_are_fine():
    tree = {"k" * 2**17: np.ones(1), "é" * 70_000: 1}
    assert_same(tree, _round_trip(tree))


# ----------------------------------------------------------------------------- files
def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    lucid.save({"a": np.zeros(2)}, path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(serialization, "_write_zip", broken)
    with pytest.raises(OSError, match="disk full"):
        lucid.save({"a": np.ones(2)}, path)
    monkeypatch.undo()
    assert lucid.load(path)["a"].tolist() == [0.0, 0.0]  # the old file is intact
    assert os.listdir(tmp_path) == ["model.npz"]  # and no temporary file is left behind


def test_saving_into_a_missing_directory_names_the_directory(tmp_path):
    missing = tmp_path / "runs" / "exp1"
    with pytest.raises(FileNotFoundError) as info:
        lucid.save({"a": np.ones(2)}, missing / "model.npz")
    message = str(info.value)
    assert "does not exist" in message and str(missing) in message and ".lucid-save" not in message
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is not a directory"):
        lucid.save({"a": np.ones(2)}, tmp_path / "file" / "model.npz")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        lucid.save({"a": np.ones(2)}, tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["file"]


def _umask():
    old = os.umask(0o022)  # tests run single-threaded: reading the umask this way is safe here
    os.umask(old)
    return old


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_get_the_permissions_of_any_new_file(tmp_path, umask):
    old = os.umask(umask)
    try:
        lucid.save({"a": np.ones(2)}, tmp_path / "model.npz")
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "model.npz").st_mode)
    assert mode == 0o666 & ~umask == stat.S_IMODE(os.stat(tmp_path / "plain.txt").st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o600, 0o644, 0o640, 0o664])
def test_overwriting_keeps_the_permission_bits(tmp_path, mode):
    path = tmp_path / "model.npz"
    lucid.save({"a": np.ones(2)}, path)
    os.chmod(path, mode)
    lucid.save({"a": np.zeros(2)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert lucid.load(path)["a"].tolist() == [0.0, 0.0]


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path):
    elsewhere = tmp_path / "elsewhere.npz"
    lucid.save({"a": np.ones(2)}, elsewhere)
    before = elsewhere.read_bytes()
    link = tmp_path / "model.npz"
    link.symlink_to(elsewhere)
    lucid.save({"a": np.zeros(2)}, link)
    assert not link.is_symlink() and elsewhere.read_bytes() == before
    assert lucid.load(link)["a"].tolist() == [0.0, 0.0]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        lucid.load(tmp_path / "nope.npz")


def test_truncated_file(tmp_path):
    path = tmp_path / "cut.npz"
    lucid.save(nn.Linear(20, 20).state_dict(), path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100, 10):
        path.write_bytes(data[:cut])
        with pytest.raises(SerializationError, match="truncated or corrupted"):
            lucid.load(path)
    path.write_bytes(b"")
    with pytest.raises(SerializationError, match="empty"):
        lucid.load(path)


def test_bit_flips_in_array_data_are_caught_by_the_checksum(tmp_path):
    buffer = io.BytesIO()
    lucid.save({"w": np.zeros(1000)}, buffer)
    raw = bytearray(buffer.getvalue())
    raw[len(raw) // 2] ^= 0x01
    with pytest.raises(SerializationError, match="corrupted"):
        lucid.load(io.BytesIO(bytes(raw)))


def test_foreign_npz_and_npy(tmp_path):
    np.savez(tmp_path / "foreign.npz", weights=np.ones(3))
    with pytest.raises(SerializationError, match="lucid.save did not write.*'weights'.*numpy.load"):
        lucid.load(tmp_path / "foreign.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(SerializationError, match="single .npy array"):
        lucid.load(tmp_path / "single.npy")


def test_pickle_is_never_loaded(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"weight": [1, 2, 3]}))
    with pytest.raises(SerializationError, match="pickled data, which lucid never loads"):
        lucid.load(path)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(SerializationError, match="pickled data"):
        lucid.load(tmp_path / "objects.npy")


def test_non_seekable_file_objects_load():
    buffer = io.BytesIO()
    lucid.save({"w": np.arange(3)}, buffer)

    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._data.readinto(b)

    assert lucid.load(io.BufferedReader(Pipe(buffer.getvalue())))["w"].tolist() == [0, 1, 2]


# ----------------------------------------------------------------------------- version 1 files
def _save_version_1(obj, file):
    """What lucid.save wrote before format version 2 (numpy.savez, arrays under their key path)."""
    arrays = {}

    def encode(o, path):
        if isinstance(o, dict):
            return {"dict": [[k, encode(v, path + [k])] for k, v in o.items()]}
        if isinstance(o, (list, tuple)):
            return {"list" if isinstance(o, list) else "tuple": [encode(v, path + [i]) for i, v in enumerate(o)]}
        if isinstance(o, (np.ndarray, lucid.Tensor)):
            name = "/".join(str(p) for p in path) or "array"
            if name in arrays or name == "__lucid__":
                name = f"{name}#{len(arrays)}"
            arrays[name] = np.ascontiguousarray(o.numpy() if isinstance(o, lucid.Tensor) else o)
            return {"tensor" if isinstance(o, lucid.Tensor) else "array": name}
        return {"value": o}

    tree = encode(obj, [])
    np.savez(file, __lucid__=np.array(json.dumps({"format": "lucid.save", "version": 1, "tree": tree})), **arrays)


def test_version_1_files_still_load():
    bn = nn.BatchNorm1d(3)
    obj = {"model": nn.Linear(2, 3).state_dict(), "bn": bn.state_dict(), "epoch": 4, "t": lucid.ones(2),
           "betas": (0.9, 0.99), 0: {"step": 1}, "a/b": {"c": np.arange(3)}, "a": {"b": {"c": np.zeros(1)}}}
    buffer = io.BytesIO()
    _save_version_1(obj, buffer)
    out = lucid.load(io.BytesIO(buffer.getvalue()))
    assert out["epoch"] == 4 and out["betas"] == (0.9, 0.99) and out[0] == {"step": 1}
    assert out["t"].tolist() == [1.0, 1.0] and out["a/b"]["c"].tolist() == [0, 1, 2] and out["a"]["b"]["c"].tolist() == [0.0]
    np.testing.assert_array_equal(out["model"]["weight"], obj["model"]["weight"])
    assert out["bn"]["num_batches_tracked"].shape == (1,)  # what version 1 stored; it cannot be recovered


def test_version_1_files_whose_keys_collided_are_refused_not_loaded_wrong():
    buffer = io.BytesIO()
    _save_version_1({"x.npy": np.arange(3), "x": np.ones(1)}, buffer)
    with pytest.raises(SerializationError, match="more than once"):
        lucid.load(io.BytesIO(buffer.getvalue()))


# ----------------------------------------------------------------------------- safetensors
@pytest.fixture
def safetensors():
    """The optional safetensors package; skipped when absent, except in CI where it must be present."""
    try:
        import safetensors.numpy as _st  # noqa: F401
        import safetensors as _safetensors
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail('safetensors must be installed in CI (pip install -e ".[test]")')
        pytest.skip('safetensors is not installed (pip install "lucid-autograd[io]")')
    return _safetensors


def test_safetensors_round_trip(tmp_path, safetensors):
    bn = nn.BatchNorm2d(3)
    sd = {**nn.Conv2d(3, 3, 3).state_dict(), **{f"bn.{k}": v for k, v in bn.state_dict().items()},
          "flag": np.array([True, False]), "u8": np.arange(3, dtype=np.uint8), "t": lucid.ones(2)}
    path = tmp_path / "model.safetensors"
    lucid.save(sd, path)
    out = lucid.load(path)
    assert list(out) == list(sd)  # lucid keeps the key order in the file's metadata
    for k, v in sd.items():
        v = v.numpy() if isinstance(v, lucid.Tensor) else v
        assert out[k].dtype == v.dtype and out[k].shape == v.shape, k
        np.testing.assert_array_equal(out[k], v)
        assert out[k].flags.writeable
    assert out["bn.num_batches_tracked"].shape == ()
    from safetensors.numpy import load_file

    assert sorted(load_file(str(path))) == sorted(sd)  # an ordinary safetensors file


@pytest.mark.parametrize("obj, words", [
    ([np.ones(2)], ["flat dict", "list", ".npz"]),
    ({"a": {"b": np.ones(2)}}, ["arrays only", "'a'", "dict"]),
    ({"epoch": 3}, ["arrays only", "'epoch'", "int"]),
    ({1: np.ones(2)}, ["names must be str"]),
    ({"x": np.ones(2, dtype=np.complex128)}, ["complex128", "cannot hold"]),
    ({"x\ud800": np.ones(2)}, ["UTF-8"]),
    ({"__metadata__": np.ones(2)}, ["reserved"]),
])
def test_safetensors_refuses_what_it_cannot_hold(tmp_path, safetensors, obj, words):
    with pytest.raises(SerializationError) as info:
        lucid.save(obj, tmp_path / "m.safetensors")
    for w in words:
        assert w in str(info.value)
    assert os.listdir(tmp_path) == []


def test_safetensors_save_is_atomic_with_the_usual_permissions(tmp_path, safetensors):
    path = tmp_path / "m.safetensors"
    lucid.save({"a": np.ones(2)}, path)
    if os.name == "posix":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~_umask()
        os.chmod(path, 0o640)
    lucid.save({"a": np.zeros(2)}, path)
    assert lucid.load(path)["a"].tolist() == [0.0, 0.0] and os.listdir(tmp_path) == ["m.safetensors"]
    if os.name == "posix":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    with pytest.raises(FileNotFoundError, match="does not exist"):
        lucid.save({"a": np.ones(2)}, tmp_path / "nope" / "m.safetensors")


def test_safetensors_without_the_package_says_how_to_install(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_safetensors(name, *args, **kwargs):
        if name.split(".")[0] == "safetensors":
            raise ImportError("No module named 'safetensors'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_safetensors)
    with pytest.raises(ImportError, match=r'pip install "lucid-autograd\[io\]"'):
        lucid.save({"a": np.ones(2)}, tmp_path / "m.safetensors")
    (tmp_path / "m.safetensors").write_bytes(b"x")
    with pytest.raises(ImportError, match=r'pip install "lucid-autograd\[io\]"'):
        lucid.load(tmp_path / "m.safetensors")


def test_damaged_safetensors_files_are_refused(tmp_path, safetensors):
    path = tmp_path / "m.safetensors"
    lucid.save({"a": np.ones(1000)}, path)
    data = path.read_bytes()
    for bad in (data[: len(data) // 2], b"", b"\xff" * 8 + b"{}", pickle.dumps({"a": 1})):
        path.write_bytes(bad)
        with pytest.raises(SerializationError, match="not a readable .safetensors file"):
            lucid.load(path)


def test_a_safetensors_file_under_another_name_gets_a_hint(tmp_path, safetensors):
    lucid.save({"a": np.ones(3)}, tmp_path / "m.safetensors")
    with pytest.raises(SerializationError, match="looks like a safetensors file"):
        lucid.load(io.BytesIO((tmp_path / "m.safetensors").read_bytes()))


# ----------------------------------------------------------------------------- PyTorch interop through safetensors
def _lucid_net():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 5 * 5, 3), nn.LayerNorm(3))


def _torch_net(torch):
    tnn = torch.nn
    return tnn.Sequential(tnn.Conv2d(2, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(), tnn.Flatten(),
                          tnn.Linear(4 * 5 * 5, 3), tnn.LayerNorm(3))


def _batch():
    return np.random.default_rng(1).standard_normal((6, 2, 5, 5)).astype(np.float32)


def test_a_lucid_checkpoint_loads_strictly_into_pytorch(tmp_path, torch, safetensors):
    net = _lucid_net()
    opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):  # train a little so the running statistics and num_batches_tracked move
        opt.zero_grad()
        (net(lucid.tensor(_batch())) ** 2).mean().backward()
        opt.step()
    net.eval()
    lucid.save(net.state_dict(), tmp_path / "net.safetensors")
    from safetensors.torch import load_file

    state = load_file(str(tmp_path / "net.safetensors"))
    assert state["1.num_batches_tracked"].dtype == torch.int64 and state["1.num_batches_tracked"].shape == ()
    theirs = _torch_net(torch)
    theirs.load_state_dict(state, strict=True)
    theirs.eval()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(_batch())).numpy()
    np.testing.assert_allclose(net(lucid.tensor(_batch())).numpy(), expected, rtol=1e-4, atol=1e-5)


def test_a_pytorch_checkpoint_loads_strictly_into_lucid(tmp_path, torch, safetensors):
    torch.manual_seed(0)
    theirs = _torch_net(torch)
    theirs.train()
    with torch.no_grad():
        theirs(torch.from_numpy(_batch()))  # moves the BatchNorm statistics
    theirs.eval()
    from safetensors.torch import save_file

    save_file(theirs.state_dict(), str(tmp_path / "torch.safetensors"))
    state = lucid.load(tmp_path / "torch.safetensors")
    assert state["1.num_batches_tracked"].shape == () and state["1.num_batches_tracked"].dtype == np.int64
    net = _lucid_net()
    net.load_state_dict(state, strict=True)
    net.eval()
    assert int(net[1].num_batches_tracked.numpy()) == 1
    with torch.no_grad():
        expected = theirs(torch.from_numpy(_batch())).numpy()
    np.testing.assert_allclose(net(lucid.tensor(_batch())).numpy(), expected, rtol=1e-4, atol=1e-5)


def test_a_bfloat16_pytorch_checkpoint_gets_a_clear_refusal(tmp_path, torch, safetensors):
    from safetensors.torch import save_file

    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(tmp_path / "bf16.safetensors"))
    with pytest.raises(SerializationError, match="'w' as BF16, which NumPy cannot represent.*model.float()"):
        lucid.load(tmp_path / "bf16.safetensors")
