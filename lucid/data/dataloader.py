"""DataLoader: iterate over a dataset in mini-batches, optionally shuffled."""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterator

import numpy as np

from lucid import random
from lucid.data.dataset import TensorDataset
from lucid.ops.shape import stack
from lucid.tensor import Tensor

__all__ = ["DataLoader", "default_collate"]


def default_collate(samples: list) -> Any:
    """Combine a list of samples into a batch: tensors and arrays are stacked on a new axis 0,
    numbers become a 1-D tensor, tuples/lists/dicts are collated field by field.

    Examples
    --------
    >>> import lucid
    >>> from lucid.data import default_collate
    >>> x, y = default_collate([(lucid.zeros(2), 0), (lucid.ones(2), 1)])
    >>> x.shape, y
    ((2, 2), Tensor([0, 1]))
    """
    if len(samples) == 0:
        raise ValueError("default_collate: got an empty list of samples; expected at least one sample")
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples, axis=0)
    if isinstance(first, np.ndarray):
        if first.dtype.kind not in "biufc":
            raise TypeError(f"default_collate: cannot batch arrays of dtype {first.dtype}; pass collate_fn=")
        return Tensor(np.stack(samples))
    if isinstance(first, (str, bytes)):  # text stays a list of strings, as in PyTorch
        return list(samples)
    if isinstance(first, (numbers.Number, np.generic)):
        return Tensor(np.asarray(samples, dtype=np.float32 if isinstance(first, float) else None))
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        size = len(first)
        for k, s in enumerate(samples):
            if len(s) != size:  # zip would silently drop the extra fields
                raise RuntimeError(f"default_collate: each element in list of batch should be of equal size; "
                                   f"sample 0 has {size} fields, sample {k} has {len(s)}")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        if hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return type(first)(fields)
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}; pass collate_fn=")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    Parameters
    ----------
    dataset : Dataset
        Map-style: ``len(dataset)`` and ``dataset[i]``.
    batch_size : int
        Samples per batch (the last one may be smaller unless ``drop_last``).
    shuffle : bool
        Visit the samples in a new random order every epoch.
    drop_last : bool
        Skip the final incomplete batch.
    generator : int or numpy.random.Generator, optional
        The source of the shuffling order: a seed (a generator is created once,
        so epochs differ but every run repeats), a generator, or None for
        :func:`lucid.random.generator` (seeded by :func:`lucid.random.seed`).
    collate_fn : callable, optional
        Turns a list of samples into a batch; default :func:`default_collate`.

    Notes
    -----
    For a :class:`~lucid.data.TensorDataset` (without ``collate_fn``) a batch is
    taken with one indexing operation per tensor, ``t[batch_indices]``, on the
    tensors' own device.

    Examples
    --------
    >>> import lucid
    >>> from lucid.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(lucid.arange(10.0), lucid.arange(10))
    >>> [y.tolist() for _, y in DataLoader(ds, batch_size=4)]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    >>> len(DataLoader(ds, batch_size=4, drop_last=True))
    2
    >>> sorted(sum((y.tolist() for _, y in DataLoader(ds, batch_size=3, shuffle=True, generator=0)), []))
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: int | np.random.Generator | None = None, collate_fn: Callable | None = None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: dataset must support len() and indexing (__len__ and __getitem__), "
                            f"got {type(dataset).__name__}; wrap tensors in lucid.data.TensorDataset")
        if generator is not None and not isinstance(generator, (int, np.integer, np.random.Generator)):
            raise TypeError(f"DataLoader: generator must be an int seed, a numpy.random.Generator or None, "
                            f"got {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = np.random.default_rng(int(generator)) if isinstance(generator, (int, np.integer)) else generator
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        n = len(self.dataset)
        # integer arithmetic: n / batch_size in floating point is wrong for huge datasets
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batches(self) -> Iterator:
        """The index arrays of the batches, made one at a time (nothing of size len(dataset) without shuffle)."""
        n_batches, size = len(self), self.batch_size
        if not self.shuffle:
            for b in range(n_batches):
                yield np.arange(b * size, min((b + 1) * size, len(self.dataset)))
            return
        order = (self.generator or random.generator()).permutation(len(self.dataset))
        for b in range(n_batches):
            yield order[b * size:(b + 1) * size]

    def __iter__(self) -> Iterator:
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        collate = self.collate_fn or default_collate
        for idx in self._batches():
            if fast:
                yield tuple(t[idx] for t in self.dataset.tensors)
            else:
                yield collate([self.dataset[int(i)] for i in idx])
