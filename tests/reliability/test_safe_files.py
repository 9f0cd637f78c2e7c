"""Safe files: ``lucid.load`` never unpickles (nothing executes), ``lucid.save`` is atomic.

``tests/test_serialization.py`` already covers round trips, a plain pickle
and an object ``.npy`` being refused, truncated files, foreign archives and
an archive writer that fails before writing.  Here: payloads that would *act* if
unpickled (they create a marker file), hidden in every place a checkpoint
can carry a pickle, and saves interrupted half-way through writing.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import lucid
from lucid import nn, serialization
from lucid.serialization import SerializationError


class _Payload:
    """Unpickling this calls ``open(marker, "w")``: harmless, but it leaves a file behind."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _manifest(tree) -> np.ndarray:
    return np.array(json.dumps({"format": "lucid.save", "version": 1, "tree": tree}))


def _pickle_file(path, marker):
    path.write_bytes(pickle.dumps({"weight": _Payload(marker)}))


def _object_npy(path, marker):
    with open(path, "wb") as f:
        np.save(f, np.array([_Payload(marker)], dtype=object), allow_pickle=True)


def _npz_with_object_entry(path, marker):
    """A lucid manifest that points at an entry holding a pickled object array."""
    with open(path, "wb") as f:
        np.savez(f, __lucid__=_manifest({"dict": [["w", {"array": "w"}]]}),
                 w=np.array([_Payload(marker)], dtype=object))


def _npz_with_pickled_manifest(path, marker):
    with open(path, "wb") as f:
        np.savez(f, __lucid__=np.array([_Payload(marker)], dtype=object), w=np.ones(2))


def _zip_with_pickle(path, marker):
    """The layout of a ``torch.save`` checkpoint: a zip archive around a pickle."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"state": _Payload(marker)}))
        z.writestr("archive/version", "3\n")


def _npz_entry_is_pickle_bytes(path, marker):
    """A zip whose ``.npy`` member is really a pickle."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__lucid__.npy", pickle.dumps(_Payload(marker)))


def _v2_zip(path, manifest: bytes, members: dict):
    """A version-2 lucid archive, written by hand (members: name -> bytes)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__lucid__.json", manifest)
        for name, data in members.items():
            z.writestr(name, data)


def _object_npy_bytes(marker) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _v2_manifest(tree) -> bytes:
    return json.dumps({"format": "lucid.save", "version": 2, "tree": tree}).encode()


def _v2_with_object_array(path, marker):
    _v2_zip(path, _v2_manifest({"dict": [["w", {"array": "0"}]]}), {"0.npy": _object_npy_bytes(marker)})


def _v2_with_object_tensor(path, marker):
    _v2_zip(path, _v2_manifest({"tensor": "0", "requires_grad": True, "parameter": True}),
            {"0.npy": _object_npy_bytes(marker)})


def _v2_with_object_scalar(path, marker):
    _v2_zip(path, _v2_manifest({"scalar": "0"}), {"0.npy": _object_npy_bytes(marker)})


def _v2_manifest_is_a_pickle(path, marker):
    _v2_zip(path, pickle.dumps(_Payload(marker)), {})


def _v2_entry_is_pickle_bytes(path, marker):
    _v2_zip(path, _v2_manifest({"array": "0"}), {"0.npy": pickle.dumps(_Payload(marker))})


PAYLOADS = [_pickle_file, _object_npy, _npz_with_object_entry, _npz_with_pickled_manifest, _zip_with_pickle,
            _npz_entry_is_pickle_bytes, _v2_with_object_array, _v2_with_object_tensor, _v2_with_object_scalar,
            _v2_manifest_is_a_pickle, _v2_entry_is_pickle_bytes]


def test_the_payload_really_would_run(tmp_path):
    """The check below means something only if unpickling the payload does create the marker."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_Payload(marker))).close()
    assert marker.exists()


@pytest.mark.parametrize("make", PAYLOADS, ids=[f.__name__.lstrip("_") for f in PAYLOADS])
def test_load_never_unpickles(tmp_path, make):
    marker = tmp_path / "PWNED"
    path = tmp_path / "checkpoint.npz"
    make(path, marker)
    with pytest.raises(SerializationError) as info:
        lucid.load(path)
    assert not marker.exists(), "lucid.load executed code from the file"
    assert "lucid.load" in str(info.value)
    with open(path, "rb") as f:  # through a file object too
        with pytest.raises(SerializationError):
            lucid.load(f)
    assert not marker.exists()


