"""lucid/nn/modules/container.py: Sequential, ModuleList, ModuleDict."""
from collections import OrderedDict

import pytest

import lucid
from lucid import nn


def test_sequential_indexing_iteration_and_names():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[0], nn.Linear) and model[-1] is model[2]
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    sub = model[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[1] is model[2]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    model.append(nn.Sigmoid())
    assert model(lucid.zeros((4, 2))).shape == (4, 1)
    model[1] = nn.Tanh()
    assert isinstance(model[1], nn.Tanh)
    del model[3]
    assert len(model) == 3
    with pytest.raises(IndexError, match="index 5 is out of range for 3"):
        model[5]
    with pytest.raises(TypeError, match="holds nn.Module objects, got int"):
        nn.Sequential(nn.ReLU(), 3)


def test_sequential_from_ordered_dict():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert model.fc is model[0]
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    layers.append(nn.Linear(2, 2))
    layers.extend([nn.Tanh()])
    layers.insert(0, nn.Identity())
    assert len(layers) == 5 and isinstance(layers[0], nn.Identity) and isinstance(layers[-1], nn.Tanh)
    assert [n for n, _ in layers.named_parameters()] == ["1.weight", "1.bias", "3.weight", "3.bias"]
    del layers[0]
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert isinstance(layers[1:], nn.ModuleList)
    with pytest.raises(NotImplementedError):
        layers(1)


def test_module_list_repr_matches_pytorch(torch):
    ours = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    ref = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU()])
    assert repr(ours) == repr(ref)


def test_module_dict():
    heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
    heads["b"] = nn.Linear(2, 3)
    heads.update([("c", nn.ReLU())])
    assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert isinstance(heads.pop("c"), nn.ReLU) and len(heads) == 2
    with pytest.raises(KeyError, match="has no key 'z'"):
        heads["z"]
