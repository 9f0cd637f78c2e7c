"""Data: datasets, the mini-batch loader, and the 8x8 digits set for the examples.

================  ==========================================================
file              contents
================  ==========================================================
dataset.py        :class:`Dataset`, :class:`TensorDataset`, :class:`Subset`, :func:`random_split`
dataloader.py     :class:`DataLoader` (batches, shuffling with a seedable generator, drop_last)
digits.py         :func:`load_digits`: scikit-learn's 8x8 handwritten digits, split into train/test
================  ==========================================================
"""
from lucid.data.dataset import Dataset, Subset, TensorDataset, random_split
from lucid.data.dataloader import DataLoader, default_collate
from lucid.data.digits import load_digits

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate", "load_digits"]
