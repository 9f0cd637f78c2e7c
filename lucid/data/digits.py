"""The 8x8 handwritten digits that ship inside scikit-learn (1,797 images, 10 classes): no download."""
from __future__ import annotations

import numpy as np

from lucid.data.dataset import TensorDataset
from lucid.tensor import Tensor

__all__ = ["load_digits"]


def load_digits(test_size: float = 0.2, seed: int = 0, device: str = "cpu", flatten: bool = False):
    """The UCI optical-digits set (8x8 images, values 0..16) as train and test :class:`TensorDataset` s.

    The split is stratified: every digit keeps the same share in both parts.
    Pixels are scaled to ``[0, 1]``.

    Parameters
    ----------
    test_size : float
        Fraction of each class held out for testing, in (0, 1).
    seed : int
        Seed of the split (independent of :func:`lucid.random.seed`).
    device : {"cpu", "gpu"}
        Where the tensors live.
    flatten : bool
        Images as 64-vectors ``(N, 64)`` instead of ``(N, 1, 8, 8)``.

    Returns
    -------
    train, test : TensorDataset
        Each ``(images float32, labels int64)``.

    Raises
    ------
    ImportError
        If scikit-learn is missing: ``pip install -e '.[examples]'``.

    References
    ----------
    E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning Repository, 1998.

    Examples
    --------
    >>> from lucid.data import load_digits
    >>> train, test = load_digits()
    >>> len(train), len(test), train.tensors[0].shape[1:], train.tensors[1].dtype
    (1438, 359, (1, 8, 8), dtype('int64'))
    """
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError as exc:
        raise ImportError(
            "lucid.data.load_digits needs scikit-learn, which ships the digits set; install the examples "
            "extra: pip install -e '.[examples]' (or pip install scikit-learn)"
        ) from exc
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"load_digits: test_size must be a fraction in (0, 1), got {test_size!r}")
    bunch = sk_load_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    labels = bunch.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    test_idx = []
    for c in np.unique(labels):  # stratified: the same fraction of every class
        members = rng.permutation(np.flatnonzero(labels == c))
        test_idx.append(members[: int(round(test_size * len(members)))])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[np.concatenate(test_idx)] = True
    images = images.reshape(len(images), 64) if flatten else images[:, None]

    def part(mask):
        order = np.flatnonzero(mask)
        return TensorDataset(Tensor(images[order], device=device), Tensor(labels[order], device=device))

    return part(~is_test), part(is_test)
