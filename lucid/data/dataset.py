"""Datasets: anything with ``__len__`` and ``__getitem__``; TensorDataset for tensors in memory."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from lucid import random
from lucid.tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split"]


class Dataset:
    """Base class of map-style datasets: ``dataset[i]`` is sample ``i``, ``len(dataset)`` their number.

    Subclasses implement :meth:`__getitem__` and :meth:`__len__`.

    Examples
    --------
    >>> from lucid.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i, i * i
    >>> Squares()[3]
    (3, 9)
    """

    def __getitem__(self, index: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Samples are the rows of one or more tensors of the same length: ``dataset[i] = (t[i] for t in tensors)``.

    :class:`~lucid.data.DataLoader` recognises it and takes whole batches with one
    indexing operation per tensor instead of stacking single rows.

    Parameters
    ----------
    *tensors : Tensor
        All with the same first dimension.

    Examples
    --------
    >>> import lucid
    >>> from lucid.data import TensorDataset
    >>> ds = TensorDataset(lucid.arange(6.0).reshape(3, 2), lucid.tensor([0, 1, 0]))
    >>> len(ds), ds[1]
    (3, (Tensor([2., 3.]), Tensor(1)))
    """

    def __init__(self, *tensors: Tensor):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {i} must be a Tensor, got {type(t).__name__}")
            if t.ndim == 0 or t.shape[0] != tensors[0].shape[0]:
                raise ValueError(f"TensorDataset: every tensor needs the same first dimension; tensor 0 has "
                                 f"shape {tensors[0].shape}, tensor {i} has shape {t.shape}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Examples
    --------
    >>> from lucid.data import Subset
    >>> s = Subset(list("abcde"), [4, 0])
    >>> len(s), s[0]
    (2, 'e')
    """

    def __init__(self, dataset: Any, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Any, lengths: Sequence[int], generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``len`` and indexing.
    lengths : sequence of int
        Sizes of the parts; they must add up to ``len(dataset)``.
    generator : numpy.random.Generator, optional
        Default: :func:`lucid.random.generator` (seeded by :func:`lucid.random.seed`).

    Returns
    -------
    list of Subset

    Examples
    --------
    >>> from lucid.data import random_split
    >>> a, b = random_split(range(10), [7, 3])
    >>> len(a), len(b), sorted(a.indices + b.indices) == list(range(10))
    (7, 3, True)
    """
    lengths = [int(n) for n in lengths]
    if sum(lengths) != len(dataset) or any(n < 0 for n in lengths):
        raise ValueError(f"random_split: lengths must be non-negative and add up to len(dataset)={len(dataset)}, "
                         f"got {lengths}")
    order = (generator or random.generator()).permutation(len(dataset))
    parts, start = [], 0
    for n in lengths:
        parts.append(Subset(dataset, order[start:start + n].tolist()))
        start += n
    return parts
