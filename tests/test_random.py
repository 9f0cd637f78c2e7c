"""lucid/random.py: seeding and the random factories (drawn on the host, then moved)."""
import numpy as np
import pytest

import lucid


RANDOM = {
    "rand": lambda **kw: lucid.rand(3, 4, **kw),
    "randn": lambda **kw: lucid.randn((3, 4), **kw),
    "randint": lambda **kw: lucid.randint(0, 10, (3, 4), **kw),
    "uniform": lambda **kw: lucid.random.uniform(-1.0, 1.0, (3, 4), **kw),
    "normal": lambda **kw: lucid.random.normal(2.0, 0.5, (3, 4), **kw),
    "permutation": lambda **kw: lucid.random.permutation(12, **kw),
    "rand_like": lambda **kw: lucid.rand_like(lucid.zeros((3, 4), **kw)),
    "randn_like": lambda **kw: lucid.randn_like(lucid.zeros((3, 4), **kw)),
}


@pytest.mark.parametrize("name", RANDOM)
@pytest.mark.parametrize("seeder", [lucid.random.seed, lucid.manual_seed])
def test_seed_makes_random_factories_reproducible(device, name, seeder):
    fn = RANDOM[name]
    seeder(123)
    a = fn(device=device).numpy()
    b = fn(device=device).numpy()
    seeder(123)
    c = fn(device=device).numpy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


def test_same_numbers_on_every_device(strict_gpu):
    lucid.random.seed(7)
    a = lucid.randn(5).numpy()
    lucid.random.seed(7)
    g = lucid.randn(5, device="gpu")
    assert g.device == "gpu"
    np.testing.assert_array_equal(a, g.numpy())


def test_distributions_and_dtypes(device):
    r = lucid.rand(1000, device=device)
    assert r.dtype == np.float32 and r.device == device
    v = r.numpy()
    assert v.min() >= 0 and v.max() < 1 and abs(v.mean() - 0.5) < 0.05
    n = lucid.randn(2000, dtype="float64", device=device).numpy()
    assert abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1
    i = lucid.randint(3, 6, (1000,), device=device)
    assert i.dtype == np.int64 and set(np.unique(i.numpy())) == {3, 4, 5}
    assert lucid.randint(4, size=(5,)).numpy().max() < 4
    assert sorted(lucid.random.permutation(6, device=device).tolist()) == list(range(6))
    assert lucid.randn(2, requires_grad=True, device=device).requires_grad


def test_state_round_trip():
    state = lucid.random.get_state()
    a = lucid.rand(3).numpy()
    lucid.random.set_state(state)
    np.testing.assert_array_equal(a, lucid.rand(3).numpy())


def test_random_errors():
    with pytest.raises(ValueError, match="seed"):
        lucid.random.seed(-1)
    with pytest.raises(ValueError, match="seed"):
        lucid.manual_seed(1.5)
    with pytest.raises(ValueError, match="high"):
        lucid.randint(5, 5)
