"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""
from __future__ import annotations

from typing import Iterable

from lucid import backend
from lucid.autograd.grad_mode import no_grad
from lucid.optim.optimizer import Optimizer, _non_negative, _number

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam: steps scaled by running estimates of the gradient's first and second moments.

    For each parameter :math:`\theta` with gradient :math:`\nabla = \partial L/\partial\theta`, at
    its :math:`t`-th step (:math:`t = 1, 2, \dots`), starting from :math:`m_0 = v_0 = 0` (and
    :math:`v^{\max}_0 = 0` with ``amsgrad``), in this order:

    .. math::

        g_t &= \begin{cases} -\nabla & \text{maximize} \\ \nabla & \text{otherwise} \end{cases} \\
        g_t &\leftarrow g_t + \lambda\, \theta_{t-1} \quad (\text{Adam's L2 weight decay}) \\
        m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        v^{\max}_t &= \max(v^{\max}_{t-1}, v_t) \quad (\text{amsgrad only}) \\
        \hat m_t &= m_t / (1 - \beta_1^t) \\
        \hat v_t &= \begin{cases} v^{\max}_t / (1 - \beta_2^t) & \text{amsgrad} \\
            v_t / (1 - \beta_2^t) & \text{otherwise} \end{cases} \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    ``maximize`` negates the gradient first (before the weight decay), and the step is always
    subtracted.  All operations are elementwise.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups.
    lr : float
        :math:`\\eta`.
    betas : (float, float)
        :math:`(\\beta_1, \\beta_2)`, decay rates of the moment estimates.
    eps : float
        :math:`\\epsilon`, added to the denominator.
    weight_decay : float
        :math:`\\lambda` (added to the gradient; see :class:`AdamW` for the decoupled form).
    amsgrad : bool
        Use the maximum of past :math:`v_t` (Reddi et al., 2018).
    maximize : bool
        Ascend instead of descend.

    References
    ----------
    D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.

    Examples
    --------
    >>> import lucid
    >>> from lucid import optim
    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> # the first step moves each weight by about lr, against its gradient's sign
    >>> opt.step()
    >>> w.numpy().round(4)
    array([ 0.9, -1.9], dtype=float32)
    """

    _decoupled = False

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False):
        name = type(self).__name__
        for key, value in (("lr", lr), ("eps", eps)):
            _non_negative(value, key, name)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be two numbers in [0, 1), got {betas!r}")
        for i, b in enumerate(betas):
            _number(b, f"betas[{i}]", name)
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{name}: Invalid beta parameter at index {i}: {b} (betas must be two numbers in [0, 1), got {tuple(betas)})")
        _non_negative(weight_decay, "weight_decay", name)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    @no_grad()
    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        for group in self.param_groups:
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = backend.zeros(p.data.shape, p.data.dtype, like=p.data)
                    state["exp_avg_sq"] = backend.zeros(p.data.shape, p.data.dtype, like=p.data)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = backend.zeros(p.data.shape, p.data.dtype, like=p.data)
                state["step"] += 1
                # One fused update of p.data, exp_avg and exp_avg_sq in place: one kernel on a GPU.
                backend.adam_step(p.data, g, state["exp_avg"], state["exp_avg_sq"],
                                  state["max_exp_avg_sq"] if group["amsgrad"] else None, lr=lr, betas=(b1, b2),
                                  eps=eps, weight_decay=wd, decoupled=self._decoupled, step=state["step"],
                                  maximize=group["maximize"])
                # in-place writes, like PyTorch's p.mul_ (AdamW's decay) and p.addcdiv_
                p._version[0] += 2 if (self._decoupled and wd != 0) else 1


class AdamW(Adam):
    r"""Adam with *decoupled* weight decay: the parameters shrink directly, not through the gradient.

    The steps of :class:`Adam` (:math:`m_0 = v_0 = 0`, ``maximize`` negating the gradient first,
    ``amsgrad`` the same), except that no :math:`\lambda\theta` is added to :math:`g_t`; instead
    the parameter is shrunk first:

    .. math::

        \theta' &= \theta_{t-1}\, (1 - \eta \lambda) \\
        g_t &= \begin{cases} -\nabla & \text{maximize} \\ \nabla & \text{otherwise} \end{cases} \\
        m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \theta_t &= \theta' - \eta\, \frac{m_t / (1 - \beta_1^t)}{\sqrt{\hat v_t} + \epsilon}

    with :math:`\hat v_t` as in :class:`Adam` (:math:`v_t / (1 - \beta_2^t)`, or the running
    maximum's with ``amsgrad``).

    Parameters are as for :class:`Adam`, with ``weight_decay`` defaulting to 0.01.

    References
    ----------
    I. Loshchilov, F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.

    Examples
    --------
    >>> import lucid
    >>> from lucid import optim
    >>> w = lucid.tensor([1.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = lucid.zeros(1).data   # no gradient: only the decay acts
    >>> opt.step()
    >>> w
    Tensor([0.95], requires_grad=True)
    """

    _decoupled = True

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)
