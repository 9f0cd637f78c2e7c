"""Datasets, DataLoader (batching, shuffling, drop_last, collation) and the digits loader."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import lucid
from lucid.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, load_digits, random_split


def _dataset(n=10):
    return TensorDataset(lucid.arange(float(n)).reshape(n, 1), lucid.arange(n))


def test_batches_in_order_and_last_partial():
    batches = list(DataLoader(_dataset(), batch_size=4))
    assert [len(y) for _, y in batches] == [4, 4, 2]
    assert np.array_equal(np.concatenate([y.numpy() for _, y in batches]), np.arange(10))
    assert batches[0][0].shape == (4, 1) and batches[0][1].dtype == np.int64


def test_drop_last_and_len():
    loader = DataLoader(_dataset(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(y) for _, y in loader] == [4, 4]
    assert len(DataLoader(_dataset(), batch_size=4)) == 3
    assert len(DataLoader(_dataset(8), batch_size=4)) == 2


def test_shuffle_is_a_permutation_and_reproducible():
    def epoch(loader):
        return np.concatenate([y.numpy() for _, y in loader])

    a = DataLoader(_dataset(), batch_size=3, shuffle=True, generator=7)
    b = DataLoader(_dataset(), batch_size=3, shuffle=True, generator=7)
    first_a, first_b = epoch(a), epoch(b)
    assert sorted(first_a) == list(range(10)) and np.array_equal(first_a, first_b)
    assert not np.array_equal(first_a, epoch(a))  # a new order each epoch
    lucid.random.seed(1)
    c = epoch(DataLoader(_dataset(), batch_size=3, shuffle=True))
    lucid.random.seed(1)
    assert np.array_equal(c, epoch(DataLoader(_dataset(), batch_size=3, shuffle=True)))
    gen = np.random.default_rng(0)
    assert sorted(epoch(DataLoader(_dataset(), batch_size=3, shuffle=True, generator=gen))) == list(range(10))


def test_samples_stay_paired_when_shuffled():
    for x, y in DataLoader(_dataset(), batch_size=3, shuffle=True, generator=0):
        assert np.array_equal(x.numpy()[:, 0], y.numpy().astype(np.float32))


def test_generic_dataset_and_collate():
    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float32), "y": i}

    batches = list(DataLoader(Pairs(), batch_size=2))
    assert batches[0]["x"].shape == (2, 2) and batches[-1]["y"].tolist() == [4]
    x, y = default_collate([(lucid.ones(3), 1.5), (lucid.zeros(3), 2.5)])
    assert x.shape == (2, 3) and y.dtype == np.float32
    loader = DataLoader(_dataset(), batch_size=5, collate_fn=lambda samples: len(samples))
    assert list(loader) == [5, 5]


def test_loader_on_device(device):
    ds = TensorDataset(lucid.arange(6.0, device=device) if device == "cpu" else lucid.tensor(np.arange(6.0), device=device))
    (x,) = next(iter(DataLoader(ds, batch_size=4, shuffle=True, generator=0)))
    assert x.device == device and x.shape == (4,)


def test_subset_and_random_split():
    s = Subset(_dataset(), [3, 1])
    assert len(s) == 2 and int(s[0][1].item()) == 3
    a, b = random_split(_dataset(), [6, 4], generator=np.random.default_rng(0))
    assert len(a) == 6 and sorted(a.indices + b.indices) == list(range(10))
    with pytest.raises(ValueError, match=r"add up to len\(dataset\)=10"):
        random_split(_dataset(), [6, 5])


def test_data_errors():
    with pytest.raises(ValueError, match=r"batch_size must be a positive int, got 0"):
        DataLoader(_dataset(), batch_size=0)
    with pytest.raises(ValueError, match=r"tensor 0 has shape \(3,\), tensor 1 has shape \(2,\)"):
        TensorDataset(lucid.zeros(3), lucid.zeros(2))
    with pytest.raises(TypeError, match=r"generator must be an int seed"):
        DataLoader(_dataset(), generator="seed")


def test_load_digits_split():
    pytest.importorskip("sklearn")
    train, test = load_digits(test_size=0.25, seed=1)
    x, y = train.tensors
    assert x.shape[1:] == (1, 8, 8) and x.dtype == np.float32 and y.dtype == np.int64
    assert len(train) + len(test) == 1797
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    counts = np.bincount(test.tensors[1].numpy(), minlength=10)
    assert counts.min() >= 44 and counts.max() <= 46  # stratified: ~25% of every digit
    flat, _ = load_digits(flatten=True)
    assert flat.tensors[0].shape[1:] == (64,)


def test_load_digits_without_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[examples\]'"):
        load_digits()
