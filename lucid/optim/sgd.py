"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Iterable

from lucid.autograd.grad_mode import no_grad
from lucid import backend
from lucid.optim.optimizer import Optimizer, _non_negative, _number

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (PyTorch's formulation).

    For each parameter :math:`\theta` with gradient :math:`g = \partial L/\partial\theta`, at the
    :math:`t`-th step that finds a gradient on it (:math:`t = 1, 2, \dots`), in this order:

    .. math::

        d_t &= \begin{cases} -g & \text{maximize} \\ g & \text{otherwise} \end{cases} \\
        d_t &\leftarrow d_t + \lambda\, \theta_{t-1} \\
        b_t &= \begin{cases} d_t & t = 1 \\ \mu\, b_{t-1} + (1 - \tau)\, d_t & t > 1 \end{cases} \\
        u_t &= \begin{cases} d_t & \mu = 0 \\ d_t + \mu\, b_t & \text{Nesterov} \\ b_t & \text{otherwise} \end{cases} \\
        \theta_t &= \theta_{t-1} - \eta\, u_t

    ``maximize`` flips the sign of the gradient *before* the weight decay is added, and the
    step is always subtracted: weight decay keeps pulling :math:`\theta` towards 0 while the
    gradient term climbs.  (Adding :math:`\lambda\theta` first and then flipping the step's sign
    would turn the decay into growth.)  The momentum buffer :math:`b` exists only when
    :math:`\mu \ne 0`; its first value is :math:`d_1` itself, with no dampening.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\\eta`.
    momentum : float
        :math:`\\mu` (0 disables momentum).
    dampening : float
        :math:`\\tau`, the part of the new gradient left out of the momentum buffer.
    weight_decay : float
        :math:`\\lambda`, an L2 penalty added to the gradient.
    nesterov : bool
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool
        Ascend instead of descend.

    References
    ----------
    I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of initialization and
    momentum in deep learning", ICML 2013.

    Examples
    --------
    >>> import lucid
    >>> from lucid import optim
    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()   # grad = 2 w
    >>> opt.step()
    >>> w
    Tensor([ 0.8, -1.6], requires_grad=True)
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            _non_negative(value, name, "SGD")
        _number(dampening, "dampening", "SGD")
        if dampening != dampening:
            raise ValueError(f"SGD: Invalid dampening value: {dampening} (dampening must be a number)")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum and zero dampening, "
                             f"got nesterov=True, momentum={momentum}, dampening={dampening}")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    @no_grad()
    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        for group in self.param_groups:
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                # One fused update of p.data (and the momentum buffer) in place: one kernel on a GPU.
                state = self.state.setdefault(p, {}) if mu != 0 else None
                buf = backend.sgd_step(p.data, p.grad, state.get("momentum_buffer") if mu != 0 else None,
                                       lr=lr, momentum=mu, dampening=tau, weight_decay=wd, nesterov=nesterov,
                                       maximize=group["maximize"])
                if mu != 0:
                    state["momentum_buffer"] = buf
                p._version[0] += 1  # an in-place write, like p.data.copy_(...)
