"""Learning-rate schedules: ``scheduler.step()`` once per epoch sets each group's ``lr``.

Each schedule is a closed-form function of the epoch counter ``last_epoch``
(:meth:`LRScheduler.lr_at`), which is easy to read and to plot.
"""
from __future__ import annotations

import math

from lucid.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "CosineAnnealingLR"]


class LRScheduler:
    """Base class: remembers each group's initial ``lr`` and sets ``lr_at(epoch)`` on every :meth:`step`.

    Parameters
    ----------
    optimizer : Optimizer
        Whose parameter groups' ``lr`` to set.
    last_epoch : int
        The epoch to resume after; -1 starts from scratch (and sets the epoch-0 rate now).

    Attributes
    ----------
    base_lrs : list of float
        Each group's ``initial_lr``.
    last_epoch : int
        How many times :meth:`step` has run (0 after construction).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be a lucid.optim.Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param group {i} has no 'initial_lr'; resuming (last_epoch={last_epoch}) needs "
                               f"a scheduler that ran before")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:  # pragma: no cover - abstract
        """The learning rate of a group whose initial rate is ``base_lr``, at ``epoch``."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The learning rates for the current ``last_epoch``, one per group."""
        return [self.lr_at(base, self.last_epoch) for base in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch and set every group's ``lr``."""
        self.last_epoch += 1
        self._last_lr = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self) -> list[float]:
        """The learning rates the last :meth:`step` set."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimizer, as a dict."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state from :meth:`state_dict`."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    .. math:: \\eta_t = \\eta_0\\, \\gamma^{\\lfloor t / \\text{step\\_size} \\rfloor}

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer.
    step_size : int
        Epochs between decays.
    gamma : float
        Decay factor.
    last_epoch : int
        Resume after this epoch (-1: start).

    Examples
    --------
    >>> import lucid
    >>> from lucid import optim
    >>> opt = optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(opt.param_groups[0]["lr"]); sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from its initial value to ``eta_min`` along half a cosine over ``T_max`` epochs.

    .. math:: \\eta_t = \\eta_{\\min} + \\frac{\\eta_0 - \\eta_{\\min}}{2}\\Big(1 + \\cos\\frac{\\pi t}{T_{\\max}}\\Big)

    (after :math:`T_{\\max}` the cosine continues, rising again, as PyTorch's does).

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer.
    T_max : int
        Epochs from the initial rate to ``eta_min``.
    eta_min : float
        The smallest rate.
    last_epoch : int
        Resume after this epoch (-1: start).

    References
    ----------
    I. Loshchilov, F. Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.

    Examples
    --------
    >>> import lucid
    >>> from lucid import optim
    >>> opt = optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4)); sched.step()
    >>> lrs
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
