"""Every mistake a student makes with lucid.nn, optim, data and save/load gets a clear error.

The same row format as ``test_bad_inputs.py``: an id, a function that makes
the mistake, the exception type, and words the message must contain (the
argument's name, what was expected, what was given).

Integer and boolean tensors into layers with float parameters (``Linear``,
``Conv1d``/``Conv2d``, ``BatchNorm1d``/``2d``, ``LayerNorm``, ``SEModule``)
and into ``Dropout`` raise a ``TypeError`` that says to convert with
``.float()``: a silent promotion would hide a data-loading bug (class
labels fed in as features) and, for ``Dropout``, used to give inf/nan.
"""
from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from lucid import data, nn, optim
from lucid.serialization import SerializationError


def _t(*shape, grad=False, dtype="float32"):
    return lucid.tensor(np.ones(shape), dtype=dtype, requires_grad=grad)


def _i(*shape):
    return lucid.tensor(np.zeros(shape, dtype=np.int64))


def _b(*shape):
    return lucid.tensor(np.ones(shape, dtype=bool))


# ----------------------------------------------------------------------------- helpers that make a mistake
def _load(model, sd, strict=True):
    return lambda: model.load_state_dict(sd, strict=strict)


def _sd_missing():
    sd = nn.Linear(3, 2).state_dict()
    del sd["bias"]
    return nn.Linear(3, 2).load_state_dict(sd)


def _sd_extra():
    sd = nn.Linear(3, 2).state_dict()
    sd["scale"] = np.ones(2, dtype=np.float32)
    return nn.Linear(3, 2).load_state_dict(sd)


def _sd_misshaped():
    return nn.Linear(3, 2).load_state_dict(nn.Linear(4, 2).state_dict())


def _sd_not_array():
    sd = nn.Linear(3, 2).state_dict()
    sd["weight"] = "weights.npy"
    return nn.Linear(3, 2).load_state_dict(sd)


def _sd_nested_missing():
    sd = nn.SEModule(8, 2).state_dict()
    del sd["fc2.weight"]
    return nn.SEModule(8, 2).load_state_dict(sd)


def _sd_bn_misshaped():
    return nn.BatchNorm2d(4).load_state_dict(nn.BatchNorm2d(3).state_dict())


def _sd_unchanged_after_error():
    """A failed load must change nothing (checked by the message claim and by the test below)."""
    model = nn.Linear(3, 2)
    sd = model.state_dict()
    sd["weight"] = np.zeros((2, 4), dtype=np.float32)
    return model.load_state_dict(sd)


def _load_bytes(payload: bytes):
    return lambda: lucid.load(io.BytesIO(payload))


def _valid_checkpoint_bytes() -> bytes:
    buffer = io.BytesIO()
    lucid.save(nn.Linear(8, 8).state_dict(), buffer)
    return buffer.getvalue()


def _foreign_npz_bytes() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, weight=np.ones(3))
    return buffer.getvalue()


def _npy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ones(3))
    return buffer.getvalue()


def _bad_manifest_bytes(manifest: str) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, __lucid__=np.array(manifest), w=np.ones(2))
    return buffer.getvalue()


