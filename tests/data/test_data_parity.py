"""Data pipeline edge cases against PyTorch (Trust III items 5, 6 and the lazy loader)."""
from collections import namedtuple

import numpy as np
import pytest

import lucid
from lucid.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split


def test_collate_refuses_ragged_samples(torch):
    from torch.utils.data import default_collate as torch_collate

    for batch in ([(1, 2), (3,)], [[1], [2, 3]], [(1,), (2, 3)]):
        with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
            torch_collate(batch)
        with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
            default_collate(batch)


def test_collate_strings_give_a_list(torch):
    from torch.utils.data import default_collate as torch_collate

    assert default_collate(["a", "bc"]) == torch_collate(["a", "bc"]) == ["a", "bc"]
    text, label = default_collate([("a", 1), ("b", 2)])
    assert list(text) == ["a", "b"] and label.tolist() == [1, 2]


def test_collate_namedtuple_and_bad_arrays():
    Pair = namedtuple("Pair", "x y")
    out = default_collate([Pair(1, 2.0), Pair(3, 4.0)])
    assert isinstance(out, Pair) and out.x.tolist() == [1, 3] and out.y.tolist() == [2.0, 4.0]
    with pytest.raises(TypeError, match="dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_subset_with_a_float_index_is_a_type_error(torch):
    from torch.utils.data import Subset as TorchSubset

    with pytest.raises(TypeError):
        TorchSubset(list(range(5)), [1.7])[0]
    with pytest.raises(TypeError, match=r"indices\[0\] is 1.7"):
        Subset(list(range(5)), [1.7])
    with pytest.raises(TypeError, match="integers"):
        Subset(list(range(5)), np.array([1.0, 2.0]))
    assert Subset(list(range(5)), np.array([4, 1]))[0] == 4
    letters = np.array(list("abc"))
    assert Subset(letters, [2, 0])[[0, 1]].tolist() == ["c", "a"] == TorchSubset(letters, [2, 0])[[0, 1]].tolist()


def test_subset_of_a_range_is_lazy():
    s = Subset(range(10 ** 12), range(10 ** 12 - 5, 10 ** 12))
    assert len(s) == 5 and s[0] == 10 ** 12 - 5 and isinstance(s.indices, range)


@pytest.mark.parametrize("generator", [0, 5, "seed", np.random.RandomState(0)])
def test_random_split_refuses_a_non_generator(generator):
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        random_split(range(10), [5, 5], generator=generator)


def test_random_split_generator_is_reproducible():
    a = random_split(range(10), [5, 5], generator=np.random.default_rng(3))
    b = random_split(range(10), [5, 5], generator=np.random.default_rng(3))
    assert a[0].indices == b[0].indices


@pytest.mark.parametrize("n, fractions", [
    (10, [0.7, 0.3]), (10, [0.5, 0.2, 0.3]), (10, [0.34, 0.33, 0.33]), (11, [0.25] * 4), (7, [0.5, 0.5]),
    (3, [0.1, 0.9]), (100, [0.8, 0.1, 0.1]),
])
def test_random_split_fractions_follow_torch(n, fractions, torch):
    from torch.utils.data import random_split as torch_split

    expected = [len(p) for p in torch_split(range(n), fractions)]
    parts = random_split(range(n), fractions)
    assert [len(p) for p in parts] == expected
    assert sorted(i for p in parts for i in p.indices) == list(range(n))


@pytest.mark.parametrize("lengths, error, message", [
    ([2.5, 7.5], ValueError, "ints adding up to len"),
    ([0.3, 0.3], ValueError, "adding up to len"),
    ([1.2, -0.2], ValueError, "not between 0 and 1"),
    ([4, 4], ValueError, "add up to len"),
    (["a", 10], TypeError, "lengths\\[0\\]"),
])
def test_random_split_bad_lengths(lengths, error, message, torch):
    from torch.utils.data import random_split as torch_split

    with pytest.raises(error, match=message):
        random_split(range(10), lengths)
    with pytest.raises(Exception):  # PyTorch refuses all of them too (some with a TypeError from randperm)
        torch_split(range(10), lengths)


class _Huge(Dataset):
    """A dataset far too long to index in memory."""

    def __len__(self):
        return 10 ** 12

    def __getitem__(self, i):
        return np.float32(i % 7)


def test_dataloader_without_shuffle_is_lazy(torch):
    loader = DataLoader(_Huge(), batch_size=4)
    first = next(iter(loader))  # np.arange(10**12) would need 7 TiB
    assert first.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert len(loader) == 250_000_000_000 == len(torch.utils.data.DataLoader(_Huge(), batch_size=4))
    assert len(DataLoader(_Huge(), batch_size=7, drop_last=True)) == 10 ** 12 // 7


def test_dataloader_batches_unchanged():
    ds = TensorDataset(lucid.arange(10.0), lucid.arange(10))
    assert [y.tolist() for _, y in DataLoader(ds, batch_size=4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [y.tolist() for _, y in DataLoader(ds, batch_size=4, drop_last=True)] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    seen = sorted(sum((y.tolist() for _, y in DataLoader(ds, batch_size=3, shuffle=True, generator=1)), []))
    assert seen == list(range(10))
