"""Optimizers: update parameters from their gradients, ``optimizer.step()`` after ``loss.backward()``.

================  ==========================================================
file              contents
================  ==========================================================
optimizer.py      :class:`Optimizer`: parameter groups, ``zero_grad``, state dicts
sgd.py            :class:`SGD` (momentum, dampening, Nesterov, weight decay)
adam.py           :class:`Adam` and :class:`AdamW` (decoupled weight decay)
lr_scheduler.py   :class:`~lucid.optim.lr_scheduler.StepLR`, :class:`~lucid.optim.lr_scheduler.CosineAnnealingLR`
================  ==========================================================

Every update runs under :class:`lucid.no_grad` and writes the parameters'
arrays in place, exactly as PyTorch's optimizers do, so the same start and the
same gradients give the same parameters.
"""
from lucid.optim.optimizer import Optimizer
from lucid.optim.sgd import SGD
from lucid.optim.adam import Adam, AdamW
from lucid.optim import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
