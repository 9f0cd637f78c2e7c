"""Neural-network layers with PyTorch's interface: ``import lucid.nn as nn``.

* :class:`Module` and :class:`Parameter`: the module system (module.py, parameter.py);
* the layers in :mod:`lucid.nn.modules` (one family per file, all re-exported here);
* :mod:`lucid.nn.functional` (``F``): the stateless form of every layer;
* :mod:`lucid.nn.init`: weight initialisation;
* :func:`summary`: a table of a model's layers, output shapes and parameter counts.
"""
from lucid.nn import functional, init
from lucid.nn.module import IncompatibleKeys, Module, RemovableHandle, StateDictError
from lucid.nn.parameter import Parameter
from lucid.nn.modules import *  # noqa: F401,F403  (every layer of lucid/nn/modules/__init__.py as nn.Name)
from lucid.nn.summary import ModelSummary, summary