def _bitflip_bytes() -> bytes:
    raw = bytearray(_valid_checkpoint_bytes())
    for i in range(len(raw) // 3, len(raw) // 3 + 64):
        raw[i] ^= 0xFF
    return bytes(raw)


def _loader_iterate(loader):
    return lambda: next(iter(loader))


def _random_split_bad():
    return data.random_split(data.TensorDataset(_t(10, 2)), [3, 3])


def _tensordataset_mismatch():
    return data.TensorDataset(_t(10, 2), _t(9))


class _NoForward(nn.Module):
    pass


def _assign_non_parameter_tensor_over_parameter():
    layer = nn.Linear(2, 2)
    layer.weight = np.ones((2, 2))


CASES = [
    # --- Linear ---
    ("Linear in_features 0", lambda: nn.Linear(0, 2), ValueError, ["in_features", "positive int", "0"]),
    ("Linear in_features negative", lambda: nn.Linear(-3, 2), ValueError, ["in_features", "positive int", "-3"]),
    ("Linear in_features float", lambda: nn.Linear(3.0, 2), TypeError, ["in_features", "positive int", "3.0"]),
    ("Linear in_features bool", lambda: nn.Linear(True, 2), TypeError, ["in_features", "positive int", "True"]),
    ("Linear in_features str", lambda: nn.Linear("3", 2), TypeError, ["in_features", "positive int", "'3'"]),
    ("Linear out_features 0", lambda: nn.Linear(3, 0), ValueError, ["out_features", "positive int", "0"]),
    ("Linear out_features negative", lambda: nn.Linear(3, -1), ValueError, ["out_features", "-1"]),
    ("Linear out_features float", lambda: nn.Linear(3, 2.5), TypeError, ["out_features", "2.5"]),
    ("Linear out_features None", lambda: nn.Linear(3, None), TypeError, ["out_features", "None"]),
    ("Linear bias not bool", lambda: nn.Linear(3, 2, bias="yes"), TypeError, ["bias", "True or False", "'yes'"]),
    ("Linear wrong in_features", lambda: nn.Linear(3, 2)(_t(5, 4)), ValueError, ["in_features=3", "4", "(5, 4)"]),
    ("Linear scalar input", lambda: nn.Linear(3, 2)(_t()), ValueError, ["in_features=3", "()"]),
    ("Linear string input", lambda: nn.Linear(3, 2)("x"), TypeError, ["input", "Tensor", "str"]),
    ("Linear None input", lambda: nn.Linear(3, 2)(None), TypeError, ["input", "Tensor", "NoneType"]),
    ("Linear ragged list", lambda: nn.Linear(2, 2)([[1.0, 2.0], [3.0]]), ValueError, ["rectangular"]),
    ("Linear int input", lambda: nn.Linear(3, 2)(_i(4, 3)), TypeError, ["Linear", "input", "floating-point", "int64", ".float()"]),
    ("Linear bool input", lambda: nn.Linear(3, 2)(_b(4, 3)), TypeError, ["Linear", "input", "floating-point", "bool"]),
    ("F.linear weight 1-D", lambda: F.linear(_t(2, 3), _t(3)), ValueError, ["weight", "(out_features, in_features)", "(3,)"]),
    ("F.linear mismatch", lambda: F.linear(_t(2, 3), _t(4, 5)), ValueError, ["in_features=5", "(2, 3)"]),
    ("F.linear bias shape", lambda: F.linear(_t(2, 3), _t(4, 3), _t(3)), ValueError, ["bias", "(4,)", "(3,)"]),
    ("F.linear string weight", lambda: F.linear(_t(2, 3), "w"), TypeError, ["weight", "Tensor", "str"]),
    # --- SEModule ---
    ("SE in_channels 0", lambda: nn.SEModule(0), ValueError, ["in_channels", "positive int", "0"]),
    ("SE in_channels negative", lambda: nn.SEModule(-8), ValueError, ["in_channels", "-8"]),
    ("SE in_channels float", lambda: nn.SEModule(64.0), TypeError, ["in_channels", "positive int", "64.0"]),
    ("SE in_channels bool", lambda: nn.SEModule(True), TypeError, ["in_channels", "True"]),
    ("SE reduction 0", lambda: nn.SEModule(64, reduction=0), ValueError, ["reduction", "positive int", "0"]),
    ("SE reduction negative", lambda: nn.SEModule(64, reduction=-4), ValueError, ["reduction", "-4"]),
    ("SE reduction float", lambda: nn.SEModule(64, reduction=16.0), TypeError, ["reduction", "positive int", "16.0"]),
    ("SE reduction bool", lambda: nn.SEModule(64, reduction=False), TypeError, ["reduction", "False"]),
    ("SE reduction str", lambda: nn.SEModule(64, reduction="16"), TypeError, ["reduction", "'16'"]),
    ("SE bias not bool", lambda: nn.SEModule(8, bias=1), TypeError, ["bias", "True or False", "1"]),
    ("SE no spatial axis", lambda: nn.SEModule(8)(_t(4, 8)), ValueError, ["(N, C, *spatial)", "(4, 8)", "unsqueeze"]),
    ("SE unbatched 1-D", lambda: nn.SEModule(8)(_t(8)), ValueError, ["(N, C, *spatial)", "(8,)"]),
    ("SE wrong channels", lambda: nn.SEModule(64)(_t(2, 32, 4, 4)), ValueError, ["in_channels=64", "32 channels", "(2, 32, 4, 4)"]),
    ("SE channels-last", lambda: nn.SEModule(8)(_t(2, 4, 4, 8)), ValueError, ["in_channels=8", "4 channels"]),
    ("SE string input", lambda: nn.SEModule(8)("img"), TypeError, ["Tensor", "str"]),
    ("SE None input", lambda: nn.SEModule(8)(None), TypeError, ["Tensor", "NoneType"]),
    ("SE int input", lambda: nn.SEModule(8)(_i(2, 8, 3)), TypeError, ["SEModule", "floating-point", "int64", ".float()"]),
    ("SE bool input", lambda: nn.SEModule(8)(_b(2, 8, 3)), TypeError, ["SEModule", "floating-point", "bool"]),
    # --- pooling ---
    ("AdaptiveAvgPool2d on 2-D", lambda: nn.AdaptiveAvgPool2d(1)(_t(4, 4)), ValueError, ["adaptive_avg_pool2d", "(N, C, H, W)", "(4, 4)"]),
    ("AdaptiveAvgPool1d on 1-D", lambda: nn.AdaptiveAvgPool1d(1)(_t(4)), ValueError, ["adaptive_avg_pool1d", "(N, C, L)", "(4,)"]),
    ("AdaptiveAvgPool3d on 3-D", lambda: nn.AdaptiveAvgPool3d(1)(_t(2, 4, 4)), ValueError, ["adaptive_avg_pool3d", "(N, C, D, H, W)", "(2, 4, 4)"]),
    ("AdaptiveAvgPool2d size 0", lambda: nn.AdaptiveAvgPool2d(0), ValueError, ["output_size", "positive", "0"]),
    ("AdaptiveAvgPool2d size negative", lambda: nn.AdaptiveAvgPool2d((2, -1)), ValueError, ["output_size", "(2, -1)"]),
    ("AdaptiveAvgPool2d three sizes", lambda: nn.AdaptiveAvgPool2d((1, 2, 3)), ValueError, ["output_size", "2 entries", "(1, 2, 3)"]),
    ("AdaptiveAvgPool1d float size", lambda: nn.AdaptiveAvgPool1d(2.5), TypeError, ["output_size", "2.5"]),
    ("AdaptiveAvgPool2d bool size", lambda: nn.AdaptiveAvgPool2d(True), ValueError, ["output_size", "True"]),
    ("AdaptiveAvgPool2d str size", lambda: nn.AdaptiveAvgPool2d("1"), TypeError, ["output_size", "'1'"]),
    ("AdaptiveAvgPool2d empty axis", lambda: nn.AdaptiveAvgPool2d(1)(_t(1, 2, 0, 3)), ValueError, ["non-empty", "(1, 2, 0, 3)"]),
    ("GlobalAvgPool no spatial", lambda: nn.GlobalAvgPool()(_t(4, 3)), ValueError, ["global_avg_pool", "spatial", "(4, 3)"]),
    ("GlobalAvgPool string", lambda: nn.GlobalAvgPool()("x"), TypeError, ["input", "Tensor", "str"]),
    ("MaxPool2d on 2-D", lambda: nn.MaxPool2d(2)(_t(4, 4)), ValueError, ["max_pool2d", "(N, C, H, W)", "(4, 4)"]),
    ("MaxPool2d kernel 0", lambda: nn.MaxPool2d(0), ValueError, ["kernel_size", ">= 1", "0"]),
    ("MaxPool2d kernel float", lambda: nn.MaxPool2d(2.0), TypeError, ["kernel_size", "int", "2.0"]),
    ("MaxPool2d kernel bool", lambda: nn.MaxPool2d(True), TypeError, ["kernel_size", "int", "True"]),
    ("MaxPool2d stride 0", lambda: nn.MaxPool2d(2, stride=0), ValueError, ["stride", ">= 1", "0"]),
    ("MaxPool2d padding negative", lambda: nn.MaxPool2d(3, padding=-1), ValueError, ["padding", ">= 0", "-1"]),
    ("MaxPool2d padding too big", lambda: nn.MaxPool2d(2, padding=2)(_t(1, 1, 4, 4)), ValueError, ["padding", "half", "kernel_size"]),
    ("MaxPool2d kernel larger than input", lambda: nn.MaxPool2d(5)(_t(1, 1, 3, 3)), ValueError, ["kernel_size=(5, 5)", "does not fit", "(3, 3)"]),
    ("MaxPool2d string input", lambda: nn.MaxPool2d(2)("x"), TypeError, ["input", "Tensor", "str"]),
    ("AvgPool2d kernel 3 ints", lambda: nn.AvgPool2d((2, 2, 2)), TypeError, ["kernel_size", "tuple of 2 ints", "(2, 2, 2)"]),
    ("AvgPool2d on 5-D", lambda: nn.AvgPool2d(2)(_t(1, 1, 2, 4, 4)), ValueError, ["avg_pool2d", "(N, C, H, W)", "(1, 1, 2, 4, 4)"]),
    ("AvgPool2d kernel larger than input", lambda: nn.AvgPool2d(4)(_t(1, 1, 3, 3)), ValueError, ["kernel_size=(4, 4)", "does not fit", "(3, 3)"]),
    ("AvgPool2d divisor 0", lambda: F.avg_pool2d(_t(1, 1, 4, 4), 2, divisor_override=0), ValueError, ["divisor_override", "positive int", "0"]),
    # --- Conv ---
    ("Conv2d in_channels 0", lambda: nn.Conv2d(0, 4, 3), ValueError, ["in_channels", "positive int", "0"]),
    ("Conv2d out_channels negative", lambda: nn.Conv2d(3, -4, 3), ValueError, ["out_channels", "-4"]),
    ("Conv2d in_channels float", lambda: nn.Conv2d(3.0, 4, 3), TypeError, ["in_channels", "3.0"]),
    ("Conv2d out_channels bool", lambda: nn.Conv2d(3, True, 3), TypeError, ["out_channels", "True"]),
    ("Conv2d kernel 0", lambda: nn.Conv2d(3, 4, 0), ValueError, ["kernel_size", ">= 1", "0"]),
    ("Conv2d kernel float", lambda: nn.Conv2d(3, 4, 3.0), TypeError, ["kernel_size", "int", "3.0"]),
    ("Conv2d kernel negative", lambda: nn.Conv2d(3, 4, (3, -1)), ValueError, ["kernel_size", "(3, -1)"]),
    ("Conv2d kernel None", lambda: nn.Conv2d(3, 4, None), TypeError, ["kernel_size", "None"]),
    ("Conv2d stride 0", lambda: nn.Conv2d(3, 4, 3, stride=0), ValueError, ["stride", ">= 1", "0"]),
    ("Conv2d padding negative", lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError, ["padding", ">= 0", "-1"]),
    ("Conv2d padding word", lambda: nn.Conv2d(3, 4, 3, padding="full"), ValueError, ["padding", "'same'", "'full'"]),
    ("Conv2d same with stride", lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), ValueError, ["padding='same'", "stride"]),
    ("Conv2d groups not dividing", lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, ["in_channels=3", "groups"]),
    ("Conv2d groups 0", lambda: nn.Conv2d(4, 4, 3, groups=0), ValueError, ["groups", "positive int", "0"]),
    ("Conv2d bias not bool", lambda: nn.Conv2d(3, 4, 3, bias=None), TypeError, ["bias", "True or False", "None"]),
    ("Conv2d padding_mode", lambda: nn.Conv2d(3, 4, 3, padding_mode="reflect"), ValueError, ["padding_mode", "'zeros'", "'reflect'"]),
    ("Conv2d wrong channels", lambda: nn.Conv2d(3, 4, 3)(_t(2, 5, 8, 8)), ValueError, ["in_channels=3", "5", "(2, 5, 8, 8)"]),
    ("Conv2d channels-last", lambda: nn.Conv2d(3, 4, 3)(_t(2, 8, 8, 3)), ValueError, ["in_channels=3", "(2, 8, 8, 3)"]),
    ("Conv2d on 2-D", lambda: nn.Conv2d(3, 4, 3)(_t(8, 8)), ValueError, ["in_channels=3", "(N, 3, H, W)", "(8, 8)"]),
    ("Conv2d on 5-D", lambda: nn.Conv2d(3, 4, 3)(_t(1, 3, 2, 8, 8)), ValueError, ["(N, 3, H, W)", "(1, 3, 2, 8, 8)"]),
    ("Conv2d kernel larger than input", lambda: nn.Conv2d(3, 4, 5)(_t(1, 3, 3, 3)), ValueError, ["kernel", "(5, 5)", "padded input (3, 3)"]),
    ("Conv2d kernel larger than padded", lambda: nn.Conv2d(1, 1, 7, padding=1)(_t(1, 1, 4, 4)), ValueError, ["(7, 7)", "(6, 6)"]),
    ("Conv2d string input", lambda: nn.Conv2d(3, 4, 3)("x"), TypeError, ["input", "Tensor", "str"]),
    ("Conv2d int input", lambda: nn.Conv2d(3, 4, 3)(_i(1, 3, 5, 5)), TypeError, ["Conv2d", "floating-point", "int64", ".float()"]),
    ("Conv2d bool input", lambda: nn.Conv2d(3, 4, 3)(_b(1, 3, 5, 5)), TypeError, ["Conv2d", "floating-point", "bool"]),
    ("Conv1d wrong channels", lambda: nn.Conv1d(2, 4, 3)(_t(1, 3, 10)), ValueError, ["in_channels=2", "(1, 3, 10)"]),
    ("Conv1d on 4-D", lambda: nn.Conv1d(2, 4, 3)(_t(1, 2, 4, 10)), ValueError, ["(N, 2, L)", "(1, 2, 4, 10)"]),
    ("Conv1d kernel pair", lambda: nn.Conv1d(2, 4, (3, 3)), TypeError, ["kernel_size", "1 ints", "(3, 3)"]),
    ("Conv1d kernel larger than input", lambda: nn.Conv1d(1, 1, 9)(_t(1, 1, 4)), ValueError, ["kernel", "9", "4"]),
    ("Conv1d int input", lambda: nn.Conv1d(2, 4, 3)(_i(1, 2, 10)), TypeError, ["Conv1d", "floating-point", "int64"]),
    ("F.conv2d weight rank", lambda: F.conv2d(_t(1, 3, 5, 5), _t(4, 3, 3)), ValueError, ["weight", "4 dimensions", "(4, 3, 3)"]),
    ("F.conv2d channel mismatch", lambda: F.conv2d(_t(1, 2, 5, 5), _t(4, 3, 3, 3)), ValueError, ["3 channels", "2 channels"]),
    ("F.conv2d bias shape", lambda: F.conv2d(_t(1, 3, 5, 5), _t(4, 3, 3, 3), _t(3)), ValueError, ["bias", "(4,)", "(3,)"]),
    ("F.conv2d int input", lambda: F.conv2d(_i(1, 3, 5, 5), _t(4, 3, 3, 3)), TypeError, ["conv2d", "dtype", "int64", "float32"]),
    ("F.conv2d groups float", lambda: F.conv2d(_t(1, 4, 5, 5), _t(4, 2, 3, 3), groups=2.0), ValueError, ["groups", "2.0"]),
    # --- normalization ---
    ("BatchNorm2d num_features 0", lambda: nn.BatchNorm2d(0), ValueError, ["num_features", "positive int", "0"]),
    ("BatchNorm2d num_features float", lambda: nn.BatchNorm2d(3.0), TypeError, ["num_features", "3.0"]),
    ("BatchNorm2d eps 0", lambda: nn.BatchNorm2d(3, eps=0), ValueError, ["eps", "> 0", "0"]),
    ("BatchNorm2d momentum 2", lambda: nn.BatchNorm2d(3, momentum=2.0), ValueError, ["momentum", "[0, 1]", "2.0"]),
    ("BatchNorm2d momentum str", lambda: nn.BatchNorm2d(3, momentum="0.1"), TypeError, ["momentum", "number", "'0.1'"]),
    ("BatchNorm2d eps str", lambda: nn.BatchNorm2d(3, eps="1e-5"), TypeError, ["eps", "number", "'1e-5'"]),
    ("BatchNorm2d affine not bool", lambda: nn.BatchNorm2d(3, affine="no"), TypeError, ["affine", "'no'"]),
    ("BatchNorm2d wrong channels", lambda: nn.BatchNorm2d(3)(_t(2, 4, 5, 5)), ValueError, ["num_features=3", "(2, 4, 5, 5)"]),
    ("BatchNorm2d on 3-D", lambda: nn.BatchNorm2d(3)(_t(3, 5, 5)), ValueError, ["num_features=3", "(3, 5, 5)"]),
    ("BatchNorm1d on 4-D", lambda: nn.BatchNorm1d(3)(_t(2, 3, 5, 5)), ValueError, ["num_features=3", "(2, 3, 5, 5)"]),
    ("BatchNorm1d one sample", lambda: nn.BatchNorm1d(3)(_t(1, 3)), ValueError, ["more than 1 value per channel", "(1, 3)"]),
    ("BatchNorm2d int input", lambda: nn.BatchNorm2d(3)(_i(2, 3, 4, 4)), TypeError, ["BatchNorm2d", "floating-point", "int64"]),
    ("BatchNorm1d bool input", lambda: nn.BatchNorm1d(3)(_b(4, 3)), TypeError, ["BatchNorm1d", "floating-point", "bool"]),
    ("BatchNorm2d string", lambda: nn.BatchNorm2d(3)("x"), TypeError, ["input", "Tensor", "str"]),
    ("LayerNorm shape 0", lambda: nn.LayerNorm(0), ValueError, ["normalized_shape", "positive int", "0"]),
    ("LayerNorm shape float", lambda: nn.LayerNorm(4.0), TypeError, ["normalized_shape", "4.0"]),
    ("LayerNorm eps negative", lambda: nn.LayerNorm(4, eps=-1e-5), ValueError, ["eps", "> 0"]),
    ("LayerNorm mismatch", lambda: nn.LayerNorm(4)(_t(2, 5)), ValueError, ["normalized_shape=(4,)", "(2, 5)"]),
    ("LayerNorm int input", lambda: nn.LayerNorm(4)(_i(2, 4)), TypeError, ["LayerNorm", "floating-point", "int64"]),
    ("F.batch_norm eval no stats", lambda: F.batch_norm(_t(2, 3)), ValueError, ["running_mean", "training=False"]),
    ("F.batch_norm stat shape", lambda: F.batch_norm(_t(2, 3), _t(4), _t(4)), ValueError, ["running_mean", "(3,)", "(4,)"]),
    ("F.layer_norm weight shape", lambda: F.layer_norm(_t(2, 4), (4,), _t(3)), ValueError, ["weight", "(4,)", "(3,)"]),
    # --- dropout ---
    ("Dropout p 1.5", lambda: nn.Dropout(1.5), ValueError, ["p", "[0, 1]", "1.5"]),
    ("Dropout p negative", lambda: nn.Dropout(-0.1), ValueError, ["p", "[0, 1]", "-0.1"]),
    ("Dropout p bool", lambda: nn.Dropout(True), ValueError, ["p", "True"]),
    ("Dropout p str", lambda: nn.Dropout("0.5"), ValueError, ["p", "'0.5'"]),
    ("F.dropout p 2", lambda: F.dropout(_t(3), 2.0), ValueError, ["p", "[0, 1]", "2.0"]),
    ("Dropout int input", lambda: nn.Dropout(0.5)(_i(6)), TypeError, ["dropout", "floating-point", "int64", ".float()"]),
    ("Dropout string input", lambda: nn.Dropout(0.5)("x"), TypeError, ["input", "Tensor", "str"]),
    # --- activations ---
    ("Softmax dim float", lambda: nn.Softmax(dim=1.0), TypeError, ["dim", "int", "1.0"]),
    ("Softmax dim out of range", lambda: nn.Softmax(dim=2)(_t(2, 3)), ValueError, ["axis=2", "2 dimension"]),
    ("LogSoftmax dim None", lambda: nn.LogSoftmax(dim=None), TypeError, ["dim", "None"]),
    ("LeakyReLU slope str", lambda: nn.LeakyReLU("0.1"), TypeError, ["negative_slope", "number", "'0.1'"]),
    ("GELU approximate", lambda: nn.GELU("fast"), ValueError, ["approximate", "'tanh'", "'fast'"]),
    ("ReLU string input", lambda: nn.ReLU()("x"), TypeError, ["str"]),
    ("Sigmoid None input", lambda: nn.Sigmoid()(None), TypeError, ["NoneType"]),
    ("Flatten start_dim float", lambda: nn.Flatten(1.0), TypeError, ["start_dim", "int", "1.0"]),
    ("Unflatten bad size", lambda: nn.Unflatten(1, (2, 2))(_t(3, 5)), ValueError, ["(2, 2)", "5"]),
    # --- containers and Module ---
    ("Sequential non-module", lambda: nn.Sequential(nn.ReLU(), lambda x: x), TypeError, ["nn.Module", "function"]),
    ("Sequential index out of range", lambda: nn.Sequential(nn.ReLU())[3], IndexError, ["3", "1 module"]),
    ("ModuleList append int", lambda: nn.ModuleList().append(3), TypeError, ["nn.Module", "int"]),
    ("ModuleDict missing key", lambda: nn.ModuleDict({"a": nn.ReLU()})["b"], KeyError, ["'b'", "'a'"]),
    ("Module without forward", lambda: _NoForward()(1), NotImplementedError, ["_NoForward", "forward"]),
    ("assign array over parameter", _assign_non_parameter_tensor_over_parameter, TypeError, ["weight", "Parameter", "ndarray"]),
    ("register_buffer non-tensor", lambda: nn.Linear(2, 2).register_buffer("mask", [1, 0]), TypeError, ["'mask'", "Tensor", "list"]),
    ("register_parameter bad name", lambda: nn.Linear(2, 2).register_parameter("a.b", nn.Parameter(_t(1))), KeyError, ["without '.'", "'a.b'"]),
    ("train(mode) str", lambda: nn.Linear(2, 2).train("eval"), TypeError, ["mode", "bool", "str"]),
    ("Module.to int dtype", lambda: nn.Linear(2, 2).to(dtype="int32"), TypeError, ["floating-point", "int32"]),
    ("Module.to bad device", lambda: nn.Linear(2, 2).to("tpu"), ValueError, ["device", "'tpu'"]),
    ("init on a list", lambda: nn.init.zeros_([1.0, 2.0]), TypeError, ["nn.init.", "Tensor", "list"]),
    ("init bad mode", lambda: nn.init.kaiming_uniform_(nn.Linear(2, 2).weight, mode="fan"), ValueError, ["mode", "'fan_in'", "'fan'"]),
    ("init gain nonlinearity", lambda: nn.init.calculate_gain("swish"), ValueError, ["nonlinearity", "'swish'"]),
    ("init fan of a vector", lambda: nn.init.xavier_uniform_(nn.Parameter(_t(3))), ValueError, ["fan", "2 dimensions", "(3,)"]),
    ("summary non-module", lambda: nn.summary(lambda x: x, (1, 2)), TypeError, ["model", "nn.Module", "function"]),
    # --- load_state_dict ---
    ("load_state_dict missing key", _sd_missing, RuntimeError, ["missing keys", "'bias'", "nothing was changed"]),
    ("load_state_dict extra key", _sd_extra, RuntimeError, ["unexpected keys", "'scale'"]),
    ("load_state_dict mis-shaped", _sd_misshaped, RuntimeError, ["mis-shaped", "'weight'", "(2, 4)", "(2, 3)"]),
    ("load_state_dict nested missing", _sd_nested_missing, RuntimeError, ["missing keys", "'fc2.weight'"]),
    ("load_state_dict buffer mis-shaped", _sd_bn_misshaped, RuntimeError, ["'running_mean'", "(3,)", "(4,)"]),
    ("load_state_dict value a str", _sd_not_array, RuntimeError, ["not arrays", "'weight'", "str"]),
    ("load_state_dict not a dict", lambda: nn.Linear(2, 2).load_state_dict([1, 2]), TypeError, ["dict", "list"]),
    ("load_state_dict a module", lambda: nn.Linear(2, 2).load_state_dict(nn.Linear(2, 2)), TypeError, ["dict", "Linear", "state_dict()"]),
    ("load_state_dict a path", lambda: nn.Linear(2, 2).load_state_dict("model.npz"), TypeError, ["dict", "str", "lucid.load"]),
    ("load_state_dict non-strict still checks shape", lambda: nn.Linear(3, 2).load_state_dict({"weight": np.ones((3, 3))}, strict=False),
     RuntimeError, ["mis-shaped", "(3, 3)", "(2, 3)"]),
    # --- lucid.save / lucid.load ---
    ("load truncated", lambda: lucid.load(io.BytesIO(_valid_checkpoint_bytes()[:200])), SerializationError, ["truncated or corrupted"]),
    ("load empty file", _load_bytes(b""), SerializationError, ["lucid.load", "file object"]),
    ("load random bytes", _load_bytes(b"\x00\x01garbage" * 20), SerializationError, ["lucid.load", "file object", "lucid.save"]),
    ("load corrupted bytes", lambda: lucid.load(io.BytesIO(_bitflip_bytes())), SerializationError, ["lucid.load", "corrupted"]),
    ("load a pickle", _load_bytes(pickle.dumps({"weight": [1.0]})), SerializationError, ["pickled data", "never loads"]),
    ("load foreign npz", lambda: lucid.load(io.BytesIO(_foreign_npz_bytes())), SerializationError, ["lucid.save did not write", "'weight'", "numpy.load"]),
    ("load single npy", lambda: lucid.load(io.BytesIO(_npy_bytes())), SerializationError, ["single .npy array"]),
    ("load manifest not json", lambda: lucid.load(io.BytesIO(_bad_manifest_bytes("{not json"))), SerializationError, ["damaged"]),
    ("load manifest wrong format", lambda: lucid.load(io.BytesIO(_bad_manifest_bytes('{"format": "other"}'))),
     SerializationError, ["unknown manifest format", "'other'"]),
    ("load manifest newer version", lambda: lucid.load(io.BytesIO(_bad_manifest_bytes('{"format": "lucid.save", "version": 99, "tree": {}}'))),
     SerializationError, ["newer lucid", "99"]),
    ("load manifest dangling ref", lambda: lucid.load(io.BytesIO(_bad_manifest_bytes(
        '{"format": "lucid.save", "version": 1, "tree": {"array": "missing"}}'))), SerializationError, ["damaged"]),
    ("load manifest bad tree", lambda: lucid.load(io.BytesIO(_bad_manifest_bytes(
        '{"format": "lucid.save", "version": 1, "tree": [1, 2]}'))), SerializationError, ["damaged"]),
    ("load manifest not an object", lambda: lucid.load(io.BytesIO(_bad_manifest_bytes('[1, 2]'))), SerializationError, ["lucid.load"]),
    ("load missing file", lambda: lucid.load("/nonexistent/dir/model.npz"), FileNotFoundError, ["no such file", "model.npz"]),
    ("load bad device", lambda: lucid.load(io.BytesIO(_valid_checkpoint_bytes()), device="tpu"), ValueError, ["device", "'tpu'"]),
    ("save a module", lambda: lucid.save(nn.Linear(2, 2), io.BytesIO()), SerializationError, ["Linear", "state_dict()"]),
    ("save a function", lambda: lucid.save({"f": print}, io.BytesIO()), SerializationError, ["builtin_function_or_method", "['f']"]),
    ("save tuple key", lambda: lucid.save({(1, 2): 1}, io.BytesIO()), SerializationError, ["dict keys", "str or int", "(1, 2)"]),
    ("save object array", lambda: lucid.save({"a": np.array([None])}, io.BytesIO()), SerializationError, ["Python objects"]),
    # --- optim ---
    ("SGD no parameters", lambda: optim.SGD([], lr=0.1), ValueError, ["params", "empty"]),
    ("SGD empty generator", lambda: optim.SGD(nn.ReLU().parameters(), lr=0.1), ValueError, ["params", "empty"]),
    ("SGD a single tensor", lambda: optim.SGD(nn.Parameter(_t(2)), lr=0.1), TypeError, ["params", "single Tensor", "[tensor]"]),
    ("SGD a module", lambda: optim.SGD(nn.Linear(2, 2), lr=0.1), TypeError, ["params", "Linear", ".parameters()"]),
    ("SGD a Sequential", lambda: optim.SGD(nn.Sequential(nn.Linear(2, 2)), lr=0.1), TypeError, ["params", "Sequential", ".parameters()"]),
    ("SGD an int", lambda: optim.SGD(3, lr=0.1), TypeError, ["params", "iterable", "int"]),
    ("SGD momentum str", lambda: optim.SGD([nn.Parameter(_t(2))], lr=0.1, momentum="0.9"), TypeError, ["momentum", "number", "'0.9'"]),
    ("SGD list of arrays", lambda: optim.SGD([np.ones(2)], lr=0.1), TypeError, ["params", "Tensors", "ndarray"]),
    ("SGD list of floats", lambda: optim.SGD([1.0, 2.0], lr=0.1), TypeError, ["params", "Tensors", "float"]),
    ("SGD non-leaf", lambda: optim.SGD([_t(2, grad=True) * 2], lr=0.1), ValueError, ["leaf"]),
    ("SGD duplicate", lambda: (lambda p: optim.SGD([p, p], lr=0.1))(nn.Parameter(_t(2))), ValueError, ["more than one"]),
    ("SGD lr negative", lambda: optim.SGD([nn.Parameter(_t(2))], lr=-0.1), ValueError, ["lr", ">= 0", "-0.1"]),
    ("SGD lr str", lambda: optim.SGD([nn.Parameter(_t(2))], lr="0.1"), TypeError, ["lr", "number", "'0.1'"]),
    ("SGD lr None", lambda: optim.SGD([nn.Parameter(_t(2))], lr=None), TypeError, ["lr", "number", "None"]),
    ("SGD lr bool", lambda: optim.SGD([nn.Parameter(_t(2))], lr=True), TypeError, ["lr", "number", "True"]),
    ("SGD momentum negative", lambda: optim.SGD([nn.Parameter(_t(2))], lr=0.1, momentum=-0.9), ValueError, ["momentum", ">= 0", "-0.9"]),
    ("SGD nesterov without momentum", lambda: optim.SGD([nn.Parameter(_t(2))], lr=0.1, nesterov=True), ValueError, ["nesterov", "momentum"]),
    ("Adam lr negative", lambda: optim.Adam([nn.Parameter(_t(2))], lr=-1e-3), ValueError, ["lr", ">= 0", "-0.001"]),
    ("Adam lr str", lambda: optim.Adam([nn.Parameter(_t(2))], lr="1e-3"), TypeError, ["lr", "number", "'1e-3'"]),
    ("Adam betas out of range", lambda: optim.Adam([nn.Parameter(_t(2))], betas=(0.9, 1.0)), ValueError, ["betas", "[0, 1)", "(0.9, 1.0)"]),
    ("Adam betas one number", lambda: optim.Adam([nn.Parameter(_t(2))], betas=0.9), TypeError, ["betas", "two numbers", "0.9"]),
    ("Adam eps negative", lambda: optim.Adam([nn.Parameter(_t(2))], eps=-1.0), ValueError, ["eps", ">= 0"]),
    ("AdamW weight_decay negative", lambda: optim.AdamW([nn.Parameter(_t(2))], weight_decay=-0.1), ValueError, ["weight_decay", ">= 0"]),
    ("Adam no parameters", lambda: optim.Adam([]), ValueError, ["params", "empty"]),
    ("add_param_group not dict", lambda: optim.SGD([nn.Parameter(_t(2))], lr=0.1).add_param_group([nn.Parameter(_t(2))]), TypeError, ["param_group", "dict", "list"]),
    ("optimizer load_state_dict bad", lambda: optim.SGD([nn.Parameter(_t(2))], lr=0.1).load_state_dict({"x": 1}), ValueError, ["'state'", "'param_groups'"]),
    ("StepLR step_size 0", lambda: optim.lr_scheduler.StepLR(optim.SGD([nn.Parameter(_t(2))], lr=0.1), 0), ValueError, ["step_size", "positive int", "0"]),
    ("StepLR not an optimizer", lambda: optim.lr_scheduler.StepLR([1], 2), TypeError, ["optimizer", "Optimizer", "list"]),
    ("Cosine T_max float", lambda: optim.lr_scheduler.CosineAnnealingLR(optim.SGD([nn.Parameter(_t(2))], lr=0.1), 2.5), ValueError, ["T_max", "2.5"]),
    # --- data ---
    ("TensorDataset nothing", lambda: data.TensorDataset(), ValueError, ["at least one tensor"]),
    ("TensorDataset array", lambda: data.TensorDataset(np.ones(3)), TypeError, ["argument 0", "Tensor", "ndarray"]),
    ("TensorDataset lengths differ", _tensordataset_mismatch, ValueError, ["first dimension", "10", "9"]),
    ("TensorDataset index out of range", lambda: data.TensorDataset(_t(3, 2))[5], IndexError, ["5", "3"]),
    ("random_split lengths", _random_split_bad, ValueError, ["lengths", "len(dataset)=10", "[3, 3]"]),
    ("DataLoader batch_size 0", lambda: data.DataLoader(data.TensorDataset(_t(4)), batch_size=0), ValueError, ["batch_size", "positive int", "0"]),
    ("DataLoader batch_size float", lambda: data.DataLoader(data.TensorDataset(_t(4)), batch_size=2.0), ValueError, ["batch_size", "2.0"]),
    ("DataLoader batch_size bool", lambda: data.DataLoader(data.TensorDataset(_t(4)), batch_size=True), ValueError, ["batch_size", "True"]),
    ("DataLoader generator str", lambda: data.DataLoader(data.TensorDataset(_t(4)), generator="seed"), TypeError, ["generator", "str"]),
    ("DataLoader not a dataset", lambda: data.DataLoader(5, batch_size=2), TypeError, ["dataset", "int", "__len__"]),
    ("default_collate mixed", lambda: data.default_collate([object(), object()]), TypeError, ["default_collate", "object", "collate_fn"]),
    ("default_collate shapes differ", lambda: data.default_collate([_t(2), _t(3)]), ValueError, ["shape", "(2,)", "(3,)"]),
    ("default_collate empty", lambda: data.default_collate([]), ValueError, ["default_collate", "empty"]),
    ("load_digits test_size 0", lambda: data.load_digits(test_size=0), ValueError, ["test_size", "(0, 1)", "0"]),
    # --- losses ---
    ("MSE shapes differ", lambda: nn.MSELoss()(_t(4, 3), _t(4, 2)), ValueError, ["target", "(4, 3)", "(4, 2)"]),
    ("MSE broadcastable but different", lambda: nn.MSELoss()(_t(4, 1), _t(4)), ValueError, ["target", "(4, 1)", "(4,)"]),
    ("L1 shapes differ", lambda: nn.L1Loss()(_t(3), _t(2)), ValueError, ["target", "(3,)", "(2,)"]),
    ("MSE reduction typo", lambda: nn.MSELoss(reduction="avg"), ValueError, ["reduction", "'mean'", "'avg'"]),
    ("MSE reduction None", lambda: nn.MSELoss(reduction=None), ValueError, ["reduction", "None"]),
    ("MSE reduction bool", lambda: nn.MSELoss(reduction=True), ValueError, ["reduction", "True"]),
    ("F.mse_loss reduction", lambda: F.mse_loss(_t(2), _t(2), reduction="max"), ValueError, ["reduction", "'max'"]),
    ("MSE string target", lambda: nn.MSELoss()(_t(2), "y"), TypeError, ["target", "Tensor", "str"]),
    ("MSE None input", lambda: nn.MSELoss()(None, _t(2)), TypeError, ["input", "Tensor", "NoneType"]),
    ("CE class out of range", lambda: nn.CrossEntropyLoss()(_t(2, 3), lucid.tensor([0, 3])), IndexError, ["target", "[0, 2]", "3"]),
    ("CE negative class", lambda: nn.CrossEntropyLoss()(_t(2, 3), lucid.tensor([-1, 0])), IndexError, ["target", "[0, 2]", "-1"]),
    ("CE float targets of wrong shape", lambda: nn.CrossEntropyLoss()(_t(2, 3), _t(2)), ValueError, ["target", "(2, 3)", "(2,)"]),
    ("CE target batch mismatch", lambda: nn.CrossEntropyLoss()(_t(2, 3), lucid.tensor([0, 1, 2])), ValueError, ["target", "(2,)", "(3,)"]),
    ("CE logits 2-D vs 2-D labels", lambda: nn.CrossEntropyLoss()(_t(2, 3), lucid.tensor([[0], [1]])), ValueError, ["target", "(2,)", "(2, 1)"]),
    ("CE scalar input", lambda: nn.CrossEntropyLoss()(_t(), lucid.tensor(0)), ValueError, ["input", "(N, C)", "()"]),
    ("CE weight shape", lambda: nn.CrossEntropyLoss(weight=_t(2))(_t(2, 3), lucid.tensor([0, 1])), ValueError, ["weight", "(3,)", "(2,)"]),
    ("CE label_smoothing 2", lambda: nn.CrossEntropyLoss(label_smoothing=2.0), ValueError, ["label_smoothing", "[0, 1]", "2.0"]),
    ("CE reduction typo", lambda: nn.CrossEntropyLoss(reduction="average"), ValueError, ["reduction", "'average'"]),
    ("CE ignore_index float", lambda: nn.CrossEntropyLoss(ignore_index=1.5), TypeError, ["ignore_index", "int", "1.5"]),
    ("CE target a list of str", lambda: nn.CrossEntropyLoss()(_t(2, 3), ["a", "b"]), TypeError, ["target"]),
    ("CE weight a list", lambda: nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0]), TypeError, ["weight", "Tensor", "list"]),
    ("NLL class out of range", lambda: nn.NLLLoss()(_t(2, 3), lucid.tensor([5, 0])), IndexError, ["target", "[0, 2]", "5"]),
    ("NLL float target", lambda: nn.NLLLoss()(_t(2, 3), _t(2)), TypeError, ["target", "integer", "float32"]),
    ("NLL bool target", lambda: nn.NLLLoss()(_t(2, 3), _b(2)), TypeError, ["target", "integer", "bool"]),
    ("BCE shapes differ", lambda: nn.BCELoss()(_t(4) * 0.5, _t(4, 1)), ValueError, ["target", "(4,)", "(4, 1)"]),
    ("BCE input outside [0, 1]", lambda: nn.BCELoss()(_t(3) * 2, _t(3)), ValueError, ["input", "[0, 1]"]),
    ("BCEWithLogits shapes differ", lambda: nn.BCEWithLogitsLoss()(_t(4), _t(3)), ValueError, ["target", "(4,)", "(3,)"]),
    ("BCEWithLogits pos_weight shape", lambda: nn.BCEWithLogitsLoss(pos_weight=_t(2))(_t(4, 3), _t(4, 3)), ValueError, ["pos_weight", "(2,)"]),
    ("BCEWithLogits reduction", lambda: nn.BCEWithLogitsLoss(reduction="none!"), ValueError, ["reduction", "'none!'"]),
]