def test_torch_checkpoint_is_refused_without_unpickling(tmp_path, torch):
    marker = tmp_path / "PWNED"
    torch.save({"state": _Payload(marker)}, tmp_path / "model.pt")
    with pytest.raises(SerializationError, match="lucid.save did not write"):
        lucid.load(tmp_path / "model.pt")
    assert not marker.exists()


def test_load_returns_only_data_types(tmp_path):
    """Whatever the manifest says, the result is built from dicts, lists, tuples, plain values and arrays."""
    path = tmp_path / "ok.npz"
    lucid.save({"m": nn.Linear(2, 2).state_dict(), "note": "__import__('os').system('x')", "t": lucid.ones(2)}, path)
    out = lucid.load(path)

    def walk(v):
        if isinstance(v, dict):
            for k, w in v.items():
                assert isinstance(k, (str, int))
                walk(w)
        elif isinstance(v, (list, tuple)):
            for w in v:
                walk(w)
        else:
            assert v is None or isinstance(v, (bool, int, float, str, np.ndarray, lucid.Tensor)), type(v)
            if isinstance(v, np.ndarray):
                assert not v.dtype.hasobject
    walk(out)
    assert out["note"] == "__import__('os').system('x')"  # text stays text


# ----------------------------------------------------------------------------- atomic save
class _FailingFile:
    """A file that accepts ``limit`` bytes and then fails, as a full disk does half-way through."""

    def __init__(self, f, limit, error):
        self._f, self._left, self._error = f, limit, error

    def write(self, b):
        if len(b) > self._left:
            self._f.write(bytes(b[: self._left]))
            self._left = 0
            raise self._error
        self._left -= len(b)
        return self._f.write(b)

    def __getattr__(self, name):
        return getattr(self._f, name)


def _interrupt_writing(monkeypatch, limit, error):
    """Make lucid.save's archive writer fail after ``limit`` bytes; returns the sizes reached."""
    real = serialization._write_zip
    written = []

    def write_zip(file, *args, **kwargs):
        wrapped = _FailingFile(file, limit, error)
        try:
            return real(wrapped, *args, **kwargs)
        finally:
            written.append(os.path.getsize(file.name) if hasattr(file, "name") else None)

    monkeypatch.setattr(serialization, "_write_zip", write_zip)
    return written


def _previous_checkpoint(tmp_path):
    model = nn.Linear(64, 64)
    path = tmp_path / "model.npz"
    lucid.save(model.state_dict(), path)
    return path, model.weight.numpy().copy(), path.read_bytes()


@pytest.mark.parametrize("error", [OSError("No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
def test_save_interrupted_mid_write_keeps_the_previous_file(tmp_path, monkeypatch, error):
    path, old_weight, old_bytes = _previous_checkpoint(tmp_path)
    written = _interrupt_writing(monkeypatch, limit=5000, error=error)
    with pytest.raises(type(error)):
        lucid.save(nn.Linear(64, 64).state_dict(), path)
    monkeypatch.undo()
    assert written and written[0] and written[0] >= 4096, "the failure should happen after bytes were written"
    assert path.read_bytes() == old_bytes
    np.testing.assert_array_equal(lucid.load(path)["weight"], old_weight)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"], "a temporary file was left behind"


def test_save_failing_at_the_rename_keeps_the_previous_file(tmp_path, monkeypatch):
    path, old_weight, old_bytes = _previous_checkpoint(tmp_path)

    def broken_replace(src, dst):
        assert os.path.getsize(src) > 0  # the new file was complete
        raise PermissionError("target is locked")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        lucid.save({"weight": np.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_save_of_an_unsavable_object_leaves_the_previous_file(tmp_path):
    path, _, old_bytes = _previous_checkpoint(tmp_path)
    with pytest.raises(SerializationError):
        lucid.save({"weight": np.zeros(3), "model": nn.Linear(2, 2)}, path)
    assert path.read_bytes() == old_bytes
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_save_into_a_missing_directory_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        lucid.save({"a": np.ones(2)}, tmp_path / "nope" / "model.npz")
    assert os.listdir(tmp_path) == []


def test_a_completed_save_replaces_the_file(tmp_path):
    path, _, old_bytes = _previous_checkpoint(tmp_path)
    lucid.save({"weight": np.zeros(3)}, path)
    assert path.read_bytes() != old_bytes and lucid.load(path)["weight"].tolist() == [0.0, 0.0, 0.0]
    buffer = io.BytesIO()  # file objects are written directly (the caller owns atomicity there)
    lucid.save({"w": np.ones(1)}, buffer)
    assert lucid.load(io.BytesIO(buffer.getvalue()))["w"].tolist() == [1.0]
