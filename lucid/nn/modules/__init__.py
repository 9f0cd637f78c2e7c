"""The layers, one family per file; one import line per file (append new families below)."""
from lucid.nn.modules.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from lucid.nn.modules.container import ModuleDict, ModuleList, Sequential
from lucid.nn.modules.flatten import Flatten, Unflatten
from lucid.nn.modules.linear import Identity, Linear
from lucid.nn.modules.pooling import (
    AdaptiveAvgPool, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, GlobalAvgPool,
)
from lucid.nn.modules.squeeze_excitation import SEModule
from lucid.nn.modules.pooling import AvgPool2d, MaxPool2d
from lucid.nn.modules.conv import Conv1d, Conv2d
from lucid.nn.modules.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from lucid.nn.modules.dropout import Dropout
from lucid.nn.modules.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
