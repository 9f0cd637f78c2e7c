"""lucid/serialization.py: lucid.save / lucid.load to .npz, atomic, never pickle."""
import os
import pickle

import numpy as np
import pytest

import lucid
from lucid import nn
from lucid.serialization import SerializationError


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
    with np.load(path, allow_pickle=False) as raw:  # a plain .npz that any NumPy program can read
        np.testing.assert_array_equal(raw["fc1.weight"], se.fc1.weight.numpy())


def test_nested_tree_round_trip(tmp_path):
    tree = {"model": {"w": np.arange(6, dtype=np.int32).reshape(2, 3)}, "epoch": 3, "lr": 0.1, "name": "se",
            "done": False, "none": None, "history": [1.5, 2.5], "shape": (2, 3),
            "t": lucid.tensor([1.0, 2.0]), 0: {"momentum": np.ones(2)}}
    lucid.save(tree, tmp_path / "ckpt.npz")
    out = lucid.load(tmp_path / "ckpt.npz")
    assert out["epoch"] == 3 and out["lr"] == 0.1 and out["name"] == "se" and out["done"] is False
    assert out["none"] is None and out["history"] == [1.5, 2.5] and out["shape"] == (2, 3)
    assert out["model"]["w"].dtype == np.int32 and out["model"]["w"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert isinstance(out["t"], lucid.Tensor) and out["t"].tolist() == [1.0, 2.0]
    assert out[0]["momentum"].tolist() == [1.0, 1.0]


def test_gpu_tensors_are_saved_from_and_loaded_to_the_device(tmp_path, strict_gpu):
    layer = nn.Linear(3, 2).to("gpu")
    lucid.save({"sd": layer.state_dict(), "w": layer.weight}, tmp_path / "g.npz")
    out = lucid.load(tmp_path / "g.npz", device="gpu")
    assert out["w"].device == "gpu"
    np.testing.assert_array_equal(out["w"].numpy(), layer.weight.numpy())


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    lucid.save({"a": np.zeros(2)}, path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        lucid.save({"a": np.ones(2)}, path)
    monkeypatch.undo()
    assert lucid.load(path)["a"].tolist() == [0.0, 0.0]  # the old file is intact
    assert os.listdir(tmp_path) == ["model.npz"]  # and no temporary file is left behind


def test_unsavable_objects_are_refused(tmp_path):
    with pytest.raises(SerializationError, match="save model.state_dict\\(\\), not the model"):
        lucid.save(nn.Linear(2, 2), tmp_path / "m.npz")
    with pytest.raises(SerializationError, match="Python objects"):
        lucid.save({"x": np.array([object()])}, tmp_path / "m.npz")
    with pytest.raises(SerializationError, match="dict keys must be str or int"):
        lucid.save({(1, 2): 3}, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        lucid.load(tmp_path / "nope.npz")


def test_truncated_file(tmp_path):
    path = tmp_path / "cut.npz"
    lucid.save(nn.Linear(20, 20).state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SerializationError, match="truncated or corrupted"):
        lucid.load(path)
    path.write_bytes(b"")
    with pytest.raises(SerializationError):
        lucid.load(path)


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
