"""Learning-rate schedules: ``scheduler.step()`` once per epoch sets each group's ``lr``.

Each schedule has a closed form, a function of the epoch counter ``last_epoch``
(:meth:`LRScheduler.lr_at`, easy to read and to plot), and, as in PyTorch, a
*chainable* form used by :meth:`LRScheduler.step`: the new rate is computed
from each group's current ``lr``.  The chainable form is what makes a resumed
run (optimizer and scheduler restored from a checkpoint) and a group added
later with ``add_param_group`` follow the schedule exactly as PyTorch does.
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
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"last_epoch must be an int >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param group {i} has no 'initial_lr'; resuming (last_epoch={last_epoch}) needs "
                               f"the optimizer's state_dict from a run that had a scheduler (load it first)")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        # The first step only records the rates: with last_epoch=-1 they are the initial ones, and an
        # optimizer restored from a checkpoint keeps its restored rates (PyTorch's "initial step").
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def lr_at(self, base_lr: float, epoch: int) -> float:  # pragma: no cover - abstract
        """The closed form: the learning rate of a group whose initial rate is ``base_lr``, at ``epoch``."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The chainable form: the rates for the new ``last_epoch`` from each group's current ``lr``."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _closed_form_lr(self) -> list[float]:
        return [self.lr_at(base, self.last_epoch) for base in self.base_lrs]

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set every group's ``lr`` (``epoch=``: jump there with the closed form).

        Every group is updated, also one added with ``add_param_group`` after this scheduler was made.
        """
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            if isinstance(epoch, bool) or not isinstance(epoch, int):
                raise TypeError(f"step(epoch): epoch must be an int or None, got {type(epoch).__name__}")
            self.last_epoch = epoch
            values = self._closed_form_lr()
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise ValueError(f"{type(self).__name__}: the optimizer has {len(groups)} parameter groups but the "
                             f"scheduler knows {len(self.base_lrs)} initial rates (a group was added after the "
                             f"scheduler was made, and this step needs every group's initial_lr)")
        for group, lr in zip(groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last :meth:`step` set."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimizer, as a dict."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state from :meth:`state_dict`.

        Like PyTorch, this restores the scheduler only: the rates in the optimizer's groups come
        from ``optimizer.load_state_dict`` (load both when resuming).

        Examples
        --------
        >>> import lucid
        >>> from lucid import optim
        >>> w = lucid.zeros(1, requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1)
        >>> sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        >>> sched.step()
        >>> saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
        >>> # resume: optimizer first, then a new scheduler
        >>> opt2 = optim.SGD([w], lr=0.1)
        >>> opt2.load_state_dict(saved_opt)
        >>> sched2 = optim.lr_scheduler.StepLR(opt2, step_size=1, gamma=0.5)
        >>> sched2.load_state_dict(saved_sched)
        >>> opt2.param_groups[0]["lr"], sched2.get_last_lr()
        (0.05, [0.05])
        """
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

    def get_lr(self) -> list[float]:
        # chainable: multiply the current rate by gamma at each multiple of step_size
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


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

    def get_lr(self) -> list[float]:
        # PyTorch's recursive form: lr_t - eta_min = (lr_{t-1} - eta_min) * (1 + cos(pi t/T)) / (1 + cos(pi (t-1)/T))
        groups, t, T = self.optimizer.param_groups, self.last_epoch, self.T_max
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and t > 0:  # built with last_epoch >= 0: the closed form
            return self._closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:  # at the bottom of the cosine the ratio is 0/0: step up by the closed form
            if len(self.base_lrs) != len(groups):
                return self._closed_form_lr()  # step() reports the group without initial_lr
            return [group["lr"] + (base - self.eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
                * (group["lr"] - self.eta_min) + self.eta_min for group in groups]