@pytest.mark.parametrize("make_mistake, error, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_nn_mistakes_raise_clear_errors(make_mistake, error, words):
    with pytest.raises(error) as info:
        make_mistake()
    assert type(info.value).__module__.split(".")[0] in ("builtins", "lucid"), type(info.value)
    message = str(info.value)
    for word in words:
        assert word in message, f"message {message!r} should mention {word!r}"


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


def test_failed_load_state_dict_changes_nothing():
    model = nn.Linear(3, 2)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    sd = {"weight": np.zeros((2, 3), dtype=np.float32), "bias": np.zeros(3, dtype=np.float32)}
    with pytest.raises(RuntimeError, match="mis-shaped"):
        model.load_state_dict(sd)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


# ----------------------------------------------------------------------------- devices mixed
def _device_cases():
    return [
        ("Linear on gpu, input on cpu", lambda: nn.Linear(3, 2).to("gpu")(_t(4, 3))),
        ("Linear on cpu, input on gpu", lambda: nn.Linear(3, 2)(_t(4, 3).to("gpu"))),
        ("SEModule on gpu, input on cpu", lambda: nn.SEModule(8, 2).to("gpu")(_t(2, 8, 3, 3))),
        ("Conv2d on gpu, input on cpu", lambda: nn.Conv2d(3, 4, 3).to("gpu")(_t(1, 3, 5, 5))),
        ("BatchNorm2d on cpu, input on gpu", lambda: nn.BatchNorm2d(3)(_t(2, 3, 4, 4).to("gpu"))),
        ("LayerNorm on gpu, input on cpu", lambda: nn.LayerNorm(4).to("gpu")(_t(2, 4))),
        ("MSE input gpu, target cpu", lambda: nn.MSELoss()(_t(3).to("gpu"), _t(3))),
        ("CE logits gpu, labels cpu", lambda: nn.CrossEntropyLoss()(_t(2, 3).to("gpu"), lucid.tensor([0, 1]))),
        ("BCEWithLogits input cpu, target gpu", lambda: nn.BCEWithLogitsLoss()(_t(3), _t(3).to("gpu"))),
        ("F.linear weight gpu", lambda: F.linear(_t(2, 3), _t(4, 3).to("gpu"))),
    ]


@pytest.mark.parametrize("index", range(10), ids=[c[0] for c in _device_cases()])
def test_devices_mixed_in_layers_name_both(strict_gpu, index):
    _, make_mistake = _device_cases()[index]
    with pytest.raises(RuntimeError) as info:
        make_mistake()
    message = str(info.value)
    assert "'cpu'" in message and "'gpu'" in message, message


def test_load_state_dict_moves_values_to_the_module_device(strict_gpu):
    """Not an error: a CPU checkpoint loads into a GPU model (values are moved, not mixed)."""
    src = nn.Linear(3, 2)
    dst = nn.Linear(3, 2).to("gpu")
    dst.load_state_dict(src.state_dict())
    assert dst.weight.device == "gpu"
    np.testing.assert_array_equal(dst.weight.numpy(), src.weight.numpy())


def test_optimizer_with_params_on_two_devices_still_steps_each_on_its_own(strict_gpu):
    a, b = nn.Parameter(_t(2)), nn.Parameter(_t(2).to("gpu"))
    opt = optim.SGD([a, b], lr=0.5)
    a.grad = np.ones(2, dtype=np.float32)
    b.grad = b.data * 1
    opt.step()
    assert a.numpy().tolist() == [0.5, 0.5] and b.numpy().tolist() == [0.5, 0.5] and b.device == "gpu"


# ----------------------------------------------------------------------------- documented dtype rules
def test_floating_inputs_of_other_precision_follow_numpy_promotion():
    """float64 into a float32 layer is NumPy promotion (documented), not an error: the numbers are exact."""
    layer = nn.Linear(3, 2)
    x = np.arange(6.0).reshape(2, 3)
    y = layer(lucid.tensor(x, dtype="float64"))
    assert y.dtype == np.float64
    expected = x @ layer.weight.numpy().astype(np.float64).T + layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)


