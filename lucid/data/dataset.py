"""Datasets: anything with ``__len__`` and ``__getitem__``; TensorDataset for tensors in memory."""
from __future__ import annotations

import math
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

    Parameters
    ----------
    dataset : Dataset
        Anything with indexing.
    indices : sequence of int
        Positions in ``dataset``: a list of ints, a ``range`` (kept as it is, so
        ``Subset(ds, range(10**12))`` costs nothing) or an integer array.

    Raises
    ------
    TypeError
        If an index is not an integer (``Subset(ds, [1.7])``), as in PyTorch.

    Examples
    --------
    >>> from lucid.data import Subset
    >>> s = Subset(list("abcde"), [4, 0])
    >>> len(s), s[0]
    (2, 'e')
    >>> len(Subset(range(10**12), range(0, 10**12, 2)))
    500000000000
    """

    def __init__(self, dataset: Any, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = _check_indices(indices)

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, list):  # a batch of positions, passed on as one list (as PyTorch's Subset does)
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _check_indices(indices: Any) -> Any:
    """``indices`` as a lazy range, an integer array, or a list of Python ints; TypeError for anything else."""
    if isinstance(indices, range):
        return indices
    if isinstance(indices, np.ndarray):
        if indices.dtype.kind not in "iu" or indices.ndim != 1:
            raise TypeError(f"Subset: indices must be a 1-D array of integers, got a {indices.ndim}-D array of "
                            f"{indices.dtype}")
        return indices
    if isinstance(indices, (str, bytes)) or not hasattr(indices, "__iter__"):
        raise TypeError(f"Subset: indices must be a sequence of ints, got {type(indices).__name__}")
    out = []
    for k, i in enumerate(indices):
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"Subset: indices must be integers; indices[{k}] is {i!r} ({type(i).__name__})")
        out.append(int(i))
    return out


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (or fractions).

    Parameters
    ----------
    dataset : Dataset
        Anything with ``len`` and indexing.
    lengths : sequence of int, or of float
        Sizes of the parts, adding up to ``len(dataset)``; or fractions adding up
        to 1, turned into sizes by PyTorch's rule: ``floor(len(dataset) * f)``
        each, then the remainder handed out one by one from the first part on.
    generator : numpy.random.Generator, optional
        The source of the permutation, e.g. ``numpy.random.default_rng(0)`` (the
        type :func:`lucid.random.generator` returns). Default: that global
        generator (seeded by :func:`lucid.random.seed`).

    Returns
    -------
    list of Subset

    Raises
    ------
    TypeError
        If ``generator`` is not a generator (a seed such as ``0`` is refused rather
        than silently replaced by the global generator), or a length is not a number.
    ValueError
        If the lengths do not add up to ``len(dataset)`` (or the fractions to 1).

    Examples
    --------
    >>> import numpy as np
    >>> from lucid.data import random_split
    >>> a, b = random_split(range(10), [7, 3])
    >>> len(a), len(b), sorted(a.indices + b.indices) == list(range(10))
    (7, 3, True)
    >>> [len(part) for part in random_split(range(10), [0.34, 0.33, 0.33], generator=np.random.default_rng(0))]
    [4, 3, 3]
    """
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"random_split: generator must be a numpy.random.Generator (numpy.random.default_rng(seed), "
                        f"the type lucid.random.generator() returns) or None, got {generator!r} "
                        f"({type(generator).__name__})")
    n = len(dataset)
    lengths = list(lengths)
    for k, x in enumerate(lengths):
        if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
            raise TypeError(f"random_split: lengths[{k}] must be an int or a fraction, got {x!r}")
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:  # fractions, PyTorch's rule
        sizes = []
        for k, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction lengths[{k}]={frac} is not between 0 and 1")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    elif any(isinstance(x, (float, np.floating)) and not float(x).is_integer() for x in lengths):
        raise ValueError(f"random_split: lengths must be ints adding up to len(dataset)={n}, or fractions adding "
                         f"up to 1, got {lengths}")
    lengths = [int(x) for x in lengths]
    if sum(lengths) != n or any(x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative and add up to len(dataset)={n}, "
                         f"got {lengths}")
    order = (generator if generator is not None else random.generator()).permutation(n)
    parts, start = [], 0
    for size in lengths:
        parts.append(Subset(dataset, order[start:start + size].tolist()))
        start += size
    return parts