def test_dtype_rule_is_documented_in_every_layer_with_float_parameters():
    for layer in (nn.Linear, nn.Conv1d, nn.Conv2d, nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.SEModule,
                  nn.Dropout):
        doc = layer.__doc__ or ""
        assert "Notes" in doc and "integer" in doc and ".float()" in doc, layer.__name__


def test_parameter_free_layers_keep_exact_integer_results():
    """Pools and activations on integers are not errors; their results are exact (promotion is NumPy's)."""
    x = lucid.tensor(np.arange(16, dtype=np.int64).reshape(1, 1, 4, 4))
    assert nn.MaxPool2d(2)(x).numpy().tolist() == [[[[5, 7], [13, 15]]]]
    np.testing.assert_array_equal(nn.AvgPool2d(2)(x).numpy(), [[[[2.5, 4.5], [10.5, 12.5]]]])
    assert nn.ReLU()(lucid.tensor([-1, 2])).numpy().tolist() == [0, 2]


# ----------------------------------------------------------------------------- NaN and Inf in layers
def _no_runtime_warnings(recwarn):
    return [str(w.message) for w in recwarn.list if issubclass(w.category, RuntimeWarning)] == []


def test_nan_and_inf_propagate_through_linear_as_ieee_says(recwarn):
    layer = nn.Linear(3, 2)
    x = np.array([[np.nan, 1.0, 2.0], [np.inf, 0.0, 1.0], [-np.inf, np.inf, 0.0], [1.0, 2.0, 3.0]], np.float32)
    xt = lucid.tensor(x, requires_grad=True)
    y = layer(xt)
    y.sum().backward()
    w, b = layer.weight.numpy(), layer.bias.numpy()
    with np.errstate(all="ignore"):
        expected = x @ w.T + b
        expected_gw = np.ones((4, 2), np.float32).T @ x
    # NaN where NumPy has NaN, the same signed inf where it has inf (assert_allclose demands both exactly);
    # the finite values within rounding: lucid's product need not be the same BLAS call as NumPy's
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6, atol=1e-6)
    assert np.isnan(y.numpy()[0]).all() and np.isfinite(y.numpy()[3]).all()
    np.testing.assert_allclose(layer.weight.grad, expected_gw, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(xt.grad, np.broadcast_to(w.sum(axis=0), (4, 3)))  # dL/dx = 1 W: finite
    assert _no_runtime_warnings(recwarn)


def test_nan_in_one_sample_stays_in_that_sample_of_an_se_module(recwarn):
    se = nn.SEModule(8, 2)
    clean = np.random.default_rng(0).standard_normal((3, 8, 4)).astype(np.float32)
    dirty = clean.copy()
    dirty[1, 2, 3] = np.nan
    dirty[2, 0, 0] = np.inf
    y = se(lucid.tensor(dirty)).numpy()
    # other samples untouched: equal to the same sample alone in a batch of 1, within rounding (a batch of 3
    # and a batch of 1 take different BLAS kernels, which round differently; bit-equality is not promised)
    alone = se(lucid.tensor(clean[:1])).numpy()[0]
    assert np.isfinite(y[0]).all()
    np.testing.assert_allclose(y[0], alone, rtol=1e-5, atol=1e-6)
    assert np.isnan(y[1]).all()  # the NaN reaches the gate, so every channel of its sample
    assert np.isnan(y[2]).any()
    x = lucid.tensor(dirty, requires_grad=True)
    se(x).sum().backward()
    assert np.isfinite(x.grad[0]).all() and np.isnan(x.grad[1]).all()
    assert _no_runtime_warnings(recwarn)


def test_nan_and_inf_in_softmax_cross_entropy(recwarn):
    logits = np.array([[1.0, 2.0, 3.0], [np.nan, 0.0, 0.0], [-np.inf, 0.0, 0.0], [0.5, 0.5, -1.0]], np.float32)
    target = lucid.tensor([2, 1, 1, 0])
    x = lucid.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, target, reduction="none")
    values = loss.numpy()
    assert np.isnan(values[1])
    np.testing.assert_allclose(values[2], np.log(2.0), rtol=1e-6)  # exp(-inf) = 0: a finite, exact loss
    expected = F.cross_entropy(lucid.tensor(logits[[0, 3]]), lucid.tensor([2, 0]), reduction="none").numpy()
    np.testing.assert_allclose(values[[0, 3]], expected, rtol=1e-6)  # a batch of 4 vs of 2: within rounding
    loss.sum().backward()
    assert np.isnan(x.grad[1]).all()
    np.testing.assert_allclose(x.grad[2], [0.0, -0.5, 0.5], atol=1e-7)
    assert np.isfinite(x.grad[[0, 3]]).all()
    assert np.isnan(F.cross_entropy(x, target).item())  # the mean of a batch with a NaN is NaN
    assert _no_runtime_warnings(recwarn)


@pytest.mark.parametrize("target, expected, grad", [
    ([0.0, 1.0, 1.0], [0.0, np.log(2.0), 0.0], [0.0, -0.5, 0.0]),
    ([1.0, 0.0, 0.0], [1e4, np.log(2.0), 1e4], [-1.0, 0.5, 1.0]),
])
def test_bce_with_logits_is_finite_and_exact_at_large_magnitudes(recwarn, target, expected, grad):
    x = lucid.tensor([-1e4, 0.0, 1e4], requires_grad=True)
    loss = nn.BCEWithLogitsLoss(reduction="none")(x, lucid.tensor(target))
    loss.sum().backward()
    assert loss.dtype == np.float32 and np.isfinite(loss.numpy()).all() and np.isfinite(x.grad).all()
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(x.grad, grad, rtol=1e-6)
    assert _no_runtime_warnings(recwarn)


def test_bce_clamps_the_log_like_pytorch(recwarn):
    p = lucid.tensor([0.0, 1.0, 0.5], requires_grad=True)
    loss = nn.BCELoss(reduction="none")(p, lucid.tensor([1.0, 0.0, 1.0]))
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0, np.log(2.0)], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(p.grad).all()
    assert _no_runtime_warnings(recwarn)
